"""Every change of an order's status goes through one function here (see ARCHITECTURE.md).

CONTRACT (other engineers' views and admin queues call these; keep the signatures):

    place_order(user, *, items, address, shipping, payment_method="bank_transfer") -> Order
        items:    list of dicts {"product_id": int, "quantity": int, "unit_price": int}
                  (unit_price = the price the buyer saw; a different current price raises
                  PriceChanged(OrderError) naming the products; an inactive or out-of-stock
                  product, or a quantity above current stock, raises OrderError with a message)
        address:  dict recipient_name, phone, email, province, city, district, postal_code, street
        shipping: dict courier, service, cost (int rupiah)
        Takes NO stock. Number TK-YYYYMMDD-NNNN from shop.models.DailyOrderCounter (row-locked),
        unique code 1..999 added to the total when PaymentSettings.use_unique_code, status
        pending_payment, payment_deadline = now + settings.PAYMENT_WINDOW_HOURS, lines copy
        sku/name/price/weight, first OrderEvent ("" -> pending_payment).
    submit_payment_proof(order, actor, uploaded_file) -> PaymentProof
        Validates the file BY CONTENT (JPEG/PNG/PDF magic bytes, <= 5 MB) and raises
        OrderError with an Indonesian message otherwise; allowed in pending_payment;
        -> waiting_verification.
    confirm_payment(order, actor) -> Order            waiting_verification|pending_payment -> processed
    reject_payment(order, actor, reason) -> Order     waiting_verification -> pending_payment
    ship_order(order, actor, courier, tracking_number) -> Order   processed -> shipped
    complete_order(order, actor) -> Order             shipped -> completed
    cancel_order(order, actor, reason) -> Order       pending_payment|waiting_verification|processed -> cancelled
    expire_unpaid_orders(now=None) -> int             batches; system actor (None)

`order` may be an Order or its primary key. Each re-reads the order under a row lock
(select_for_update), checks the transition, writes an OrderEvent, and raises InvalidTransition
(or another OrderError) with a clear Indonesian message when not allowed. Repeated confirm of an
already processed order is a no-op (returns the order, decrements nothing).

Implementation notes. Repeating a transition that has already happened (a double click, two CS
at once, a replayed gateway callback) changes nothing and returns the order: confirm, ship with
the same tracking number, complete, cancel. The services check what the order's state allows,
not who may ask: views, admin queues and the gateway callback check permissions first. `actor`
is the user acting, or None for the system (the expiry job, the payment gateway). When given an
Order instance a service also refreshes that instance, so the caller reads the new status
without another query. Lock order everywhere: the order row, then products by ascending pk
(shop.services.locks), so concurrent services wait for each other but never deadlock.
"""

import json
import random
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop import notifications
from shop.models import (
    DailyOrderCounter,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentProof,
    PaymentSettings,
    Product,
    StockMovement,
)

from .errors import (
    InsufficientStock,
    InvalidPaymentProof,
    InvalidTransition,
    OrderError,
    PriceChange,
    PriceChanged,
    Shortage,
)
from .locks import lock_order, lock_products
from .stock import move_stock

__all__ = [
    "InsufficientStock",
    "InvalidPaymentProof",
    "InvalidTransition",
    "OrderError",
    "PriceChange",
    "PriceChanged",
    "Shortage",
    "cancel_order",
    "complete_order",
    "confirm_payment",
    "expire_unpaid_orders",
    "place_order",
    "reject_payment",
    "ship_order",
    "submit_payment_proof",
]

# Not yet paid (or paid but not yet verified): nothing has been taken from stock.
UNPAID_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.WAITING_VERIFICATION)
# Payment confirmed: stock has been taken.
PAID_STATUSES = (OrderStatus.PROCESSED, OrderStatus.SHIPPED, OrderStatus.COMPLETED)

MAX_PROOF_BYTES = 5 * 1024 * 1024
# Leading bytes of the only proof formats CS can open in the browser; the upload's own
# content type and file name are the buyer's claims and are not trusted.
PROOF_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))

EXPIRY_BATCH_SIZE = 1000

UNVERIFIED_REFUND_NOTE = gettext_lazy(
    "Dibatalkan saat bukti pembayaran belum diverifikasi: periksa mutasi rekening dan kembalikan dana bila transfer masuk."
)

# The shipping address as place_order takes it; copied onto the order.
ADDRESS_FIELDS = ("recipient_name", "phone", "email", "province", "city", "district", "postal_code", "street")
OPTIONAL_ADDRESS_FIELDS = {"email"}


# --- Checkout --------------------------------------------------------------------------------


def place_order(user, *, items, address, shipping, payment_method=PaymentMethod.BANK_TRANSFER):
    """Create an order in `pending_payment` from what the buyer saw at checkout; takes no stock.

    Every unavailable line (inactive, out of stock, more than in stock) is named in one
    InsufficientStock; every price that differs from the one the buyer saw in one PriceChanged.
    Runs in the caller's transaction when there is one, so a checkout view can lock the cart,
    call this and empty the cart atomically.
    """
    wanted = _order_items(items)
    address = _order_address(address)
    shipping = _order_shipping(shipping)
    if payment_method not in PaymentMethod.values:
        raise OrderError(_("Metode pembayaran tidak dikenal."))
    use_unique_code = payment_method == PaymentMethod.BANK_TRANSFER and PaymentSettings.load().use_unique_code
    now = timezone.now()

    with transaction.atomic():
        products = Product.objects.in_bulk(wanted)
        shortages = []
        price_changes = []
        for product_id, (quantity, seen_price) in wanted.items():
            product = products.get(product_id)
            if product is None:
                raise OrderError(_("Salah satu produk di keranjang sudah tidak ada. Muat ulang keranjang Anda."))
            if not product.is_active or quantity > product.stock:
                shortages.append(Shortage(product_id, product.name, quantity, product.stock if product.is_active else 0))
            elif seen_price != product.price:
                price_changes.append(PriceChange(product_id, product.name, seen_price, product.price))
        if shortages:
            raise InsufficientStock(shortages)
        if price_changes:
            raise PriceChanged(price_changes)

        subtotal = sum(products[pk].price * quantity for pk, (quantity, _price) in wanted.items())
        weight = sum(products[pk].weight_grams * quantity for pk, (quantity, _price) in wanted.items())
        unique_code = _pick_unique_code(subtotal + shipping["cost"]) if use_unique_code else 0
        order = Order.objects.create(
            number=_next_order_number(timezone.localdate(now)),
            user=user,
            **address,
            shipping_courier=shipping["courier"],
            shipping_service=shipping["service"],
            shipping_cost=shipping["cost"],
            payment_method=payment_method,
            subtotal=subtotal,
            unique_code=unique_code,
            total=subtotal + shipping["cost"] + unique_code,
            total_weight_grams=weight,
            payment_deadline=now + timedelta(hours=settings.PAYMENT_WINDOW_HOURS),
        )
        # Each line's foreign-key check share-locks its product: take them in ascending pk, the
        # order confirm_payment locks products in, or a checkout and a confirmation can deadlock.
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=products[pk],
                sku=products[pk].sku,
                name=products[pk].name,
                unit_price=products[pk].price,
                quantity=quantity,
                weight_grams=products[pk].weight_grams,
            )
            for pk, (quantity, _price) in sorted(wanted.items())
        )
        _record(order, user, "", _("Pesanan dibuat."))
        notifications.order_placed(order)
    return order


def _order_items(items):
    """{product_id: (quantity, seen unit price)}, in the buyer's order; one entry per product."""
    wanted = {}
    for item in items or ():
        try:
            product_id, quantity, seen_price = int(item["product_id"]), item["quantity"], item["unit_price"]
        except (KeyError, TypeError, ValueError):
            raise OrderError(_("Isi keranjang tidak valid. Muat ulang keranjang Anda.")) from None
        if not _is_whole(quantity) or quantity < 1 or not _is_whole(seen_price) or seen_price < 0:
            raise OrderError(_("Jumlah atau harga di keranjang tidak valid. Muat ulang keranjang Anda."))
        if product_id in wanted:
            earlier_quantity, earlier_price = wanted[product_id]
            if earlier_price != seen_price:
                raise OrderError(_("Isi keranjang tidak valid. Muat ulang keranjang Anda."))
            quantity += earlier_quantity
        wanted[product_id] = (quantity, seen_price)
    if not wanted:
        raise OrderError(_("Keranjang Anda kosong."))
    return wanted


def _order_address(address):
    cleaned = {}
    for name in ADDRESS_FIELDS:
        value = str(address.get(name) or "").strip()
        if not value and name not in OPTIONAL_ADDRESS_FIELDS:
            raise OrderError(_("Alamat pengiriman belum lengkap: %(field)s.") % {"field": _field_label(name)})
        max_length = Order._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            raise OrderError(_("%(field)s terlalu panjang.") % {"field": _field_label(name)})
        cleaned[name] = value
    return cleaned


def _order_shipping(shipping):
    courier = str(shipping.get("courier") or "").strip()
    service = str(shipping.get("service") or "").strip()
    cost = shipping.get("cost")
    if not courier or not service or not _is_whole(cost) or cost < 0:
        raise OrderError(_("Pilih jasa pengiriman."))
    if len(courier) > Order._meta.get_field("shipping_courier").max_length or len(service) > Order._meta.get_field(
        "shipping_service"
    ).max_length:
        raise OrderError(_("Nama jasa pengiriman terlalu panjang."))
    return {"courier": courier, "service": service, "cost": cost}


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _field_label(name):
    return str(Order._meta.get_field(name).verbose_name)


def _next_order_number(day):
    """TK-YYYYMMDD-NNNN. The day's counter row stays locked until commit: unique, without gaps.

    One upsert creates or increments the row. Concurrent first checkouts of a day that instead
    INSERT, fail on the duplicate and then UPDATE deadlock on MariaDB: the failed INSERT leaves
    each holding a shared lock the other's UPDATE waits for. The upsert takes an exclusive lock.
    """
    table = connection.ops.quote_name(DailyOrderCounter._meta.db_table)
    day_column = connection.ops.quote_name("day")
    number_column = connection.ops.quote_name("last_number")
    value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute(
                f"INSERT INTO {table} ({day_column}, {number_column}) VALUES (%s, 1) "
                f"ON DUPLICATE KEY UPDATE {number_column} = {number_column} + 1",
                [value],
            )
            cursor.execute(f"SELECT {number_column} FROM {table} WHERE {day_column} = %s", [value])
        else:  # PostgreSQL and SQLite
            cursor.execute(
                f"INSERT INTO {table} ({day_column}, {number_column}) VALUES (%s, 1) "
                f"ON CONFLICT ({day_column}) DO UPDATE SET {number_column} = {table}.{number_column} + 1 "
                f"RETURNING {number_column}",
                [value],
            )
        number = cursor.fetchone()[0]
    return f"TK-{day:%Y%m%d}-{number:04d}"


def _pick_unique_code(amount):
    """1–999 rupiah added to a transfer so CS can match it; avoids totals of orders still unpaid."""
    taken = set(
        Order.objects.filter(status__in=UNPAID_STATUSES, total__gt=amount, total__lte=amount + 999).values_list(
            "total", flat=True
        )
    )
    free = [code for code in range(1, 1000) if amount + code not in taken]
    return random.choice(free or range(1, 1000))


# --- Payment ---------------------------------------------------------------------------------


def submit_payment_proof(order, actor, uploaded_file):
    """Store the buyer's proof of transfer: `pending_payment` -> `waiting_verification`.

    Only JPEG, PNG and PDF up to 5 MB, judged by the file's content, not by its name or the
    browser's content type. After a rejection the order is back in `pending_payment` and the
    buyer may upload again; earlier proofs are kept. Returns the PaymentProof.
    """
    content_type = _proof_content_type(uploaded_file)
    original_name = (getattr(uploaded_file, "name", "") or "")[-255:]
    with transaction.atomic():
        locked = lock_order(order)
        _require(locked, (OrderStatus.PENDING_PAYMENT,), _("menerima bukti pembayaran"))
        if locked.payment_method != PaymentMethod.BANK_TRANSFER:
            raise InvalidTransition(_("Pesanan ini dibayar lewat gerbang pembayaran; bukti transfer tidak diperlukan."))
        if locked.payment_deadline and timezone.now() > locked.payment_deadline:
            raise InvalidTransition(
                _("Batas pembayaran pesanan %(number)s sudah lewat.") % {"number": locked.number}
            )
        proof = PaymentProof(
            order=locked, content_type=content_type, size=uploaded_file.size, original_name=original_name, uploaded_by=actor
        )
        proof.file.save(original_name or "bukti", uploaded_file, save=False)
        try:
            proof.save()
            from_status = locked.status
            locked.status = OrderStatus.WAITING_VERIFICATION
            locked.save(update_fields=["status", "updated_at"])
            _record(locked, actor, from_status, _("Bukti pembayaran diunggah."))
        except Exception:
            proof.file.delete(save=False)
            raise
    _refresh(order, locked)
    return proof


def _proof_content_type(uploaded_file):
    size = getattr(uploaded_file, "size", None) or 0
    if size <= 0:
        raise InvalidPaymentProof(_("Berkas bukti pembayaran kosong."))
    if size > MAX_PROOF_BYTES:
        raise InvalidPaymentProof(_("Berkas bukti pembayaran terlalu besar (maksimal 5 MB)."))
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    for signature, content_type in PROOF_SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise InvalidPaymentProof(_("Bukti pembayaran harus berupa foto JPG/PNG atau berkas PDF."))


def confirm_payment(order, actor, *, note=""):
    """Payment received (CS L1, or a verified gateway callback): take the stock, move to `processed`.

    Locks the order, then its products in ascending primary key, checks every line and takes
    the stock with conditional updates, all in one transaction. An order already paid is
    returned unchanged, so stock is taken once however often this is called.

    When stock is short, raises InsufficientStock naming every short line; the order keeps its
    status and is flagged `needs_attention`, so the queue shows it for CS to cancel and refund.
    The flag is committed before the error is raised, unless the caller's own transaction
    rolls back.

    On PostgreSQL the steps run as one database function (shop migration 0007): this is the
    write many CS agents and the gateway make at once, and one round trip instead of ten is what
    lets it keep up (bench/confirm). Elsewhere the same steps run from Python.
    """
    if connection.vendor == "postgresql":
        return _confirm_in_database(order, actor, note=note)
    return _confirm_in_python(order, actor, note=note)


CONFIRM_IN_DATABASE = "SELECT r.outcome, r.shortages, (r.o).* FROM shop_confirm_payment(%s, %s, %s, %s, %s, %s) AS r"


def _confirm_in_database(order, actor, *, note=""):
    pk = getattr(order, "pk", order)
    # Outside a transaction the one statement is a transaction of its own: no BEGIN and COMMIT
    # round trips. Inside the caller's transaction it is part of that.
    with connection.cursor() as cursor:
        cursor.execute(
            CONFIRM_IN_DATABASE,
            [pk, getattr(actor, "pk", None), note or _("Pembayaran dikonfirmasi."), timezone.now(), *_short_templates()],
        )
        outcome, shortages, *values = cursor.fetchone()
        columns = [column.name for column in cursor.description[2:]]
    if outcome == "missing":
        raise Order.DoesNotExist("Order matching query does not exist.")
    # from_db takes values in the model's field order; the table's column order is the migrations'.
    row = dict(zip(columns, values))
    locked = Order.from_db(connection.alias, _ORDER_ATTNAMES, [row[column] for column in _ORDER_COLUMNS])
    _refresh(order, locked)
    if outcome == "invalid":
        _require(locked, UNPAID_STATUSES, _("dikonfirmasi pembayarannya"))
    elif outcome == "short":  # the function has flagged the order with the same message
        if isinstance(shortages, str):  # Django has psycopg hand jsonb over as text
            shortages = json.loads(shortages)
        raise InsufficientStock(Shortage(*shortage) for shortage in shortages)
    elif outcome == "processed":
        transaction.on_commit(notifications.kick)  # the function wrote the outbox row
    return order if isinstance(order, Order) else locked


def _short_templates():
    """InsufficientStock's message and line as PostgreSQL format() templates (positional)."""
    message, line = InsufficientStock.templates()
    message = message.replace("%(names)s", "%1$s")  # "%%" means a literal "%" to both
    for position, name in enumerate(("name", "requested", "available"), 1):
        line = line.replace(f"%({name})s", f"%{position}$s")
    return message, line


def _confirm_in_python(order, actor, *, note=""):
    """confirm_payment for MariaDB and SQLite: the same steps as the database function."""
    error = None
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status in PAID_STATUSES:
            return _refresh(order, locked)
        _require(locked, UNPAID_STATUSES, _("dikonfirmasi pembayarannya"))
        needed = Counter()
        for product_id, quantity in locked.lines.values_list("product_id", "quantity"):
            needed[product_id] += quantity
        products = lock_products(needed)
        shortages = [
            Shortage(product_id, products[product_id].name, quantity, products[product_id].stock)
            for product_id, quantity in sorted(needed.items())
            if products[product_id].stock < quantity
        ]
        if shortages:
            error = InsufficientStock(shortages)
            locked.needs_attention = True
            locked.attention_note = str(error)
            locked.save(update_fields=["needs_attention", "attention_note", "updated_at"])
        else:
            for product_id, quantity in sorted(needed.items()):
                move_stock(product_id, -quantity, StockMovement.Reason.SALE, actor=actor, order=locked, note=locked.number)
            now = timezone.now()
            from_status = locked.status
            locked.status = OrderStatus.PROCESSED
            locked.paid_at = locked.paid_at or now
            locked.needs_attention = False
            locked.attention_note = ""
            locked.save(update_fields=["status", "paid_at", "needs_attention", "attention_note", "updated_at"])
            locked.payment_proofs.filter(status=PaymentProof.Status.SUBMITTED).update(
                status=PaymentProof.Status.ACCEPTED, reviewed_by=actor, reviewed_at=now
            )
            _record(locked, actor, from_status, note or _("Pembayaran dikonfirmasi."))
            notifications.payment_confirmed(locked)
    _refresh(order, locked)
    if error is not None:
        raise error
    return order if isinstance(order, Order) else locked


def reject_payment(order, actor, reason):
    """CS L1 finds no matching transfer: the proof is rejected and the buyer may upload another.

    The order goes back to `pending_payment`; its payment deadline does not move.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Tuliskan alasan penolakan agar pembeli tahu apa yang harus diperbaiki."))
    with transaction.atomic():
        locked = lock_order(order)
        _require(locked, (OrderStatus.WAITING_VERIFICATION,), _("ditolak pembayarannya"))
        locked.payment_proofs.filter(status=PaymentProof.Status.SUBMITTED).update(
            status=PaymentProof.Status.REJECTED, review_note=reason, reviewed_by=actor, reviewed_at=timezone.now()
        )
        locked.status = OrderStatus.PENDING_PAYMENT
        locked.save(update_fields=["status", "updated_at"])
        _record(locked, actor, OrderStatus.WAITING_VERIFICATION, reason)
        notifications.payment_rejected(locked)
    return _refresh(order, locked)


# --- Fulfilment ------------------------------------------------------------------------------


def ship_order(order, actor, courier, tracking_number):
    """CS L2 hands the parcel to the courier: `processed` -> `shipped` with the tracking number."""
    courier = (courier or "").strip()
    tracking_number = (tracking_number or "").strip()
    if not courier or not tracking_number:
        raise OrderError(_("Kurir dan nomor resi wajib diisi."))
    if len(courier) > Order._meta.get_field("courier").max_length:
        raise OrderError(_("Nama kurir terlalu panjang."))
    if len(tracking_number) > Order._meta.get_field("tracking_number").max_length:
        raise OrderError(_("Nomor resi terlalu panjang."))
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.SHIPPED and (locked.courier, locked.tracking_number) == (courier, tracking_number):
            return _refresh(order, locked)
        _require(locked, (OrderStatus.PROCESSED,), _("dikirim"))
        locked.status = OrderStatus.SHIPPED
        locked.courier = courier
        locked.tracking_number = tracking_number
        locked.shipped_at = timezone.now()
        locked.save(update_fields=["status", "courier", "tracking_number", "shipped_at", "updated_at"])
        _record(locked, actor, OrderStatus.PROCESSED, f"{courier} {tracking_number}")
        notifications.order_shipped(locked)
    return _refresh(order, locked)


def complete_order(order, actor):
    """The parcel has arrived: `shipped` -> `completed`."""
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.COMPLETED:
            return _refresh(order, locked)
        _require(locked, (OrderStatus.SHIPPED,), _("diselesaikan"))
        locked.status = OrderStatus.COMPLETED
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        _record(locked, actor, OrderStatus.SHIPPED)
    return _refresh(order, locked)


def cancel_order(order, actor, reason):
    """Cancel an order that has not been shipped.

    Unpaid orders took no stock, so none is given back. A `processed` order gets back exactly
    what its own stock movements took. Staff cancelling clears `needs_attention` (their decision
    answers it). The buyer or the system cancelling keeps it, and raises it when a proof was
    still awaiting verification, because that money may need refunding.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status == OrderStatus.CANCELLED:
            return _refresh(order, locked)
        _require(locked, (*UNPAID_STATUSES, OrderStatus.PROCESSED), _("dibatalkan"))
        if locked.status == OrderStatus.PROCESSED:
            taken = (
                StockMovement.objects.filter(order=locked)
                .values("product_id")
                .annotate(net=Sum("delta"))
                .order_by("product_id")
            )
            for row in taken:
                if row["net"]:
                    move_stock(
                        row["product_id"], -row["net"], StockMovement.Reason.CANCELLATION,
                        actor=actor, order=locked, note=locked.number,
                    )
        from_status = locked.status
        by_staff = actor is not None and actor.pk != locked.user_id
        if by_staff:
            locked.needs_attention = False
        elif from_status == OrderStatus.WAITING_VERIFICATION and not locked.needs_attention:
            locked.needs_attention = True
            locked.attention_note = str(UNVERIFIED_REFUND_NOTE)
        locked.status = OrderStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason
        locked.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "needs_attention", "attention_note", "updated_at"]
        )
        _record(locked, actor, from_status, reason)
        notifications.order_cancelled(locked)
    return _refresh(order, locked)


# --- Scheduled -------------------------------------------------------------------------------


def expire_unpaid_orders(now=None, *, batch_size=EXPIRY_BATCH_SIZE):
    """Cancel unpaid and unverified orders past their payment deadline; returns how many.

    Works in batches, each its own short transaction with a fixed number of statements whatever
    its size (one on PostgreSQL, five elsewhere): find and lock, write the history and the
    outbox, cancel. So the job never holds thousands of row locks, a failure keeps the batches
    already done, and memory stays flat. Orders a CS is working on at that moment are skipped
    (SKIP LOCKED) and picked up by the next run. No stock
    is given back because none was taken. An expired order whose proof was still awaiting
    verification is flagged `needs_attention`: the buyer may have paid and need a refund.
    """
    now = now or timezone.now()
    legacy_cutoff = now - timedelta(hours=settings.PAYMENT_WINDOW_HOURS)  # orders from before deadlines were stored
    reason = _("Dibatalkan otomatis: batas pembayaran terlewati.")
    expire_batch = _expire_batch_in_one_statement if connection.vendor == "postgresql" else _expire_batch
    expired = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            count, last_pk = expire_batch(now, legacy_cutoff, last_pk, batch_size, reason)
            if not count:
                return expired
            expired += count


def _expire_batch(now, legacy_cutoff, after_pk, batch_size, reason):
    """One batch in five statements: find and lock, write the history and the outbox, cancel (two updates)."""
    overdue = Q(payment_deadline__lte=now) | Q(payment_deadline__isnull=True, created_at__lte=legacy_cutoff)
    batch = list(
        Order.objects.filter(overdue, status__in=UNPAID_STATUSES, pk__gt=after_pk)
        .order_by("pk")
        .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        .values_list("pk", flat=True)[:batch_size]
    )
    if not batch:
        return 0, after_pk
    cancelled_at = timezone.now()
    _record_cancellations(batch, reason, cancelled_at)  # first: it copies each order's status as it was
    # Before the updates: the outbox rows' foreign-key checks on rows this transaction has
    # not yet rewritten cost a fraction of those on rows it has.
    notifications.orders_expired(batch)
    cancelled = {
        "status": OrderStatus.CANCELLED,
        "cancelled_at": cancelled_at,
        "cancel_reason": reason,
        "updated_at": cancelled_at,
    }
    # Two disjoint updates, so each row is written once. An earlier flag keeps its own note.
    unverified = Q(status=OrderStatus.WAITING_VERIFICATION, needs_attention=False)
    Order.objects.filter(unverified, pk__in=batch).update(
        **cancelled, needs_attention=True, attention_note=str(UNVERIFIED_REFUND_NOTE)
    )
    Order.objects.filter(pk__in=batch).exclude(unverified).update(**cancelled)
    return len(batch), batch[-1]


# The same batch as _expire_batch in one PostgreSQL statement: every row is locked and read once,
# and written once, with no round trips between the steps (bench/expire).
EXPIRE_BATCH_SQL = """
WITH batch AS (
    SELECT id, status, needs_attention FROM shop_order
    WHERE status IN ('pending_payment', 'waiting_verification') AND id > %(after)s
      AND (payment_deadline <= %(now)s OR (payment_deadline IS NULL AND created_at <= %(legacy_cutoff)s))
    ORDER BY id
    LIMIT %(size)s
    FOR UPDATE SKIP LOCKED
), history AS (
    INSERT INTO shop_orderevent (order_id, actor_id, from_status, to_status, note, created_at)
    SELECT id, NULL, status, 'cancelled', %(reason)s, %(at)s FROM batch ORDER BY id
), owed AS (
    INSERT INTO shop_notification (kind, order_id, created_at, sent_at, attempts, last_error)
    SELECT 'cancelled', id, %(at)s, NULL, 0, '' FROM batch ORDER BY id
), cancelled AS (
    UPDATE shop_order o
    SET status = 'cancelled', cancelled_at = %(at)s, cancel_reason = %(reason)s, updated_at = %(at)s,
        needs_attention = o.needs_attention OR b.status = 'waiting_verification',
        attention_note = CASE WHEN b.status = 'waiting_verification' AND NOT b.needs_attention
                              THEN %(refund_note)s ELSE o.attention_note END
    FROM batch b
    WHERE o.id = b.id
    RETURNING o.id
)
SELECT count(*), max(id) FROM cancelled
"""


def _expire_batch_in_one_statement(now, legacy_cutoff, after_pk, batch_size, reason):
    with connection.cursor() as cursor:
        cursor.execute(
            EXPIRE_BATCH_SQL,
            {
                "after": after_pk, "now": now, "legacy_cutoff": legacy_cutoff, "size": batch_size,
                "reason": reason, "at": timezone.now(), "refund_note": str(UNVERIFIED_REFUND_NOTE),
            },
        )
        count, last_pk = cursor.fetchone()
    if count:
        transaction.on_commit(notifications.kick)
    return count, last_pk or after_pk


def _record_cancellations(order_ids, note, at):
    """One OrderEvent per locked order, from its current status to cancelled, in one statement.

    INSERT ... SELECT because the ORM has no such thing, and building an OrderEvent per order in
    Python is most of the job's time at tens of thousands of orders.
    """
    quote = connection.ops.quote_name
    event = OrderEvent._meta
    columns = ", ".join(
        quote(event.get_field(name).column) for name in ("order", "actor", "from_status", "to_status", "note", "created_at")
    )
    order_id = quote(Order._meta.pk.column)
    placeholders = ", ".join(["%s"] * len(order_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(event.db_table)} ({columns}) "
            f"SELECT {order_id}, NULL, {quote(Order._meta.get_field('status').column)}, %s, %s, %s "
            f"FROM {quote(Order._meta.db_table)} WHERE {order_id} IN ({placeholders})",
            [OrderStatus.CANCELLED, note, connection.ops.adapt_datetimefield_value(at), *order_ids],
        )


# --- Helpers ---------------------------------------------------------------------------------


def _require(order, allowed, action):
    if order.status not in allowed:
        raise InvalidTransition(
            _("Pesanan %(number)s berstatus “%(status)s”, jadi tidak dapat %(action)s.")
            % {"number": order.number, "status": order.get_status_display(), "action": action}
        )


def _record(order, actor, from_status, note=""):
    return OrderEvent.objects.create(
        order=order, actor=actor, from_status=from_status, to_status=order.status, note=note
    )


_ORDER_COLUMNS = [field.column for field in Order._meta.concrete_fields]
_ORDER_ATTNAMES = [field.attname for field in Order._meta.concrete_fields]


def _refresh(order, locked):
    """Copy the locked row's values into the caller's instance; returns the caller's Order."""
    if isinstance(order, Order) and order is not locked:
        for field in Order._meta.concrete_fields:
            setattr(order, field.attname, getattr(locked, field.attname))
        return order
    return locked
