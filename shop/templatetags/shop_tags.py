from django import template

from shop.core.money import format_rupiah

register = template.Library()


@register.filter
def rupiah(amount):
    return format_rupiah(amount)
