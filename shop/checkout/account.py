"""The buyer's account page and address book. Sign-up, login and passwords are allauth's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.checkout.forms import AddressForm
from shop.checkout.services import add_address, delete_address, make_default_address


@login_required
def account_overview(request):
    return render(
        request,
        "shop/account.html",
        {"addresses": request.user.addresses.all(), "recent_orders": request.user.orders.all()[:3]},
    )


@login_required
def address_create(request):
    form = AddressForm(request.POST or None)
    if _searching(request):
        form = form.shown_again()
    elif request.method == "POST" and form.is_valid():
        add_address(request.user, form.save(commit=False))
        messages.success(request, _("Alamat disimpan."))
        return redirect(_next_page(request))
    return render(request, "shop/address_form.html", {"form": form, "is_new": True, "next": _next_page(request)})


@login_required
def address_edit(request, pk):
    address = get_object_or_404(request.user.addresses, pk=pk)
    form = AddressForm(request.POST or None, instance=address)
    if _searching(request):
        form = form.shown_again()
    elif request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Alamat diperbarui."))
        return redirect(_next_page(request))
    return render(
        request,
        "shop/address_form.html",
        {"form": form, "address": address, "is_new": False, "next": _next_page(request)},
    )


@login_required
def address_delete(request, pk):
    address = get_object_or_404(request.user.addresses, pk=pk)
    if request.method == "POST":
        delete_address(address)
        messages.success(request, _("Alamat dihapus."))
        return redirect("shop:account")
    return render(request, "shop/address_confirm_delete.html", {"address": address})


@login_required
@require_POST
def address_make_default(request, pk):
    make_default_address(get_object_or_404(request.user.addresses, pk=pk))
    messages.success(request, _("Alamat utama diganti."))
    return redirect("shop:account")


def _searching(request):
    """The region search box was sent (no JavaScript): the form comes back with the villages it finds."""
    return request.method == "POST" and AddressForm.search_requested(request.POST)


def _next_page(request):
    """Where to go once the address is saved: back to checkout when the buyer came from there."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("shop:account")
