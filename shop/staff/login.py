"""Staff sign in where buyers do: one login, one lockout, one password reset.

Wagtail's own /admin/login/ would accept any account's password without allauth's rate limits,
so a buyer locked out on the storefront, or an attacker guessing staff passwords, could use it
instead. These views stand in for Wagtail's login and password reset: they send everyone to
allauth's pages, whose limits (ACCOUNT_RATE_LIMITS: failed logins per account and per address,
password-reset mails per address) then hold for staff too. Admin access itself is still decided
by Wagtail's `wagtailadmin.access_admin` permission, which buyers never have.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

ADMIN_HOME = "wagtailadmin_home"


class ShopAccountAdapter(DefaultAccountAdapter):
    """allauth as the shop uses it: the lockout says how long to wait and what else to do."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit lalu coba lagi, "
            "atau atur ulang kata sandi lewat tautan di bawah."
        ),
    }


def staff_login(request):
    """Where the admin sends whoever is not signed in (WAGTAILADMIN_LOGIN_URL)."""
    wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        wanted = ""
    wanted = wanted or reverse(ADMIN_HOME)
    user = request.user
    if user.is_authenticated:
        if user.has_perm("wagtailadmin.access_admin"):
            return redirect(wanted)
        # Signed in as a buyer: say so, instead of sending them round the login page again.
        return render(request, "account/not_staff.html", status=403)
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: wanted})}")


def staff_password_reset(request, **kwargs):
    """Wagtail's reset pages, and the links in mails it sent before, lead to the shop's one reset."""
    return redirect("account_reset_password")
