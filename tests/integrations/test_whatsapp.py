"""The WhatsApp Cloud API client against recorded answers: the message id, or an error the outbox can tell apart."""

import pytest
import requests
import responses

from shop.integrations import whatsapp
from tests.integrations import cloud_api
from tests.integrations.cloud_api import MESSAGES_URL, answer, answer_html, sent_payloads

OWNER = cloud_api.OWNER_NUMBER


@pytest.fixture(autouse=True)
def configured(settings):
    return cloud_api.configure(settings)


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def send(text="Pesanan baru TK-20261202-0001 dari Budi: Rp 150.000."):
    return whatsapp.send_to_owner(text, template_parameters=("TK-20261202-0001", "Budi", "Rp 150.000"))


def test_it_is_configured_only_with_token_phone_number_id_and_owner_number(settings):
    assert whatsapp.is_configured()
    for name in ("WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_OWNER_NUMBER"):
        setattr(settings, name, "")
        assert not whatsapp.is_configured()
        setattr(settings, name, "x")


def test_free_text_is_accepted_with_its_message_id(api):
    answer(api, cloud_api.ACCEPTED)
    assert send() == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjU3QjZGMjJERTVDNUQ5RUE0RQA="
    request = api.calls[0].request
    assert request.url == MESSAGES_URL and request.headers["Authorization"] == "Bearer EAAG-test-token"
    assert sent_payloads(api) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": OWNER,
            "type": "text",
            "text": {"preview_url": False, "body": "Pesanan baru TK-20261202-0001 dari Budi: Rp 150.000."},
        }
    ]


def test_with_a_template_set_the_template_is_sent_with_its_parameters(api, settings):
    settings.WHATSAPP_TEMPLATE = "pesanan_baru"
    settings.WHATSAPP_TEMPLATE_LANGUAGE = "id"
    answer(api, cloud_api.ACCEPTED)
    assert send().startswith("wamid.")
    assert sent_payloads(api) == [
        {
            "messaging_product": "whatsapp",
            "to": OWNER,
            "type": "template",
            "template": {
                "name": "pesanan_baru",
                "language": {"code": "id"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "TK-20261202-0001"},
                            {"type": "text", "text": "Budi"},
                            {"type": "text", "text": "Rp 150.000"},
                        ],
                    }
                ],
            },
        }
    ]


@pytest.mark.parametrize(
    "recorded, error_class, code",
    [
        (cloud_api.TOKEN_EXPIRED, whatsapp.TokenRejected, 190),
        (cloud_api.OUTSIDE_WINDOW, whatsapp.OutsideWindow, 131047),
        (cloud_api.RATE_LIMITED, whatsapp.RateLimited, 130429),
        (cloud_api.PAIR_RATE_LIMITED, whatsapp.RateLimited, 131056),
    ],
)
def test_each_refusal_the_shop_treats_differently_has_its_own_error(api, recorded, error_class, code):
    answer(api, recorded)
    with pytest.raises(error_class) as raised:
        send()
    status, body = recorded
    assert raised.value.code == code and raised.value.status == status
    assert str(raised.value) == body["error"]["message"]


def test_other_refusals_are_plain_whatsapp_errors_with_their_code(api):
    answer(api, cloud_api.INVALID_PARAMETER)
    with pytest.raises(whatsapp.WhatsAppError) as raised:
        send()
    assert type(raised.value) is whatsapp.WhatsAppError and raised.value.code == 100


def test_an_answer_that_is_not_json_is_an_error_with_its_http_status(api):
    answer_html(api, status=502)
    with pytest.raises(whatsapp.WhatsAppError, match="HTTP 502 without JSON") as raised:
        send()
    assert type(raised.value) is whatsapp.WhatsAppError and raised.value.status == 502 and raised.value.code is None


@pytest.mark.parametrize("body", [{"messaging_product": "whatsapp", "messages": []}, ["not", "an", "object"]])
def test_an_answer_without_a_message_id_is_an_error(api, body):
    api.add(responses.POST, MESSAGES_URL, json=body, status=200)
    with pytest.raises(whatsapp.WhatsAppError, match="without a message id"):
        send()


def test_an_unreachable_api_is_a_whatsapp_error(api):
    api.add(responses.POST, MESSAGES_URL, body=requests.ConnectTimeout("timed out"))
    with pytest.raises(whatsapp.WhatsAppError, match="could not be reached"):
        send()
