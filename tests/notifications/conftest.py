import pytest
import responses
from wagtail.models import Site

from home.models import StoreSettings
from tests.integrations import cloud_api as recorded

OWNER_EMAIL = "pemilik@toko.com"
OWNER_WHATSAPP = "6281234567890"


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
    settings.WHATSAPP_TOKEN = "EAAG-test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = recorded.PHONE_NUMBER_ID
    settings.WHATSAPP_OWNER_NUMBER = OWNER_WHATSAPP
    settings.WHATSAPP_API_VERSION = "v23.0"
    settings.WHATSAPP_TEMPLATE = ""
    settings.WHATSAPP_TEMPLATE_LANGUAGE = "id"
    return settings


@pytest.fixture
def cloud_api():
    """The WhatsApp Cloud API, answering with what tests.integrations.cloud_api.answer gives it; any other request fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
