"""Indonesian mobile numbers: buyers type 0812…, +62 812… or 62812…; the shop keeps one form, +62812…."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What people put between digits when they write a number down.
_SEPARATORS = re.compile(r"[\s\-.()/]")
# Indonesian mobile numbers start with 8 after the country code; 9 to 12 digits in all.
_NATIONAL_MOBILE = re.compile(r"8[1-9]\d{7,10}")

INVALID_MESSAGE = _("Masukkan nomor HP Indonesia yang valid, mis. 0812 3456 7890 atau +62 812 3456 7890.")


def normalize_phone(value):
    """Return the number as +62…, or raise ValidationError when it is not an Indonesian mobile number."""
    digits = _SEPARATORS.sub("", str(value or ""))
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    # "+62 0812…" is a common mix of both habits; the trunk 0 does not belong after the country code.
    if national.startswith("0"):
        national = national[1:]
    if not _NATIONAL_MOBILE.fullmatch(national):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return f"+62{national}"


def local_phone(value):
    """A mobile number (+6281234567890, 6281…) as Indonesians write it, 0812 3456 7890; anything else as it is."""
    try:
        number = normalize_phone(value)
    except ValidationError:
        return str(value or "")
    local = "0" + number[3:]
    return " ".join(part for part in (local[:4], local[4:8], local[8:]) if part)


_PHONE_LIKE = re.compile(r"\+?[\d\s\-.()/]+")


def phone_search_digits(query):
    """What a number typed into a search box ("081234567890", "0812-3456-7890", "+62 812…") has in
    common with one kept as +62…: its national digits; "" when the query is not a phone number."""
    query = str(query or "").strip()
    if not _PHONE_LIKE.fullmatch(query):
        return ""
    digits = re.sub(r"\D", "", query)
    digits = digits.removeprefix("62").lstrip("0")
    return digits if len(digits) >= 6 else ""
