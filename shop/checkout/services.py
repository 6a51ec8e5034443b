"""Completing a checkout, pricing its shipping to the address chosen, and the buyer's address book.

A screen parses what the buyer sent and calls one of these; the rules and locks are here, so the
storefront, a future API and tests behave the same.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from shop.cart.locks import lock_account_cart
from shop.cart.services import cart_contents, clear_cart
from shop.checkout.language import remember_buyer_language
from shop.checkout.locks import lock_address_book
from shop.orders.errors import OrderError
from shop.orders.services.placing import place_order
from shop.payments.choices import split
from shop.shipping.quotes import Destination, shipping_option, shipping_quote


class ReviewOutdated(OrderError):
    """What the buyer reviewed is no longer what would be ordered."""


def complete_checkout(user, *, seen, address, shipping, payment, language=None):
    """Place the order the buyer reviewed and empty their cart, in one transaction; returns the Order.

    `seen` is what the review page showed: {"variants": [[variant_id, quantity, unit_price], ...],
    "shipping_cost": int, "payment_fee": int}; a review page made before variants carried
    {"items": [[product_id, quantity, unit_price], ...]} instead, still accepted (each such product
    had one variant). `payment` is the buyer's choice ("bank_transfer" or
    "tripay:QRIS", shop.payments.choices). The cart is locked and compared with it first, so a
    cart changed in another tab, or a second click on "Buat Pesanan" (which finds the cart
    already emptied by the first), raises ReviewOutdated instead of ordering what the buyer has
    not seen. Prices the buyer saw are checked by place_order (PriceChanged), and so is the
    payment fee of a gateway channel. `language` is the storefront's as the buyer ordered: the
    order's emails are written in it (shop.checkout.language).
    """
    payment_method, payment_channel = split(payment)
    key, items = seen_items(seen)
    with transaction.atomic():
        cart = lock_account_cart(user)
        contents = cart_contents(cart)
        in_cart = [
            [line.variant.pk if key == "variant_id" else line.product.pk, line.quantity] for line in contents.lines
        ]
        if in_cart != [item[:2] for item in items]:
            raise ReviewOutdated(_("Isi keranjang Anda berubah. Silakan periksa lagi sebelum memesan."))
        if shipping.cost != seen["shipping_cost"]:
            raise ReviewOutdated(_("Ongkos kirim berubah. Silakan periksa lagi sebelum memesan."))
        order = place_order(
            user,
            items=[{key: pk, "quantity": quantity, "unit_price": price} for pk, quantity, price in items],
            address={**address, "email": user.email},
            shipping={
                "courier": shipping.courier,
                "service": shipping.service,
                "cost": shipping.cost,
                "etd": shipping.etd,
                "discount": shipping.discount,
            },
            payment_method=payment_method,
            payment_channel=payment_channel,
            seen_payment_fee=seen.get("payment_fee", 0),
        )
        clear_cart(cart)
        if language:
            remember_buyer_language(user, language)
    return order


def reviewed_lines(contents):
    """What the review page shows of the cart, as complete_checkout compares it: [[variant id,
    quantity, unit price], ...]."""
    return [[line.variant.pk, line.quantity, line.unit_price] for line in contents.lines]


def seen_items(seen):
    """The lines of a review snapshot and what their first number names ("variant_id", or
    "product_id" for a snapshot made before variants)."""
    if "variants" in seen:
        return "variant_id", seen["variants"]
    return "product_id", seen["items"]


def destination_of(address):
    """Where `address` (the dict an order copies, as checkout keeps it) sends a parcel; None if nowhere yet.

    An address saved before the region list existed has no region code, only the province as typed:
    it is still priced, by the owner's rates for that province.
    """
    region_code, province = (address or {}).get("region_code") or "", (address or {}).get("province") or ""
    return Destination(region_code=region_code, province=province) if region_code or province else None


def shipping_quote_to(address, contents):
    """The shipping options to `address` for the cart's `contents`, or None while no address is known."""
    destination = destination_of(address)
    if destination is None:
        return None
    return shipping_quote(destination, weight_grams=contents.total_weight_grams, subtotal=contents.subtotal)


def chosen_shipping(key, address, contents):
    """The option `key` to `address` as it costs now; None when it is not offered there (any more)."""
    destination = destination_of(address)
    if destination is None or not key:
        return None
    return shipping_option(key, destination, weight_grams=contents.total_weight_grams, subtotal=contents.subtotal)


def add_address(user, address):
    """Save a new (unsaved) Address to `user`'s book; the first one becomes the one checkout offers first."""
    with transaction.atomic():
        book = lock_address_book(user)
        address.user = user
        address.is_default = not book
        address.save()
    return address


def delete_address(address):
    """Remove an address; when it was the main one, the newest left takes its place."""
    with transaction.atomic():
        book = lock_address_book(address.user)
        book.pop(address.pk, None)
        address.delete()
        if address.is_default and book:
            _make_default(max(book.values(), key=lambda a: (a.created_at, a.pk)))


def make_default_address(address):
    """The address checkout offers first; every other address of the buyer stops being it."""
    with transaction.atomic():
        book = lock_address_book(address.user)
        _make_default(book.get(address.pk, address))


def _make_default(address):
    address.user.addresses.exclude(pk=address.pk).filter(is_default=True).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])
