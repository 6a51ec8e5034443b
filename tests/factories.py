"""Small builders for test data. Stock always enters through the service, as in the shop."""

import itertools

from wagtail.models import Page

from home.models import CatalogPage
from shop.models import Category, Product
from shop.services.stock import set_opening_stock

_seq = itertools.count(1)


def catalog_page():
    page = CatalogPage.objects.first()
    if page is None:
        home = Page.objects.get(depth=2)
        page = home.add_child(instance=CatalogPage(title="Produk", slug="produk"))
    return page


def category(name=None, parent=None, sort_order=0):
    n = next(_seq)
    name = name or f"Kategori {n}"
    return Category.objects.create(name=name, slug=f"kategori-{n}", parent=parent, sort_order=sort_order)


def product(stock=0, **fields):
    n = next(_seq)
    defaults = {
        "sku": f"SKU-{n:05d}",
        "name": f"Produk {n}",
        "slug": f"produk-{n}",
        "price": 10_000 + n,
        "weight_grams": 250,
        "is_active": True,
    }
    defaults.update(fields)
    created = Product.objects.create(**defaults)
    if stock:
        set_opening_stock(created, stock)
        created.refresh_from_db(fields=["stock"])
    return created
