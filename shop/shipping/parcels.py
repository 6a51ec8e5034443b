"""What a courier's word for a parcel's status means to the shop: on its way, delivered, or a problem.

Couriers word their statuses themselves and BinderByte passes them on (DELIVERED, ON PROCESS,
HILANG, RETURN TO SHIPPER, ...); only DELIVERED and HILANG are documented, the rest are read by
the words they contain (unverified). A word we do not know means the parcel is still on its way:
a status we misread must never complete an order nor flag it.
"""

import re

from django.db import models
from django.utils.translation import gettext_lazy


class ParcelState(models.TextChoices):
    IN_TRANSIT = "in_transit", gettext_lazy("Dalam perjalanan")
    DELIVERED = "delivered", gettext_lazy("Terkirim")
    PROBLEM = "problem", gettext_lazy("Bermasalah")


# Lost, damaged, sent back or cancelled: the buyer will not get the parcel without CS.
PROBLEM_WORDS = re.compile(
    r"\b(HILANG|LOST|MISSING|RUSAK|DAMAGED?|RETURN(ED)?|RETUR|RTS|DIKEMBALIKAN|DIRETUR|CANCEL(L?ED)?|BATAL|DIBATALKAN)\b"
)
# "UNDELIVERED", "NOT DELIVERED", "GAGAL DITERIMA": an attempt that failed, which couriers try again.
FAILED_ATTEMPT_WORDS = re.compile(r"\b(UNDELIVERED|NOT DELIVERED|GAGAL|FAILED|BELUM)\b")
# Only words that cannot mean a stop on the way: "diterima" is also "received at the sorting hub".
DELIVERED_WORDS = re.compile(r"\b(DELIVERED|POD)\b")


def state_for(courier_status):
    """The ParcelState for a courier's status text, or "" when it says nothing (an empty status)."""
    words = " ".join((courier_status or "").upper().replace("_", " ").split())
    if not words:
        return ""
    if PROBLEM_WORDS.search(words):
        return ParcelState.PROBLEM
    if DELIVERED_WORDS.search(words) and not FAILED_ATTEMPT_WORDS.search(words):
        return ParcelState.DELIVERED
    return ParcelState.IN_TRANSIT
