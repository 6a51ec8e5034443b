"""Text as people type it into one-line fields: names, phone numbers, cities."""

import re

# Line breaks, tabs and other control characters, including Unicode's own line separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")


def one_line(value):
    """The text on one line: control characters become a space, runs of spaces one, ends trimmed.

    A recipient name pasted with a line break would otherwise end up in an email subject (which
    refuses it) and on the shipping label.
    """
    return _SPACES.sub(" ", _CONTROL.sub(" ", str(value or ""))).strip()
