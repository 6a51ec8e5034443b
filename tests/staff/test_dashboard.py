"""The shop's panel on the Wagtail dashboard: each person sees what waits for them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shop.models import Order, PaymentProof
from shop.services.stock import adjust_stock
from tests import factories
from tests.helpers import desk_url, processed_order, signed_in, waiting_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def tiles(user):
    html = signed_in(user).get("/admin/").content.decode()
    if "data-shop-dashboard" not in html:
        return {}
    panel = html[html.index("data-shop-dashboard") :]
    panel = panel[: panel.index("</section>")]
    return {
        label.strip(): (int(count), url)
        for url, count, label in re.findall(
            r'<a href="([^"]+)"[^>]*>\s*<strong data-count>(\d+)</strong>([^<]+)</a>', panel
        )
    }


@pytest.fixture
def busy_shop(buyer, category, settings):
    """Two proofs waiting (one for too long), two paid orders (one waiting too long), stock running out."""
    settings.VERIFICATION_OVERDUE_HOURS = 4
    settings.SHIPPING_OVERDUE_HOURS = 24
    settings.LOW_STOCK_THRESHOLD = 5
    plenty = factories.product(category=category, stock=100, name="Kopi Gayo")
    low = factories.product(category=category, stock=3, name="Teh Tarik")
    factories.product(category=category, stock=0, name="Gula Aren")
    late_proof = waiting_order(buyer, (plenty, 1))
    PaymentProof.objects.filter(order=late_proof).update(created_at=timezone.now() - timedelta(hours=5))
    waiting_order(buyer, (plenty, 1))
    late_parcel = processed_order(buyer, (plenty, 1))
    Order.objects.filter(pk=late_parcel.pk).update(paid_at=timezone.now() - timedelta(hours=30))
    processed_order(buyer, (plenty, 1))
    Order.objects.filter(pk=late_proof.pk).update(needs_attention=True, attention_note="Stok tidak cukup")
    return {"low": low}


def test_admin_sees_every_count_and_the_products_running_low(busy_shop, admin_user):
    shown = tiles(admin_user)

    assert shown["Menunggu verifikasi"] == (2, desk_url("verification", "index"))
    assert shown["Verifikasi terlambat"][0] == 1
    assert shown["Perlu dikirim"] == (2, desk_url("fulfilment", "index"))
    assert shown["Pengiriman terlambat"][0] == 1
    assert shown["Pesanan perlu perhatian"][0] == 1
    assert shown["Stok menipis"][0] == 1 and "stock_state=low" in shown["Stok menipis"][1]
    assert shown["Stok habis"][0] == 1

    html = signed_in(admin_user).get("/admin/").content.decode()
    assert "Teh Tarik" in html and "Kopi Gayo" not in html.split("data-shop-dashboard")[1].split("</section>")[0]


def test_cs_layer_1_sees_only_the_verification_counts(busy_shop, cs1_user):
    assert set(tiles(cs1_user)) == {"Menunggu verifikasi", "Verifikasi terlambat"}


def test_cs_layer_2_sees_only_the_fulfilment_counts(busy_shop, cs2_user):
    assert set(tiles(cs2_user)) == {"Perlu dikirim", "Pengiriman terlambat", "Paket bermasalah"}


def test_counts_follow_the_work(busy_shop, buyer, admin_user):
    adjust_stock(busy_shop["low"], 20, "restock")
    waiting_order(buyer, (busy_shop["low"], 1))

    shown = tiles(admin_user)

    assert shown["Menunggu verifikasi"][0] == 3
    assert shown["Stok menipis"][0] == 0
