"""Code 128 barcodes drawn by the shop as inline SVG (python-barcode), for labels couriers scan."""

import io

from barcode import Code128
from barcode.writer import SVGWriter
from django.utils.safestring import mark_safe

# Bars a courier's scanner reads, low enough that both barcodes and the address fit one A6 label (105 x 148 mm);
# the text under them is the fallback.
OPTIONS = {"module_width": 0.3, "module_height": 8, "font_size": 7, "text_distance": 3, "quiet_zone": 2.5}


def code128_svg(text):
    """An <svg> element (without the XML prolog) that encodes `text`; "" for no text."""
    if not text:
        return ""
    out = io.BytesIO()
    Code128(str(text), writer=SVGWriter()).write(out, options=OPTIONS)
    svg = out.getvalue().decode()
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308  (drawn here from an order's own fields)
