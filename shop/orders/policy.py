"""Who may do what to an order: the rules the staff desks show and the services enforce.

Each action needs its Django permission and an order in one of its transition's source
statuses. Cancelling also belongs to the desk that holds the order. The buyer may cancel their
own order until its payment is confirmed; the system (actor None) may cancel any order the
status table allows. A shipped order is marked received by its buyer, by staff who ship, or by
the system.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ActionNotAllowed
from .status import BUYER_CANCELLABLE, PRINTABLE, TRANSITIONS, OrderStatus


@dataclass(frozen=True)
class OrderAction:
    name: str  # also the URL name of its view in every order desk
    label: str
    permission: str
    transition: str
    style: str = ""  # Wagtail button classes for its link on the order page

    @property
    def statuses(self):
        return TRANSITIONS[self.transition].sources


ACTIONS = {
    action.name: action
    for action in (
        OrderAction("confirm", gettext_lazy("Konfirmasi pembayaran"), "shop.confirm_payment", "confirm_payment"),
        OrderAction(
            "reject", gettext_lazy("Tolak bukti"), "shop.confirm_payment", "reject_payment", "button-secondary"
        ),
        OrderAction("ship", gettext_lazy("Kirim"), "shop.ship_order", "ship"),
        OrderAction("complete", gettext_lazy("Tandai selesai"), "shop.ship_order", "complete", "button-secondary"),
        OrderAction(
            "cancel", gettext_lazy("Batalkan pesanan"), "shop.cancel_order", "cancel", "button-secondary serious"
        ),
    )
}

# Cancelling belongs to the desk that holds the order: before payment CS L1's, after it CS L2's,
# because cancelling then puts stock back on the shelves CS L2 packs from.
CANCEL_DESK_PERMISSION = {
    OrderStatus.PENDING_PAYMENT: "shop.confirm_payment",
    OrderStatus.WAITING_VERIFICATION: "shop.confirm_payment",
    OrderStatus.PROCESSED: "shop.ship_order",
}
PRINT_PERMISSION = "shop.ship_order"
# Proofs of transfer hold the buyer's bank details: they are for the buyer, and for those who
# verify payments (CS Layer 1 and the owner), not for every staff member who can see orders.
PROOF_PERMISSION = "shop.confirm_payment"


def may(user, action, order):
    """Whether `user` may do `action` (an OrderAction or its name) to `order` as it is now."""
    action = ACTIONS[action] if isinstance(action, str) else action
    if order.status not in action.statuses or not user.has_perm(action.permission):
        return False
    if action.name == "cancel":
        return user.has_perm(CANCEL_DESK_PERMISSION[order.status])
    return True


def actions_for(user, order):
    return [action for action in ACTIONS.values() if may(user, action, order)]


def may_print(user, order):
    return order.status in PRINTABLE and user.has_perm(PRINT_PERMISSION)


def may_see_proofs(user, order):
    return user.is_authenticated and (user.pk == order.user_id or user.has_perm(PROOF_PERMISSION))


def check_cancel(actor, order):
    """Raise ActionNotAllowed unless `actor` may cancel `order` as it is now.

    Called by cancel_order under the order's row lock, so the answer holds until it commits.
    """
    if actor is None or may(actor, "cancel", order):
        return
    if actor.pk == order.user_id:
        if order.status in BUYER_CANCELLABLE:
            return
        raise ActionNotAllowed(
            _("Pesanan dengan status %(status)s tidak bisa dibatalkan sendiri. Hubungi kami lewat WhatsApp.")
            % {"status": order.get_status_display()}
        )
    raise ActionNotAllowed(
        _("Pesanan %(number)s sekarang berstatus %(status)s; Anda tidak dapat membatalkannya.")
        % {"number": order.number, "status": order.get_status_display()}
    )


def check_complete(actor, order):
    """Raise ActionNotAllowed unless `actor` may mark `order` received: its buyer, the system (None),
    or staff who ship orders. Called by complete_order under the order's row lock."""
    if actor is None or actor.pk == order.user_id or actor.has_perm(ACTIONS["complete"].permission):
        return
    raise ActionNotAllowed(
        _("Pesanan %(number)s hanya dapat ditandai diterima oleh pembelinya.") % {"number": order.number}
    )
