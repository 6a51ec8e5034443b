"""Product and banner pictures drawn locally with Pillow, so the demo needs no network."""

import io
import textwrap

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no scalable default font
        return ImageFont.load_default()


def _hex_to_rgb(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def draw_picture(text, colour, size=(800, 800), subtitle=""):
    """A flat-coloured square with a soft circle and the product's name: recognisable, light."""
    width, height = size
    base = _hex_to_rgb(colour)
    image = PILImage.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    lighter = tuple(min(255, c + 60) for c in base)
    draw.ellipse((width * 0.45, -height * 0.2, width * 1.3, height * 0.65), fill=lighter)
    darker = tuple(max(0, c - 40) for c in base)
    draw.ellipse((-width * 0.3, height * 0.6, width * 0.5, height * 1.3), fill=darker)
    font = _font(max(28, width // 14))
    lines = textwrap.wrap(text, width=16)[:4]
    y = height * 0.36
    for line in lines:
        draw.text((width * 0.08, y), line, fill="white", font=font)
        y += font.size * 1.25 if hasattr(font, "size") else 40
    if subtitle:
        draw.text((width * 0.08, height * 0.86), subtitle, fill="white", font=_font(max(18, width // 30)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()
