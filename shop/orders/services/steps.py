"""What every order service does around its own rule: write the history, hand the caller the result."""

from shop.orders.models import Order, OrderEvent


def record_event(order, actor, from_status, note=""):
    """One line of the order's history: who moved it, from where, to its status now, and why."""
    return OrderEvent.objects.create(
        order=order, actor=actor, from_status=from_status, to_status=order.status, note=note
    )


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
