"""Staff and buyers have one login with one lockout (issue 11, security 1).

Wagtail's /admin/login/ used to check passwords itself, with no limit: 40 wrong passwords then the
right one got in, and it let in a buyer allauth had just locked out. Now every sign-in goes
through allauth's login and its ACCOUNT_RATE_LIMITS, and Wagtail's password reset leads there too.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LOCKED = "Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit"


def log_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, follow=True, **extra)


def shows(response, text):
    return text in response.content.decode()


def signed_in_as(client):
    return client.session.get(SESSION_KEY)


def test_the_admin_sends_whoever_is_not_signed_in_to_the_shops_login(client):
    response = client.get("/admin/pesanan/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")

    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2Fpesanan%2F"


def test_the_admin_login_page_checks_no_password_itself(client, admin_user):
    client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    assert signed_in_as(client) is None


def test_staff_sign_in_at_the_shops_login_and_land_in_the_admin(client, admin_user):
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": admin_user.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_a_staff_account_even_for_the_right_one(client, admin_user):
    for _attempt in range(5):
        log_in(client, admin_user.email, "tebak-tebakan")
    response = log_in(client, admin_user.email, PASSWORD)
    assert shows(response, LOCKED)
    assert signed_in_as(client) is None
    # Another account from the same address is not locked by this one's failures.
    assert signed_in_as(Client()) is None


def test_a_locked_buyer_cannot_get_in_through_the_admin_either(client, buyer):
    for _attempt in range(5):
        log_in(client, buyer.email, "salah")
    client.post("/admin/login/", {"username": buyer.email, "password": PASSWORD})
    assert signed_in_as(client) is None
    assert shows(log_in(client, buyer.email, PASSWORD), LOCKED)
    assert signed_in_as(client) is None


def test_ten_failures_a_minute_from_one_address_lock_that_address(client, buyer, admin_user, db):
    for n in range(10):
        log_in(client, f"tebak{n}@example.com", "salah")
    response = log_in(client, admin_user.email, PASSWORD)
    assert shows(response, LOCKED) and signed_in_as(client) is None
    # Someone else, from another address, signs in as usual.
    other = Client(REMOTE_ADDR="10.0.0.9")
    log_in(other, buyer.email, PASSWORD)
    assert signed_in_as(other) == str(buyer.pk)


def test_a_signed_in_buyer_is_told_the_admin_is_for_staff_without_a_redirect_loop(client, buyer):
    client.force_login(buyer)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert shows(response, "Halaman admin hanya untuk staf toko")
    assert len(response.redirect_chain) <= 2


def test_wagtails_password_reset_leads_to_the_shops_and_mails_at_most_three_times_an_hour(client, admin_user):
    response = client.get("/admin/password_reset/")
    assert response.status_code == 302 and response.url == reverse("account_reset_password")
    assert client.get("/admin/password_reset/confirm/MQ/abc-123/").url == reverse("account_reset_password")

    for _attempt in range(8):
        client.post(reverse("account_reset_password"), {"email": admin_user.email})
    assert len(mail.outbox) == 3
