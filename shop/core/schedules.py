"""The project's scheduled jobs. Created by a migration and by `manage.py setup_schedules`, never by hand."""

from django.utils import timezone

# django_q.models.Schedule types, spelled out so migrations need not import the model.
MINUTES = "I"
DAILY = "D"

SCHEDULES = [
    {
        "name": "Batalkan pesanan kedaluwarsa",
        "func": "shop.services.orders.expire_unpaid_orders",
        "minutes": 5,
    },
    {
        # The safety net under shop.notifications.outbox.kick: messages owed are sent within a minute
        # even when a kick was lost.
        "name": "Kirim notifikasi",
        "func": "shop.notifications.outbox.deliver_notifications",
        "minutes": 1,
    },
    {
        # Asks TriPay after orders whose callback may have been lost, before their deadline passes.
        "name": "Periksa pembayaran TriPay",
        "func": "shop.payments.gateways.tripay_callbacks.reconcile_gateway_orders",
        "minutes": 5,
    },
    {
        # Asks BinderByte after shipped parcels (a bounded number per run), completes the delivered
        # ones and those shipped AUTO_COMPLETE_DAYS ago, flags lost and returned ones for CS.
        "name": "Lacak paket & selesaikan pesanan",
        "func": "shop.services.orders.auto_complete_orders",
        "minutes": 60,
    },
    {
        "name": "Perbarui cara bayar TriPay",
        "func": "shop.payments.gateways.tripay.refresh_channels_quietly",
        "schedule_type": DAILY,
    },
    {
        "name": "Hapus berkas impor lama",
        "func": "shop.imports.cleanup.clear_old_import_files",
        "schedule_type": DAILY,
    },
]


def ensure_schedules(schedule_model):
    """Create or update each schedule by name; running it again makes no duplicate."""
    for spec in SCHEDULES:
        schedule = schedule_model.objects.filter(name=spec["name"]).first()
        if schedule is None:
            schedule = schedule_model(name=spec["name"], next_run=timezone.now())
        schedule.func = spec["func"]
        schedule.schedule_type = spec.get("schedule_type", MINUTES)
        schedule.minutes = spec.get("minutes")
        schedule.repeats = -1
        schedule.save()
