"""Row locks on the outbox: two delivery runs never hold, and so never send, the same message."""

from django.db import connection


def lock_unsent(notifications, size):
    """Lock up to `size` of the given notifications in ascending pk, passing over those another run holds."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    return list(notifications.order_by("pk").select_for_update(skip_locked=skip_locked)[:size])
