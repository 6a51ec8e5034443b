"""Where a shipped order's parcel is: BinderByte's answer, read into a ParcelReport and cached.

Every caller (the buyer's order page, the staff order page, "Perbarui", CS's tracking number
check when shipping, the hourly schedule) goes through the cache, keyed by courier and tracking
number, so a buyer refreshing the page, CS opening the order and the schedule share one request
of the owner's BinderByte quota per TRACKING_CACHE_MINUTES. "Perbarui" asks again only once the
status shown is TRACKING_REFRESH_MINUTES old. A failure is kept too, for a shorter while: a page
must not wait out BinderByte's timeout on every load while it is down.

Nothing here raises for BinderByte's sake: a failure is a report with `failure` set, which the
page shows next to the number and the courier's site, and the schedule passes over.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.integrations import binderbyte

from .couriers import courier_code_for, courier_name, courier_site
from .parcels import ParcelState, state_for
from .tracking_dates import parse_courier_date

logger = logging.getLogger(__name__)

# Versioned: a report cached by an older shape of ParcelReport must not be read as this one.
CACHE_PREFIX = "tokoku:tracking:v1:"
# Set when BinderByte refuses the key (wrong, or its quota used up): until it expires nobody asks,
# so a page does not wait for an answer that will be no again. Short enough that a renewed quota
# or a corrected key is noticed soon.
PAUSE_KEY = "tokoku:tracking:paused"
PAUSE_AFTER_REFUSAL = timedelta(minutes=30)
# How long a delivered parcel's report is kept: it will not change any more.
DELIVERED_KEPT = timedelta(days=1)

# What went wrong, when BinderByte's answer could not be used.
INVALID, REFUSED, UNAVAILABLE, UNREADABLE = "invalid", "refused", "unavailable", "unreadable"


@dataclass(frozen=True)
class Checkpoint:
    """One line of the parcel's history. `when` is None when the courier's date could not be read."""

    when: datetime | None
    date_text: str
    description: str
    location: str


@dataclass(frozen=True)
class ParcelReport:
    courier: str  # the code BinderByte knows (jne, sicepat, ...)
    awb: str
    fetched_at: datetime
    failure: str = ""  # INVALID, REFUSED, UNAVAILABLE or UNREADABLE; "" when BinderByte answered
    status: str = ""  # the courier's own word: DELIVERED, ON PROCESS, HILANG, ...
    state: str = ""  # a ParcelState, or "" when the status said nothing
    description: str = ""
    receiver: str = ""
    history: tuple[Checkpoint, ...] = ()  # newest first

    @property
    def state_label(self):
        return ParcelState(self.state).label if self.state else ""

    @property
    def delivered(self):
        return self.state == ParcelState.DELIVERED

    @property
    def in_trouble(self):
        return self.state == ParcelState.PROBLEM

    @property
    def latest(self):
        return self.history[0] if self.history else None

    @property
    def failure_message(self):
        return {
            INVALID: _(
                "Nomor resi ini belum dikenali sistem pelacakan. Biasanya karena kurir belum memindai paketnya; "
                "coba lagi beberapa jam lagi."
            ),
            REFUSED: _("Status paket sedang tidak dapat dimuat. Lacak lewat situs kurir dengan nomor resi di atas."),
            UNAVAILABLE: _("Layanan pelacakan sedang tidak menjawab. Coba lagi nanti, atau lacak lewat situs kurir."),
            UNREADABLE: _(
                "Jawaban layanan pelacakan tidak dapat dibaca. Coba lagi nanti, atau lacak lewat situs kurir."
            ),
        }.get(self.failure, "")

    @property
    def failure_message_for_staff(self):
        return {
            INVALID: _(
                "BinderByte belum mengenal nomor resi ini untuk kurir ini: salah ketik, atau paket belum dipindai kurir."
            ),
            REFUSED: _(
                "BinderByte menolak kunci API toko atau kuotanya habis. Periksa BINDERBYTE_API_KEY dan kuota di "
                "binderbyte.com; pelacakan dicoba lagi setelah %(minutes)s menit."
            )
            % {"minutes": PAUSE_AFTER_REFUSAL // timedelta(minutes=1)},
        }.get(self.failure) or self.failure_message

    @property
    def refreshable_at(self):
        """From when "Perbarui" asks BinderByte again instead of showing this report."""
        return self.fetched_at + timedelta(minutes=settings.TRACKING_REFRESH_MINUTES)


def is_enabled():
    return bool(settings.BINDERBYTE_API_KEY)


def courier_of(order):
    """The courier code BinderByte knows for the order's parcel, from the courier CS shipped with ("" if none)."""
    return courier_code_for(order.courier)


def report_for(courier, awb, *, now=None):
    """The parcel's report: the cached one while it is fresh, else BinderByte's answer now.

    None when tracking is off or there is nothing to track (no courier code, no number).
    """
    if not is_enabled() or not courier or not awb:
        return None
    cached = cache.get(_key(courier, awb))
    if cached is not None:
        return cached
    return _ask(courier, awb, now)


def refresh(courier, awb, *, now=None):
    """For "Perbarui": (report, asked). Asks BinderByte again only if the report is old enough, else keeps it."""
    if not is_enabled() or not courier or not awb:
        return None, False
    now = now or timezone.now()
    cached = cache.get(_key(courier, awb))
    if cached is not None and now < cached.refreshable_at:
        return cached, False
    return _ask(courier, awb, now), True


def check_number(courier, awb):
    """What BinderByte says of a number CS is about to ship with; None when tracking is off.

    The answer is cached as any other, so the order page shows it right after shipping.
    """
    return report_for(courier, awb)


def parcel_context(order):
    """What an order page shows of the parcel: the number, the courier and its site, and the report."""
    courier = courier_of(order)
    report = report_for(courier, order.tracking_number) if order.tracking_number else None
    return {
        "parcel": {
            "awb": order.tracking_number,
            "courier": courier,
            "courier_name": courier_name(courier) if courier else order.courier,
            "courier_site": courier_site(courier),
            "live": is_enabled() and bool(courier),
            "report": report,
        }
    }


def _key(courier, awb):
    # Hashed: a tracking number is typed by CS, and cache keys allow only some characters.
    return CACHE_PREFIX + hashlib.sha256(f"{courier.lower()}:{awb.upper()}".encode()).hexdigest()[:40]


def _ask(courier, awb, now=None):
    now = now or timezone.now()
    client = binderbyte.Client.from_settings()
    if client is None:
        return None
    if cache.get(PAUSE_KEY):
        # Not kept under the parcel's key: once the pause ends, the next page asks again.
        return ParcelReport(courier, awb, now, failure=REFUSED)
    try:
        report = _read(courier, awb, client.track(courier, awb), now)
    except binderbyte.InvalidWaybill:
        report = ParcelReport(courier, awb, now, failure=INVALID)
    except binderbyte.BinderbyteRefused as error:
        logger.warning("BinderByte refused the shop's key; tracking paused for %s: %s", PAUSE_AFTER_REFUSAL, error)
        cache.set(PAUSE_KEY, True, int(PAUSE_AFTER_REFUSAL.total_seconds()))
        return ParcelReport(courier, awb, now, failure=REFUSED)
    except binderbyte.BinderbyteUnavailable as error:
        logger.info("BinderByte unavailable for a %s parcel: %s", courier, error)
        report = ParcelReport(courier, awb, now, failure=UNAVAILABLE)
    except binderbyte.BinderbyteError as error:
        logger.warning("BinderByte's answer for a %s parcel could not be read: %s", courier, error)
        report = ParcelReport(courier, awb, now, failure=UNREADABLE)
    cache.set(_key(courier, awb), report, _kept_for(report))
    return report


def _kept_for(report):
    if report.failure:
        return max(60, settings.TRACKING_REFRESH_MINUTES * 60)
    if report.state == ParcelState.DELIVERED:
        return int(DELIVERED_KEPT.total_seconds())
    return max(60, settings.TRACKING_CACHE_MINUTES * 60)


def _read(courier, awb, tracking, now):
    checkpoints = [
        Checkpoint(
            when=parse_courier_date(entry.date, now),
            date_text=entry.date,
            description=entry.desc,
            location=entry.location,
        )
        for entry in tracking.history
    ]
    # BinderByte lists the newest first, it says; when every date can be read, the dates decide.
    if checkpoints and all(point.when for point in checkpoints):
        checkpoints.sort(key=lambda point: point.when, reverse=True)
    status = tracking.summary.status
    return ParcelReport(
        courier=courier,
        awb=awb,
        fetched_at=now,
        status=status,
        state=state_for(status),
        description=tracking.summary.desc,
        receiver=tracking.detail.receiver,
        history=tuple(checkpoints),
    )
