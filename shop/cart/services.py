"""The buyer's cart: an account's, or an anonymous session's until login merges it.

A cart never holds more of a product than the shop has right now; stock is only read here, never
taken (that happens when payment is confirmed, in shop.orders.services.payment).
"""

import secrets
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from home.page_cache import VERSION_KEY as CATALOG_VERSION_KEY
from shop.cart.locks import lock_cart, lock_visitor_cart
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product, ProductVariant

# The session holds a token of its own rather than Django's session key, which login rotates.
SESSION_CART_TOKEN = "cart_token"
MAX_QUANTITY = 9999
# Different products in one cart. With MAX_QUANTITY of each at the highest price a product may
# have (shop.catalog.models.MAX_PRICE), a cart's total still fits the rupiah columns.
MAX_LINES = 100
SUMMARY_KEY = "tokoku:cart-summary:{owner}"
# The bound on a stale header count where no signal reaches (a bulk update of cart lines).
SUMMARY_SECONDS = 60


class CartError(Exception):
    """A cart change that was refused; the message is for the buyer and nothing was changed."""


@dataclass
class CartChange:
    product: Product
    quantity: int
    message: str
    capped: bool = False
    variant: ProductVariant | None = None


@dataclass
class CartLine:
    item: CartItem
    product: Product
    quantity: int
    variant: ProductVariant | None = None

    def __post_init__(self):
        if self.variant is None:
            self.variant = self.item.variant

    @property
    def name(self):
        return self.variant.display_name

    @property
    def unit_price(self):
        return self.variant.price

    @property
    def line_total(self):
        return self.variant.price * self.quantity

    @property
    def weight_grams(self):
        return self.variant.weight_grams * self.quantity

    @property
    def problem(self):
        """Why this line cannot be ordered as it is, or "" when it can."""
        if not self.product.is_active or not self.variant.is_active:
            return _("Produk ini tidak dijual lagi. Hapus dari keranjang.")
        if self.variant.stock <= 0:
            return _("Stok habis. Hapus dari keranjang.")
        if self.quantity > self.variant.stock:
            return _("Stok tinggal %(stock)s. Kurangi jumlahnya.") % {"stock": self.variant.stock}
        return ""


@dataclass
class CartContents:
    lines: list = field(default_factory=list)

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self):
        return sum(line.line_total for line in self.lines)

    @property
    def total_weight_grams(self):
        return sum(line.weight_grams for line in self.lines)

    @property
    def problems(self):
        return [line for line in self.lines if line.problem]

    @property
    def is_orderable(self):
        return bool(self.lines) and not self.problems


def get_cart(request, *, create=False):
    """The cart of whoever is browsing; None when there is none yet and `create` is False."""
    if request.user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=request.user)[0]
        return Cart.objects.filter(user=request.user).first()
    token = request.session.get(SESSION_CART_TOKEN)
    cart = Cart.objects.filter(session_key=token, user=None).first() if token else None
    if cart is None and create:
        token = secrets.token_hex(20)
        request.session[SESSION_CART_TOKEN] = token
        cart = Cart.objects.create(session_key=token)
    return cart


def cart_contents(cart):
    if cart is None:
        return CartContents()
    items = cart.items.select_related("product", "variant").order_by("added_at", "pk")
    for item in items:
        item.variant.product = item.product  # display_name reads it: no query per line
    return CartContents([CartLine(item, item.product, item.quantity, item.variant) for item in items])


def cart_summary(request):
    """Count and total for the header: from the cache between changes, else in one query (none for a
    visitor without a cart). Every page shows them, a cached page too (bench/pages)."""
    if request.user.is_authenticated:
        owner, items = f"user:{request.user.pk}", CartItem.objects.filter(cart__user=request.user)
    else:
        token = request.session.get(SESSION_CART_TOKEN)
        if not token:
            return {"count": 0, "total": 0}
        owner, items = f"session:{token}", CartItem.objects.filter(cart__session_key=token, cart__user=None)
    key = SUMMARY_KEY.format(owner=owner)
    found = cache.get_many([key, CATALOG_VERSION_KEY])
    kept = found.get(key)
    # A price change moves the total: a summary counts only under the catalog version it was made in.
    if kept is not None and kept["catalog"] == found.get(CATALOG_VERSION_KEY):
        return kept["summary"]
    totals = items.aggregate(count=Sum("quantity"), total=Sum(F("quantity") * F("variant__price")))
    summary = {"count": totals["count"] or 0, "total": totals["total"] or 0}
    cache.set(key, {"catalog": found.get(CATALOG_VERSION_KEY), "summary": summary}, SUMMARY_SECONDS)
    return summary


def forget_summaries(cart_ids):
    """Drop the header summaries of these carts' owners (a line of theirs changed, or the cart did)."""
    owners = Cart.objects.filter(pk__in=cart_ids).values_list("user_id", "session_key")
    keys = [SUMMARY_KEY.format(owner=f"user:{user_id}") for user_id, _token in owners if user_id] + [
        SUMMARY_KEY.format(owner=f"session:{token}") for _user_id, token in owners if token
    ]
    cache.delete_many(keys)
    # Again once committed: a page counted between the change and its commit saw the cart before it.
    transaction.on_commit(lambda: cache.delete_many(keys))


def add_to_cart(cart, product_id, quantity, *, variant_id=None):
    """Add `quantity` more of a product's variant (`variant_id`, or the only variant of a product
    without options), capped at its current stock."""
    _check_quantity(quantity, minimum=1)
    with transaction.atomic():
        lock_cart(cart)
        variant = _sellable_variant(product_id, variant_id)
        item = cart.items.filter(variant=variant).first()
        return _store(cart, variant, item, (item.quantity if item else 0) + quantity)


def change_quantity(cart, product_id, quantity, *, variant_id=None):
    """Set a line's quantity, capped at current stock; 0 removes the line."""
    _check_quantity(quantity, minimum=0)
    if quantity == 0:
        return remove_from_cart(cart, product_id, variant_id=variant_id)
    with transaction.atomic():
        lock_cart(cart)
        item = _line(cart, product_id, variant_id)
        variant = _sellable_variant(item.product_id, item.variant_id)
        return _store(cart, variant, item, quantity)


def remove_from_cart(cart, product_id, *, variant_id=None):
    with transaction.atomic():
        lock_cart(cart)
        item = _line(cart, product_id, variant_id)
        item.delete()
    name = item.variant.display_name
    return CartChange(item.product, 0, _("%(name)s dihapus dari keranjang.") % {"name": name}, variant=item.variant)


def _line(cart, product_id, variant_id):
    """The cart's line of this variant; without one named, the product's line when it has one only."""
    lines = cart.items.select_related("product", "variant")
    lines = lines.filter(variant_id=variant_id) if variant_id is not None else lines.filter(product_id=product_id)
    found = list(lines[:2])
    if len(found) != 1:
        raise CartError(_("Produk itu tidak ada di keranjang Anda."))
    return found[0]


def clear_cart(cart):
    cart.items.all().delete()


def merge_session_cart(request, user):
    """At login the visitor's cart joins the account's: quantities add up, capped at stock.

    Returns the messages for the buyer (one per line that could not be merged whole).
    """
    token = request.session.pop(SESSION_CART_TOKEN, None)
    if not token:
        return []
    notes = []
    with transaction.atomic():
        session_cart = lock_visitor_cart(token)
        if session_cart is None:
            return []
        account_cart = Cart.objects.get_or_create(user=user)[0]
        lock_cart(account_cart)
        for item in session_cart.items.select_related("product", "variant"):
            existing = account_cart.items.filter(variant=item.variant).first()
            wanted = (existing.quantity if existing else 0) + item.quantity
            try:
                change = _store(account_cart, item.variant, existing, wanted)
            except CartError as error:
                notes.append(str(error))
                continue
            if change.capped:
                notes.append(change.message)
        session_cart.delete()
    return notes


def _check_quantity(quantity, *, minimum):
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not minimum <= quantity <= MAX_QUANTITY:
        raise CartError(
            _("Jumlah harus angka bulat antara %(min)s dan %(max)s.") % {"min": minimum, "max": MAX_QUANTITY}
        )


def _sellable_variant(product_id, variant_id):
    variants = ProductVariant.objects.select_related("product")
    if variant_id is not None:
        variant = variants.filter(pk=variant_id).first()
        if variant is not None and product_id is not None and str(variant.product_id) != str(product_id):
            variant = None
    else:
        product = Product.objects.filter(pk=product_id).first()
        if product is not None and product.has_options and product.is_active:
            raise CartError(
                _("Pilih %(options)s %(name)s dulu.")
                % {"options": " & ".join(product.option_names), "name": product.name}
            )
        found = list(variants.filter(product_id=product_id)[:2])
        variant = found[0] if len(found) == 1 else None
    if variant is None or not variant.product.is_active or not variant.is_active:
        raise CartError(_("Produk itu tidak tersedia."))
    if variant.stock <= 0:
        raise CartError(_("Maaf, %(name)s sedang habis.") % {"name": variant.display_name})
    return variant


def _store(cart, variant, item, wanted):
    product = variant.product
    name = variant.display_name
    if not product.is_active or not variant.is_active or variant.stock <= 0:
        raise CartError(_("Maaf, %(name)s sedang habis.") % {"name": name})
    quantity = min(wanted, variant.stock, MAX_QUANTITY)
    if item is None:
        if cart.items.count() >= MAX_LINES:
            raise CartError(
                _("Keranjang sudah berisi %(count)s produk berbeda. Pesan dulu isinya, lalu belanja lagi.")
                % {"count": MAX_LINES}
            )
        item = CartItem.objects.create(cart=cart, product=product, variant=variant, quantity=quantity)
    elif item.quantity != quantity:
        item.quantity = quantity
        item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    if quantity < wanted and quantity < variant.stock:
        message = _("%(name)s paling banyak %(quantity)s per pesanan.") % {"name": name, "quantity": quantity}
        return CartChange(product, quantity, message, capped=True, variant=variant)
    if quantity < wanted:
        message = _("Stok %(name)s tinggal %(stock)s, jadi jumlah di keranjang %(quantity)s.") % {
            "name": name,
            "stock": variant.stock,
            "quantity": quantity,
        }
        return CartChange(product, quantity, message, capped=True, variant=variant)
    message = _("%(name)s: %(quantity)s di keranjang.") % {"name": name, "quantity": quantity}
    return CartChange(product, quantity, message, variant=variant)
