"""Shipped orders complete by themselves, as on marketplaces: when the courier reports the parcel
delivered, or AUTO_COMPLETE_DAYS after shipping. A parcel reported lost or returned is flagged
for CS instead, and never completes by the days alone.

The schedule "Lacak paket & selesaikan pesanan" runs auto_complete_orders every hour. BinderByte
is asked outside any transaction (a slow answer must hold no lock), then each answer is recorded
in a short transaction of its own under the order's row lock, so a buyer pressing "Pesanan
diterima" at that moment waits a few milliseconds at most, and whichever comes second changes
nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.inventory.locks import lock_order, lock_order_batch
from shop.notifications import outbox
from shop.orders.models import Order, OrderEvent
from shop.orders.status import TRANSITIONS, OrderStatus
from shop.shipping import tracking
from shop.shipping.couriers import courier_name
from shop.shipping.parcels import ParcelState

from .fulfilment import mark_completed
from .steps import record_event

COMPLETION_BATCH_SIZE = 500
COMPLETES = TRANSITIONS["complete"]
# After this many answers in a row that BinderByte is unreachable, the run stops asking: each
# one waited out the timeout, and the next run tries again.
UNAVAILABLE_IN_A_ROW = 3


def auto_complete_orders(now=None, *, batch_size=COMPLETION_BATCH_SIZE):
    """Complete shipped orders the courier reports delivered, or shipped AUTO_COMPLETE_DAYS ago; returns how many.

    First asks BinderByte after the shipped orders due for it (track_shipped_orders), then
    completes those past the deadline whose parcel was not reported lost or returned.
    """
    now = now or timezone.now()
    return track_shipped_orders(now) + _complete_overdue(now, batch_size)


def track_shipped_orders(now=None):
    """Ask after up to TRACKING_ORDERS_PER_RUN shipped orders, longest shipped first; returns how many completed.

    An order is due when it was never asked after, or last asked TRACKING_CHECK_HOURS ago, so the
    ones asked this run wait their turn and the newer ones get theirs. An answer saying nothing
    (an unknown number, an unreadable body) still counts as asked; BinderByte out of reach or
    refusing the key does not, and ends the run's asking.
    """
    if not tracking.is_enabled():
        return 0
    now = now or timezone.now()
    asked_before = now - timedelta(hours=settings.TRACKING_CHECK_HOURS)
    due = (
        Order.objects.filter(Q(tracking_checked_at__isnull=True) | Q(tracking_checked_at__lte=asked_before))
        .filter(status=OrderStatus.SHIPPED)
        .exclude(tracking_number="")
        .order_by("shipped_at", "pk")
        .only("pk", "courier", "tracking_number")
    )
    completed = unavailable = 0
    for order in due[: settings.TRACKING_ORDERS_PER_RUN]:
        report = tracking.report_for(tracking.courier_of(order), order.tracking_number, now=now)
        if report is not None and report.failure == tracking.REFUSED:
            break
        if report is not None and report.failure == tracking.UNAVAILABLE:
            unavailable += 1
            if unavailable >= UNAVAILABLE_IN_A_ROW:
                break
            continue
        unavailable = 0
        completed += record_parcel(order, report, now)
    return completed


def refresh_parcel(order, now=None):
    """An order page's "Perbarui": ask the courier again unless the status shown is fresh; returns (report, asked).

    A new answer is recorded as the schedule's would be (so a delivered parcel completes the order).
    The report is None when the parcel cannot be tracked live.
    """
    now = now or timezone.now()
    report, asked = tracking.refresh(tracking.courier_of(order), order.tracking_number, now=now)
    if asked and report is not None and report.failure not in (tracking.REFUSED, tracking.UNAVAILABLE):
        record_parcel(order, report, now)
    return report, asked


def record_parcel(order, report, now=None):
    """Record what the courier said of the order's parcel; returns 1 if that completed the order, else 0.

    `report` is a shop.shipping.tracking.ParcelReport, or None when the parcel cannot be tracked
    (a courier BinderByte does not know). Delivered completes the order as the system; lost or
    returned flags it for CS once, with a line in its history. An order no longer shipped, or
    shipped under another number since, is left as it is.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status != OrderStatus.SHIPPED or (report is not None and report.awb != locked.tracking_number):
            return 0
        state = report.state if report is not None and not report.failure else ""
        previous = locked.tracking_state
        locked.tracking_checked_at = now
        changed = ["tracking_checked_at"]
        if state:
            locked.tracking_state = state
            locked.tracking_status = report.status[: Order._meta.get_field("tracking_status").max_length]
            changed += ["tracking_state", "tracking_status", "updated_at"]
        if state == ParcelState.PROBLEM and previous != ParcelState.PROBLEM:
            note = _("Paket bermasalah menurut %(courier)s: %(status)s%(desc)s. Hubungi kurir dan pembeli.") % {
                "courier": courier_name(report.courier),
                "status": report.status,
                "desc": f" ({report.description})" if report.description else "",
            }
            locked.needs_attention = True
            locked.attention_note = "\n".join(part for part in (note, locked.attention_note) if part)[:5000]
            changed += ["needs_attention", "attention_note"]
            record_event(locked, None, OrderStatus.SHIPPED, note)
        locked.save(update_fields=changed)
        if state != ParcelState.DELIVERED:
            return 0
        mark_completed(locked, None, _delivered_note(report))
    return 1


def _delivered_note(report):
    note = _("Selesai otomatis: paket diterima menurut %(courier)s (%(status)s).") % {
        "courier": courier_name(report.courier),
        "status": report.status,
    }
    if report.receiver:
        note += " " + _("Penerima: %(receiver)s.") % {"receiver": report.receiver}
    return note


def _complete_overdue(now, batch_size):
    """Complete shipped orders past AUTO_COMPLETE_DAYS whose parcel was not reported in trouble.

    In batches, each its own short transaction: lock (passing over orders a buyer or CS holds at
    that moment; the next run takes them), complete in one update, write the history and the
    buyers' emails in one insert each.
    """
    days = settings.AUTO_COMPLETE_DAYS
    overdue = Order.objects.filter(status__in=COMPLETES.sources, shipped_at__lte=now - timedelta(days=days)).exclude(
        tracking_state=ParcelState.PROBLEM
    )
    note = _("Selesai otomatis: %(days)s hari sejak paket dikirim.") % {"days": days}
    completed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = lock_order_batch(overdue.filter(pk__gt=last_pk), batch_size, skip_locked=True)
            if not batch:
                return completed
            at = timezone.now()
            Order.objects.filter(pk__in=batch).update(status=COMPLETES.target, completed_at=at, updated_at=at)
            OrderEvent.objects.bulk_create(
                OrderEvent(order_id=pk, from_status=OrderStatus.SHIPPED, to_status=COMPLETES.target, note=note)
                for pk in batch
            )
            outbox.orders_completed(batch)
        completed += len(batch)
        last_pk = batch[-1]
