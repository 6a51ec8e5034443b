"""Numbers as Indonesian shop owners write them in a spreadsheet: `150.000`, `Rp 150.000`,
`1.250.000,00`, `Rp 150.000,-`, or a plain number cell.

The dot separates thousands and the comma starts the decimals (the Indonesian convention).
A number written the English way is read too when it cannot mean anything else
(`1,250,000`, `150000.00`). `150,000` could be either, so it is refused with a message rather
than guessed.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

_CURRENCY = re.compile(r"^(rp\.?|idr)", re.IGNORECASE)
# Spaces of every kind Excel and LibreOffice put between thousands or after "Rp".
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007']+")
_PLAIN = re.compile(r"^\d+$")
_ID_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_ID_DECIMAL = re.compile(r"^\d+,\d+$")
_AMBIGUOUS = re.compile(r"^\d{1,3},\d{3}$")
_EN_THOUSANDS = re.compile(r"^\d{1,3}((,\d{3}){2,}(\.\d+)?|(,\d{3})+\.\d+)$")
_EN_DECIMAL = re.compile(r"^\d+\.(\d{1,2}|\d{4,})$")


class NumberError(ValueError):
    """A cell that is not a usable number; the message is for the shop owner."""


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value):
    """The Decimal a cell means, or None for a blank cell; raises NumberError otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise NumberError(_("“%(value)s” bukan angka.") % {"value": value})
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NumberError(_("“%(value)s” bukan angka.") % {"value": value})
        return Decimal(repr(value))
    text = _SPACES.sub("", str(value))
    text = _CURRENCY.sub("", text)
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = text[0], text[1:]
    text = _CURRENCY.sub("", text)
    # "Rp 150.000,-" is how prices are often written: the dash means "no cents".
    if text.endswith((",-", ".-")):
        text = text[:-2]
    if _PLAIN.match(text):
        digits = text
    elif _AMBIGUOUS.match(text):
        raise NumberError(
            _("“%(value)s” bisa dibaca dua cara: tulis %(dots)s (ribuan pakai titik) atau %(plain)s.")
            % {"value": str(value).strip(), "dots": text.replace(",", "."), "plain": text.replace(",", "")}
        )
    elif _ID_THOUSANDS.match(text) or _ID_DECIMAL.match(text):
        digits = text.replace(".", "").replace(",", ".")
    elif _EN_THOUSANDS.match(text) or _EN_DECIMAL.match(text):
        digits = text.replace(",", "")
    else:
        raise NumberError(_("“%(value)s” bukan angka.") % {"value": str(value).strip()})
    try:
        return Decimal(sign + digits)
    except InvalidOperation:  # pragma: no cover - the patterns above only pass digits
        raise NumberError(_("“%(value)s” bukan angka.") % {"value": str(value).strip()}) from None


def parse_whole_number(value, *, maximum=None, what=None):
    """A whole, non-negative number (rupiah, grams, units), or None for a blank cell.

    `what` names the unit in the message for a fraction, e.g. "rupiah".
    """
    number = parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise NumberError(_("Tidak boleh negatif (tertulis %(value)s).") % {"value": _shown(value)})
    if number != number.to_integral_value():
        if what:
            raise NumberError(
                _("Harus bilangan bulat %(what)s, tanpa pecahan (tertulis %(value)s).")
                % {"what": what, "value": _shown(value)}
            )
        raise NumberError(_("Harus bilangan bulat, tanpa pecahan (tertulis %(value)s).") % {"value": _shown(value)})
    whole = int(number)
    if maximum is not None and whole > maximum:
        shown = f"{maximum:,}".replace(",", ".")
        if what:
            raise NumberError(
                _("Terlalu besar (paling banyak %(maximum)s %(what)s).") % {"maximum": shown, "what": what}
            )
        raise NumberError(_("Terlalu besar (paling banyak %(maximum)s).") % {"maximum": shown})
    return whole


def _shown(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
