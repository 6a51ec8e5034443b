from decimal import Decimal

import pytest

from shop.imports.numbers import NumberError, parse_number, parse_whole_number


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("150.000", 150_000),
        ("Rp 150.000", 150_000),
        ("Rp150.000", 150_000),
        ("Rp. 150.000", 150_000),
        ("IDR 150.000", 150_000),
        ("Rp 150.000,-", 150_000),
        ("1.250.000,00", 1_250_000),
        ("Rp 1.250.000,00", 1_250_000),
        ("1 250 000", 1_250_000),
        ("1\u00a0250\u00a0000", 1_250_000),
        ("  75000  ", 75_000),
        ("1,250,000", 1_250_000),
        ("1,250,000.00", 1_250_000),
        ("150000.00", 150_000),
        ("1.500", 1_500),
        ("0", 0),
        (150000, 150_000),
        (150000.0, 150_000),
        (Decimal("99000"), 99_000),
    ],
)
def test_reads_the_way_indonesian_owners_write_numbers(cell, expected):
    assert parse_whole_number(cell) == expected


def test_decimal_comma_is_a_fraction():
    assert parse_number("1,5") == Decimal("1.5")
    assert parse_number("12.5") == Decimal("12.5")


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_blank_is_none(cell):
    assert parse_whole_number(cell) is None


@pytest.mark.parametrize("cell", ["abc", "12a", "1.2.3,4,5", "Rp", "--5", True, float("nan"), "1..000"])
def test_not_a_number(cell):
    with pytest.raises(NumberError, match="bukan angka"):
        parse_whole_number(cell)


@pytest.mark.parametrize("cell", ["-5", "-Rp 150.000", "Rp -150.000", -1, -0.5])
def test_negative_is_refused(cell):
    with pytest.raises(NumberError, match="negatif"):
        parse_whole_number(cell)


@pytest.mark.parametrize("cell", ["1.250.000,50", "1,5", 2.5, "12.5"])
def test_fraction_is_refused_for_whole_numbers(cell):
    with pytest.raises(NumberError, match="bilangan bulat rupiah"):
        parse_whole_number(cell, what="rupiah")


def test_ambiguous_comma_thousands_is_refused_not_guessed():
    with pytest.raises(NumberError, match="dua cara") as raised:
        parse_whole_number("150,000")
    assert "150.000" in str(raised.value)


def test_maximum():
    assert parse_whole_number("2.147.483.647", maximum=2_147_483_647) == 2_147_483_647
    with pytest.raises(NumberError, match="Terlalu besar"):
        parse_whole_number("2.147.483.648", maximum=2_147_483_647)
