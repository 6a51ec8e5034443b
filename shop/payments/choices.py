"""The ways a buyer may pay at checkout: manual bank transfer, and TriPay's channels the owner offers.

A choice travels through the checkout form and the session as one value: "bank_transfer", or
"tripay:<channel code>" (e.g. "tripay:QRIS").
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.orders.models import PaymentMethod
from shop.payments.gateways import tripay
from shop.payments.models import PaymentSettings

GATEWAY_PREFIX = f"{PaymentMethod.TRIPAY}:"
BANK_TRANSFER_GROUP = gettext_lazy("Transfer bank")


@dataclass(frozen=True)
class PaymentOption:
    value: str
    label: str
    group: str
    fee: int = 0
    icon_url: str = ""
    channel_code: str = ""


def payment_options(amount):
    """What the buyer may choose for an order of `amount` rupiah, manual transfer first."""
    options = []
    if PaymentSettings.load().bank_transfer_enabled:
        options.append(
            PaymentOption(
                PaymentMethod.BANK_TRANSFER, _("Transfer bank (dicek manual oleh CS)"), str(BANK_TRANSFER_GROUP)
            )
        )
    for channel in tripay.offered_channels(amount):
        options.append(
            PaymentOption(
                GATEWAY_PREFIX + channel.code,
                channel.name,
                str(channel.group_label),
                fee=tripay.customer_fee(channel, amount),
                icon_url=channel.icon_url,
                channel_code=channel.code,
            )
        )
    return options


def split(value):
    """("bank_transfer", None) or ("tripay", "QRIS") from a choice's value."""
    if value.startswith(GATEWAY_PREFIX):
        return PaymentMethod.TRIPAY, value[len(GATEWAY_PREFIX) :]
    return value, None
