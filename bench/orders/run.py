#!/usr/bin/env python
"""bench/orders: what race safety costs confirm_payment, measured side by side on PostgreSQL.

Run: .venv/bin/python bench/orders/run.py [--orders 400] [--threads 8]

1. One CS: confirm_payment (order and product row locks, ledger entry, history, proof review,
   one transaction) against the bare conditional stock UPDATE it is built around, one
   transaction each.
2. Several CS at once: every order for one bestseller against every order for its own
   product. The bestseller's row lock makes those confirmations wait for each other; the
   ratio is what that costs.
3. Scarce stock, several CS at once: confirm_payment against a naive check-then-act
   confirmation (read stock, subtract in Python, save), the way django-oscar allocates.
   Units sold against units the stock count lost (lost updates) for each.
"""

import argparse
import queue
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
from bench.common import drop_database, setup_django, write_result  # noqa: E402

DATABASE = "tokoku_bench_orders"
ROUNDS = 3  # each side measured this many times, alternating; the median is reported


def make_products(count, stock):
    from shop.models import Product, ProductVariant
    from shop.services.stock import set_opening_stock

    start = Product.objects.count()
    products = Product.objects.bulk_create(
        Product(sku=f"BENCH-{start + n}", name=f"Produk {start + n}", slug=f"bench-{start + n}", price=10_000)
        for n in range(count)
    )
    # bulk_create skips Product.save(), which gives a product without options its one variant.
    ProductVariant.objects.bulk_create(
        ProductVariant(product=product, sku=product.sku, price=product.price, sort_order=0) for product in products
    )
    for product in products:
        set_opening_stock(product, stock)
    return [product.pk for product in products]


def make_waiting_orders(product_ids):
    """One order of one unit per product id given, waiting for verification (set-up, not measured)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from shop.models import Order, OrderLine, ProductVariant

    variant_of = dict(ProductVariant.objects.filter(product_id__in=product_ids).values_list("product_id", "pk"))
    user, _ = get_user_model().objects.get_or_create(username="bench@toko.com", defaults={"email": "bench@toko.com"})
    start = Order.objects.count()
    deadline = timezone.now() + timedelta(hours=24)
    orders = Order.objects.bulk_create(
        Order(
            number=f"BENCH-{start + n}",
            user=user,
            status=Order.Status.WAITING_VERIFICATION,
            recipient_name="Pembeli",
            phone="081200000000",
            province="DIY",
            city="Sleman",
            district="Ngaglik",
            postal_code="55581",
            street="Jl. Kaliurang",
            subtotal=10_000,
            total=10_000,
            payment_deadline=deadline,
        )
        for n in range(len(product_ids))
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product_id=product_id,
            variant_id=variant_of[product_id],
            sku="BENCH",
            name="Produk",
            unit_price=10_000,
            quantity=1,
        )
        for order, product_id in zip(orders, product_ids, strict=True)
    )
    return [order.pk for order in orders]


def in_threads(work, items, threads):
    """Run work(item) for every item from `threads` threads, each with its own connection; seconds taken."""
    from django.db import connections

    pending = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    failures = []

    def worker():
        try:
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    work(item)
                except Exception as error:  # an expected refusal (short stock) or a race's casualty
                    failures.append(error)
        finally:
            connections.close_all()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, failures


def confirm(order_pk):
    from shop.services.orders import confirm_payment

    confirm_payment(order_pk, None)


def bare_decrement(product_pk):
    from django.db import transaction
    from django.db.models import F

    from shop.models import Product

    with transaction.atomic():
        Product.objects.filter(pk=product_pk, stock__gte=1).update(stock=F("stock") - 1)


def naive_confirm(order_pk):
    """Check, then act, on values read without a lock: what the services are built to avoid."""
    from shop.models import Order, Product

    order = Order.objects.get(pk=order_pk)
    if order.status != Order.Status.WAITING_VERIFICATION:
        return
    lines = list(order.lines.all())
    products = {line.product_id: Product.objects.get(pk=line.product_id) for line in lines}
    if any(products[line.product_id].stock < line.quantity for line in lines):
        raise ValueError("short")
    for line in lines:
        product = products[line.product_id]
        product.stock -= line.quantity
        product.save(update_fields=["stock"])
    order.status = Order.Status.PROCESSED
    order.save(update_fields=["status"])


def one_cs(orders):
    product_id = make_products(1, stock=orders * ROUNDS * 2)[0]
    service, bare = [], []
    for _round in range(ROUNDS):
        order_pks = make_waiting_orders([product_id] * orders)
        started = time.perf_counter()
        for pk in order_pks:
            confirm(pk)
        service.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(orders):
            bare_decrement(product_id)
        bare.append(time.perf_counter() - started)
    return statistics.median(service), statistics.median(bare)


def many_cs(orders, threads):
    hot_id = make_products(1, stock=orders * ROUNDS)[0]
    hot, spread = [], []
    for _round in range(ROUNDS):
        elapsed, failures = in_threads(confirm, make_waiting_orders([hot_id] * orders), threads)
        assert not failures, failures[:3]
        hot.append(elapsed)
        elapsed, failures = in_threads(confirm, make_waiting_orders(make_products(orders, stock=1)), threads)
        assert not failures, failures[:3]
        spread.append(elapsed)
    return statistics.median(hot), statistics.median(spread)


def scarce_stock(orders, threads, stock):
    from django.db.models import Sum

    from shop.models import Order, Product

    outcome = {}
    for label, work in (("confirm_payment", confirm), ("naive check-then-act", naive_confirm)):
        product_id = make_products(1, stock=stock)[0]
        order_pks = make_waiting_orders([product_id] * orders)
        in_threads(work, order_pks, threads)
        sold = Order.objects.filter(pk__in=order_pks, status=Order.Status.PROCESSED).count()
        product = Product.objects.get(pk=product_id)
        ledger = product.stock_movements.aggregate(total=Sum("delta"))["total"]
        outcome[label] = (sold, product.stock, ledger)
    return outcome


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    setup_django(DATABASE)
    try:
        service, bare = one_cs(args.orders)
        hot, spread = many_cs(args.orders, args.threads)
        scarce = scarce_stock(args.orders // 2, args.threads, stock=20)

        n = args.orders
        lines = [
            f"bench/orders on PostgreSQL, {n} orders per side, median of {ROUNDS} alternating rounds",
            "  One CS, one order after another:",
            f"    confirm_payment:            {service / n * 1000:7.2f} ms per order",
            f"    bare stock UPDATE:          {bare / n * 1000:7.2f} ms per order",
            f"    ratio service / bare:       {service / bare:7.2f} x   (locks, ledger, history, proof: the price of safety)",
            f"  {args.threads} CS at once:",
            f"    all orders, one bestseller: {n / hot:7.0f} orders/s",
            f"    each order its own product: {n / spread:7.0f} orders/s",
            f"    ratio own / bestseller:     {hot / spread:7.2f} x   (what waiting on one product's row lock costs)",
            f"  {args.threads} CS at once, {args.orders // 2} orders of one unit, 20 in stock:",
        ]
        for label, (sold, stock, ledger) in scarce.items():
            oversold = sold + stock - 20  # each a sale whose stock decrement another CS overwrote
            note = f"{oversold} units oversold" if oversold else "every unit accounted for"
            if label == "confirm_payment":
                note += ", ledger agrees" if ledger == stock else f", ledger says {ledger}"
            lines.append(f"    {label + ':':27} sold {sold:3} of 20, stock left {stock:3}  ({note})")
        text = "\n".join(lines) + "\n"
        print(text, end="")
        write_result("orders", text)
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
