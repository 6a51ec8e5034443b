"""Placing an order from what the buyer saw at checkout. No stock is taken here (see payment.py)."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.cart.services import MAX_QUANTITY
from shop.catalog.models import ProductVariant
from shop.checkout.order_numbers import next_order_number
from shop.core.money import format_rupiah
from shop.core.text import one_line
from shop.inventory.locks import share_lock_lines
from shop.notifications import outbox
from shop.orders.errors import InsufficientStock, OrderError, PriceChange, PriceChanged, Shortage
from shop.orders.models import Order, OrderLine, PaymentMethod
from shop.payments.gateways import tripay
from shop.payments.gateways.bank_transfer import pick_unique_code, uses_unique_code
from shop.payments.models import PaymentSettings

from .steps import record_event

# Far above any real order, and far below what the rupiah and gram columns hold.
MAX_ORDER_TOTAL = 10**15
MAX_ORDER_WEIGHT_GRAMS = 2_000_000_000
UNIQUE_CODE_ATTEMPTS = 5

# The shipping address as place_order takes it; copied onto the order.
ADDRESS_FIELDS = (
    "recipient_name",
    "phone",
    "email",
    "province",
    "city",
    "district",
    "village",
    "region_code",
    "postal_code",
    "street",
)
# The village and its code are missing from an address saved before the region list existed.
OPTIONAL_ADDRESS_FIELDS = {"email", "village", "region_code"}
VILLAGE_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")
# The street may run over several lines; everything else goes on labels and in email subjects.
MULTI_LINE_ADDRESS_FIELDS = {"street"}


def place_order(
    user,
    *,
    items,
    address,
    shipping,
    payment_method=PaymentMethod.BANK_TRANSFER,
    payment_channel=None,
    seen_payment_fee=None,
):
    """Create an order in `pending_payment` from what the buyer saw at checkout; takes no stock.

    items:    [{"variant_id": int, "quantity": int, "unit_price": int}], unit_price being the
              price the buyer saw; "product_id" instead of "variant_id" names a product
              without options (its one variant).
    address:  recipient_name, phone, email, province, city, district, postal_code, street; and
              village and region_code (the village's Kemendagri code) when it was picked from
              the region list.
    shipping: courier, service, cost (whole rupiah, what the buyer pays); optionally etd (the
              courier's estimate, "2-3 hari") and discount (what a free-shipping rule took off).

    Every unavailable line (inactive, out of stock, more than in stock) is named in one
    InsufficientStock; every price that differs from the one the buyer saw in one PriceChanged.
    The order gets the day's next number, a unique code for a manual transfer when the owner
    wants one, and a payment deadline PAYMENT_WINDOW_HOURS away. Runs in the caller's
    transaction when there is one, so checkout can lock the cart, call this and empty the cart
    atomically.

    A gateway order (payment_method "tripay", payment_channel e.g. "QRIS") adds the channel's fee
    for the buyer to the total (refused when it is not `seen_payment_fee`, the fee the buyer saw)
    and creates the gateway's transaction before anything is committed: if the gateway refuses
    or does not answer, nothing of the order remains and the buyer can choose again.
    """
    wanted = _order_items(items)
    address = _order_address(address)
    shipping = _order_shipping(shipping)
    if payment_method not in PaymentMethod.values:
        raise OrderError(_("Metode pembayaran tidak dikenal."))
    use_unique_code = uses_unique_code(payment_method)
    now = timezone.now()

    with transaction.atomic():
        variants = ProductVariant.objects.select_related("product").in_bulk(wanted)
        shortages = []
        price_changes = []
        for variant_id, (quantity, seen_price) in wanted.items():
            variant = variants.get(variant_id)
            if variant is None:
                raise OrderError(_("Salah satu produk di keranjang sudah tidak ada. Muat ulang keranjang Anda."))
            sellable = variant.is_active and variant.product.is_active
            if not sellable or quantity > variant.stock:
                shortages.append(
                    Shortage(
                        variant.product_id, variant.display_name, quantity, variant.stock if sellable else 0, variant_id
                    )
                )
            elif seen_price != variant.price:
                price_changes.append(PriceChange(variant.product_id, variant.display_name, seen_price, variant.price))
        if shortages:
            raise InsufficientStock(shortages)
        if price_changes:
            raise PriceChanged(price_changes)

        subtotal = sum(variants[pk].price * quantity for pk, (quantity, _price) in wanted.items())
        weight = sum(variants[pk].weight_grams * quantity for pk, (quantity, _price) in wanted.items())
        amount = subtotal + shipping["cost"]
        channel = _payment_channel(payment_method, payment_channel, amount)
        fee = tripay.customer_fee(channel, amount) if channel else 0
        if seen_payment_fee is not None and fee != seen_payment_fee:
            raise OrderError(
                _("Biaya pembayaran berubah menjadi %(fee)s. Silakan periksa lagi sebelum memesan.")
                % {"fee": format_rupiah(fee)}
            )
        if amount + fee > MAX_ORDER_TOTAL or weight > MAX_ORDER_WEIGHT_GRAMS:
            raise OrderError(_("Pesanan sebesar ini tidak bisa dibuat sekaligus. Bagi menjadi beberapa pesanan."))
        # Each line's foreign-key checks share-lock its variant and product: take them in ascending
        # pk, the order confirm_payment locks them in, and before writing anything. A new order's
        # transfer total may lock a range of the unique index that a confirmation holding these
        # variants is about to write to (see tests/orders/test_checkout_locks.py).
        share_lock_lines(list(wanted), {variant.product_id for variant in variants.values()})
        order = _create_order(
            {
                # First: it holds the day's counter row until commit, so that checkouts of one day
                # pick their unique codes one after another (see _create_order).
                "number": next_order_number(timezone.localdate(now)),
                "user": user,
                **address,
                "shipping_courier": shipping["courier"],
                "shipping_service": shipping["service"],
                "shipping_cost": shipping["cost"],
                "shipping_etd": shipping["etd"],
                "shipping_discount": shipping["discount"],
                "payment_method": payment_method,
                "subtotal": subtotal,
                "payment_fee": fee,
                "total_weight_grams": weight,
                "payment_deadline": now + timedelta(hours=settings.PAYMENT_WINDOW_HOURS),
            },
            amount=amount + fee,
            use_unique_code=use_unique_code,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=variants[pk].product,
                variant=variants[pk],
                sku=variants[pk].sku,
                name=variants[pk].display_name,
                unit_price=variants[pk].price,
                quantity=quantity,
                weight_grams=variants[pk].weight_grams,
            )
            for pk, (quantity, _price) in sorted(wanted.items())
        )
        record_event(order, user, "", gettext_lazy("Pesanan dibuat."))
        if channel is not None:
            created = tripay.start_payment(order, channel)
            order.payment_reference = created.reference
            # The gateway's own figure is what the buyer will be asked for; it agrees with ours
            # for the fees it publishes.
            order.payment_fee = created.fee_customer
            order.total = amount + created.fee_customer
            order.save(update_fields=["payment_reference", "payment_fee", "total", "updated_at"])
        outbox.order_placed(order)
    return order


def _payment_channel(payment_method, code, amount):
    """The gateway channel a gateway order is paid with; None for a manual transfer."""
    if payment_method == PaymentMethod.BANK_TRANSFER:
        if not PaymentSettings.load().bank_transfer_enabled:
            raise OrderError(_("Transfer bank sedang tidak tersedia. Silakan pilih cara bayar lain."))
        return None
    channel = next((channel for channel in tripay.offered_channels(amount) if channel.code == code), None)
    if channel is None:
        raise OrderError(_("Cara bayar itu tidak tersedia untuk pesanan ini. Silakan pilih yang lain."))
    return channel


def _create_order(fields, *, amount, use_unique_code):
    """The order, with a total no other awaited manual transfer has when it gets a unique code.

    Checkouts of one day already wait for each other on the day's order counter, so each sees
    the codes the one before took. The database's unique column (Order.awaited_transfer_total)
    catches the rest, such as two checkouts either side of midnight: then another code is tried.
    """
    if not use_unique_code:
        return Order.objects.create(**fields, unique_code=0, total=amount)
    refused = set()
    for _attempt in range(UNIQUE_CODE_ATTEMPTS):
        code = pick_unique_code(amount, also_taken=refused)
        try:
            with transaction.atomic():
                return Order.objects.create(**fields, unique_code=code, total=amount + code)
        except IntegrityError:
            refused.add(amount + code)
    raise OrderError(_("Semua kode unik untuk jumlah ini sedang dipakai. Coba lagi beberapa menit lagi."))


def _order_items(items):
    """{variant_id: (quantity, seen unit price)}, in the buyer's order; one entry per variant."""
    wanted = {}
    items = list(items or ())
    sole = _sole_variants(
        item.get("product_id") for item in items if isinstance(item, dict) and "variant_id" not in item
    )
    for item in items:
        try:
            variant_id = int(item["variant_id"]) if "variant_id" in item else sole[int(item["product_id"])]
            quantity, seen_price = item["quantity"], item["unit_price"]
        except (KeyError, TypeError, ValueError):
            raise OrderError(_("Isi keranjang tidak valid. Muat ulang keranjang Anda.")) from None
        if not _is_whole(quantity) or not 1 <= quantity <= MAX_QUANTITY or not _is_whole(seen_price) or seen_price < 0:
            raise OrderError(_("Jumlah atau harga di keranjang tidak valid. Muat ulang keranjang Anda."))
        if variant_id in wanted:
            earlier_quantity, earlier_price = wanted[variant_id]
            if earlier_price != seen_price:
                raise OrderError(_("Isi keranjang tidak valid. Muat ulang keranjang Anda."))
            quantity += earlier_quantity
        wanted[variant_id] = (quantity, seen_price)
    if not wanted:
        raise OrderError(_("Keranjang Anda kosong."))
    return wanted


def _sole_variants(product_ids):
    """{product_id: its variant} for products named without a variant; a product with several
    variants (or none) is left out, so its line is refused as invalid."""
    ids = set()
    for value in product_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    found = {}
    for product_id, variant_id in ProductVariant.objects.filter(product_id__in=ids).values_list("product_id", "pk"):
        found.setdefault(product_id, []).append(variant_id)
    return {product_id: pks[0] for product_id, pks in found.items() if len(pks) == 1}


def _order_address(address):
    cleaned = {}
    for name in ADDRESS_FIELDS:
        value = str(address.get(name) or "").strip()
        if name not in MULTI_LINE_ADDRESS_FIELDS:
            value = one_line(value)
        if not value and name not in OPTIONAL_ADDRESS_FIELDS:
            raise OrderError(_("Alamat pengiriman belum lengkap: %(field)s.") % {"field": _field_label(name)})
        max_length = Order._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            raise OrderError(_("%(field)s terlalu panjang.") % {"field": _field_label(name)})
        cleaned[name] = value
    if cleaned["region_code"] and not VILLAGE_CODE.fullmatch(cleaned["region_code"]):
        raise OrderError(_("Kode wilayah alamat pengiriman tidak valid. Pilih lagi kelurahan/desanya."))
    return cleaned


def _order_shipping(shipping):
    courier = one_line(shipping.get("courier"))
    service = one_line(shipping.get("service"))
    etd = one_line(shipping.get("etd"))
    cost = shipping.get("cost")
    discount = shipping.get("discount") or 0
    if not courier or not service or not _is_whole(cost) or cost < 0:
        raise OrderError(_("Pilih jasa pengiriman."))
    if not _is_whole(discount) or discount < 0 or cost + discount > MAX_ORDER_TOTAL:
        raise OrderError(_("Potongan ongkos kirim tidak valid."))
    if (
        len(courier) > Order._meta.get_field("shipping_courier").max_length
        or len(service) > Order._meta.get_field("shipping_service").max_length
    ):
        raise OrderError(_("Nama jasa pengiriman terlalu panjang."))
    # A courier's estimate is a hint on the order page, not worth refusing an order over.
    etd = etd[: Order._meta.get_field("shipping_etd").max_length]
    return {"courier": courier, "service": service, "cost": cost, "etd": etd, "discount": discount}


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _field_label(name):
    return str(Order._meta.get_field(name).verbose_name)
