"""The admin speaks Indonesian to staff, shows them only their menus, and wears the store's name (issue 17).

Staff used to see "Search…", "Help", "There are no pesanan to display", "Username / Access level /
Last login", "Download XLSX" beside "Unduh CSV", and the Reports menu. Wagtail's own Indonesian
(`id_ID`) does load for the shop's `id`, but covers a part of the admin; locale/id adds the rest.
"""

import ast
import gettext
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import wagtail
from django.apps import apps
from django.conf import settings
from django.utils import translation
from wagtail.models import Site

from home.models import StoreSettings
from tests.helpers import desk_url, processed_order, signed_in, waiting_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

CATALOGS = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"
WAGTAIL = Path(wagtail.__file__).parent
NO_MATCH = "?q=tidak-ada-yang-cocok"

# Wagtail's English as staff saw it on these screens, whole words (visible text and labels).
ENGLISH = [
    "Search…",
    "Search",
    "Help",
    "There are no",
    "to display",
    "match your query",
    "Forgotten password?",
    "Reports",
    "Locked pages",
    "Aging pages",
    "Username",
    "Access level",
    "Last login",
    "Download XLSX",
    "Download CSV",
    "Dashboard",
    "Skip to main content",
    "Sort by",
    "Show filters",
    "Filter by",
    "Apply filters",
    "Select all",
    "Bulk actions",
    "More actions",
    "Actions",
    "Account",
    "Log out",
    "True",
    "False",
    "editor guide",
]

# Wagtail strings whose Indonesian is the same word.
SAME_IN_INDONESIAN = {
    "%(range_start)s - %(range_end)s",
    "%(field_label)s:",
    "%(related_model_name)s %(field_label)s",
    "%(status_display)s %(task_name)s %(started_at)s",
    "Admin",
    "Administrator",
    "Alias",
    "Email",
    "Format",
    "ID",
    "item",
    "Minimum",
    "Status",
    "Status: ",
    "Status %(status)s",
    "Tag",
    "Token",
    "URL",
    "Wagtail API v2",
    "Wagtail API v3",
    "hostname",
    "label",
    "port",
    "slug",
    "status",
}


class _Screen(HTMLParser):
    """What a person reads on a page: its text and its labels, not its scripts."""

    LABELS = {"aria-label", "title", "placeholder", "alt", "value", "data-w-tooltip-content-value"}

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in self.LABELS and value]

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def screen_text(response):
    screen = _Screen()
    screen.feed(response.content.decode())
    return "\n".join(screen.parts)


def english_on(response):
    text = screen_text(response)
    return [phrase for phrase in ENGLISH if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]


def menu_names(response):
    """The names of the sidebar's items, at any depth (the browser draws the menu from these props)."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    names, todo = set(), [json.loads(props.group(1))]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if isinstance(item.get("name"), str):
                names.add(item["name"])
            todo += item.values()
        elif isinstance(item, list):
            todo += item
    return names


def po_entries(path):
    """Each entry of a .po file as a dict (msgctxt, msgid, msgid_plural, msgstr / msgstr[0], flags)."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip() or line.startswith("#~"):
            if entry is not None and "msgid" in entry:
                entries.append(entry)
                entry = None
            continue
        entry = {"flags": set()} if entry is None else entry
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        elif not line.startswith("#"):
            key, _, text = line.partition(" ")
            entry[key] = ast.literal_eval(text)
    return entries


def compiled(path):
    with path.open("rb") as mo:
        return gettext.GNUTranslations(mo)


def in_indonesian(entry):
    """The entry as the admin shows it in Indonesian, and the English it started from."""
    context, msgid, plural = entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")
    if plural:
        shown = translation.npgettext(context, msgid, plural, 2) if context else translation.ngettext(msgid, plural, 2)
        return shown, plural
    return (translation.pgettext(context, msgid) if context else translation.gettext(msgid)), msgid


@pytest.fixture
def store():
    settings_ = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    settings_.name = "Warung Bu Sari"
    settings_.save()
    return settings_


@pytest.fixture
def desks(buyer, product):
    """Something on every desk: a proof to check, a paid order to pack."""
    return {"waiting": waiting_order(buyer, (product, 1)), "processed": processed_order(buyer, (product, 1))}


# --- Catalogs ---------------------------------------------------------------------------------


def test_wagtails_own_indonesian_applies_to_the_shops_id():
    # Django asks gettext for "id"; gettext expands it to "id_ID", the name Wagtail ships.
    wagtails = compiled(WAGTAIL / "admin/locale/id_ID/LC_MESSAGES/django.mo")
    ours = {entry["msgid"] for entry in po_entries(CATALOGS / "django.po")}
    assert "Add a child page" not in ours
    with translation.override("id"):
        assert translation.gettext("Add a child page") == wagtails.gettext("Add a child page") != "Add a child page"


def test_every_wagtail_admin_string_has_indonesian():
    untranslated = []
    with translation.override("id"):
        for app in apps.get_app_configs():
            english = Path(app.path) / "locale" / "en" / "LC_MESSAGES" / "django.po"
            if app.name.startswith("wagtail") and english.exists():
                for entry in po_entries(english)[1:]:
                    shown, source = in_indonesian(entry)
                    if shown == source and source not in SAME_IN_INDONESIAN:
                        untranslated.append(f"{app.name}: {source!r}")
    assert not untranslated, "Add these to locale/id/LC_MESSAGES/django.po:\n" + "\n".join(untranslated)


def test_the_admins_javascript_speaks_indonesian(client, cs1_user):
    catalog = signed_in(cs1_user, client).get("/admin/jsi18n/").content.decode()
    for english, indonesian in [("Toggle sidebar", "Buka/tutup bilah samping"), ("Main menu", "Menu utama")]:
        assert f'"{english}": "{indonesian}"' in catalog


@pytest.mark.parametrize("name", ["django", "djangojs"])
def test_every_shop_translation_is_done_and_compiled(name):
    entries = po_entries(CATALOGS / f"{name}.po")
    catalog = compiled(CATALOGS / f"{name}.mo")
    for entry in entries[1:]:
        text = entry.get("msgstr", entry.get("msgstr[0]"))
        assert text and "fuzzy" not in entry["flags"], entry["msgid"]
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        found = catalog.ngettext(key, entry["msgid_plural"], 1) if "msgid_plural" in entry else catalog.gettext(key)
        assert found == text, f"{entry['msgid']!r}: run msgfmt (the .mo is older than the .po)"


# --- Screens ----------------------------------------------------------------------------------


def staff_screens(desks, product):
    """(role, address, Indonesian the page must show) for the screens staff use every day."""
    waiting = desks["waiting"]
    return [
        ("cs1", "/admin/", ["Langsung ke konten utama"]),
        ("cs1", desk_url("verification", "index"), ["Cari…", "Halaman 1 dari 1"]),
        ("cs1", desk_url("verification", "index", query=NO_MATCH), ["Tidak ada pesanan yang cocok"]),
        ("cs1", desk_url("verification", "inspect", waiting.pk), [waiting.number]),
        ("cs1", "/admin/snippets/shop/product/", ["Cari…", "Saring menurut"]),
        ("cs1", "/admin/snippets/shop/product/" + NO_MATCH, ["Tidak ada produk yang cocok"]),
        ("cs1", "/admin/account/", ["Profil"]),
        ("cs2", "/admin/", ["Langsung ke konten utama"]),
        ("cs2", desk_url("fulfilment", "index"), ["Cari…", "Saring menurut"]),
        ("cs2", desk_url("fulfilment", "index", query=NO_MATCH), ["Tidak ada pesanan yang cocok"]),
        ("cs2", desk_url("fulfilment", "index", query="?stage=shipped"), ["Cari…"]),
        ("cs2", "/admin/snippets/shop/product/", ["Cari…"]),
        ("admin", "/admin/", ["Cari semua halaman…"]),
        ("admin", desk_url("all", "index"), ["Unduh XLSX", "Unduh CSV", "Saring menurut", "Halaman 1 dari 1"]),
        ("admin", desk_url("all", "index", query=NO_MATCH), ["Tidak ada pesanan yang cocok"]),
        ("admin", "/admin/snippets/shop/product/", ["Tindakan massal", "Pilih semua"]),
        ("admin", f"/admin/snippets/shop/product/history/{product.pk}/", ["Riwayat"]),
        ("admin", "/admin/users/", ["Nama pengguna", "Tingkat akses", "Terakhir masuk"]),
    ]


def test_the_daily_screens_are_in_indonesian(desks, product, cs1_user, cs2_user, admin_user):
    clients = {"cs1": signed_in(cs1_user), "cs2": signed_in(cs2_user), "admin": signed_in(admin_user)}
    wrong = []
    for role, url, indonesian in staff_screens(desks, product):
        response = clients[role].get(url)
        if response.status_code != 200:
            wrong.append(f"{role} {url}: {response.status_code}")
            continue
        text = screen_text(response)
        wrong += [f"{role} {url}: English {phrase!r}" for phrase in english_on(response)]
        wrong += [f"{role} {url}: no {phrase!r}" for phrase in indonesian if phrase not in text]
    assert not wrong, "\n".join(wrong)


# --- Menus ------------------------------------------------------------------------------------

CMS_MENUS = {"reports", "documents", "help"}
CMS_SCREENS = [
    "/admin/reports/site-history/",
    "/admin/reports/site-history/results/",
    "/admin/reports/locked/",
    "/admin/reports/aging-pages/",
    "/admin/reports/workflow/",
    "/admin/reports/workflow_tasks/",
    "/admin/reports/page-types-usage/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/documents/",
    "/admin/documents/multiple/add/",
]


@pytest.mark.parametrize("role", ["cs1_user", "cs2_user"])
def test_cs_see_no_cms_menus_and_cannot_open_their_screens(request, role):
    client = signed_in(request.getfixturevalue(role))
    dashboard = client.get("/admin/")
    assert not menu_names(dashboard) & (CMS_MENUS | {"settings", "workflows"})
    assert 'role="search"' not in dashboard.content.decode()  # searching pages would end on "no permission"
    for url in CMS_SCREENS:
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/", url


def test_the_owner_keeps_the_cms_menus_and_screens(admin_user):
    client = signed_in(admin_user)
    assert CMS_MENUS | {"settings"} <= menu_names(client.get("/admin/"))
    assert "workflows" in menu_names(client.get("/admin/workflows/list/"))
    for url in CMS_SCREENS:
        assert client.get(url).status_code == 200, url


# --- The store's name -------------------------------------------------------------------------


def test_the_admin_login_shows_the_stores_name(client, store):
    response = client.get("/admin/login/", follow=True)
    assert response.status_code == 200
    assert "Warung Bu Sari" in response.content.decode()
    assert "Wagtail" not in screen_text(response)


def test_the_admin_wears_the_stores_name_not_wagtails(store, cs1_user):
    page = signed_in(cs1_user).get("/admin/").content.decode()
    assert re.search(r"<title>[^<]*- Warung Bu Sari</title>", page)
    assert re.search(r'<h1 class="w-h1[^"]*">\s*Warung Bu Sari\s*</h1>', page)
    assert re.search(r'<template data-wagtail-sidebar-branding-logo><img [^>]*alt="Warung Bu Sari"', page)
    assert "Wagtail" not in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
