"""Checkout in two steps: choices (address, shipping, payment), then a review that places the order.

Shipping is priced by destination, so the options shown are those to the address chosen on the
page: the saved address picked, or the village picked for a new one. With JavaScript the options
follow the address as it changes (`?ongkir`, a fragment of the page); without it, "Hitung ongkir"
and the region search post the form and get it back with what was typed, unjudged.

The review page carries a signed snapshot of what the buyer saw (lines, prices, shipping cost);
placing compares it with the cart as it is now, so a cart changed in another tab or a price changed
in the meantime is shown again instead of being ordered unseen. The shipping cost is always the
one shop.shipping.quotes gives for the chosen option's key, never one that was posted.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from shop.cart.services import cart_contents, get_cart
from shop.checkout.forms import AddressForm, CheckoutForm, address_as_dict, region_of
from shop.checkout.services import (
    add_address,
    chosen_shipping,
    complete_checkout,
    reviewed_lines,
    shipping_quote_to,
)
from shop.orders.errors import OrderError
from shop.orders.models import PaymentMethod
from shop.payments.choices import payment_options
from shop.payments.models import PaymentSettings

CHECKOUT_CHOICES = "checkout"
ADDRESS_PREFIX = "alamat"
RECALCULATE = "hitung_ongkir"  # the no-JavaScript button that shows the options to the address chosen
SNAPSHOT_SALT = "shop.checkout.review"
SNAPSHOT_MAX_AGE = 2 * 60 * 60


@login_required
def checkout(request):
    contents = cart_contents(get_cart(request))
    if "ongkir" in request.GET:
        return _shipping_options(request, contents)
    if not contents.is_orderable:
        return _back_to_cart(request, contents)
    chosen = request.session.get(CHECKOUT_CHOICES, {})
    addresses = list(request.user.addresses.all())
    posted = request.POST if request.method == "POST" else None
    searching = posted is not None and AddressForm.search_requested(posted, prefix=ADDRESS_PREFIX)
    # The new-address form is judged only when no saved address was picked (or its region searched).
    new_address = posted is not None and (searching or not posted.get("saved_address"))
    address_form = AddressForm(
        posted if new_address else None,
        prefix=ADDRESS_PREFIX,
        use_required_attribute=False,
        # Back from the review with an address that was not saved: it is there again.
        initial=chosen["address"] if chosen.get("address") and not chosen.get("address_id") else None,
    )
    initial = {
        "saved_address": chosen.get("address_id", addresses[0].pk if addresses else None),
        "shipping_option": chosen.get("shipping_option"),
    }
    if chosen.get("payment_method"):
        initial["payment_method"] = chosen["payment_method"]
    destination = _destination(posted, new_address, address_form, chosen, addresses)
    quote = shipping_quote_to(destination, contents)
    form = CheckoutForm(posted, user=request.user, quote=quote, subtotal=contents.subtotal, initial=initial)

    if searching or (posted is not None and RECALCULATE in posted):
        form = form.shown_again(initial={"saved_address": ""} if searching else {})
        address_form = address_form.shown_again()
    elif posted is not None and form.is_valid() and (not new_address or address_form.is_valid()):
        saved = form.cleaned_data["saved_address"]
        if saved is None and form.cleaned_data["save_address"]:
            saved = add_address(request.user, address_form.save(commit=False))
        request.session[CHECKOUT_CHOICES] = {
            "address": address_as_dict(saved) if saved else address_form.as_order_address(),
            "address_id": saved.pk if saved else None,
            "shipping_option": form.cleaned_data["shipping_option"],
            "payment_method": form.cleaned_data["payment_method"],
        }
        return redirect("shop:checkout_review")

    return render(
        request,
        "shop/checkout.html",
        {"contents": contents, "form": form, "address_form": address_form, "has_addresses": bool(addresses)},
    )


def _shipping_options(request, contents):
    """The shipping options to a saved address (`alamat`) or a village (`wilayah`): what the page's script swaps in."""
    if "alamat" in request.GET:
        number = request.GET["alamat"]
        saved = request.user.addresses.filter(pk=int(number)).first() if number.isdecimal() else None
        address = address_as_dict(saved) if saved else None
    else:
        address = _region_address(region_of(request.GET.get("wilayah")))
    form = CheckoutForm(
        user=request.user,
        quote=shipping_quote_to(address, contents),
        subtotal=contents.subtotal,
        initial={"shipping_option": request.GET.get("pilihan")},
    )
    response = render(request, "shop/includes/shipping_options.html", {"form": form, "contents": contents})
    add_never_cache_headers(response)
    return response


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
    # Priced again from the key: the options depend on the address, the weight and the owner's rules.
    shipping = chosen_shipping(chosen.get("shipping_option"), chosen["address"], contents)
    if shipping is None:
        messages.error(
            request, _("Jasa pengiriman yang Anda pilih tidak tersedia lagi ke alamat ini. Silakan pilih yang lain.")
        )
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
            "variants": reviewed_lines(contents),
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
            language=request.LANGUAGE_CODE,
        )
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("shop:checkout_review")

    request.session.pop(CHECKOUT_CHOICES, None)
    messages.success(request, _("Pesanan %(number)s dibuat. Silakan lakukan pembayaran.") % {"number": order.number})
    return redirect("shop:order_detail", number=order.number)


def _destination(posted, new_address, address_form, chosen, addresses):
    """The address shipping is priced to: the one picked on the form sent, else the last chosen or the main one."""
    if posted is None:
        saved = next((a for a in addresses if a.pk == chosen.get("address_id")), None)
        if saved is None and chosen.get("address"):
            return chosen["address"]
        saved = saved or next(iter(addresses), None)
        return address_as_dict(saved) if saved else None
    if new_address:
        return _region_address(address_form.chosen_region)
    saved = next((a for a in addresses if str(a.pk) == posted["saved_address"]), None)
    return address_as_dict(saved) if saved else None


def _region_address(region):
    """What pricing needs of a village picked for a new address (shop.shipping.regions' dict)."""
    return {"region_code": region["code"], "province": region["province"]} if region else None


def _back_to_cart(request, contents):
    if not contents.lines:
        messages.info(request, _("Keranjang Anda masih kosong."))
    else:
        messages.error(request, _("Ada produk di keranjang yang perlu diperbaiki sebelum checkout."))
    return redirect("shop:cart")
