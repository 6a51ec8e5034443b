"""A delivery worker in a process of its own, for test_worker_killed.py:
`manage.py shell -c "from tests.notifications.recording_worker import run; run()"`.

Every message handed to a channel, by email (EMAIL_BACKEND = RecordingEmailBackend) or WhatsApp
(the Cloud API replayed by `responses`), is appended to the file RECORD_FILE names, one JSON line
each: {"channel", "to", "text"}. With BLOCK_AT=n, the n-th message blocks before it is handed
over, after creating the file BLOCKED_FILE names, until the test kills the process.
"""

import json
import os
import time
from pathlib import Path

import responses
from django.core.mail.backends.base import BaseEmailBackend

from shop.notifications.outbox import deliver_notifications
from tests.integrations import cloud_api as recorded

handed = 0


def hand_over(channel, to, text):
    global handed
    handed += 1
    if handed == int(os.environ.get("BLOCK_AT") or 0):
        Path(os.environ["BLOCKED_FILE"]).touch()
        while True:  # in the middle of a send, until SIGKILL
            time.sleep(1)
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as record:
        record.write(json.dumps({"channel": channel, "to": to, "text": text}) + "\n")


class RecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            hand_over("email", message.to[0], message.subject)
        return len(email_messages)


def whatsapp_answer(request):
    payload = json.loads(request.body)
    hand_over("whatsapp", payload["to"], payload["text"]["body"])
    status, body = recorded.ACCEPTED
    return status, {}, json.dumps(body)


def run():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as cloud_api:
        cloud_api.add_callback(
            responses.POST, recorded.MESSAGES_URL, callback=whatsapp_answer, content_type="application/json"
        )
        print("sent", deliver_notifications())
