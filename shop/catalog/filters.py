"""Filters of the product listing, shared by the listing itself and the export in import format."""

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from shop.catalog.models import Category, Product, ProductVariant


class ProductFilterSet(WagtailFilterSet):
    STOCK_CHOICES = [
        ("in", _("Tersedia")),
        ("low", _("Stok menipis")),
        ("out", _("Habis (semua atau sebagian varian)")),
    ]

    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label=_("Kategori"))
    is_active = django_filters.BooleanFilter(label=_("Aktif"))
    stock_state = django_filters.ChoiceFilter(
        choices=STOCK_CHOICES, label=_("Stok"), method="filter_stock_state", empty_label=_("Semua")
    )

    class Meta:
        model = Product
        fields = ["category", "is_active"]

    def filter_stock_state(self, queryset, name, value):
        # Low and sold out are read per variant: one colour running low is worth a look.
        active = ProductVariant.objects.filter(product=OuterRef("pk"), is_active=True)
        if value == "in":
            return queryset.filter(stock__gt=0)
        if value == "low":
            return queryset.filter(Exists(active.filter(stock__gt=0, stock__lte=settings.LOW_STOCK_THRESHOLD)))
        if value == "out":
            return queryset.filter(Q(stock__lte=0) | Exists(active.filter(stock__lte=0)))
        return queryset
