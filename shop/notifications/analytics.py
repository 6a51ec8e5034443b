"""Order events for PostHog (order_placed, order_paid, order_shipped, order_completed), sent from
the server through the outbox.

PostHog's snippet sees only browsers; that an order was paid (by CS or the gateway), shipped or
completed only the server knows. When POSTHOG_KEY is set, each of those changes owes a "posthog"
row beside its email, written in the same transaction, and the outbox worker sends it: a slow or
absent PostHog never holds up an order, and an event counts once PostHog took it. With the key
empty nothing is owed; a row written before the key was emptied is closed as not sent.

Nothing personal leaves the shop. The buyer is an opaque id, a keyed hash (SECRET_KEY) of their
account's id, the same for all their orders; the properties are the order's number, amounts,
item count, payment method and courier, never a name, email, phone number or address.
"""

import uuid

from django.db.models import Sum
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from shop.integrations import posthog
from shop.notifications.models import Notification
from shop.notifications.sending import ChannelDown, GiveUp, NotSent
from shop.orders.models import Order

Kind = Notification.Kind
Channel = Notification.Channel

EVENTS = {
    Kind.PLACED: "order_placed",
    Kind.PAID: "order_paid",
    Kind.SHIPPED: "order_shipped",
    Kind.COMPLETED: "order_completed",
}
# Distinct keys for the two hashes: a buyer's id never equals an event's, whatever the numbers.
BUYER_SALT = "shop.notifications.analytics.buyer"
EVENT_SALT = "shop.notifications.analytics.event"


def channels(kind):
    """The analytics channels an order change of `kind` is owed on, as configured now."""
    return [Channel.POSTHOG] if kind in EVENTS and posthog.is_configured() else []


def buyer_id(user_id):
    """The buyer's distinct id in PostHog: stable per account, and nobody without SECRET_KEY can
    tell whose it is or find it from an email address or account number."""
    return salted_hmac(BUYER_SALT, str(user_id), algorithm="sha256").hexdigest()[:32]


def event_uuid(notification):
    """The event's id, the same each time this row is sent: PostHog keeps one event per id."""
    digest = salted_hmac(EVENT_SALT, str(notification.pk), algorithm="sha256").digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def order_properties(order, item_count):
    return {
        "order_number": order.number,
        "total": order.total,
        "subtotal": order.subtotal,
        "shipping_cost": order.shipping_cost,
        "currency": "IDR",
        "item_count": item_count,
        "payment_method": order.payment_method,
        "courier": order.shipping_courier,
    }


def send_order_event(notification):
    """Send the row's event to PostHog, dated when the order changed, not when it is sent."""
    if not posthog.is_configured():
        raise NotSent(_("Tidak dikirim: PostHog dimatikan (POSTHOG_KEY kosong) setelah pesanan ini berubah."))
    order = Order.objects.get(pk=notification.order_id)
    item_count = order.lines.aggregate(count=Sum("quantity"))["count"] or 0
    try:
        posthog.capture(
            EVENTS[notification.kind],
            distinct_id=buyer_id(order.user_id),
            properties=order_properties(order, item_count),
            timestamp=notification.created_at,
            uuid=event_uuid(notification),
        )
    except posthog.KeyRejected as error:
        raise GiveUp(
            _(
                "PostHog menolak kunci proyek (HTTP %(status)s). Isi POSTHOG_KEY dengan Project API key "
                "yang benar, jalankan ulang toko, lalu klik “Kirim ulang yang gagal”."
            )
            % {"status": error.status}
        ) from error
    except posthog.Unavailable as error:
        raise ChannelDown(str(error)) from error
