"""A small shelf like the demo catalog's, with the owner's synonyms, for the tolerant-search tests."""

import pytest

from search.models import Synonym
from tests import factories


@pytest.fixture
def synonyms(db):
    return [
        Synonym.objects.create(words=words)
        for words in ("sambal, sambel", "keripik, kripik", "hijab, jilbab, kerudung")
    ]


@pytest.fixture
def demo_shelf(catalog_page, synonyms):
    snacks = factories.category(name="Makanan Ringan")
    drinks = factories.category(name="Minuman")
    spices = factories.category(name="Bumbu Dapur")
    fashion = factories.category(name="Fashion Muslim")

    def make(key, name, sku, category, price, description):
        return key, factories.product(
            name=name, sku=sku, category=category, price=price, stock=5, description=f"<p>{description}</p>"
        )

    return dict(
        [
            make(
                "kopi", "Kopi Gayo Arabika 200 g", "DEMO-008", drinks, 85_000, "Biji kopi arabika Gayo, sangrai medium."
            ),
            make("robusta", "Kopi Robusta Lampung", "DEMO-009", drinks, 45_000, "Kopi robusta giling halus."),
            make("teh", "Teh Melati Tubruk", "DEMO-010", drinks, 18_000, "Teh hijau melati wangi."),
            make("sambal", "Sambal Bawang Botol", "DEMO-015", spices, 27_000, "Sambal bawang pedas dengan minyak."),
            make("pecel", "Bumbu Pecel Madiun", "DEMO-020", spices, 21_000, "Bumbu kacang, tinggal seduh."),
            make("keripik", "Keripik Singkong Pedas", "DEMO-001", snacks, 18_000, "Keripik renyah, pedas manis."),
            make("tempe", "Keripik Tempe Sagu", "DEMO-005", snacks, 17_000, "Keripik tempe tipis dan gurih."),
            make("hijab", "Hijab Segi Empat Voal", "DEMO-029", fashion, 59_000, "Hijab voal lembut."),
            make("gamis", "Gamis Katun Rayon", "DEMO-030", fashion, 189_000, "Gamis katun adem."),
        ]
    )
