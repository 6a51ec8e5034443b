"""Row locks on carts: one change of a cart at a time, so two quick taps cannot both add to one line."""

from shop.cart.models import Cart


def lock_cart(cart):
    """Hold the cart's row until the transaction ends; returns the cart as it is now, or None if gone."""
    return Cart.objects.select_for_update().filter(pk=cart.pk).first()


def lock_account_cart(user):
    """The account's cart under a row lock, or None when the account has none."""
    return Cart.objects.select_for_update().filter(user=user).first()


def lock_visitor_cart(token):
    """A signed-out visitor's cart under a row lock, or None."""
    return Cart.objects.select_for_update().filter(session_key=token, user=None).first()
