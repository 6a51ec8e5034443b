"""The only code that changes a product's stock. Each change writes a StockMovement."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shop.models import Product, StockMovement

from .errors import InsufficientStock, OrderError, Shortage

MANUAL_REASONS = {
    StockMovement.Reason.RESTOCK,
    StockMovement.Reason.CORRECTION,
    StockMovement.Reason.DAMAGED,
    StockMovement.Reason.RETURNED,
}


def move_stock(product_id, delta, reason, *, actor=None, order=None, note=""):
    """Apply one signed change with a conditional UPDATE, so stock never goes below zero.

    Runs inside the caller's transaction when there is one; raises InsufficientStock and
    writes nothing when a decrease would go below zero.
    """
    if delta == 0:
        return None
    with transaction.atomic():
        updated = Product.objects.filter(pk=product_id, stock__gte=-delta if delta < 0 else 0).update(
            stock=F("stock") + delta
        )
        if not updated:
            product = Product.objects.only("name", "stock").get(pk=product_id)
            raise InsufficientStock([Shortage(product_id, product.name, -delta, product.stock)])
        return StockMovement.objects.create(
            product_id=product_id, delta=delta, reason=reason, order=order, actor=actor, note=note
        )


def set_opening_stock(product, quantity, *, actor=None):
    """The first stock of a new product is a movement like any other."""
    if quantity < 0:
        raise OrderError(_("Stok awal tidak boleh negatif."))
    return move_stock(product.pk, quantity, StockMovement.Reason.OPENING, actor=actor, note=_("Stok awal"))


def adjust_stock(product, delta, reason, *, actor=None, note=""):
    """A manual adjustment by staff: restock, correction, damaged or returned goods."""
    if reason not in MANUAL_REASONS:
        raise OrderError(_("Alasan penyesuaian stok tidak dikenal."))
    return move_stock(product.pk, delta, reason, actor=actor, note=note)
