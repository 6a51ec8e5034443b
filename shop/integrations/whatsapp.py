"""WhatsApp Cloud API client: tells the owner about new orders (see shared/design/INTEGRATIONS.md).

HTTP only: it knows the API's requests and answers, not the outbox. The refusals the shop must
treat differently each raise their own WhatsAppError subclass; what each means for delivery
(retry, wait, give up) is decided by shop.notifications.sending.
"""

import requests
from django.conf import settings

TIMEOUT_SECONDS = 10


class WhatsAppError(Exception):
    """The message was not accepted. `code` is the API's error code and `status` the HTTP status, when known."""

    def __init__(self, message, code=None, status=None):
        super().__init__(message)
        self.code = code
        self.status = status


class TokenRejected(WhatsAppError):
    """Error 190: the access token expired or was revoked; only a new token helps."""


class OutsideWindow(WhatsAppError):
    """Error 131047: free text is refused more than 24 hours after the recipient last wrote to the number."""


class RateLimited(WhatsAppError):
    """Too many messages for now; the same message is accepted later."""


ERRORS = {
    190: TokenRejected,
    131047: OutsideWindow,
    130429: RateLimited,  # the phone number's throughput
    131056: RateLimited,  # too many messages to the same recipient in a short time: every alert goes to one owner
}


def is_configured():
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_OWNER_NUMBER)


def _post(payload):
    url = f"https://graph.facebook.com/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    try:
        response = requests.post(
            url, json=payload, headers={"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"}, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise WhatsAppError(f"WhatsApp could not be reached: {error}") from error
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        raise WhatsAppError(f"WhatsApp answered HTTP {status} without JSON", status=status) from None
    body = body if isinstance(body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or f"WhatsApp error (HTTP {status})"
        raise ERRORS.get(code, WhatsAppError)(message, code=code, status=status)
    message_id = next((m.get("id") for m in body.get("messages") or [] if isinstance(m, dict)), None)
    if not message_id:
        raise WhatsAppError(f"WhatsApp answered HTTP {status} without a message id", status=status)
    return message_id


def send_to_owner(text, template_parameters=()):
    """Send to WHATSAPP_OWNER_NUMBER; returns the message id ("wamid...").

    Free text reaches the owner only within 24 h of their last message to the shop's number, so
    the template WHATSAPP_TEMPLATE is sent instead when it is set, with `template_parameters`.
    """
    to = settings.WHATSAPP_OWNER_NUMBER
    if settings.WHATSAPP_TEMPLATE:
        payload = {
            "messaging_product": "whatsapp",
            "to": to,
            "type": "template",
            "template": {
                "name": settings.WHATSAPP_TEMPLATE,
                "language": {"code": settings.WHATSAPP_TEMPLATE_LANGUAGE},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in template_parameters]}
                ],
            },
        }
    else:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
    return _post(payload)
