from django.utils.functional import SimpleLazyObject

from shop.cart.services import cart_summary as summarize_cart


def cart_summary(request):
    """The header mini-cart's count and total; computed only when a template reads it."""
    if not (hasattr(request, "session") and hasattr(request, "user")):
        return {"cart_summary": {"count": 0, "total": 0}}
    return {"cart_summary": SimpleLazyObject(lambda: summarize_cart(request))}
