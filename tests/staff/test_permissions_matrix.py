"""Who may open which staff page and do which action: anonymous, buyer, CS Layer 1, CS Layer 2, Admin.

Every page and action of the desks is tried by every role. An allowed role gets the page (200) or
makes the change; a refused one gets a 403 or a redirect away, and nothing in the shop changes.
Each test goes through the whole list and reports every cell that is wrong, not only the first.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from shop.models import OrderStatus, Product
from tests.helpers import (
    desk_url,
    is_refused,
    pending_order,
    processed_order,
    shipped_order,
    signed_in,
    snapshot,
    waiting_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ROLES = ["anonymous", "buyer", "cs1", "cs2", "admin"]
CS1, CS2, ADMIN = "cs1", "cs2", "admin"


@pytest.fixture
def clients(buyer, cs1_user, cs2_user, admin_user):
    return {
        "anonymous": signed_in(None),
        "buyer": signed_in(buyer),
        "cs1": signed_in(cs1_user),
        "cs2": signed_in(cs2_user),
        "admin": signed_in(admin_user),
    }


def proof_url(desk, order):
    return desk_url(desk, "proof", order.pk, order.payment_proofs.first().pk)


# (what, the order it needs, its URL, the roles that may open it)
PAGES = [
    ("dashboard", None, lambda o, p: "/admin/", {CS1, CS2, ADMIN}),
    ("Verifikasi Pembayaran", None, lambda o, p: desk_url("verification", "index"), {CS1, ADMIN}),
    ("verification: order", "waiting", lambda o, p: desk_url("verification", "inspect", o.pk), {CS1, ADMIN}),
    ("verification: proof", "waiting", lambda o, p: proof_url("verification", o), {CS1, ADMIN}),
    ("verification: confirm page", "waiting", lambda o, p: desk_url("verification", "confirm", o.pk), {CS1, ADMIN}),
    ("verification: reject page", "waiting", lambda o, p: desk_url("verification", "reject", o.pk), {CS1, ADMIN}),
    ("verification: cancel page", "waiting", lambda o, p: desk_url("verification", "cancel", o.pk), {CS1, ADMIN}),
    ("Pemrosesan Pesanan", None, lambda o, p: desk_url("fulfilment", "index"), {CS2, ADMIN}),
    (
        "fulfilment: shipped filter",
        None,
        lambda o, p: desk_url("fulfilment", "index", query="?stage=shipped"),
        {CS2, ADMIN},
    ),
    ("fulfilment: order", "processed", lambda o, p: desk_url("fulfilment", "inspect", o.pk), {CS2, ADMIN}),
    ("fulfilment: packing slip", "processed", lambda o, p: desk_url("fulfilment", "packing_slip", o.pk), {CS2, ADMIN}),
    ("fulfilment: label A6", "processed", lambda o, p: desk_url("fulfilment", "shipping_label", o.pk), {CS2, ADMIN}),
    (
        "fulfilment: label A4",
        "processed",
        lambda o, p: desk_url("fulfilment", "shipping_label", o.pk, query="?ukuran=a4"),
        {CS2, ADMIN},
    ),
    ("fulfilment: ship page", "processed", lambda o, p: desk_url("fulfilment", "ship", o.pk), {CS2, ADMIN}),
    ("fulfilment: cancel page", "processed", lambda o, p: desk_url("fulfilment", "cancel", o.pk), {CS2, ADMIN}),
    ("fulfilment: complete page", "shipped", lambda o, p: desk_url("fulfilment", "complete", o.pk), {CS2, ADMIN}),
    ("Semua Pesanan", None, lambda o, p: desk_url("all", "index"), {ADMIN}),
    ("all orders: search", None, lambda o, p: desk_url("all", "index", query="?q=TK"), {ADMIN}),
    ("all orders: export CSV", None, lambda o, p: desk_url("all", "index", query="?export=csv"), {ADMIN}),
    ("all orders: export XLSX", None, lambda o, p: desk_url("all", "index", query="?export=xlsx"), {ADMIN}),
    ("all orders: order", "processed", lambda o, p: desk_url("all", "inspect", o.pk), {ADMIN}),
    ("all orders: proof", "waiting", lambda o, p: proof_url("all", o), {ADMIN}),
    ("stock: adjust page", None, lambda o, p: reverse("shop_stock:adjust", args=[p.pk]), {ADMIN}),
    ("stock: history", None, lambda o, p: reverse("shop_stock:history", args=[p.pk]), {CS1, CS2, ADMIN}),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages(role, clients, buyer, product):
    orders = {
        "waiting": waiting_order(buyer, (product, 1)),
        "processed": processed_order(buyer, (product, 1)),
        "shipped": shipped_order(buyer, (product, 1)),
    }
    client = clients[role]
    wrong = []
    for what, needs, url_for, allowed in PAGES:
        url = url_for(orders.get(needs), product)
        before = snapshot()
        response = client.get(url)
        if role in allowed and response.status_code != 200:
            wrong.append(f"{what}: expected 200, got {response.status_code} {response.get('Location', '')}")
        elif role not in allowed and not is_refused(response):
            wrong.append(f"{what}: expected a refusal, got {response.status_code}")
        if snapshot() != before:
            wrong.append(f"{what}: a GET changed the shop")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def _stock_adjustment(product):
    return {"delta": "5", "reason": "restock", "note": "", "expected_stock": str(product.stock)}


# (what, the order it needs, its URL, POST data, the roles that may do it, what it leaves)
ACTIONS = [
    ("confirm", "waiting", ("verification", "confirm"), {}, {CS1, ADMIN}, OrderStatus.PROCESSED),
    ("confirm from Semua Pesanan", "waiting", ("all", "confirm"), {}, {ADMIN}, OrderStatus.PROCESSED),
    (
        "reject",
        "waiting",
        ("verification", "reject"),
        {"reason": "Nominal kurang"},
        {CS1, ADMIN},
        OrderStatus.PENDING_PAYMENT,
    ),
    (
        "cancel unpaid",
        "waiting",
        ("verification", "cancel"),
        {"reason": "Minta batal"},
        {CS1, ADMIN},
        OrderStatus.CANCELLED,
    ),
    (
        "ship",
        "processed",
        ("fulfilment", "ship"),
        {"courier": "jne", "tracking_number": "JP1"},
        {CS2, ADMIN},
        OrderStatus.SHIPPED,
    ),
    ("complete", "shipped", ("fulfilment", "complete"), {}, {CS2, ADMIN}, OrderStatus.COMPLETED),
    (
        "cancel processed",
        "processed",
        ("fulfilment", "cancel"),
        {"reason": "Rusak"},
        {CS2, ADMIN},
        OrderStatus.CANCELLED,
    ),
    (
        "cancel processed from Semua Pesanan",
        "processed",
        ("all", "cancel"),
        {"reason": "Rusak"},
        {ADMIN},
        OrderStatus.CANCELLED,
    ),
    # A desk acts only on the orders it holds, and cancelling belongs to the desk holding the order.
    (
        "cancel processed through the verification desk",
        "processed",
        ("verification", "cancel"),
        {"reason": "x"},
        set(),
        None,
    ),
    ("cancel unpaid through the fulfilment desk", "waiting", ("fulfilment", "cancel"), {"reason": "x"}, set(), None),
    ("confirm through the fulfilment desk", "waiting", ("fulfilment", "confirm"), {}, set(), None),
    (
        "ship through the verification desk",
        "processed",
        ("verification", "ship"),
        {"courier": "jne", "tracking_number": "JP2"},
        set(),
        None,
    ),
    ("confirm an unpaid order without a proof", "pending", ("verification", "confirm"), {}, set(), None),
]

BUILDERS = {"pending": pending_order, "waiting": waiting_order, "processed": processed_order, "shipped": shipped_order}


@pytest.mark.parametrize("what, needs, desk_view, data, allowed, leaves", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions(what, needs, desk_view, data, allowed, leaves, clients, buyer, product):
    wrong = []
    for role in ROLES:
        order = BUILDERS[needs](buyer, (product, 1))
        before = snapshot(order)
        response = clients[role].post(desk_url(desk_view[0], desk_view[1], order.pk), data)
        order.refresh_from_db()
        if role in allowed:
            if response.status_code != 302 or order.status != leaves:
                wrong.append(f"{role}: expected the order {leaves}, got {response.status_code} and {order.status}")
        elif not is_refused(response) or snapshot(order) != before:
            wrong.append(f"{role}: expected a refusal with nothing changed, got {response.status_code}, {order.status}")
    assert not wrong, f"{what}:\n" + "\n".join(wrong)


def test_stock_adjustment(clients, product):
    wrong = []
    for role in ROLES:
        product.refresh_from_db()
        before = snapshot()
        response = clients[role].post(reverse("shop_stock:adjust", args=[product.pk]), _stock_adjustment(product))
        changed = snapshot() != before
        if role == ADMIN:
            if response.status_code != 302 or not changed:
                wrong.append(f"{role}: expected the stock adjusted, got {response.status_code}")
        elif not is_refused(response) or changed:
            wrong.append(f"{role}: expected a refusal with nothing changed, got {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert Product.objects.get(pk=product.pk).stock == 15


def test_state_changes_need_the_csrf_token(buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 1))
    client = signed_in(cs1_user, Client(enforce_csrf_checks=True))
    url = desk_url("verification", "confirm", order.pk)
    before = snapshot(order)

    assert client.post(url).status_code == 403
    assert snapshot(order) == before

    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSED


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_actions_answer_only_get_and_post(method, buyer, product, cs1_user):
    order = waiting_order(buyer, (product, 1))
    client = signed_in(cs1_user)
    before = snapshot(order)

    response = getattr(client, method)(desk_url("verification", "confirm", order.pk))

    assert response.status_code == 405
    assert snapshot(order) == before


def test_no_desk_adds_edits_or_deletes_orders(admin_user, buyer, product):
    """Orders are made by checkout and changed by the services: the generic model views do not exist."""
    from django.urls import NoReverseMatch

    order = waiting_order(buyer, (product, 1))
    for namespace in ("payment_verification", "fulfilment", "all_orders"):
        for name, args in (("add", ()), ("edit", (order.pk,)), ("delete", (order.pk,)), ("history", (order.pk,))):
            with pytest.raises(NoReverseMatch):
                reverse(f"{namespace}:{name}", args=args)


def test_buyers_never_reach_the_admin(buyer):
    response = signed_in(buyer).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_roles_hold_the_permissions_their_desks_need():
    from django.contrib.auth.models import Group

    def perms(name):
        return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()}

    cs1, cs2, admin = perms("CS Layer 1"), perms("CS Layer 2"), perms("Admin")
    assert {"wagtailadmin.access_admin", "shop.view_order", "shop.confirm_payment", "shop.cancel_order"} <= cs1
    assert {"shop.ship_order", "shop.change_order", "shop.adjust_stock"}.isdisjoint(cs1)
    assert {"wagtailadmin.access_admin", "shop.view_order", "shop.ship_order", "shop.cancel_order"} <= cs2
    assert {"shop.confirm_payment", "shop.change_order", "shop.adjust_stock"}.isdisjoint(cs2)
    assert {
        "shop.view_order",
        "shop.change_order",
        "shop.confirm_payment",
        "shop.ship_order",
        "shop.cancel_order",
        "shop.adjust_stock",
        "shop.import_products",
    } <= admin


def test_order_and_product_permissions_are_editable_in_the_groups_screen(admin_user):
    from wagtail import hooks

    registered = set()
    for fn in hooks.get_hooks("register_permissions"):
        registered |= {f"{p.content_type.app_label}.{p.codename}" for p in fn()}
    assert {
        "shop.view_order",
        "shop.confirm_payment",
        "shop.ship_order",
        "shop.cancel_order",
        "shop.adjust_stock",
        "shop.import_products",
    } <= registered
    group_page = signed_in(admin_user).get(reverse("wagtailusers_groups:add"))
    assert group_page.status_code == 200
    html = group_page.content.decode()
    # Wagtail drops the model's name from a permission's label: "Dapat mengirim pesanan" shows as "Dapat mengirim".
    for label in ("Dapat mengonfirmasi pembayaran", "Dapat mengirim", "Dapat membatalkan", "Dapat menyesuaikan stok"):
        assert label in html


def test_the_demo_accounts_of_seed_000_reach_their_own_desks_only():
    from home.management.commands.seed_demo import DEMO_ACCOUNTS, Command

    Command().accounts()
    desks = {
        "verification": desk_url("verification", "index"),
        "fulfilment": desk_url("fulfilment", "index"),
        "all": desk_url("all", "index"),
    }
    expected = {
        "admin@toko.com": {"verification", "fulfilment", "all"},
        "cs1@toko.com": {"verification"},
        "cs2@toko.com": {"fulfilment"},
        "pembeli@toko.com": set(),
    }
    for email, password, _group, _name in DEMO_ACCOUNTS:
        client = Client()
        assert client.login(username=email, password=password), email
        reached = {name for name, url in desks.items() if client.get(url).status_code == 200}
        assert reached == expected[email], email
