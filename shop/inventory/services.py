"""The only code that changes a product's stock. Each change writes a StockMovement."""

from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.catalog.models import Product
from shop.inventory.locks import lock_stock_levels
from shop.inventory.models import StockMovement
from shop.orders.errors import InsufficientStock, OrderError, Shortage, StockChanged

MANUAL_REASONS = {
    StockMovement.Reason.RESTOCK,
    StockMovement.Reason.CORRECTION,
    StockMovement.Reason.DAMAGED,
    StockMovement.Reason.RETURNED,
}


def move_stock(product_id, delta, reason, *, actor=None, order=None, note=""):
    """Apply one signed change with a conditional UPDATE, so stock never goes below zero.

    Runs inside the caller's transaction when there is one; raises InsufficientStock and
    writes nothing when a decrease would go below zero.
    """
    if delta == 0:
        return None
    # Inside the caller's transaction no savepoint is needed: a refused decrease has written
    # nothing, and a database error rolls the caller back anyway. Saves two round trips per line.
    with nullcontext() if connection.in_atomic_block else transaction.atomic():
        updated = Product.objects.filter(pk=product_id, stock__gte=-delta if delta < 0 else 0).update(
            stock=F("stock") + delta
        )
        if not updated:
            product = Product.objects.only("name", "stock").get(pk=product_id)
            raise InsufficientStock([Shortage(product_id, product.name, -delta, product.stock)])
        return StockMovement.objects.create(
            product_id=product_id, delta=delta, reason=reason, order=order, actor=actor, note=note
        )


def set_opening_stock(product, quantity, *, actor=None):
    """The first stock of a new product is a movement like any other."""
    if quantity < 0:
        raise OrderError(_("Stok awal tidak boleh negatif."))
    return move_stock(product.pk, quantity, StockMovement.Reason.OPENING, actor=actor, note=_("Stok awal"))


def adjust_stock(product, delta, reason, *, actor=None, note="", expected_stock=None):
    """A manual adjustment by staff: restock, correction, damaged or returned goods.

    With `expected_stock` (the stock the person saw when they decided), the product is locked
    and the change refused with StockChanged if its stock has moved since: a double submit, or
    a sale in between, is shown to them again instead of applied twice.
    """
    if reason not in MANUAL_REASONS:
        raise OrderError(_("Alasan penyesuaian stok tidak dikenal."))
    with transaction.atomic():
        if expected_stock is not None:
            current = lock_stock_levels([product.pk])[product.pk]
            if current != expected_stock:
                raise StockChanged(
                    _(
                        "Stok %(name)s berubah menjadi %(stock)s sejak Anda memeriksanya. Periksa lagi sebelum menyimpan."
                    )
                    % {"name": product.name, "stock": current},
                    current,
                )
        return move_stock(product.pk, delta, reason, actor=actor, note=note)


IMPORT_BATCH = 500


def import_stock_levels(levels, *, actor=None, note=""):
    """Bring products to the stock levels read from an import file; returns how many movements.

    `levels` maps product id -> new stock. Each change is one StockMovement (reason import) for
    the difference, written in bulk, and stock moves by the same deltas in one conditional
    UPDATE per batch, so stock == sum(movements) holds for every product. Processed orders took
    their stock when their payment was confirmed and need nothing more from it, so the only
    floor a level has to respect is zero (checked here and by the database constraint).
    """
    if any(level < 0 for level in levels.values()):
        raise OrderError(_("Stok tidak boleh negatif."))
    written = 0
    with transaction.atomic():
        ids = sorted(levels)
        for start in range(0, len(ids), IMPORT_BATCH):
            batch = ids[start : start + IMPORT_BATCH]
            # Ascending pk, like every other stock writer, so none of them deadlock with this one.
            current = lock_stock_levels(batch)
            if len(current) != len(batch):
                raise OrderError(_("Sebagian produk tidak ditemukan saat mencatat stok impor."))
            deltas = {pk: levels[pk] - current[pk] for pk in batch if levels[pk] != current[pk]}
            if not deltas:
                continue
            updated = _move_by_deltas(deltas, expected={pk: current[pk] for pk in deltas})
            if updated != len(deltas):
                # Only reachable if something changed stock without the row lock.
                raise OrderError(_("Stok berubah selama impor; tidak ada yang disimpan. Coba impor lagi."))
            _record_movements(deltas, actor=actor, note=note)
            written += len(deltas)
    return written


def _record_movements(deltas, *, actor, note):
    """The ledger rows for a batch, in ascending product pk (see shop.inventory.locks), as one
    INSERT: StockMovement objects through bulk_create cost more Python than the insert itself."""
    fields = [
        StockMovement._meta.get_field(name) for name in ("product", "delta", "reason", "actor", "note", "created_at")
    ]
    now = fields[-1].get_db_prep_save(timezone.now(), connection)
    constant = [StockMovement.Reason.IMPORT.value, getattr(actor, "pk", None), note[:255], now]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(deltas))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(StockMovement._meta.db_table)} ({columns}) VALUES {rows}"
    params = [value for pk, delta in sorted(deltas.items()) for value in (pk, delta, *constant)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _move_by_deltas(deltas, *, expected):
    """UPDATE stock = stock + delta for many products in one statement, only where stock is still
    what was read. Plain SQL: the ORM's Case/When takes longer to build than the database to run."""
    table = connection.ops.quote_name(Product._meta.db_table)
    pk = connection.ops.quote_name(Product._meta.pk.column)
    stock = connection.ops.quote_name(Product._meta.get_field("stock").column)
    whens = " ".join(["WHEN %s THEN %s"] * len(deltas))
    sql = (
        f"UPDATE {table} SET {stock} = {stock} + CASE {pk} {whens} END "
        f"WHERE {pk} IN ({', '.join(['%s'] * len(deltas))}) AND {stock} = CASE {pk} {whens} END"
    )
    params = [value for pair in deltas.items() for value in pair]
    params += list(deltas)
    params += [value for pk_value in deltas for value in (pk_value, expected[pk_value])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
