"""The cart page and its changes. Every change is a POST that redirects back (works without JavaScript)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.cart import services as carts
from shop.cart.forms import AddToCartForm, ChangeQuantityForm, RemoveFromCartForm


def cart_detail(request):
    contents = carts.cart_contents(carts.get_cart(request))
    return render(request, "shop/cart.html", {"contents": contents, "max_quantity": carts.MAX_QUANTITY})


@require_POST
def cart_add(request):
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    cart = carts.get_cart(request, create=True)
    data = form.cleaned_data
    return _apply(request, carts.add_to_cart, cart, data["product"], data["quantity"], variant_id=data["variant"])


@require_POST
def cart_update(request):
    form = ChangeQuantityForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    data = form.cleaned_data
    return _apply_to_existing_cart(
        request, carts.change_quantity, data["product"], data["quantity"], variant_id=data["variant"]
    )


@require_POST
def cart_remove(request):
    form = RemoveFromCartForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    data = form.cleaned_data
    return _apply_to_existing_cart(request, carts.remove_from_cart, data["product"], variant_id=data["variant"])


def _apply_to_existing_cart(request, change, *args, **kwargs):
    # Changing a line needs a cart; a visitor without one (session expired, another tab) is told so.
    cart = carts.get_cart(request)
    if cart is None:
        messages.error(request, _("Keranjang Anda kosong."))
        return redirect("shop:cart")
    return _apply(request, change, cart, *args, **kwargs)


def _apply(request, change, cart, *args, **kwargs):
    try:
        result = change(cart, *args, **kwargs)
    except carts.CartError as error:
        messages.error(request, str(error))
    else:
        (messages.warning if result.capped else messages.success)(request, result.message)
    return redirect("shop:cart")


def _refused(request, form):
    # Forged or mistyped input: say what is wrong and change nothing.
    errors = form.errors.get("quantity") or [_("Permintaan keranjang tidak valid.")]
    messages.error(request, errors[0])
    return redirect("shop:cart")
