"""English, the storefront's second language (issue 17): a complete catalog, pages and emails in it,
and a page cache that never serves one language's page to a visitor of the other.

The shop's source strings are Indonesian; locale/en/LC_MESSAGES/django.po gives each one its English.
The catalog tests below fail as soon as a string anywhere in the project (storefront, emails or the
admin, where staff may choose English in their Wagtail account) has no English, or the .mo that Django
reads was not compiled from the .po as committed.
"""

import ast
import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from shop.checkout.language import buyer_language, remember_buyer_language
from shop.models import Order
from shop.notifications.outbox import deliver_notifications
from shop.templatetags.shop_tags import delivery_days
from tests import factories
from tests.helpers import signed_in

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "en" / "LC_MESSAGES"
# What makemessages reads (the command in the .po's header): everything but these.
NOT_SCANNED = (".venv", "node_modules", "staticfiles", "media", "tests", "bench")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0]*[sdf]|%[sd]|\{[a-z_]+\}")


# --- The catalog -------------------------------------------------------------------------------


def read_po(path):
    """{(context, msgid): entry} of a .po file; an entry is {"plural", "msgstr": [...], "fuzzy"}."""
    entries, entry, field = {}, None, None

    def keep():
        if entry and entry.get("msgid") is not None and not entry.get("obsolete"):
            entries[(entry.get("msgctxt"), entry["msgid"])] = {
                "plural": entry.get("msgid_plural"),
                "msgstr": [entry["msgstr"][i] for i in sorted(entry["msgstr"])],
                "fuzzy": entry.get("fuzzy", False),
            }

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            keep()
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"msgstr": {}}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, _space, value = line.partition(" ")
            found = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            field = int(found.group(1)) if found else keyword
            if field == "msgstr":
                field = 0
            if isinstance(field, int):
                entry["msgstr"][field] = ast.literal_eval(value)
            else:
                entry[field] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def committed():
    return read_po(CATALOG / "django.po")


def test_every_string_in_the_catalog_has_its_english(committed):
    header = committed.pop((None, ""))
    assert "Language: en" in header["msgstr"][0] and not header["fuzzy"]
    untranslated = [msgid for (_context, msgid), entry in committed.items() if not all(entry["msgstr"])]
    fuzzy = [msgid for (_context, msgid), entry in committed.items() if entry["fuzzy"]]
    assert not untranslated, f"No English yet (locale/en/LC_MESSAGES/django.po): {untranslated}"
    assert not fuzzy, f"Guessed by msgmerge, to be checked and unmarked: {fuzzy}"
    plural_short = [msgid for (_c, msgid), entry in committed.items() if entry["plural"] and len(entry["msgstr"]) != 2]
    assert not plural_short, f"English has two plural forms: {plural_short}"


def test_placeholders_survive_translation(committed):
    """A %(name)s lost or misspelt in the English would raise, or show a hole, at run time."""
    broken = []
    for (_context, msgid), entry in committed.items():
        wanted = sorted(PLACEHOLDER.findall(msgid))
        for text in entry["msgstr"]:
            if msgid and sorted(PLACEHOLDER.findall(text)) != wanted:
                broken.append((msgid, text))
    assert not broken


def test_the_compiled_catalog_is_the_committed_one(committed):
    """Django reads the .mo: it must hold exactly the .po's translations (compile with msgfmt after editing)."""
    with open(CATALOG / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for (context, msgid), entry in committed.items():
        if not msgid:
            continue
        key = f"{context}\x04{msgid}" if context else msgid
        if entry["plural"]:
            expected.update({(key, index): text for index, text in enumerate(entry["msgstr"])})
        else:
            expected[key] = entry["msgstr"][0]
    assert {key: text for key, text in mo.items() if key != ""} == expected


def copy_of_the_sources(destination):
    skipped = shutil.ignore_patterns(*NOT_SCANNED, ".git", "locale", "__pycache__", "*.sqlite3*")
    for path in ROOT.iterdir():
        if path.name in NOT_SCANNED or path.name in (".git", "locale"):
            continue
        if path.is_dir():
            shutil.copytree(path, destination / path.name, ignore=skipped)
        elif path.suffix in (".py", ".html", ".txt"):
            shutil.copy(path, destination / path.name)
    (destination / "locale").mkdir()


@pytest.mark.skipif(
    not shutil.which("xgettext") and not os.environ.get("CI"), reason="GNU gettext (xgettext) is not installed"
)
def test_every_string_in_the_sources_is_in_the_catalog(committed, tmp_path, settings, monkeypatch):
    """The strings as the code has them now, extracted as makemessages does, each with its English."""
    sources = tmp_path / "sources"
    sources.mkdir()
    copy_of_the_sources(sources)
    # Extracted into the copy's own locale/, never into the project's.
    settings.LOCALE_PATHS = [sources / "locale"]
    monkeypatch.chdir(sources)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    extracted = read_po(sources / "locale" / "en" / "LC_MESSAGES" / "django.po")
    translated = {key for key, entry in committed.items() if all(entry["msgstr"]) and not entry["fuzzy"]}
    missing = sorted(msgid for (context, msgid) in set(extracted) - translated if msgid)
    assert len(extracted) > 1000, "the extraction found too little: are the sources where this test looks?"
    assert not missing, (
        f"New strings without English: run makemessages -l en (see locale/en/LC_MESSAGES/django.po), "
        f"translate them and compile: {missing}"
    )


# --- The storefront in English -------------------------------------------------------------------


def switch(client, language, next_url="/"):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    return response


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def rate(db):
    return factories.shipping_rate(courier="JNE", service="REG", cost=9_000, etd="2-3 hari")


NEW_ADDRESS = {
    "alamat-recipient_name": "Siti Rahayu",
    "alamat-phone": "0812-3456-7890",
    "alamat-region_code": factories.SARIHARJO,
    "alamat-postal_code": "55581",
    "alamat-street": "Jl. Kaliurang Km 10 No. 5",
}


def place_order(client, rate):
    client.post(
        reverse("shop:checkout"),
        {"shipping_option": f"tarif:{rate.pk}", "payment_method": "bank_transfer", **NEW_ADDRESS},
    )
    review = page(client, reverse("shop:checkout_review"))
    snapshot = re.search(r'name="snapshot" value="([^"]+)"', review).group(1)
    response = client.post(reverse("shop:checkout_review"), {"snapshot": snapshot}, follow=True)
    assert response.status_code == 200
    return review, response.content.decode()


def test_a_visitor_who_switches_to_english_shops_in_english(client, catalog_page, product, buyer, rate):
    switch(client, "en")
    home = page(client, "/")
    assert 'lang="en"' in home and "Search products" in home and ">Sign in<" in home and "Language" in home
    catalog = page(client, catalog_page.url)
    assert "Sort by" in catalog and "1 product" in catalog and "Lowest price" in catalog
    product_page = page(client, product.get_absolute_url())
    assert "Add to Cart" in product_page and "In stock" in product_page and "Tambah ke Keranjang" not in product_page
    login = page(client, reverse("account_login"))
    assert "Forgot your password?" in login and "No account yet?" in login

    client.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 2})
    cart = page(client, reverse("shop:cart"))
    assert "Subtotal (2 items)" in cart and "Shipping is calculated at checkout." in cart
    client.post(reverse("account_login"), {"login": buyer.email, "password": "rahasia-123"})
    checkout = page(client, reverse("shop:checkout"))
    assert "Shipping & payment" in checkout and "Continue to review" in checkout and "Shipping address" in checkout

    review, order_page = place_order(client, rate)
    assert "Place Order" in review and "2-3 days" in review
    assert "Complete the payment" in order_page and "Order details" in order_page and "Awaiting Payment" in order_page
    assert "Please make the payment." in order_page  # the message the order page shows once
    assert "Menunggu Pembayaran" not in order_page and "Selesaikan pembayaran" not in order_page


def test_switching_back_gives_indonesian_again(client, catalog_page, product):
    switch(client, "en")
    assert "Add to Cart" in page(client, product.get_absolute_url())
    switch(client, "id")
    product_page = page(client, product.get_absolute_url())
    assert 'lang="id"' in product_page and "Tambah ke Keranjang" in product_page and "Add to Cart" not in product_page
    assert ">Masuk<" in page(client, catalog_page.url)


def test_the_not_found_page_speaks_the_visitors_language(client, catalog_page):
    switch(client, "en")
    response = client.get("/tidak-ada-di-sini/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "kept, english",
    [
        ("2-3 hari", "2-3 days"),
        ("1 hari", "1 day"),
        ("4 Hari", "4 days"),
        ("3 - 5 hari", "3-5 days"),
        ("Besok", "Besok"),
    ],
)
def test_delivery_estimates_kept_in_indonesian_are_shown_in_the_visitors_language(kept, english):
    """Orders and the owner's rates keep "2-3 hari"; the page shows it in the visitor's words."""
    with translation.override("en"):
        assert delivery_days(kept) == english
    with translation.override("id"):
        assert delivery_days("2-3 hari") == "2-3 hari"


# --- The page cache keeps the languages apart ------------------------------------------------------


@pytest.fixture
def page_cache_on(db, settings, client):
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")  # the first visit creates the site settings rows, which empties the cache


def visit(client, url):
    response = client.get(url)
    return response.get("X-Page-Cache"), response.content.decode()


@pytest.mark.parametrize("signed_in_visitors", [False, True])
def test_a_cached_page_is_never_served_in_the_other_language(
    page_cache_on, catalog_page, product, buyer, other_buyer, signed_in_visitors
):
    indonesian = signed_in(buyer if signed_in_visitors else None)
    english = signed_in(other_buyer if signed_in_visitors else None)
    switch(english, "en")
    product_url, search_url = product.get_absolute_url(), "/search/?q=produk"
    words = {  # what each language's page says, and the other's never does
        product_url: {"id": "Tambah ke Keranjang", "en": "Add to Cart"},
        search_url: {"id": "1 produk ditemukan", "en": "1 product found"},
    }
    for _round in range(2):  # the first renders and stores each language's page, the second is served it
        for url, said in words.items():
            for client, language, other in ((indonesian, "id", "en"), (english, "en", "id")):
                html = visit(client, url)[1]
                assert said[language] in html and said[other] not in html and f'lang="{language}"' in html
    assert visit(indonesian, product_url)[0] == "hit" and visit(english, product_url)[0] == "hit"
    # The visitor's own part (header links) is in their language too, cached or not.
    assert ("Sign out" if signed_in_visitors else ">Sign in<") in visit(english, product_url)[1]
    assert ("Keluar" if signed_in_visitors else ">Masuk<") in visit(indonesian, product_url)[1]


# --- Emails in the language the buyer ordered in -----------------------------------------------------


def test_emails_follow_the_language_the_buyer_ordered_in(client, catalog_page, product, buyer, other_buyer, rate):
    english = signed_in(buyer, client)
    switch(english, "en")
    english.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    place_order(english, rate)
    indonesian = signed_in(other_buyer)
    indonesian.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    place_order(indonesian, rate)

    deliver_notifications()
    to_english, to_indonesian = Order.objects.get(user=buyer), Order.objects.get(user=other_buyer)
    sent = {message.to[0]: message for message in mail.outbox}
    english_mail, indonesian_mail = sent[buyer.email], sent[other_buyer.email]
    assert english_mail.subject == f"Order {to_english.number} received — please complete the payment"
    assert "Hello Siti Rahayu," in english_mail.body and "Please transfer EXACTLY" in english_mail.body
    html = english_mail.alternatives[0][0]
    assert 'lang="en"' in html and "View order" in html and "Shipping (JNE REG)" in html
    assert indonesian_mail.subject == f"Pesanan {to_indonesian.number} diterima — selesaikan pembayaran"
    assert "Halo Siti Rahayu," in indonesian_mail.body and "Silakan transfer TEPAT" in indonesian_mail.body


def test_the_language_is_remembered_for_buyers_only(buyer, admin_user):
    assert buyer_language(buyer) == settings.LANGUAGE_CODE  # never ordered: the shop's language
    remember_buyer_language(buyer, "en")
    assert buyer_language(buyer) == "en"
    remember_buyer_language(buyer, "xx")  # not one of the shop's languages: ignored
    assert buyer_language(buyer) == "en"
    # A staff member's profile language is the one of their admin, chosen in their Wagtail account.
    remember_buyer_language(admin_user, "en")
    assert UserProfile.get_for_user(admin_user).preferred_language == ""
    assert buyer_language(admin_user) == settings.LANGUAGE_CODE


def test_an_english_buyer_leaves_the_staff_an_indonesian_history(client, catalog_page, product, buyer, rate):
    english = signed_in(buyer, client)
    switch(english, "en")
    english.post(reverse("shop:cart_add"), {"product": product.pk, "quantity": 1})
    place_order(english, rate)
    order = Order.objects.get(user=buyer)

    english.post(reverse("shop:order_cancel", kwargs={"number": order.number}), {"reason": ""})

    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "Dibatalkan oleh pembeli."
    assert [event.note for event in order.events.order_by("pk")] == ["Pesanan dibuat.", "Dibatalkan oleh pembeli."]
