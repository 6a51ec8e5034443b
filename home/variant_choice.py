"""What the product page offers of a product with options (Warna, Ukuran): its variants as a plain
<select> that works without JavaScript, and the same as data for static/js/variant-picker.js,
which turns them into one row of buttons per option type.

A variant can be added to the cart when it is active and in stock; every other one is listed as
sold out ("habis") and cannot be chosen. Combinations no variant has are simply not offered.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from shop.catalog.models import PRODUCT_PAGE_RENDITIONS, variants_with_pictures
from shop.core.money import discount_percent, format_rupiah


@dataclass
class VariantOption:
    variant: object
    available: bool
    price_text: str
    stock_text: str
    picture: int | None  # the gallery position of the picture that shows it, if one does

    @property
    def pk(self):
        return self.variant.pk


def stock_text(stock, available):
    if not available:
        return _("Habis")
    if stock <= settings.LOW_STOCK_THRESHOLD:
        return _("Stok tinggal %(stock)s") % {"stock": stock}
    return _("Tersedia")


def variant_choice(product, gallery_items, wanted=None):
    """The page's choice for `product` (which has options): `gallery_items` are its ProductImage
    rows in gallery order; `wanted` the variant id the address asks for (?varian=), chosen when it
    can be bought, else the first variant that can. "pictures" is the gallery the page shows: the
    product's pictures, then those of its variants that the gallery does not already hold."""
    pictures = [item.image for item in gallery_items]
    position_of_image = {}
    for position, image in enumerate(pictures):
        position_of_image.setdefault(image.pk, position)
    # A picture whose caption is an option value ("Navy") shows the variants with that value, when
    # the variant has no picture of its own.
    position_of_caption = {}
    for position, item in enumerate(gallery_items):
        position_of_caption.setdefault((item.caption or "").strip().casefold(), position)
    offered = []
    for variant in variants_with_pictures(PRODUCT_PAGE_RENDITIONS).filter(product=product):
        variant.product = product  # display_name and label read it: no query per variant
        available = variant.is_active and variant.stock > 0
        # A colour taken off sale does not add its picture to the gallery.
        if variant.image is not None and variant.is_active and variant.image.pk not in position_of_image:
            position_of_image[variant.image.pk] = len(pictures)
            pictures.append(variant.image)
        values = [value.strip().casefold() for value in (variant.label, variant.option1, variant.option2) if value]
        picture = position_of_image.get(variant.image.pk) if variant.image is not None else None
        if picture is None:
            picture = next((position_of_caption[value] for value in values if value in position_of_caption), None)
        offered.append(
            VariantOption(
                variant=variant,
                available=available,
                price_text=format_rupiah(variant.price),
                stock_text=stock_text(variant.stock, available),
                picture=picture,
            )
        )
    buyable = [option for option in offered if option.available]
    selected = next((option for option in buyable if str(option.pk) == str(wanted)), None)
    selected = selected or (buyable[0] if buyable else None)
    prices = [option.variant.price for option in buyable] or [product.price]
    option_names = (product.option1_name, product.option2_name)
    return {
        "pictures": pictures,
        "variants": offered,
        "selected": selected,
        "available": bool(buyable),
        "price_low": min(prices),
        "price_high": max(prices),
        "discount": discount_percent(product.compare_at_price, min(prices)),
        "max_stock": max((option.variant.stock for option in buyable), default=0),
        "label": " / ".join(name for name in option_names if name),
        "data": {
            "options": [
                {"name": name, "values": _values(offered, index)} for index, name in enumerate(option_names) if name
            ],
            "slots": [index for index, name in enumerate(option_names) if name],
            "variants": [
                {
                    "id": option.pk,
                    "options": [option.variant.option1, option.variant.option2],
                    "sku": option.variant.sku,
                    "priceText": option.price_text,
                    "discount": discount_percent(product.compare_at_price, option.variant.price),
                    "available": option.available,
                    "stock": option.variant.stock if option.available else 0,
                    "stockText": option.stock_text,
                    "picture": option.picture,
                }
                for option in offered
            ],
            "soldOut": _("habis"),
        },
    }


def _values(offered, index):
    """An option's values in the owner's order (that of the variants), each once."""
    seen = []
    for option in offered:
        value = (option.variant.option1, option.variant.option2)[index]
        if value and value not in seen:
            seen.append(value)
    return seen
