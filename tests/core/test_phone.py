import pytest
from django.core.exceptions import ValidationError

from shop.core.phone import normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+6281234567890",
        "+62 812 3456 7890",
        "6281234567890",
        "62 812-3456-7890",
        "+62 (0)812 3456 7890",
        "(0812) 3456.7890",
    ],
)
def test_every_way_of_writing_one_number_gives_one_form(typed):
    assert normalize_phone(typed) == "+6281234567890"


@pytest.mark.parametrize(
    "typed, canonical",
    [("0811234567", "+62811234567"), ("0857123456789", "+62857123456789"), ("+62 896 1234 5678", "+6289612345678")],
)
def test_short_and_long_mobile_numbers_are_accepted(typed, canonical):
    assert normalize_phone(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "0812",  # too short
        "0812345678901234",  # too long
        "021 5551234",  # a Jakarta landline: couriers need a mobile number
        "+1 202 555 0143",  # not Indonesian
        "0812-3456-789O",  # letter O for zero
        "08a23456789",
        "0802345678",  # 80x is not a mobile prefix
    ],
)
def test_what_is_not_an_indonesian_mobile_number_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "nomor HP" in str(error.value)
