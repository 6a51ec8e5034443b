"""Checkout in two steps: choices (address, shipping, payment), then a review that places the order.

The review page carries a signed snapshot of what the buyer saw (lines, prices, shipping cost);
placing compares it with the cart as it is now, so a cart changed in another tab or a price changed
in the meantime is shown again instead of being ordered unseen.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shop.cart.services import cart_contents, get_cart
from shop.checkout.forms import AddressForm, CheckoutForm, address_as_dict
from shop.checkout.services import add_address, complete_checkout
from shop.orders.errors import OrderError
from shop.orders.models import PaymentMethod
from shop.payments.choices import payment_options
from shop.payments.models import PaymentSettings
from shop.shipping.rates import flat_rate_option

CHECKOUT_CHOICES = "checkout"
SNAPSHOT_SALT = "shop.checkout.review"
SNAPSHOT_MAX_AGE = 2 * 60 * 60


@login_required
def checkout(request):
    contents = cart_contents(get_cart(request))
    if not contents.is_orderable:
        return _back_to_cart(request, contents)
    chosen = request.session.get(CHECKOUT_CHOICES, {})
    addresses = list(request.user.addresses.all())
    initial = {
        "saved_address": chosen.get("address_id") or (addresses[0].pk if addresses else None),
        "shipping_rate": chosen.get("shipping_rate"),
    }
    if chosen.get("payment_method"):
        initial["payment_method"] = chosen["payment_method"]
    form = CheckoutForm(
        request.POST or None,
        user=request.user,
        weight_grams=contents.total_weight_grams,
        subtotal=contents.subtotal,
        initial=initial,
    )
    # The new-address form is judged only when no saved address was picked.
    new_address = request.method == "POST" and not request.POST.get("saved_address")
    address_form = AddressForm(request.POST if new_address else None, prefix="alamat", use_required_attribute=False)

    if request.method == "POST" and form.is_valid() and (not new_address or address_form.is_valid()):
        saved = form.cleaned_data["saved_address"]
        if saved is None and form.cleaned_data["save_address"]:
            saved = add_address(request.user, address_form.save(commit=False))
        request.session[CHECKOUT_CHOICES] = {
            "address": address_as_dict(saved) if saved else address_form.as_order_address(),
            "address_id": saved.pk if saved else None,
            "shipping_rate": form.cleaned_data["shipping_rate"],
            "payment_method": form.cleaned_data["payment_method"],
        }
        return redirect("shop:checkout_review")

    return render(
        request,
        "shop/checkout.html",
        {"contents": contents, "form": form, "address_form": address_form, "has_addresses": bool(addresses)},
    )


@login_required
def checkout_review(request):
    chosen = request.session.get(CHECKOUT_CHOICES)
    contents = cart_contents(get_cart(request))
    if request.method == "POST" and not (chosen and contents.lines):
        # Most often a second click on "Buat Pesanan": the first one already made the order.
        messages.info(request, _("Tidak ada pesanan baru untuk dibuat. Pesanan yang sudah dibuat ada di Pesanan Saya."))
        return redirect("shop:order_list")
    if not chosen:
        return redirect("shop:checkout")
    if not contents.is_orderable:
        return _back_to_cart(request, contents)
    shipping = flat_rate_option(chosen["shipping_rate"], contents.total_weight_grams)
    if shipping is None:
        messages.error(request, _("Jasa pengiriman yang Anda pilih tidak tersedia lagi. Silakan pilih yang lain."))
        return redirect("shop:checkout")

    payment = next(
        (
            option
            for option in payment_options(contents.subtotal + shipping.cost)
            if option.value == chosen["payment_method"]
        ),
        None,
    )
    if payment is None:
        messages.error(
            request, _("Cara pembayaran yang Anda pilih tidak tersedia untuk pesanan ini. Silakan pilih yang lain.")
        )
        return redirect("shop:checkout")

    if request.method == "POST":
        return _place_order(request, chosen, shipping)

    snapshot = signing.dumps(
        {
            "user": request.user.pk,
            "items": [[line.product.pk, line.quantity, line.unit_price] for line in contents.lines],
            "shipping_cost": shipping.cost,
            "payment_fee": payment.fee,
        },
        salt=SNAPSHOT_SALT,
    )
    return render(
        request,
        "shop/checkout_review.html",
        {
            "contents": contents,
            "address": chosen["address"],
            "shipping": shipping,
            "payment": payment,
            "total": contents.subtotal + shipping.cost + payment.fee,
            "use_unique_code": payment.value == PaymentMethod.BANK_TRANSFER
            and PaymentSettings.load(request_or_site=request).use_unique_code,
            "payment_window_hours": settings.PAYMENT_WINDOW_HOURS,
            "snapshot": snapshot,
        },
    )


def _place_order(request, chosen, shipping):
    try:
        seen = signing.loads(request.POST.get("snapshot", ""), salt=SNAPSHOT_SALT, max_age=SNAPSHOT_MAX_AGE)
        if seen["user"] != request.user.pk:
            raise signing.BadSignature
    except signing.BadSignature:
        messages.error(request, _("Halaman tinjauan sudah kedaluwarsa. Silakan periksa lagi pesanan Anda."))
        return redirect("shop:checkout_review")

    try:
        order = complete_checkout(
            request.user,
            seen=seen,
            address=chosen["address"],
            shipping=shipping,
            payment=chosen["payment_method"],
        )
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("shop:checkout_review")

    request.session.pop(CHECKOUT_CHOICES, None)
    messages.success(request, _("Pesanan %(number)s dibuat. Silakan lakukan pembayaran.") % {"number": order.number})
    return redirect("shop:order_detail", number=order.number)


def _back_to_cart(request, contents):
    if not contents.lines:
        messages.info(request, _("Keranjang Anda masih kosong."))
    else:
        messages.error(request, _("Ada produk di keranjang yang perlu diperbaiki sebelum checkout."))
    return redirect("shop:cart")
