"""Answers of the WhatsApp Cloud API, as recorded from POST /<version>/<phone number id>/messages
(shared/design/INTEGRATIONS.md), for `responses` to replay. Each is (HTTP status, body)."""

import json

import responses

PHONE_NUMBER_ID = "109876543210987"
OWNER_NUMBER = "6281234567890"
MESSAGES_URL = f"https://graph.facebook.com/v23.0/{PHONE_NUMBER_ID}/messages"

ACCEPTED = (
    200,
    {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
        "messages": [{"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjU3QjZGMjJERTVDNUQ5RUE0RQA="}],
    },
)
TOKEN_EXPIRED = (
    401,
    {
        "error": {
            "message": "Error validating access token: Session has expired on Tuesday, 01-Dec-26 16:00:00 PST. "
            "The current time is Wednesday, 02-Dec-26 01:12:40 PST.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "AyxQ3kS0dF1x6Xo0mY1TQbC",
        }
    },
)
OUTSIDE_WINDOW = (
    400,
    {
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "Message failed to send because more than 24 hours have passed since the customer last "
                "replied to this number.",
            },
            "fbtrace_id": "A9fTg2Vb7nQh0y1mKcE3pZr",
        }
    },
)
RATE_LIMITED = (
    400,
    {
        "error": {
            "message": "(#130429) Rate limit hit",
            "type": "OAuthException",
            "code": 130429,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "Cloud API message throughput has been reached.",
            },
            "fbtrace_id": "Bq7vXc1Lr9sT2wE5uYh8NaD",
        }
    },
)
PAIR_RATE_LIMITED = (
    400,
    {
        "error": {
            "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "type": "OAuthException",
            "code": 131056,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "Message failed to send because there were too many messages sent from this phone number "
                "to the same phone number in a short period of time.",
            },
            "fbtrace_id": "C4kWm8Pq2zR6tY0bVn3HsLe",
        }
    },
)
INVALID_PARAMETER = (
    400,
    {
        "error": {
            "message": "(#100) Invalid parameter",
            "type": "OAuthException",
            "code": 100,
            "error_data": {"messaging_product": "whatsapp", "details": "Parameter value is not valid"},
            "fbtrace_id": "D1nHs5Jx8cV3bM7qWe2RtKy",
        }
    },
)
# A proxy in front of graph.facebook.com that failed: HTML, not the API's JSON.
BAD_GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def answer(mock, *recorded):
    """Have `mock` (a responses.RequestsMock) answer the next POSTs with `recorded`, in turn."""
    for status, body in recorded:
        mock.add(responses.POST, MESSAGES_URL, json=body, status=status)


def answer_html(mock, status=502):
    mock.add(responses.POST, MESSAGES_URL, body=BAD_GATEWAY_HTML, status=status, content_type="text/html")


def sent_payloads(mock):
    return [json.loads(call.request.body) for call in mock.calls]


def configure(settings):
    """The shop's WhatsApp settings pointed at this recorded API, alerting the owner by free text (no template)."""
    settings.WHATSAPP_TOKEN = "EAAG-test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_OWNER_NUMBER = OWNER_NUMBER
    settings.WHATSAPP_API_VERSION = "v23.0"
    settings.WHATSAPP_TEMPLATE = ""
    settings.WHATSAPP_TEMPLATE_LANGUAGE = "id"
    return settings
