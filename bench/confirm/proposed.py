"""Prototypes of a cheaper confirm_payment, measured by `bench/confirm/run.py` next to the service.

NOT used by the shop: shop/services/orders.py is the real service and is not changed here. This
shows, with figures, what the proposed change to it would buy. Same contract and the same
guarantees as the service: the order row is locked first, then its products in ascending primary
key (FOR UPDATE, the plan sorts before it locks), every line is checked before anything is
written, the decrement is still conditional (stock >= quantity) and its row count is checked,
one StockMovement per product, one OrderEvent, proofs accepted, the buyer's email enqueued when
the transaction commits; a shortage flags the order and raises InsufficientStock naming every
short line; a repeated confirm is a no-op. The differences, all in how many statements and how
much Python each costs:

1. The order's lines are read together with the product locks: one statement, not two.
2. All products are decremented by one UPDATE ... FROM (VALUES ...) and the ledger rows are
   written by one multi-row INSERT, instead of an UPDATE and an INSERT per product.
3. Those three statements are plain SQL, like import_stock_levels already does: building them
   through the ORM costs more client CPU than PostgreSQL spends running them.

`confirm_payment_plpgsql` goes all the way: the whole confirmation is one PL/pgSQL function
(installed by `install_plpgsql()` in the benchmark's throw-away database only), one round trip,
plans cached by PostgreSQL per connection. PostgreSQL only: MariaDB would need its own stored
procedure and SQLite has none, so the service would keep the Python path for them.
`confirm_payment_plpgsql_outbox` also leaves the notification to the function (an outbox row a
periodic task would send), so the client does nothing but call it and commit.

`enqueue_in_transaction=True` additionally writes the notification's django-q row inside the
transaction instead of on commit (same all-or-nothing guarantee with the ORM broker, whose queue
is a table of the same database; with Redis it would have to stay on commit), which saves the
second durable commit (a WAL flush) of every confirmation.
"""

import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.models import Order, OrderStatus, PaymentProof, StockMovement
from shop.services.errors import InsufficientStock, Shortage
from shop.services.locks import lock_order
from shop.services.orders import PAID_STATUSES, UNPAID_STATUSES, _record, _refresh, _require

LOCK_PRODUCTS_WITH_LINES = """
    SELECT p.id, p.name, p.stock, l.quantity
    FROM shop_product p
    JOIN (SELECT product_id, SUM(quantity) AS quantity FROM shop_orderline WHERE order_id = %s GROUP BY product_id) l
      ON l.product_id = p.id
    ORDER BY p.id
    FOR UPDATE OF p
"""


def confirm_payment(order, actor, *, note="", enqueue_in_transaction=False):
    error = None
    with transaction.atomic():
        locked = lock_order(order)
        if locked.status in PAID_STATUSES:
            return _refresh(order, locked)
        _require(locked, UNPAID_STATUSES, _("dikonfirmasi pembayarannya"))
        with connection.cursor() as cursor:
            cursor.execute(LOCK_PRODUCTS_WITH_LINES, [locked.pk])
            lines = cursor.fetchall()  # (product id, name, stock, quantity), ascending product id
            shortages = [Shortage(pk, name, quantity, stock) for pk, name, stock, quantity in lines if stock < quantity]
            if shortages:
                error = InsufficientStock(shortages)
                locked.needs_attention = True
                locked.attention_note = str(error)
                locked.save(update_fields=["needs_attention", "attention_note", "updated_at"])
            else:
                now = timezone.now()
                values = ", ".join(["(%s, %s)"] * len(lines))
                cursor.execute(
                    f"UPDATE shop_product p SET stock = p.stock - v.quantity FROM (VALUES {values}) AS v (id, quantity)"
                    " WHERE p.id = v.id AND p.stock >= v.quantity",
                    [value for pk, _name, _stock, quantity in lines for value in (pk, quantity)],
                )
                if cursor.rowcount != len(lines):  # only if something changed stock without the lock
                    shortages = [Shortage(pk, name, quantity, stock) for pk, name, stock, quantity in lines]
                    raise InsufficientStock(shortages)
                rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(lines))
                cursor.execute(
                    "INSERT INTO shop_stockmovement (product_id, delta, reason, order_id, actor_id, note, created_at)"
                    f" VALUES {rows}",
                    [
                        value
                        for pk, _name, _stock, quantity in lines
                        for value in (pk, -quantity, StockMovement.Reason.SALE.value, locked.pk,
                                      getattr(actor, "pk", None), locked.number, now)
                    ],
                )
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
                if enqueue_in_transaction:
                    from django_q.tasks import async_task

                    async_task("shop.notifications.send_buyer_email", locked.pk, "paid", group="notifications")
                else:
                    from shop import notifications

                    notifications.payment_confirmed(locked)
    _refresh(order, locked)
    if error is not None:
        raise error
    return order if isinstance(order, Order) else locked


def confirm_payment_enqueue_in_transaction(order, actor, *, note=""):
    return confirm_payment(order, actor, note=note, enqueue_in_transaction=True)


# --- All in the database: one round trip ------------------------------------------------------------

PLPGSQL = """
CREATE TABLE IF NOT EXISTS bench_notification_outbox (
    id bigserial PRIMARY KEY, order_id bigint NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL
);
CREATE OR REPLACE FUNCTION bench_confirm_payment(p_order bigint, p_actor bigint, p_note text, p_now timestamptz,
                                                 p_outbox boolean DEFAULT false)
RETURNS TABLE (outcome text, shortages jsonb, o shop_order)
LANGUAGE plpgsql AS $$
DECLARE
    v_order shop_order;
    v_short jsonb := '[]'::jsonb;
    v_lines int := 0;
    v_updated int;
    r record;
BEGIN
    -- 1. The order row first.
    SELECT * INTO v_order FROM shop_order WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'missing'::text, NULL::jsonb, NULL::shop_order;
        RETURN;
    END IF;
    IF v_order.status IN ('processed', 'shipped', 'completed') THEN
        RETURN QUERY SELECT 'already'::text, NULL::jsonb, v_order;
        RETURN;
    END IF;
    IF v_order.status NOT IN ('pending_payment', 'waiting_verification') THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::jsonb, v_order;
        RETURN;
    END IF;
    -- 2. Its products in ascending pk (the plan sorts, then locks), every line checked.
    FOR r IN
        SELECT p.id, p.name, p.stock, l.quantity
        FROM shop_product p
        JOIN (SELECT product_id, SUM(quantity) AS quantity FROM shop_orderline
              WHERE order_id = p_order GROUP BY product_id) l ON l.product_id = p.id
        ORDER BY p.id
        FOR UPDATE OF p
    LOOP
        v_lines := v_lines + 1;
        IF r.stock < r.quantity THEN
            v_short := v_short || jsonb_build_array(jsonb_build_array(r.id, r.name, r.quantity, r.stock));
        END IF;
    END LOOP;
    IF jsonb_array_length(v_short) > 0 THEN
        RETURN QUERY SELECT 'short'::text, v_short, v_order;
        RETURN;
    END IF;
    -- 3. Take the stock (still conditional), book it, move the order on, accept the proof, log it.
    UPDATE shop_product p SET stock = p.stock - l.quantity
    FROM (SELECT product_id, SUM(quantity) AS quantity FROM shop_orderline
          WHERE order_id = p_order GROUP BY product_id) l
    WHERE p.id = l.product_id AND p.stock >= l.quantity;
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    IF v_updated <> v_lines THEN
        RAISE EXCEPTION 'stock changed without the row lock (order %)', p_order;
    END IF;
    INSERT INTO shop_stockmovement (product_id, delta, reason, order_id, actor_id, note, created_at)
    SELECT product_id, -SUM(quantity), 'sale', p_order, p_actor, v_order.number, p_now
    FROM shop_orderline WHERE order_id = p_order GROUP BY product_id ORDER BY product_id;
    UPDATE shop_order SET status = 'processed', paid_at = COALESCE(paid_at, p_now), needs_attention = false,
        attention_note = '', updated_at = p_now
    WHERE id = p_order RETURNING * INTO v_order;
    UPDATE shop_paymentproof SET status = 'accepted', reviewed_by_id = p_actor, reviewed_at = p_now
    WHERE order_id = p_order AND status = 'submitted';
    INSERT INTO shop_orderevent (order_id, actor_id, from_status, to_status, note, created_at)
    VALUES (p_order, p_actor, 'waiting_verification', 'processed', p_note, p_now);
    IF p_outbox THEN
        INSERT INTO bench_notification_outbox (order_id, kind, created_at) VALUES (p_order, 'paid', p_now);
    END IF;
    RETURN QUERY SELECT 'processed'::text, NULL::jsonb, v_order;
END;
$$
"""


def install_plpgsql():
    with connection.cursor() as cursor:
        cursor.execute(PLPGSQL)


def confirm_payment_plpgsql(order, actor, *, note="", outbox=False):
    from shop import notifications
    from shop.services.errors import InvalidTransition, OrderError

    pk = getattr(order, "pk", order)
    error = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.outcome, r.shortages, (r.o).* FROM bench_confirm_payment(%s, %s, %s, %s, %s) r",
                [pk, getattr(actor, "pk", None), note or _("Pembayaran dikonfirmasi."), timezone.now(), outbox],
            )
            row = cursor.fetchone()
            names = [column.name for column in cursor.description[2:]]
            outcome, shortages = row[0], row[1]
            if outcome == "missing":
                raise Order.DoesNotExist(pk)
            locked = Order.from_db(connection.alias, names, row[2:])
            if outcome == "invalid":
                _require(locked, UNPAID_STATUSES, _("dikonfirmasi pembayarannya"))
                raise OrderError(outcome)
            if outcome == "short":
                if isinstance(shortages, str):  # Django has psycopg hand jsonb over as text
                    shortages = json.loads(shortages)
                error = InsufficientStock([Shortage(pk_, name, requested, available)
                                           for pk_, name, requested, available in shortages])
                cursor.execute(
                    "UPDATE shop_order SET needs_attention = true, attention_note = %s, updated_at = %s WHERE id = %s",
                    [str(error), timezone.now(), pk],
                )
            elif outcome == "processed":
                if not outbox:
                    notifications.payment_confirmed(locked)
            elif outcome != "already":
                raise InvalidTransition(outcome)
    _refresh(order, locked)
    if error is not None:
        raise error
    return order if isinstance(order, Order) else locked


def confirm_payment_plpgsql_outbox(order, actor, *, note=""):
    """The same, with the buyer's email recorded as an outbox row by the function itself, for a
    periodic task to send, instead of a django-q task enqueued from Python on commit."""
    return confirm_payment_plpgsql(order, actor, note=note, outbox=True)
