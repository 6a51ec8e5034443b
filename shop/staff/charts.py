"""The revenue chart of the dashboard, drawn as SVG on the server: no JavaScript, nothing from a CDN.

The bars live in a WIDTH × HEIGHT box that the template stretches to the width of the screen
(preserveAspectRatio="none"); the labels are HTML placed beside it by percentage, so the text
keeps its size from a 390 px phone to a desktop instead of shrinking with the drawing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

WIDTH = 300
HEIGHT = 100
# Share of each day's slot the bar fills; the rest is the gap between bars.
BAR_SHARE = Decimal("0.7")
# A day with any sale stays visible next to a far bigger one.
MIN_BAR_HEIGHT = 1
# Tops of the scale (in tenths of a power of ten), so its labels read "Rp 1,5 jt", not "Rp 1.437.120".
NICE_TOPS = (10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
# Day labels under the chart: today and every seventh day before it, the same weekday each.
DAY_LABEL_EVERY = 7
SHORT_UNITS = ((10**12, "T"), (10**9, "M"), (10**6, "jt"), (10**3, "rb"))


def short_rupiah(amount):
    """An amount in a few characters, as Indonesians write it: Rp 950, Rp 12,5 rb, Rp 1,2 jt, Rp 3 M."""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    for size, unit in SHORT_UNITS:
        # From 999,95 rb up it is "1 jt": the smaller unit would round to "1000 rb".
        if abs(amount) / size >= Decimal("0.99995"):
            value = (abs(amount) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return f"{sign}Rp {value:f} {unit}".replace(".0 ", " ").replace(".", ",")
    return f"{sign}Rp {abs(amount):.0f}"


def nice_top(value):
    """The smallest round amount at or above `value`: the top line of the chart's scale."""
    magnitude = 10 ** max(len(str(int(value))) - 1, 1)
    return next(top * magnitude // 10 for top in NICE_TOPS if top * magnitude // 10 >= value)


@dataclass(frozen=True)
class Bar:
    day: date
    revenue: int
    orders: int
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    # The day's whole column, so hovering anywhere above a small bar still shows its figures.
    slot_x: Decimal
    slot_width: Decimal
    is_today: bool


@dataclass(frozen=True)
class Mark:
    """A label at `position` percent along an axis (from the bottom for amounts, from the left for days)."""

    position: Decimal
    label: str = ""
    day: date | None = None
    # The line of the scale, in the drawing's own units.
    y: Decimal | None = None
    # A label a narrow screen leaves out, so the others do not run into each other.
    minor: bool = False


@dataclass(frozen=True)
class RevenueChart:
    bars: tuple
    scale: tuple
    day_marks: tuple
    top: int
    width: int = WIDTH
    height: int = HEIGHT


def _units(value):
    return Decimal(value).quantize(Decimal("0.01"))


def revenue_chart(days):
    """Bars for `days` (DaySales, oldest first, today last), or None when none of them sold anything."""
    peak = max((day.revenue for day in days), default=0)
    if peak <= 0:
        return None
    top = nice_top(peak)
    slot = Decimal(WIDTH) / len(days)
    bar_width = slot * BAR_SHARE
    bars = []
    for index, day in enumerate(days):
        height = Decimal(day.revenue) * HEIGHT / top
        if day.revenue > 0:
            height = max(height, Decimal(MIN_BAR_HEIGHT))
        bars.append(
            Bar(
                day=day.day,
                revenue=day.revenue,
                orders=day.orders,
                x=_units(slot * index + (slot - bar_width) / 2),
                y=_units(HEIGHT - height),
                width=_units(bar_width),
                height=_units(height),
                slot_x=_units(slot * index),
                slot_width=_units(slot),
                is_today=index == len(days) - 1,
            )
        )
    scale = tuple(
        Mark(position=Decimal(share), label=short_rupiah(top * share / 100), y=_units(HEIGHT - HEIGHT * share / 100))
        for share in (100, 50)
    )
    last = len(days) - 1
    day_marks = tuple(
        Mark(
            position=_units((Decimal(index) + Decimal("0.5")) * 100 / len(days)),
            day=days[index].day,
            minor=(last - index) // DAY_LABEL_EVERY % 2 == 1,
        )
        for index in reversed(range(last, -1, -DAY_LABEL_EVERY))
    )
    return RevenueChart(bars=tuple(bars), scale=scale, day_marks=day_marks, top=top)
