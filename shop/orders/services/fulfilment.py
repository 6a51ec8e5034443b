"""After payment: CS Layer 2 ships the parcel, and the order completes when it has arrived.

Completing by the courier's report or by the days passed is the schedule's (completion.py).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.inventory.locks import lock_order
from shop.notifications import outbox
from shop.orders.errors import OrderError
from shop.orders.models import Order
from shop.orders.policy import check_complete
from shop.orders.status import OrderStatus, require

from .steps import record_event, refreshed


def ship_order(order, actor, courier, tracking_number):
    """CS L2 hands the parcel to the courier: `processed` -> `shipped` with the tracking number.

    Shipping again with the same courier and number (a double click) changes nothing.
    """
    courier = (courier or "").strip()
    tracking_number = (tracking_number or "").strip()
    if not courier or not tracking_number:
        raise OrderError(_("Kurir dan nomor resi wajib diisi."))
    if len(courier) > Order._meta.get_field("courier").max_length:
        raise OrderError(_("Nama kurir terlalu panjang."))
    if len(tracking_number) > Order._meta.get_field("tracking_number").max_length:
        raise OrderError(_("Nomor resi terlalu panjang."))
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.SHIPPED and (locked.courier, locked.tracking_number) == (
            courier,
            tracking_number,
        ):
            return refreshed(order, locked)
        require(locked, "ship")
        locked.status = OrderStatus.SHIPPED
        locked.courier = courier
        locked.tracking_number = tracking_number
        locked.shipped_at = timezone.now()
        locked.save(update_fields=["status", "courier", "tracking_number", "shipped_at", "updated_at"])
        record_event(locked, actor, OrderStatus.PROCESSED, f"{courier} {tracking_number}")
        outbox.order_shipped(locked)
    return refreshed(order, locked)


def complete_order(order, actor, note=""):
    """The parcel has arrived: `shipped` -> `completed`, and the buyer is emailed. Completing again changes nothing.

    The buyer ("Pesanan diterima"), CS L2 ("Tandai selesai") and the system (the schedule of
    shop.orders.services.completion) may complete an order; `note` says why, in its history.
    """
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.COMPLETED:
            return refreshed(order, locked)
        check_complete(actor, locked)
        require(locked, "complete")
        mark_completed(locked, actor, note)
    return refreshed(order, locked)


def mark_completed(locked, actor, note=""):
    """Complete `locked`, an order the caller holds under its row lock and has checked may complete."""
    locked.status = OrderStatus.COMPLETED
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "completed_at", "updated_at"])
    record_event(locked, actor, OrderStatus.SHIPPED, note)
    outbox.order_completed(locked)
