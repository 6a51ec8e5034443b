"""The cart's reactions to framework events (connected by ShopConfig.ready)."""

from allauth.account.signals import user_logged_in
from django.contrib import messages
from django.dispatch import receiver

from shop.cart.services import merge_session_cart


@receiver(user_logged_in)
def merge_cart_at_login(sender, request, user, **kwargs):
    # What a visitor put in the cart before logging in must still be there after.
    for note in merge_session_cart(request, user):
        messages.warning(request, note)
