"""An order's statuses and the one table of transitions between them.

Services check a transition here before they act; the staff desks, the buyer's pages, the tests
and the SQL of the PostgreSQL paths (checked by tests/orders/test_sql_fence.py) use the same
names, so a rule is written once.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidTransition


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", gettext_lazy("Menunggu Pembayaran")
    WAITING_VERIFICATION = "waiting_verification", gettext_lazy("Menunggu Verifikasi")
    PROCESSED = "processed", gettext_lazy("Diproses")
    SHIPPED = "shipped", gettext_lazy("Dikirim")
    COMPLETED = "completed", gettext_lazy("Selesai")
    CANCELLED = "cancelled", gettext_lazy("Dibatalkan")


# Not yet paid, or paid but not yet verified: nothing has been taken from stock.
UNPAID = (OrderStatus.PENDING_PAYMENT, OrderStatus.WAITING_VERIFICATION)
# Payment confirmed: stock has been taken.
PAID = (OrderStatus.PROCESSED, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
# Once paid only CS may cancel, because stock has been taken and money must be refunded.
BUYER_CANCELLABLE = UNPAID
# A parcel to pack or on its way: what the packing slip and the label are for.
PRINTABLE = (OrderStatus.PROCESSED, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: str
    # Completes "Pesanan … berstatus “…”, jadi tidak dapat …" when the order is elsewhere.
    verb: str


TRANSITIONS = {
    transition.name: transition
    for transition in (
        Transition(
            "submit_proof",
            (OrderStatus.PENDING_PAYMENT,),
            OrderStatus.WAITING_VERIFICATION,
            gettext_lazy("menerima bukti pembayaran"),
        ),
        Transition("confirm_payment", UNPAID, OrderStatus.PROCESSED, gettext_lazy("dikonfirmasi pembayarannya")),
        Transition(
            "reject_payment",
            (OrderStatus.WAITING_VERIFICATION,),
            OrderStatus.PENDING_PAYMENT,
            gettext_lazy("ditolak pembayarannya"),
        ),
        Transition("ship", (OrderStatus.PROCESSED,), OrderStatus.SHIPPED, gettext_lazy("dikirim")),
        Transition("complete", (OrderStatus.SHIPPED,), OrderStatus.COMPLETED, gettext_lazy("diselesaikan")),
        Transition("cancel", (*UNPAID, OrderStatus.PROCESSED), OrderStatus.CANCELLED, gettext_lazy("dibatalkan")),
        Transition("expire", UNPAID, OrderStatus.CANCELLED, gettext_lazy("dibatalkan otomatis")),
    )
}


def allowed_moves():
    """{from status: {to statuses}}: every move an order can make, for checking a history."""
    moves = {status: set() for status in OrderStatus.values}
    for transition in TRANSITIONS.values():
        for source in transition.sources:
            moves[source].add(transition.target)
    return moves


def require(order, name):
    """Raise InvalidTransition unless `order`, as it is now, may take the transition `name`."""
    transition = TRANSITIONS[name]
    if order.status not in transition.sources:
        raise InvalidTransition(
            _("Pesanan %(number)s berstatus “%(status)s”, jadi tidak dapat %(action)s.")
            % {"number": order.number, "status": order.get_status_display(), "action": transition.verb}
        )
    return transition
