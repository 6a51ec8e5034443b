"""adjust_stock(..., expected_stock=): the optimistic check behind the stock adjustment screen, in the service."""

import pytest

from shop.inventory.models import StockMovement
from shop.services.orders import StockChanged
from shop.services.stock import adjust_stock

pytestmark = pytest.mark.django_db

RESTOCK = StockMovement.Reason.RESTOCK


def test_an_adjustment_made_on_the_stock_seen_is_applied(product):
    adjust_stock(product, 5, RESTOCK, expected_stock=10)
    product.refresh_from_db()
    assert product.stock == 15


def test_an_adjustment_made_on_a_stock_that_has_moved_is_refused_and_says_the_stock_now(product):
    adjust_stock(product, 5, RESTOCK, expected_stock=10)
    with pytest.raises(StockChanged, match="berubah menjadi 15") as refused:
        adjust_stock(product, 5, RESTOCK, expected_stock=10)  # the same form submitted twice

    assert refused.value.current_stock == 15
    product.refresh_from_db()
    assert product.stock == 15
    assert product.stock_movements.filter(reason=RESTOCK).count() == 1


def test_without_a_stock_seen_an_adjustment_is_applied_as_before(product):
    adjust_stock(product, -3, StockMovement.Reason.DAMAGED)
    product.refresh_from_db()
    assert product.stock == 7
