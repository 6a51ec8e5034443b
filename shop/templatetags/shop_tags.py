from django import template

from shop.core.money import format_rupiah
from shop.core.phone import local_phone

register = template.Library()


@register.filter
def rupiah(amount):
    return format_rupiah(amount)


@register.filter
def phone(number):
    """A number kept as +62… shown as Indonesians write it: 0812 3456 7890."""
    return local_phone(number)
