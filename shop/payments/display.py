"""What the buyer's page of a gateway order shows: the QR code, drawn by the shop, and the payment steps.

The QR is drawn here from TriPay's `qr_string`, never fetched from an image service: the page
works without a third party and shows nothing about the order to anyone else.
"""

import nh3
import segno
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# What TriPay's instruction steps may keep of their HTML: emphasis and line breaks, nothing else.
STEP_TAGS = {"b", "strong", "i", "em", "br"}
# Error correction M (15 %) is what QRIS asks of the payer's QR; 4 modules of white is its quiet zone.
QR_ERROR = "m"
QR_BORDER = 4
# About 300 px square for the downloaded picture of a typical QRIS payload.
QR_PNG_SCALE = 8


def _qr(text):
    # micro=False: a payment app reads only full-size QR codes, whatever the length of the text.
    return segno.make(text, error=QR_ERROR, micro=False)


def qr_svg(text, title=None):
    """The QR code of `text` as inline SVG, sized by its container (no width or height of its own)."""
    svg = _qr(text).svg_inline(
        border=QR_BORDER,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code",
        lineclass=None,
        title=title or _("Kode QR pembayaran"),
    )
    # segno escapes the title; the rest is its own path data.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def qr_png_data_uri(text):
    """The same QR as a PNG picture, for buyers who pay from the phone showing it (apps read it from the gallery)."""
    return _qr(text).png_data_uri(scale=QR_PNG_SCALE, border=QR_BORDER, dark="#000", light="#fff")


def clean_step(html):
    """One step of TriPay's instructions with only simple inline formatting left; everything else is text."""
    return mark_safe(nh3.clean(html, tags=STEP_TAGS, attributes={}))  # noqa: S308


def instructions(raw):
    """TriPay's instructions ([{"title", "steps"}]) with each step's HTML cleaned, for the template."""
    shown = []
    for instruction in raw or []:
        if not isinstance(instruction, dict):
            continue
        steps = [clean_step(step) for step in instruction.get("steps") or [] if isinstance(step, str) and step.strip()]
        if steps:
            shown.append({"title": str(instruction.get("title") or _("Cara membayar")), "steps": steps})
    return shown
