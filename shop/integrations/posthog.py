"""PostHog client: the shop's order events, sent from the server (see shared/design/INTEGRATIONS.md).

HTTP only, through PyPI `posthog`: one event per call, sent before the call returns, so the
outbox knows whether PostHog took it. The refusals the outbox must treat differently each raise
their own PostHogError subclass; what each means for delivery is decided by
shop.notifications.analytics.
"""

import functools
import logging

import requests
from django.conf import settings

# A send holds up the outbox's other messages while it waits: PostHog answers in well under a second.
TIMEOUT_SECONDS = 5


class PostHogError(Exception):
    """The event was not accepted. `status` is the HTTP status, when there was an answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class KeyRejected(PostHogError):
    """401/403: the project API key (POSTHOG_KEY) is wrong; only a new key helps."""


class Unavailable(PostHogError):
    """No answer in time, no connection, or PostHog failing (5xx, 429): its other events would fare the same."""


def is_configured():
    return bool(settings.POSTHOG_KEY)


@functools.lru_cache(maxsize=4)
def _client(api_key, host, timeout):
    # The SDK is loaded by the worker that sends, only with a key: ~3 MB in every process otherwise (bench/memory).
    from posthog import Posthog
    from posthog.capture_mode import CaptureMode

    client = Posthog(
        api_key,
        host=host,
        # Sent in the caller's thread: no background queue that could drop an event the outbox counts as sent.
        sync_mode=True,
        timeout=timeout,
        # The outbox retries on its own schedule, and a retry here would hold up the other messages.
        max_retries=0,
        # The legacy /batch/ endpoint, whatever POSTHOG_CAPTURE_MODE says in the environment.
        capture_mode=CaptureMode.V0,
        # The server's address says nothing of where the buyer is.
        disable_geoip=True,
        # The SDK's one switch that raises a failed send instead of logging and dropping it.
        debug=True,
    )
    # debug also turns the SDK's logger to DEBUG, which would log every event's body: back to warnings.
    logging.getLogger("posthog").setLevel(logging.WARNING)
    return client


def capture(event, *, distinct_id, properties, timestamp, uuid):
    """Send one event; returns once PostHog accepted it. `uuid` is the event's own id: PostHog
    keeps one event per id, so an event sent twice (a worker killed before marking it) counts once."""
    from posthog.request import APIError  # see _client

    client = _client(settings.POSTHOG_KEY, settings.POSTHOG_HOST, TIMEOUT_SECONDS)
    try:
        client.capture(event, distinct_id=distinct_id, properties=properties, timestamp=timestamp, uuid=uuid)
    except APIError as error:
        status = error.status if isinstance(error.status, int) else None
        message = f"PostHog answered HTTP {error.status}: {error.message}"[:500]
        if status in (401, 403):
            raise KeyRejected(message, status=status) from error
        if status is None or status == 429 or status >= 500:
            raise Unavailable(message, status=status) from error
        raise PostHogError(message, status=status) from error
    except requests.RequestException as error:
        raise Unavailable(f"PostHog could not be reached: {error}") from error
