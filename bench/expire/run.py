#!/usr/bin/env python
"""bench/expire: expire_unpaid_orders over N overdue orders vs one raw SQL UPDATE of the same rows.

Run: .venv/bin/python bench/expire/run.py [--orders 100000]
Prints the time of each, their ratio (goal: within 5x of the raw UPDATE, which writes no history)
and the peak Python memory of expiry at two sizes (goal: flat in the number of orders), traced in
runs of their own so that tracing does not slow the timed run.
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
from bench.common import drop_database, setup_django, write_result  # noqa: E402

DATABASE = "tokoku_bench_expire"


def make_overdue_orders(count):
    """Insert `count` pending orders past their deadline in one SQL statement (set-up, not measured)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    user, _ = get_user_model().objects.get_or_create(username="bench@toko.com", defaults={"email": "bench@toko.com"})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM shop_orderevent")
        cursor.execute("DELETE FROM shop_notification")
        cursor.execute("DELETE FROM shop_order")
        cursor.execute(
            """
            INSERT INTO shop_order (number, user_id, status, recipient_name, phone, email, province, city, district,
                postal_code, street, shipping_courier, shipping_service, shipping_cost, payment_method, subtotal,
                unique_code, total, total_weight_grams, payment_deadline, courier, tracking_number, cancel_reason,
                needs_attention, attention_note, created_at, updated_at)
            SELECT 'BENCH-' || g, %s, CASE WHEN g %% 4 = 0 THEN 'waiting_verification' ELSE 'pending_payment' END,
                'Pembeli', '081200000000', '', 'DIY', 'Sleman', 'Ngaglik', '55581', 'Jl. Kaliurang', 'JNE', 'REG',
                10000, 'bank_transfer', 50000, 123, 60123, 500, now() - interval '25 hours', '', '', '', false, '',
                now() - interval '49 hours', now() - interval '49 hours'
            FROM generate_series(1, %s) AS g
            """,
            [user.pk, count],
        )
        # Each side starts from the same clean table, not from the dead rows of the run before.
        cursor.execute("VACUUM ANALYZE shop_order")
        cursor.execute("VACUUM ANALYZE shop_orderevent")


def time_expiry():
    from shop.services.orders import expire_unpaid_orders

    started = time.perf_counter()
    cancelled = expire_unpaid_orders()
    return cancelled, time.perf_counter() - started


def peak_memory_of_expiry():
    """Measured in a run of its own: tracing every allocation slows Python down several times."""
    from shop.services.orders import expire_unpaid_orders

    tracemalloc.start()
    cancelled = expire_unpaid_orders()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return cancelled, peak


def time_raw_update():
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE shop_order SET status = 'cancelled', cancelled_at = now(), updated_at = now() "
            "WHERE status IN ('pending_payment', 'waiting_verification') AND payment_deadline <= now()"
        )
        updated = cursor.rowcount
    return updated, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(DATABASE)
    try:
        small = max(1000, args.orders // 10)
        make_overdue_orders(small)
        small_cancelled, small_peak = peak_memory_of_expiry()
        assert small_cancelled == small, (small_cancelled, small)
        make_overdue_orders(args.orders)
        cancelled, peak = peak_memory_of_expiry()
        assert cancelled == args.orders, (cancelled, args.orders)

        make_overdue_orders(args.orders)
        cancelled, expiry_time = time_expiry()
        assert cancelled == args.orders, (cancelled, args.orders)
        from shop.models import OrderEvent

        assert OrderEvent.objects.count() == args.orders  # every cancellation left its history

        make_overdue_orders(args.orders)
        updated, raw_time = time_raw_update()
        assert updated == args.orders

        ratio = expiry_time / raw_time
        lines = [
            f"bench/expire on PostgreSQL, {args.orders:,} overdue orders",
            f"  expire_unpaid_orders: {expiry_time:8.2f} s  ({args.orders / expiry_time:,.0f} orders/s, with one OrderEvent each)",
            f"  raw SQL UPDATE:       {raw_time:8.2f} s  (status only, no history)",
            f"  ratio expiry / raw:   {ratio:8.2f} x   (goal: <= 5x)",
            f"  peak Python memory:   {small_peak / 1e6:6.1f} MB at {small:,} orders, {peak / 1e6:6.1f} MB at {args.orders:,} orders"
            f" (growth x{peak / max(small_peak, 1):.2f} for x{args.orders / small:.0f} orders)",
        ]
        text = "\n".join(lines) + "\n"
        print(text, end="")
        write_result("expire", text)
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
