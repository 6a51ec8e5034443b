"""What every order service does around its own rule: write the history, hand the caller the result."""

from django.conf import settings
from django.utils import translation

from shop.orders.models import Order, OrderEvent


def record_event(order, actor, from_status, note=""):
    """One line of the order's history: who moved it, from where, to its status now, and why.

    The history is the staff's record, so a note given lazily (gettext_lazy) is written in the
    shop's language, whatever language the buyer who acted was browsing in.
    """
    return OrderEvent.objects.create(
        order=order, actor=actor, from_status=from_status, to_status=order.status, note=in_shop_language(note)
    )


def in_shop_language(text):
    """A lazily translated text (gettext_lazy) as the shop's language has it; other text as it is."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text or "")


def refreshed(order, locked):
    """Copy the locked row's values into the caller's instance; returns the caller's Order.

    Services take an Order or its primary key; given an instance they update it too, so the
    caller reads the new status without another query.
    """
    if isinstance(order, Order) and order is not locked:
        for field in Order._meta.concrete_fields:
            setattr(order, field.attname, getattr(locked, field.attname))
        return order
    return locked
