"""bench/callback's parts: the orders it runs on, the books it checks, the CPU it counts and what one call
costs alone; run.py runs the two variants under load and reports (see its docstring).

Orders are TriPay orders awaiting payment as checkout leaves them (payment_reference, total, a
GatewayPayment), made by bulk SQL; each comes with TriPay's PAID callback for it, signed with PRIVATE_KEY.
"""

import cProfile
import hashlib
import hmac
import json
import os
import pstats
import random
import time
from collections import Counter, defaultdict
from contextlib import suppress

from bench.confirm.run import STOCK_SHARE, backend_cpu_seconds, make_products, plan_orders

PATH = "/pembayaran/tripay/callback/"
PRIVATE_KEY = "bench-callback-private-key-not-a-secret"
SUCCESS = b'{"success": true}'
ADDRESS = {"recipient_name": "Pembeli", "phone": "081200000000", "province": "DIY", "city": "Sleman"}
ADDRESS |= {"district": "Ngaglik", "postal_code": "55581", "street": "Jl. Kaliurang"}


# --- Set-up (not measured) -----------------------------------------------------------------------


def make_tripay_orders(plans, product_ids, tag):
    """TriPay orders awaiting payment as checkout leaves them, lines per plan; their (pk, (body, signature))."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from shop.models import GatewayPayment, Order, OrderLine

    buyer, _ = get_user_model().objects.get_or_create(username="buyer@toko.com", defaults={"email": "buyer@toko.com"})
    deadline = timezone.now() + timedelta(hours=24)
    orders = Order.objects.bulk_create(
        Order(
            number=f"CB-{tag}-{n:05d}",
            user=buyer,
            email=buyer.email,
            payment_method=Order.PaymentMethod.TRIPAY,
            payment_reference=f"DEV-T14302{tag}{n:06d}",
            shipping_cost=15_000,
            subtotal=sum(q for _i, q in plan) * 10_000,
            total=sum(q for _i, q in plan) * 10_000 + 15_000,
            payment_deadline=deadline,
            **ADDRESS,
        )
        for n, plan in enumerate(plans)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product_id=product_ids[i], sku=f"CB-{i}", name=f"Produk {i}", unit_price=10_000, quantity=q)
        for order, plan in zip(orders, plans, strict=True)
        for i, q in sorted(plan, key=lambda line: product_ids[line[0]])
    )  # fmt: skip
    steps = [{"title": "Pembayaran via QRIS", "steps": ["Pindai QR Code", "Periksa detail transaksi", "Bayar"]}]
    GatewayPayment.objects.bulk_create(
        GatewayPayment(order=o, channel_code="QRIS", channel_name="QRIS by ShopeePay", qr_string="0002010102" + o.number, instructions=steps)
        for o in orders
    )  # fmt: skip
    return [(order.pk, signed_callback(order)) for order in orders]


def signed_callback(order):
    """TriPay's PAID callback for `order`: the raw body, compact as PHP writes it, and its signature."""
    fee = 750 + -(-order.total * 7 // 1000)  # QRIS, Rp 750 + 0.7%, paid by the merchant
    fields = {"reference": order.payment_reference, "merchant_ref": order.number}
    fields |= {"payment_method": "QRIS by ShopeePay", "payment_method_code": "QRIS", "total_amount": order.total}
    fields |= {"fee_merchant": fee, "fee_customer": 0, "total_fee": fee, "amount_received": order.total - fee}
    fields |= {"is_closed_payment": 1, "status": "PAID", "paid_at": int(time.time()), "note": None}
    body = json.dumps(fields, separators=(",", ":")).encode()
    return body, hmac.new(PRIVATE_KEY.encode(), body, hashlib.sha256).hexdigest()


def prepare(round_no, tag, args):
    """Products, stock and shuffled orders of one variant of a round (the same for both variants)."""
    plans = plan_orders(args.orders, args.products, seed=round_no)
    demand = Counter()
    for plan in plans:
        for index, quantity in plan:
            demand[index] += quantity
    stocks = [int(demand[index] * STOCK_SHARE) for index in range(args.products)]
    product_ids = make_products(args.products, stocks, tag)
    orders = make_tripay_orders(plans, product_ids, tag)
    random.Random(round_no).shuffle(orders)
    warm = make_tripay_orders([[(0, 1)]] * args.workers, make_products(1, [args.workers], f"{tag}W"), f"{tag}W")
    return {"product_ids": product_ids, "initial": dict(zip(product_ids, stocks, strict=True)), "orders": orders, "warm": warm}  # fmt: skip


# --- The books -------------------------------------------------------------------------------------


def check_books(prepared, errors, answers=None):
    """What is wrong after a run, and how many orders were processed and flagged."""
    from django.db.models import Sum

    from shop.models import GatewayCallback, Notification, Order, OrderEvent, OrderLine, Product, StockMovement

    problems, pks, ids = list(errors[:10]), [pk for pk, _callback in prepared["orders"]], prepared["product_ids"]
    stock = dict(Product.objects.filter(pk__in=ids).values_list("pk", "stock"))
    moved = StockMovement.objects.filter(product_id__in=ids).values("product_id").annotate(total=Sum("delta"))
    ledger = {row["product_id"]: row["total"] for row in moved}
    orders = Order.objects.filter(pk__in=pks)
    processed = set(orders.filter(status=Order.Status.PROCESSED).values_list("pk", flat=True))
    flagged = set(orders.filter(status=Order.Status.PENDING_PAYMENT, needs_attention=True).values_list("pk", flat=True))
    if len(processed) + len(flagged) != len(pks):
        problems.append(f"{len(pks) - len(processed) - len(flagged)} orders neither processed nor flagged")
    lines, sold = defaultdict(list), Counter()
    for order, product, quantity in OrderLine.objects.filter(order_id__in=pks).values_list(
        "order", "product", "quantity"
    ):
        lines[order].append((product, quantity))
        sold[product] += quantity if order in processed else 0
    for pk in ids:
        if not 0 <= stock[pk] == ledger.get(pk, 0) == prepared["initial"][pk] - sold[pk]:
            problems.append(f"product {pk}: stock {stock[pk]}, ledger {ledger.get(pk)}, {prepared['initial'][pk]} - {sold[pk]} sold")  # fmt: skip
    sales = Counter(StockMovement.objects.filter(order_id__in=pks, reason="sale").values_list("order_id", flat=True))
    problems += [f"order {pk}: {sales[pk]} sales for {len(lines[pk])} lines" for pk in processed if sales[pk] != len(lines[pk])]  # fmt: skip
    # Stock only goes down during a run, so an order was rightly refused iff one of its lines is still short now.
    problems += [f"order {pk} flagged, its stock there" for pk in flagged if sales[pk] or all(q <= stock[p] for p, q in lines[pk])]  # fmt: skip
    if OrderEvent.objects.filter(order_id__in=pks, to_status="processed").count() != len(processed):
        problems.append("processed events do not match processed orders")
    if Notification.objects.filter(order_id__in=pks, kind="paid").count() != len(processed):
        problems.append("payment emails owed do not match processed orders")
    if answers is not None:
        wrong = [answer for answer in answers if answer != (200, SUCCESS)]
        problems += [f"{len(wrong)} callbacks not answered 200 success, e.g. {wrong[0]}"] if wrong else []
        kept = GatewayCallback.objects.filter(order_id__in=pks, signature_valid=True).values_list("outcome", flat=True)
        if Counter(kept) != Counter({"paid": len(processed), "paid_short": len(flagged)}) - Counter():
            problems.append(f"GatewayCallback outcomes {Counter(kept)} for {len(processed)} processed, {len(flagged)} flagged")  # fmt: skip
    return problems, len(processed), len(flagged)


# --- CPU: ours and everyone's -------------------------------------------------------------------------


def meter(pids=()):
    """CPU seconds so far of processes `pids`, of this process, of this database's other client backends (by
    pid; None when PostgreSQL is not on this machine) and (busy, all) seconds of every CPU of the machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        backends = {pid: backend_cpu_seconds(pid) for (pid,) in cursor.fetchall()}
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    machine = ((sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK"), sum(ticks) / os.sysconf("SC_CLK_TCK"))
    return cpu_of(pids), time.process_time(), backends, machine


def used(before, after, inside=None):
    """CPU seconds between two meter() readings: workers, client (this process), our backends, machine busy
    share, and the share of the machine that went to anything else (other databases and processes).
    `inside`: (workers, backends) as the workers counted them themselves, if they did."""
    own, client, backends, (busy, total) = before
    own_after, client_after, backends_after, (busy_after, total_after) = after
    if inside is not None:
        workers, postgres = inside
    elif any(cpu is None for cpu in (*backends.values(), *backends_after.values())):
        workers, postgres = own_after - own, None
    else:  # a backend that ended in between is lost; with connections kept for the run there is none
        workers, postgres = own_after - own, sum(cpu - backends.get(pid, 0.0) for pid, cpu in backends_after.items())
    capacity, ours = total_after - total, workers + (client_after - client) + (postgres or 0.0)
    busy, others = (busy_after - busy) / capacity, (busy_after - busy - ours) / capacity
    return workers, client_after - client, postgres, busy, others


def worker_pids(master):
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with suppress(OSError), open(f"/proc/{entry}/stat") as stat:
            if int(stat.read().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry))
    return sorted(pids)


def cpu_of(pids):
    return sum(backend_cpu_seconds(pid) or 0.0 for pid in pids)


# --- One at a time (in-process, no contention) -------------------------------------------------------

STEPS = (  # where a processed callback's time goes: (label, cProfile function, minus function)
    ("Django handler and middleware", ("handlers/base.py", "get_response"), ("payments/views.py", "tripay_callback")),
    ("signature, JSON, look-up of the order", ("tripay_callbacks.py", "_receive"), ("tripay_callbacks.py", "apply_status")),
    ("apply PAID: confirm_payment (flag_order if short)", ("tripay_callbacks.py", "apply_status"), None),
    ("keep the GatewayCallback (save)", ("tripay_callbacks.py", "receive_callback"), ("tripay_callbacks.py", "_receive")),
    ("Wagtail's reference index, on any save above", ("wagtail/signal_handlers.py", "update_reference_index_on_save"), None),
)  # fmt: skip


def one_at_a_time(samples=60):
    """Per variant and kind: statements of the first call, then ms per call and ms of it in cursor.execute;
    and the shares of a processed callback's time by step (cProfile)."""
    from django.db import connection
    from django.test import Client

    from shop.services.orders import InsufficientStock, confirm_payment

    products = make_products(2, [2 * samples, 0], "ALONE")
    client, in_execute, cost, statements = Client(HTTP_HOST="127.0.0.1"), [0.0], {}, []

    def timed(execute, sql, *rest):
        started = time.perf_counter()
        try:
            return execute(sql, *rest)
        finally:
            in_execute[0] += time.perf_counter() - started

    def record(execute, sql, *rest):  # not CaptureQueriesContext: a request's start empties connection.queries
        statements.append(sql)
        return execute(sql, *rest)

    def callback(item):
        headers = {"X-Callback-Event": "payment_status", "X-Callback-Signature": item[1][1]}
        answer = client.post(PATH, item[1][0], content_type="application/json", headers=headers)
        assert (answer.status_code, answer.content) == (200, SUCCESS), answer.content

    def direct(item):
        with suppress(InsufficientStock):
            confirm_payment(item[0], None)

    profile = cProfile.Profile()
    for variant, call in (("callback", callback), ("direct", direct)):
        for kind, product in (("processed", 0), ("short", 1)):
            orders = make_tripay_orders([[(product, 1)]] * samples, products, f"A{variant[0]}{kind[0]}")
            statements.clear()
            with connection.execute_wrapper(record):
                call(orders[0])
            timing, in_execute[0] = orders[1 : samples // 2], 0.0
            started, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timed):
                for item in timing:
                    call(item)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            cost[variant, kind] = [list(statements)] + [value / len(timing) for value in (wall, in_execute[0], cpu)]
            if (variant, kind) == ("callback", "processed"):
                profile.runcall(lambda rest=orders[samples // 2 :]: [callback(item) for item in rest])
    stats = pstats.Stats(profile).stats

    def cumulative(where):
        return sum(s[3] for (file, _l, name), s in stats.items() if where and file.endswith(where[0]) and name == where[1])  # fmt: skip

    total = cumulative(STEPS[0][1])
    return cost, [(label, (cumulative(whole) - cumulative(minus)) / total) for label, whole, minus in STEPS]
