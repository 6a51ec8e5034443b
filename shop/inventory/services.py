"""The only code that changes stock. Each change writes a StockMovement.

Stock lives on product variants (shop.catalog.variants); a product's stock is the sum of its
variants', moved here by the same amounts in the same transaction. Locks follow
shop.inventory.locks: variants in ascending pk, then their products in ascending pk.
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from home.page_cache import bump_version
from shop.catalog.models import Product, ProductVariant
from shop.inventory.locks import lock_product_totals, lock_variant_stock_levels, lock_variants
from shop.inventory.models import StockMovement
from shop.orders.errors import InsufficientStock, OrderError, Shortage, StockChanged

MANUAL_REASONS = {
    StockMovement.Reason.RESTOCK,
    StockMovement.Reason.CORRECTION,
    StockMovement.Reason.DAMAGED,
    StockMovement.Reason.RETURNED,
}


def move_stock(product_id, delta, reason, *, actor=None, order=None, note="", variant_id=None):
    """Apply one signed change to a variant's stock (a product without options: its one variant),
    so stock never goes below zero. Runs inside the caller's transaction when there is one;
    raises InsufficientStock and writes nothing when a decrease would go below zero. Returns the
    StockMovement, or None for a zero change."""
    if variant_id is None:
        variant_id = sole_variant_id(product_id)
    movements = move_variant_stock({variant_id: delta}, reason, actor=actor, order=order, note=note)
    return movements[0] if movements else None


def sole_variant_id(product_id):
    """The variant stock of a product moves in when none is named: refused for a product with options."""
    ids = list(ProductVariant.objects.filter(product_id=product_id).order_by("pk").values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        raise OrderError(_("Produk ini punya beberapa varian: pilih variannya."))
    return ids[0]


def move_variant_stock(deltas, reason, *, actor=None, order=None, note=""):
    """Apply signed changes {variant_id: delta} at once: every variant checked before anything is
    written, InsufficientStock naming each short one. Returns the StockMovements written."""
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return []
    with transaction.atomic():
        variants = lock_variants(deltas)
        if len(variants) != len(deltas):
            raise OrderError(_("Varian produk tidak ditemukan."))
        shortages = [
            Shortage(variants[pk].product_id, variants[pk].locked_name, -delta, variants[pk].stock, pk)
            for pk, delta in sorted(deltas.items())
            if variants[pk].stock + delta < 0
        ]
        if shortages:
            raise InsufficientStock(shortages)
        return _apply(variants, deltas, reason, actor=actor, order=order, note=note)


def _apply(variants, deltas, reason, *, actor, order, note):
    """Write locked variants' changes, their products' totals and the ledger, in the lock order."""
    by_product = defaultdict(int)
    for pk, delta in deltas.items():
        by_product[variants[pk].product_id] += delta
    lock_product_totals(by_product)
    for pk, delta in sorted(deltas.items()):
        updated = ProductVariant.objects.filter(pk=pk, stock__gte=-delta if delta < 0 else 0).update(
            stock=F("stock") + delta
        )
        if not updated:  # only reachable if something changed stock without the row lock
            raise OrderError(_("Stok berubah saat dicatat; tidak ada yang disimpan. Coba lagi."))
    for product_id, delta in sorted(by_product.items()):
        if delta:
            Product.objects.filter(pk=product_id).update(stock=F("stock") + delta)
    movements = StockMovement.objects.bulk_create(
        StockMovement(
            product_id=variants[pk].product_id,
            variant_id=pk,
            delta=delta,
            reason=reason,
            order=order,
            actor=actor,
            note=note,
        )
        for pk, delta in sorted(deltas.items())
    )
    bump_version()  # pages and searches show stock; bulk_create sends no post_save for home.receivers
    return movements


def set_opening_stock(product, quantity, *, actor=None, variant=None):
    """The first stock of a new product (or of one of its variants) is a movement like any other."""
    if quantity < 0:
        raise OrderError(_("Stok awal tidak boleh negatif."))
    return move_stock(
        product.pk,
        quantity,
        StockMovement.Reason.OPENING,
        actor=actor,
        note=_("Stok awal"),
        variant_id=getattr(variant, "pk", None),
    )


def adjust_stock(product, delta, reason, *, actor=None, note="", expected_stock=None, variant=None):
    """A manual adjustment by staff: restock, correction, damaged or returned goods, of one variant
    (`variant`, or the product's only one).

    With `expected_stock` (the variant's stock the person saw when they decided), the change is
    refused with StockChanged if its stock has moved since: a double submit, or a sale in
    between, is shown to them again instead of applied twice.
    """
    if reason not in MANUAL_REASONS:
        raise OrderError(_("Alasan penyesuaian stok tidak dikenal."))
    variant_id = variant.pk if variant is not None else sole_variant_id(product.pk)
    with transaction.atomic():
        if expected_stock is not None:
            current = lock_variant_stock_levels([variant_id])[variant_id][1]
            if current != expected_stock:
                raise StockChanged(
                    _(
                        "Stok %(name)s berubah menjadi %(stock)s sejak Anda memeriksanya. Periksa lagi sebelum menyimpan."
                    )
                    % {"name": variant.display_name if variant is not None else product.name, "stock": current},
                    current,
                )
        return move_stock(product.pk, delta, reason, actor=actor, note=note, variant_id=variant_id)


IMPORT_BATCH = 500


def import_stock_levels(levels, *, actor=None, note=""):
    """Bring variants to the stock levels read from an import file; returns how many movements.

    `levels` maps variant id -> new stock. Each change is one StockMovement (reason import) for
    the difference, written in bulk, and stock moves by the same deltas in one conditional
    UPDATE per batch (and the products' totals with them), so stock == sum(movements) holds for
    every variant and product. Processed orders took their stock when their payment was
    confirmed and need nothing more from it, so the only floor a level has to respect is zero
    (checked here and by the database constraint).
    """
    if any(level < 0 for level in levels.values()):
        raise OrderError(_("Stok tidak boleh negatif."))
    with transaction.atomic():
        ids = sorted(levels)
        current = {}
        # Every variant locked before any product (shop.inventory.locks), in ascending pk.
        for start in range(0, len(ids), IMPORT_BATCH):
            current.update(lock_variant_stock_levels(ids[start : start + IMPORT_BATCH]))
        if len(current) != len(ids):
            raise OrderError(_("Sebagian produk tidak ditemukan saat mencatat stok impor."))
        deltas = {pk: levels[pk] - current[pk][1] for pk in ids if levels[pk] != current[pk][1]}
        by_product = defaultdict(int)
        for pk, delta in deltas.items():
            by_product[current[pk][0]] += delta
        products = sorted(by_product)
        for start in range(0, len(products), IMPORT_BATCH):
            lock_product_totals(products[start : start + IMPORT_BATCH])
        changed = sorted(deltas)
        for start in range(0, len(changed), IMPORT_BATCH):
            batch = {pk: deltas[pk] for pk in changed[start : start + IMPORT_BATCH]}
            updated = _move_by_deltas(ProductVariant, batch, expected={pk: current[pk][1] for pk in batch})
            if updated != len(batch):
                # Only reachable if something changed stock without the row lock.
                raise OrderError(_("Stok berubah selama impor; tidak ada yang disimpan. Coba impor lagi."))
            _record_movements({pk: (current[pk][0], deltas[pk]) for pk in batch}, actor=actor, note=note)
        totals = {pk: delta for pk, delta in by_product.items() if delta}
        for start in range(0, len(products), IMPORT_BATCH):
            batch = {pk: totals[pk] for pk in products[start : start + IMPORT_BATCH] if pk in totals}
            if batch:
                _move_by_deltas(Product, batch)
    return len(deltas)


def _record_movements(changes, *, actor, note):
    """The ledger rows for a batch {variant_id: (product_id, delta)}, in ascending variant pk (see
    shop.inventory.locks), as one INSERT: StockMovement objects through bulk_create cost more
    Python than the insert itself."""
    names = ("variant", "product", "delta", "reason", "actor", "note", "created_at")
    fields = [StockMovement._meta.get_field(name) for name in names]
    now = fields[-1].get_db_prep_save(timezone.now(), connection)
    constant = [StockMovement.Reason.IMPORT.value, getattr(actor, "pk", None), note[:255], now]
    rows = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(changes))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(StockMovement._meta.db_table)} ({columns}) VALUES {rows}"
    params = [
        value for pk, (product_id, delta) in sorted(changes.items()) for value in (pk, product_id, delta, *constant)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _move_by_deltas(model, deltas, *, expected=None):
    """UPDATE stock = stock + delta for many rows in one statement, with `expected` only where stock
    is still what was read. Plain SQL: the ORM's Case/When takes longer to build than the database
    to run."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    stock = connection.ops.quote_name(model._meta.get_field("stock").column)
    whens = " ".join(["WHEN %s THEN %s"] * len(deltas))
    sql = f"UPDATE {table} SET {stock} = {stock} + CASE {pk} {whens} END WHERE {pk} IN ({', '.join(['%s'] * len(deltas))})"
    params = [value for pair in deltas.items() for value in pair]
    params += list(deltas)
    if expected is not None:
        sql += f" AND {stock} = CASE {pk} {whens} END"
        params += [value for pk_value in deltas for value in (pk_value, expected[pk_value])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
