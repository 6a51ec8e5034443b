"""Row locks on the outbox: two delivery runs never hold, and so never send, the same message."""

from django.db import connection


def lock_next_unsent(notifications):
    """Lock the first of the given notifications (lowest pk) that no other run holds; None when there is none."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    return notifications.order_by("pk").select_for_update(skip_locked=skip_locked).first()
