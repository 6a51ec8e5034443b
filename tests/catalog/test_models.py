import pytest
from django.db import IntegrityError, transaction

from shop.core.money import format_rupiah
from shop.models import Product, StockMovement
from shop.orders.errors import InsufficientStock, OrderError
from shop.services.stock import adjust_stock, move_stock, set_opening_stock
from tests import factories
from tests.helpers import ledger_total

pytestmark = pytest.mark.django_db


def test_opening_stock_is_a_movement(category):
    product = factories.product(category=category)
    set_opening_stock(product, 12)
    product.refresh_from_db()
    assert product.stock == 12
    movement = StockMovement.objects.get(product=product)
    assert (movement.delta, movement.reason) == (12, StockMovement.Reason.OPENING)
    assert ledger_total(product) == product.stock


def test_stock_cannot_go_negative_in_the_database(product):
    # The CHECK constraint holds even for code that bypasses the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)


def test_decrease_beyond_stock_raises_and_writes_nothing(product):
    before = StockMovement.objects.count()
    with pytest.raises(InsufficientStock) as error:
        move_stock(product.pk, -11, StockMovement.Reason.DAMAGED)
    assert product.name in str(error.value)
    product.refresh_from_db()
    assert product.stock == 10
    assert StockMovement.objects.count() == before


def test_adjustments_keep_stock_equal_to_the_ledger(product, admin_user):
    adjust_stock(product, 5, StockMovement.Reason.RESTOCK, actor=admin_user, note="Kiriman pemasok")
    adjust_stock(product, -3, StockMovement.Reason.DAMAGED, actor=admin_user)
    product.refresh_from_db()
    assert product.stock == 12 == ledger_total(product)
    latest = StockMovement.objects.filter(product=product).first()
    assert latest.actor == admin_user and latest.delta == -3


def test_adjustment_needs_a_known_manual_reason(product):
    with pytest.raises(OrderError):
        adjust_stock(product, 1, StockMovement.Reason.SALE)


def test_negative_opening_stock_is_refused(category):
    product = factories.product(category=category)
    with pytest.raises(OrderError):
        set_opening_stock(product, -1)


def test_sku_and_slug_are_unique(product):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.product(sku=product.sku)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.product(slug=product.slug)


def test_product_url_lives_under_the_catalog_page(product, catalog_page):
    assert product.get_absolute_url() == f"{catalog_page.url}{product.slug}/"


def test_discount_and_stock_states(category, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    product = factories.product(category=category, price=150_000, compare_at_price=200_000, stock=3)
    assert product.discount_percent == 25
    assert product.in_stock and product.is_low_stock
    sold_out = factories.product(category=category)
    assert not sold_out.in_stock and not sold_out.is_low_stock


@pytest.mark.parametrize(
    "amount, text",
    [(150000, "Rp 150.000"), (0, "Rp 0"), (1250000, "Rp 1.250.000"), (999, "Rp 999"), (-5000, "-Rp 5.000")],
)
def test_rupiah_format(amount, text):
    assert format_rupiah(amount) == text
