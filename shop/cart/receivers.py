"""The cart's reactions to framework events (connected by ShopConfig.ready)."""

from allauth.account.signals import user_logged_in
from django.contrib import messages
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shop.cart.models import Cart, CartItem
from shop.cart.services import forget_summaries, merge_session_cart


@receiver(user_logged_in)
def merge_cart_at_login(sender, request, user, **kwargs):
    # What a visitor put in the cart before logging in must still be there after.
    for note in merge_session_cart(request, user):
        messages.warning(request, note)


@receiver([post_save, post_delete], sender=CartItem, dispatch_uid="cart-summary-line")
def forget_summary_of_line(sender, instance, **kwargs):
    # Whoever wrote the line (the cart, checkout, the admin), the header must show the cart as it is.
    forget_summaries([instance.cart_id])


@receiver(post_save, sender=Cart, dispatch_uid="cart-summary-cart")
def forget_summary_of_cart(sender, instance, **kwargs):
    # A visitor's cart that login hands to the account changes owner.
    forget_summaries([instance.pk])
