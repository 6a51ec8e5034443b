"""Row locks for checkout's own rows: the buyer's address book."""

from shop.checkout.models import Address


def lock_address_book(user):
    """Hold every address of `user`, in ascending pk, until the transaction ends; returns them by pk."""
    return {address.pk: address for address in Address.objects.filter(user=user).order_by("pk").select_for_update()}
