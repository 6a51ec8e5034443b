"""Couriers' dates, read leniently: each courier writes them its own way, and BinderByte passes them on.

Seen: "2020-09-21 22:53", "2020-09-21 22:53:10", "21-09-2020 22:53", "17 Mei 12:20 WIB" (no year),
"Senin, 17 Mei 2021 pukul 12.20 WITA", ISO 8601 with an offset. A date read becomes an aware
datetime; one that cannot be read is None, and the page shows the courier's own text instead. A
date without a zone is Western Indonesian Time, as the couriers are Indonesian.
"""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
ZONES = {"wib": timezone(timedelta(hours=7)), "wita": timezone(timedelta(hours=8)), "wit": timezone(timedelta(hours=9))}
MONTHS = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
    "dec": 12,
}
YEAR_FIRST = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})")
NAMED_MONTH = re.compile(r"(?P<d>\d{1,2})[\s-]+(?P<mon>[a-z]{3,9})\.?(?:[\s-]+(?P<y>\d{4}))?")
TIME = re.compile(r"(?<![\d-])(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?:\.\d+)?")
OFFSET = re.compile(r"(?:z|[+-]\d{2}:?\d{2})$")
ZONE_WORD = re.compile(r"\b(wib|wita|wit)\b")
# A date with no year is this year's, unless that would be more than a day ahead of the answer.
FUTURE_SLACK = timedelta(days=1)


def parse_courier_date(text, now):
    """`text` as an aware datetime, or None. `now` (aware) is when it was read: it completes a date with no year."""
    text = " ".join((text or "").split())
    if not text:
        return None
    iso = _iso(text)
    if iso is not None:
        return iso
    lowered = text.lower()
    zone = ZONES.get(match.group(1)) if (match := ZONE_WORD.search(lowered)) else JAKARTA
    day = _day(lowered)
    if day is None:
        return None
    year, month, day_of_month, rest = day
    hour = minute = second = 0
    if time := TIME.search(rest):
        hour, minute, second = int(time["h"]), int(time["mi"]), int(time["s"] or 0)
    try:
        if year is not None:
            return datetime(year, month, day_of_month, hour, minute, second, tzinfo=zone)
        local_now = now.astimezone(zone)
        moment = datetime(local_now.year, month, day_of_month, hour, minute, second, tzinfo=zone)
        if moment > now + FUTURE_SLACK:
            moment = moment.replace(year=local_now.year - 1)
        return moment
    except ValueError:  # 31 Juni, 25:00, 29 Februari of a year without it
        return None


def _iso(text):
    if not OFFSET.search(text.lower()) or not YEAR_FIRST.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1).replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _day(text):
    """(year or None, month, day, the text after the date) from the first date found in `text`."""
    for pattern in (YEAR_FIRST, DAY_FIRST):
        if found := pattern.search(text):
            return int(found["y"]), int(found["m"]), int(found["d"]), text[found.end() :]
    for found in NAMED_MONTH.finditer(text):
        month = MONTHS.get(found["mon"][:3])
        if month is not None:
            return (int(found["y"]) if found["y"] else None), month, int(found["d"]), text[found.end() :]
    return None
