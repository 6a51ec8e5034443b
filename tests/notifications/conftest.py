import pytest
import responses
from wagtail.models import Site

from home.models import StoreSettings
from tests.integrations import cloud_api as recorded

OWNER_EMAIL = "pemilik@toko.com"
OWNER_WHATSAPP = recorded.OWNER_NUMBER


@pytest.fixture
def store_email(db):
    """The store has an email address (Settings > Pengaturan toko): the owner hears of new orders by email."""
    store = StoreSettings.for_site(Site.objects.get(is_default_site=True))
    store.email = OWNER_EMAIL
    store.save()
    return OWNER_EMAIL


@pytest.fixture
def whatsapp_on(settings):
    """WhatsApp Cloud API configured for the owner's alerts, free text (no template)."""
    return recorded.configure(settings)


@pytest.fixture
def cloud_api():
    """The WhatsApp Cloud API, answering with what tests.integrations.cloud_api.answer gives it; any other request fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
