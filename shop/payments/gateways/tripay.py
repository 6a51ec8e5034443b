"""TriPay, the automatic payment gateway: its channels, their fees, and starting a payment at checkout.

The HTTP client is shop.integrations.tripay. In development without TriPay keys, a simulator
stands in for it (tripay_simulator.py), so the whole flow runs through the real callback code.
What TriPay reports back (callbacks, and the schedule that asks after missed ones) is in
tripay_callbacks.py.
"""

import logging
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.integrations.tripay import Client, OrderItem, TripayError, TripayRefused, TripayUnavailable
from shop.orders.errors import OrderError
from shop.payments.gateways.tripay_simulator import DEVELOPMENT_PRIVATE_KEY, SimulatedClient
from shop.payments.models import GatewayPayment, PaymentChannel, PaymentSettings

logger = logging.getLogger(__name__)

# TriPay shows at most this much of an item's name.
ITEM_NAME_LENGTH = 250


class GatewayError(OrderError):
    """The gateway could not start a payment; the message tells the buyer what to do instead."""


def simulating():
    """Development without TriPay keys: the simulator answers and callbacks are signed with a development key."""
    return settings.DEBUG and Client.from_settings() is None


def client():
    """The client to ask TriPay with: the real one when its keys are set, the simulator while
    developing without them, or None (then TriPay is not offered)."""
    real = Client.from_settings()
    if real is not None:
        return real
    return SimulatedClient() if settings.DEBUG else None


def private_key():
    """The key callbacks are signed with."""
    return settings.TRIPAY_PRIVATE_KEY or (DEVELOPMENT_PRIVATE_KEY if simulating() else "")


def is_enabled():
    return client() is not None and PaymentSettings.load().tripay_enabled


def refresh_channels():
    """Bring the channel list up to date from TriPay; returns how many channels TriPay lists.

    The owner's choice of which to offer is kept; a channel TriPay no longer lists is switched
    off, not deleted, so the choice comes back with it. Raises TripayError when TriPay cannot be
    asked (the screen shows it; the schedule logs it and tries again tomorrow).
    """
    api = client()
    if api is None:
        return 0
    channels = api.payment_channels()
    with transaction.atomic():
        for channel in channels:
            PaymentChannel.objects.update_or_create(
                code=channel.code,
                defaults={
                    "name": channel.name,
                    "group": channel.group,
                    "fee_flat": channel.fee_customer.flat,
                    "fee_percent": channel.fee_customer.percent,
                    "minimum_fee": channel.minimum_fee,
                    "maximum_fee": channel.maximum_fee,
                    "minimum_amount": channel.minimum_amount,
                    "maximum_amount": channel.maximum_amount,
                    "icon_url": channel.icon_url,
                    "active": channel.active,
                },
            )
        PaymentChannel.objects.exclude(code__in=[channel.code for channel in channels]).update(active=False)
    return len(channels)


def refresh_channels_quietly():
    """The schedule's refresh: a TriPay that cannot be reached now is asked again at the next run."""
    try:
        return refresh_channels()
    except TripayError:
        logger.warning("Could not refresh TriPay's payment channels", exc_info=True)
        return 0


def offered_channels(amount):
    """The channels a buyer may pay `amount` with: offered by the owner, active at TriPay, within their limits."""
    if not is_enabled():
        return []
    return [
        channel
        for channel in PaymentChannel.objects.filter(active=True, offered=True)
        if (channel.minimum_amount is None or amount >= channel.minimum_amount)
        and (channel.maximum_amount is None or amount <= channel.maximum_amount)
    ]


def customer_fee(channel, amount):
    """What the buyer pays on top for this channel: a flat part and a percentage, rounded up to the rupiah.

    TriPay's own figure in its answer to the transaction is what the order keeps; this is the one
    shown before the order is placed, and the two agree for TriPay's published fees.
    """
    percent = (Decimal(amount) * channel.fee_percent / 100).to_integral_value(rounding=ROUND_CEILING)
    return channel.fee_flat + int(percent)


def start_payment(order, channel):
    """Create the TriPay transaction for an order just placed, and keep what the buyer pays with.

    Runs inside place_order's transaction: if TriPay refuses or does not answer, GatewayError
    undoes the whole order, and the buyer can pick another way to pay.
    """
    api = client()
    if api is None:
        raise GatewayError(_("Pembayaran otomatis sedang tidak tersedia. Silakan pilih transfer bank."))
    amount = order.subtotal + order.shipping_cost
    items = [
        OrderItem(name=line.name[:ITEM_NAME_LENGTH], price=line.unit_price, quantity=line.quantity, sku=line.sku)
        for line in order.lines.order_by("pk")
    ]
    if order.shipping_cost:
        items.append(
            OrderItem(
                name=f"Ongkos kirim {order.shipping_courier} {order.shipping_service}",
                price=order.shipping_cost,
                quantity=1,
            )
        )
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    try:
        created = api.create_transaction(
            method=channel.code,
            merchant_ref=order.number,
            amount=amount,
            customer_name=order.recipient_name,
            customer_email=order.email or order.user.email,
            customer_phone=order.phone,
            order_items=items,
            callback_url=base + reverse("shop:tripay_callback"),
            return_url=base + reverse("shop:order_detail", args=[order.number]),
            expired_time=int(order.payment_deadline.timestamp()),
        )
    except TripayRefused as refusal:
        logger.warning("TriPay refused a transaction for %s: %s", order.number, refusal)
        raise GatewayError(
            _("TriPay menolak pembayaran dengan %(channel)s (%(reason)s). Silakan pilih cara bayar lain.")
            % {"channel": channel.name, "reason": refusal.message}
        ) from None
    except TripayUnavailable:
        logger.warning("TriPay did not answer for %s", order.number, exc_info=True)
        raise GatewayError(_("TriPay tidak menjawab. Coba lagi sebentar lagi, atau pilih cara bayar lain.")) from None
    except TripayError:
        logger.exception("TriPay's answer for %s could not be read", order.number)
        raise GatewayError(_("Pembayaran otomatis gagal dibuat. Silakan pilih cara bayar lain.")) from None
    GatewayPayment.objects.create(
        order=order,
        channel_code=channel.code,
        channel_name=created.payment_name or channel.name,
        pay_code=created.pay_code or "",
        checkout_url=created.checkout_url or "",
        qr_string=created.qr_string or "",
        instructions=[{"title": step.title, "steps": list(step.steps)} for step in created.instructions],
    )
    return created
