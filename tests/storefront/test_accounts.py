"""Accounts: email sign-up and login, password reset, Google only when configured, the address book."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from shop.models import Address
from tests import factories
from tests.helpers import said

pytestmark = pytest.mark.django_db

GOOGLE = {
    "google": {
        "APPS": [{"client_id": "id-from-google", "secret": "secret-from-google", "key": ""}],
        "SCOPE": ["profile", "email"],
    }
}


def test_a_buyer_signs_up_with_email_and_password_and_is_signed_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "baru@example.com", "password1": "Kopi-Susu-2026", "password2": "Kopi-Susu-2026"},
        follow=True,
    )

    user = get_user_model().objects.get(email="baru@example.com")
    assert response.context["user"] == user
    assert user.has_usable_password()


def test_sign_up_refuses_a_taken_email_and_a_weak_password(client, buyer):
    response = client.post(
        reverse("account_signup"), {"email": buyer.email, "password1": "Kopi-Susu-2026", "password2": "Kopi-Susu-2026"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    weak = {"email": "lain@example.com", "password1": "123", "password2": "123"}
    response = client.post(reverse("account_signup"), weak)
    assert response.status_code == 200 and response.context["form"].errors
    assert get_user_model().objects.count() == 1


def test_login_by_email_and_a_wrong_password_is_refused(client, buyer):
    response = client.post(reverse("account_login"), {"login": buyer.email, "password": "salah"})
    assert response.status_code == 200 and not response.context["user"].is_authenticated

    response = client.post(reverse("account_login"), {"login": buyer.email, "password": "rahasia-123"}, follow=True)
    assert response.context["user"] == buyer


def test_login_returns_to_where_the_buyer_was_going(client, buyer):
    response = client.post(
        reverse("account_login") + "?next=/checkout/",
        {"login": buyer.email, "password": "rahasia-123", "next": "/checkout/"},
    )
    assert response.url == "/checkout/"


def test_password_reset_by_email(client, buyer):
    response = client.post(reverse("account_reset_password"), {"email": buyer.email}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [buyer.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(action, {"password1": "Teh-Manis-2026", "password2": "Teh-Manis-2026"})

    assert Client().login(username=buyer.username, password="Teh-Manis-2026")


def test_the_login_pages_are_the_shops_and_offer_google_only_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    html = client.get(reverse("account_login")).content.decode()
    assert "Masuk" in html and "Lupa kata sandi" in html
    assert "Masuk dengan Google" not in html

    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE
    for page in ("account_login", "account_signup"):
        html = client.get(reverse(page)).content.decode()
        assert "Masuk dengan Google" in html
        assert "/accounts/google/login/" in html


def test_google_calls_back_at_the_documented_address():
    assert reverse("google_callback") == "/accounts/google/login/callback/"


# --- Google sign-in, end to end against Google's documented OAuth 2.0 / OpenID Connect responses ---

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


def google_id_token(email, *, sub="107353926327", name="Siti Rahayu", audience="id-from-google"):
    """An ID token as Google's token endpoint returns it (claims per Google's OpenID Connect docs).
    allauth skips the signature of a token it fetched itself over TLS, so any key signs it."""
    import time

    import jwt

    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "azp": audience,
        "aud": audience,
        "sub": sub,
        "email": email,
        "email_verified": True,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "name": name,
        "given_name": name.split()[0],
        "family_name": name.split()[-1],
        "locale": "id",
        "iat": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, "not-googles-key-" * 4, algorithm="HS256")


def sign_in_with_google(client, email, **claims):
    """Press the button, come back from Google with a code; Google's token endpoint is recorded."""
    from urllib.parse import parse_qs, urlparse

    import responses

    start = client.post("/accounts/google/login/")
    assert start.status_code == 302 and start["Location"].startswith("https://accounts.google.com/o/oauth2/v2/auth")
    sent = parse_qs(urlparse(start["Location"]).query)
    assert sent["client_id"] == ["id-from-google"]
    assert sent["redirect_uri"] == ["http://testserver/accounts/google/login/callback/"]
    with responses.RequestsMock() as google:
        google.post(
            GOOGLE_TOKEN_URL,
            json={
                "access_token": "ya29.a0AfH6SMBx-recorded",
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
                "id_token": google_id_token(email, **claims),
            },
        )
        response = client.get(
            "/accounts/google/login/callback/", {"state": sent["state"][0], "code": "4/0AX4XfWh-recorded"}, follow=True
        )
        exchanged = parse_qs(google.calls[0].request.body)
    assert exchanged["code"] == ["4/0AX4XfWh-recorded"] and exchanged["client_id"] == ["id-from-google"]
    return response


def test_a_new_buyer_signs_in_with_google_and_keeps_the_cart(client, settings, product):
    from allauth.socialaccount.models import SocialAccount

    from shop.models import Cart

    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE
    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})

    response = sign_in_with_google(client, "siti.rahayu@gmail.com")

    user = get_user_model().objects.get(email="siti.rahayu@gmail.com")
    assert response.context["user"] == user
    assert SocialAccount.objects.get(user=user).uid == "107353926327"
    assert Cart.objects.get().user == user and Cart.objects.get().items.get().quantity == 2


def test_a_buyer_who_signed_up_by_email_signs_in_with_google_to_the_same_account(client, settings, buyer):
    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE
    response = sign_in_with_google(client, buyer.email)
    assert response.context["user"] == buyer
    assert get_user_model().objects.count() == 1


def test_a_google_answer_for_another_app_is_refused(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = GOOGLE
    response = sign_in_with_google(client, "orang.lain@gmail.com", audience="some-other-client-id")
    assert not response.context["user"].is_authenticated
    assert not get_user_model().objects.exists()
    html = response.content.decode()
    assert "Gagal masuk dengan Google" in html and reverse("account_login") in html
    assert "base.html" in [template.name for template in response.templates]  # the shop's own layout


def test_the_account_page_needs_an_account(client):
    response = client.get(reverse("shop:account"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_account_page_lists_the_buyers_addresses_only(client, buyer, other_buyer):
    factories.saved_address(buyer, label="Rumah", street="Jl. Melati 7")
    factories.saved_address(other_buyer, label="Kantor", street="Jl. Rahasia 9")
    client.force_login(buyer)

    html = client.get(reverse("shop:account")).content.decode()

    assert "Jl. Melati 7" in html and "Jl. Rahasia 9" not in html
    assert buyer.email in html


def address_form(**overrides):
    data = {
        "label": "Rumah",
        "recipient_name": "Dewi Lestari",
        "phone": "+62 857 1234 5678",
        "region_code": "35.78.08.1001",  # Gubeng, Kota Surabaya, Jawa Timur (issue 13: picked, not typed)
        "postal_code": "60281",
        "street": "Jl. Airlangga 4",
    }
    data.update(overrides)
    return data


def test_adding_an_address_normalises_the_phone_and_the_first_is_the_default(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("shop:address_create"), address_form(), follow=True)

    address = Address.objects.get(user=buyer)
    assert address.phone == "+6285712345678" and address.is_default
    assert said(response, "Alamat disimpan")


@pytest.mark.parametrize("field, value", [("phone", "0812"), ("phone", "+44 20 7946 0958"), ("postal_code", "602")])
def test_a_bad_address_is_refused_and_nothing_saved(client, buyer, field, value):
    client.force_login(buyer)
    response = client.post(reverse("shop:address_create"), address_form(**{field: value}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Address.objects.exists()


def test_editing_deleting_or_promoting_another_buyers_address_answers_404(client, buyer, other_buyer):
    theirs = factories.saved_address(other_buyer)
    client.force_login(buyer)

    assert client.get(reverse("shop:address_edit", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("shop:address_edit", kwargs={"pk": theirs.pk}), address_form()).status_code == 404
    assert client.post(reverse("shop:address_delete", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("shop:address_make_default", kwargs={"pk": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.recipient_name == "Budi Santoso"


def test_editing_an_address(client, buyer):
    mine = factories.saved_address(buyer)
    client.force_login(buyer)

    client.post(reverse("shop:address_edit", kwargs={"pk": mine.pk}), address_form(phone="0857-1234-5678"))

    mine.refresh_from_db()
    assert mine.recipient_name == "Dewi Lestari" and mine.phone == "+6285712345678"


def test_one_default_address_and_deleting_it_promotes_another(client, buyer):
    first = factories.saved_address(buyer, is_default=True)
    second = factories.saved_address(buyer, street="Jl. Kedua")
    client.force_login(buyer)

    client.post(reverse("shop:address_make_default", kwargs={"pk": second.pk}))
    assert list(Address.objects.filter(is_default=True)) == [second]

    assert client.get(reverse("shop:address_delete", kwargs={"pk": second.pk})).status_code == 200
    client.post(reverse("shop:address_delete", kwargs={"pk": second.pk}))
    assert list(Address.objects.all()) == [first]
    first.refresh_from_db()
    assert first.is_default


def test_the_sign_in_page_speaks_one_language_and_links_to_a_reset_once(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Kata sandi" in html and "Kata Kunci" not in html
    assert html.count(f'href="{reverse("account_reset_password")}"') == 1
