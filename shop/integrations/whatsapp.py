"""WhatsApp Cloud API client: tells the owner about new orders (see shared/design/INTEGRATIONS.md)."""

import requests
from django.conf import settings

TIMEOUT_SECONDS = 10


class WhatsAppError(Exception):
    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


def is_configured():
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_OWNER_NUMBER)


def _post(payload):
    url = f"https://graph.facebook.com/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    response = requests.post(
        url, json=payload, headers={"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"}, timeout=TIMEOUT_SECONDS
    )
    try:
        body = response.json()
    except ValueError:
        raise WhatsAppError(f"WhatsApp answered HTTP {response.status_code} without JSON") from None
    if "error" in body:
        error = body["error"]
        raise WhatsAppError(error.get("message", "WhatsApp error"), code=error.get("code"))
    messages = body.get("messages") or []
    if not messages:
        raise WhatsAppError(f"WhatsApp answered HTTP {response.status_code} without a message id")
    return messages[0]["id"]


def send_to_owner(text, template_parameters=()):
    """Free text reaches the owner only within 24 h of their last message, so a template is used when set."""
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
