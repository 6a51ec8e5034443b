import pytest

from shop.core.text import one_line


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Siti Rahayu", "Siti Rahayu"),
        ("Siti\nRahayu", "Siti Rahayu"),
        ("Siti\r\n\tRahayu ", "Siti Rahayu"),
        ("Budi\x00\x1b[31m", "Budi [31m"),
        ("Jl. Kaliurang\u2028Km 10", "Jl. Kaliurang Km 10"),
        ("  dua   spasi  ", "dua spasi"),
        (None, ""),
    ],
)
def test_one_line_fields_keep_the_text_and_lose_control_characters(typed, kept):
    assert one_line(typed) == kept
