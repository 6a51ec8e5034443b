"""Cancelling an order before it ships, by its buyer, by CS or by the system."""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shop.inventory.locks import lock_order
from shop.inventory.models import StockMovement
from shop.inventory.services import move_variant_stock
from shop.notifications import outbox
from shop.orders import policy
from shop.orders.status import OrderStatus, require

from .steps import in_shop_language, record_event, refreshed

UNVERIFIED_REFUND_NOTE = gettext_lazy(
    "Dibatalkan saat bukti pembayaran belum diverifikasi: periksa mutasi rekening dan kembalikan dana bila transfer masuk."
)


def cancel_order(order, actor, reason, *, transition="cancel"):
    """Cancel an order that has not been shipped, if `actor` may (shop.orders.policy).

    The buyer may cancel until payment is confirmed; CS cancel at the desk that holds the order;
    the system (actor None) always may. `transition` "expire" cancels only an order still unpaid
    (a deadline that has passed), checked under the same lock. The rule is checked under the order's row lock, so the
    order cannot move to another stage between the check and the cancellation. Cancelling
    again changes nothing.

    Unpaid orders took no stock, so none is given back. A `processed` order gets back exactly
    what its own stock movements took. Staff cancelling clears `needs_attention` (their decision
    answers it). The buyer or the system cancelling keeps it, and raises it when a proof was
    still awaiting verification, because that money may need refunding.
    """
    reason = in_shop_language(reason).strip()
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.CANCELLED:
            return refreshed(order, locked)
        require(locked, transition)
        policy.check_cancel(actor, locked)
        if locked.status == OrderStatus.PROCESSED:
            _give_back_stock(locked, actor)
        from_status = locked.status
        by_staff = actor is not None and actor.pk != locked.user_id
        if by_staff:
            locked.needs_attention = False
        elif from_status == OrderStatus.WAITING_VERIFICATION and not locked.needs_attention:
            locked.needs_attention = True
            locked.attention_note = str(UNVERIFIED_REFUND_NOTE)
        locked.status = OrderStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason
        locked.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "needs_attention", "attention_note", "updated_at"]
        )
        record_event(locked, actor, from_status, reason)
        outbox.order_cancelled(locked)
    return refreshed(order, locked)


def _give_back_stock(order, actor):
    taken = StockMovement.objects.filter(order=order).values("variant_id").annotate(net=Sum("delta")).order_by()
    move_variant_stock(
        {row["variant_id"]: -row["net"] for row in taken},
        StockMovement.Reason.CANCELLATION,
        actor=actor,
        order=order,
        note=order.number,
    )
