"""Plain-text formatting of market figures, shared by the widgets and `tapewatch snapshot`.

Every function takes ``None`` for "not available" and renders it as ``MISSING`` ("—"), never as
zero. Negative numbers use the real minus sign (U+2212) throughout, so that signs line up with
"+" and cannot be mistaken for a dash. Signs and arrows carry direction on their own, so the
figures stay readable without colour (NO_COLOR, monochrome terminals, screen readers).

No textual import: this module must stay importable by the headless snapshot command.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from tui.clock import NEW_YORK

MISSING = "—"
MINUS = "−"
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
BAR_BLOCK = "█"
BAR_CENTRE = "│"


_UNITS: tuple[tuple[float, str], ...] = ((1.0, ""), (1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T"))


def _with_minus(text: str) -> str:
    return text.replace("-", MINUS)


def _sign(rounded: float) -> str:
    """The explicit sign of a value already rounded for display ("" when it shows as zero)."""
    if rounded > 0:
        return "+"
    if rounded < 0:
        return MINUS
    return ""


def _arrow(value: float, decimals: int) -> str:
    """The arrow of a change as shown with ``decimals``: "▲ ", "▼ ", or two spaces at zero."""
    rounded = round(value, decimals)
    return "▲ " if rounded > 0 else "▼ " if rounded < 0 else "  "


def number(value: float | None, decimals: int = 2) -> str:
    """A plain number with thousands separators: "1,234.57", "−0.40"."""
    if value is None or not math.isfinite(value):
        return MISSING
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "−0.00"
    return _with_minus(f"{rounded:,.{decimals}f}")


def price(value: float | None, decimals: int = 2) -> str:
    """A price or level: "6,012.35"; yields use ``decimals=3``: "4.215"."""
    return number(value, decimals)


def signed(value: float | None, decimals: int = 2) -> str:
    """A change with an explicit sign: "+1.25", "−0.40", and "0.00" when it rounds to zero."""
    if value is None or not math.isfinite(value):
        return MISSING
    rounded = round(value, decimals)
    return f"{_sign(rounded)}{abs(rounded):,.{decimals}f}"


def signed_percent(value: float | None, decimals: int = 1) -> str:
    """A percentage with an explicit sign and no arrow: "+4.1%", "−0.3%", "0.0%"."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{signed(value, decimals)}%"


def percent_change(value: float | None, decimals: int = 2) -> str:
    """A percent change with arrow and sign: "▲ +1.25%", "▼ −0.40%", and "  0.00%" (aligned)."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{_arrow(value, decimals)}{signed(value, decimals)}%"


def basis_points(value: float | None, decimals: int = 1) -> str:
    """A move in basis points with an explicit sign: "+3.5 bp", "−1.1 bp", "0.0 bp"."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{signed(value, decimals)} bp"


def basis_points_change(value: float | None, decimals: int = 1) -> str:
    """A change in basis points with arrow and sign, as `percent_change` shows percents:
    "▲ +3.5 bp", "▼ −1.1 bp", "  0.0 bp"."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{_arrow(value, decimals)}{basis_points(value, decimals)}"


def percent(value: float | None, decimals: int = 1) -> str:
    """An unsigned share or level in percent: "12.3%" (values are already in percent)."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{number(value, decimals)}%"


def _compact(magnitude: float, significant: int) -> str:
    """A non-negative magnitude with a K/M/B/T suffix, ``significant`` digits where the unit
    allows: ``_compact(1.2e9, 2) == "1.2B"``, ``_compact(3.5e8, 2) == "350M"``."""
    index = 0
    for candidate, (scale, _) in enumerate(_UNITS):
        if magnitude >= scale:
            index = candidate
    while True:
        scale, suffix = _UNITS[index]
        mantissa = magnitude / scale
        integer_digits = len(str(int(mantissa))) if mantissa >= 1 else 1
        decimals = max(0, significant - integer_digits) if suffix else 0
        text = f"{mantissa:.{decimals}f}"
        if float(text) < 1000 or index + 1 == len(_UNITS):
            return f"{text}{suffix}"
        # Rounding carried into the next unit: 999.96M is 1.00B, not 1000M.
        index += 1


def money_flow(value: float | None) -> str:
    """A signed dollar amount, compact: "+$1.2B", "−$350M", "+$12K", "$0"."""
    if value is None or not math.isfinite(value):
        return MISSING
    body = _compact(abs(value), 2)
    if body == "0":
        return "$0"
    return f"{'+' if value > 0 else MINUS}${body}"


def share_count(value: float | None) -> str:
    """A share count with three significant digits: "12.3M", "1.05B", "950K", "820"."""
    if value is None or not math.isfinite(value):
        return MISSING
    body = _compact(abs(value), 3)
    return f"{MINUS}{body}" if value < 0 and body != "0" else body


def ratio(value: float | None, decimals: int = 1) -> str:
    """A multiple, such as relative volume: "1.8×"."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{number(value, decimals)}×"


def zscore(value: float | None) -> str:
    """A z-score with sign: "+2.1σ", "−0.4σ", "0.0σ"."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{signed(value, 1)}σ"


def correlation(value: float | None) -> str:
    """A correlation coefficient, sign only when negative: "0.54", "−0.03"."""
    return number(value, 2)


def days_to_cover(value: float | None) -> str:
    """Days to cover, one decimal: "2.1"."""
    return number(value, 1)


def short_date(value: dt.date | None) -> str:
    """A date as the panes show it: "Jan 30", "Feb 4"."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.astimezone(NEW_YORK).date()
    return f"{value:%b} {value.day}"


def clock(value: dt.datetime | None) -> str:
    """A time of day in New York: "10:32 ET" (naive datetimes are taken as UTC)."""
    if value is None:
        return MISSING
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return f"{value.astimezone(NEW_YORK):%H:%M} ET"


def as_of(value: dt.datetime | dt.date | None, now: dt.datetime) -> str:
    """When a figure dates from: the time ("10:32 ET") if it is from today in New York, else the
    date ("Jan 30")."""
    if value is None:
        return MISSING
    if not isinstance(value, dt.datetime):
        return short_date(value)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if aware.astimezone(NEW_YORK).date() == now.astimezone(NEW_YORK).date():
        return clock(aware)
    return short_date(aware)


def age(seconds: float | None) -> str:
    """An age in the largest whole unit: "12s", "3m", "2h", "4d"."""
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m"
    if whole < 86400:
        return f"{whole // 3600}h"
    return f"{whole // 86400}d"


# Legal-form endings a company's name reads without where a column is narrow.
_COMPANY_ENDINGS = (
    ", Inc.",
    " Inc.",
    " Inc",
    " Incorporated",
    " Corporation",
    " Corp.",
    " Corp",
    " Company",
    " Co.",
    ", Ltd.",
    " Ltd.",
    " Limited",
    " plc",
    " PLC",
    " N.V.",
    " S.A.",
    " AG",
    " SE",
)


def company_short_name(name: str) -> str | None:
    """A company's name without its legal form ("SoundHound AI" for "SoundHound AI, Inc."),
    None when there is nothing to leave out."""
    for ending in _COMPANY_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            return name.removesuffix(ending).rstrip(" ,&")
    return None


# A stretched sparkline repeats each value at most this many times: a series that fills half its
# column fills all of it, but the first few points of a session do not turn into wide blocks.
MAX_STRETCH = 2


def _resample(values: Sequence[float], width: int, *, stretch: bool = False) -> list[float]:
    """At most ``width`` values: the mean of each of ``width`` equal slices (NaN where a slice
    holds no finite value); series no longer than ``width`` are returned as they are, or, when
    ``stretch``, with each value repeated (at most ``MAX_STRETCH`` times) towards ``width``."""
    if len(values) < width and stretch:
        length = min(width, MAX_STRETCH * len(values))
        return [values[index * len(values) // length] for index in range(length)]
    if len(values) <= width:
        return list(values)
    buckets: list[float] = []
    for index in range(width):
        start = index * len(values) // width
        stop = (index + 1) * len(values) // width
        finite = [v for v in values[start:stop] if math.isfinite(v)]
        buckets.append(sum(finite) / len(finite) if finite else math.nan)
    return buckets


def sparkline(
    values: Sequence[float],
    width: int,
    *,
    lower: float | None = None,
    upper: float | None = None,
    stretch: bool = False,
) -> str:
    """A sparkline of at most ``width`` characters with ▁▂▃▄▅▆▇█.

    Longer series are averaged down to ``width`` points; shorter ones keep one character per value
    rather than inventing points, unless ``stretch``: then each value is repeated (never
    interpolated, at most twice) so that the line fills more of ``width`` (a column that grows
    with the pane). The
    scale runs from the series' minimum to its maximum unless ``lower``/``upper`` fix it (values
    outside are clipped), so that several sparklines can share one scale. A flat series draws
    mid-height blocks; a non-finite value draws a space; an empty series (or width < 1) gives
    "".
    """
    if width < 1 or not values:
        return ""
    points = _resample(values, width, stretch=stretch)
    finite = [v for v in points if math.isfinite(v)]
    if not finite:
        return ""
    low = min(finite) if lower is None else lower
    high = max(finite) if upper is None else upper
    top = len(SPARK_BLOCKS) - 1
    chars: list[str] = []
    for value in points:
        if not math.isfinite(value):
            chars.append(" ")
        elif high <= low:
            chars.append(SPARK_BLOCKS[top // 2])
        else:
            fraction = (min(max(value, low), high) - low) / (high - low)
            chars.append(SPARK_BLOCKS[round(fraction * top)])
    return "".join(chars)


RANGE_TRACK = "─"
RANGE_MARK = "●"


def range_position(fraction: float | None, width: int = 5) -> str:
    """Where a price sits in its range, as a track of ``width`` characters with a dot (low at
    the left, high at the right) and the percentage: "─●─── 31%"; "—" when unknown."""
    if fraction is None or not math.isfinite(fraction) or width < 1:
        return MISSING
    clipped = min(max(fraction, 0.0), 1.0)
    spot = round(clipped * (width - 1))
    track = RANGE_TRACK * spot + RANGE_MARK + RANGE_TRACK * (width - 1 - spot)
    return f"{track} {round(clipped * 100):>3}%"


def signed_bar(value: float | None, scale: float, half_width: int) -> str:
    """A bar of ``2 * half_width + 1`` characters around a centre line: negative values grow to
    the left of "│", positive ones to the right, ``abs(value) / scale`` of ``half_width`` long.

    The side of the line carries the sign, so the bar reads without colour. ``None`` gives "—".
    """
    if value is None or not math.isfinite(value):
        return MISSING
    length = 0
    if scale > 0:
        length = min(half_width, round(abs(value) / scale * half_width))
    left = BAR_BLOCK * length if value < 0 else ""
    right = BAR_BLOCK * length if value > 0 else ""
    return f"{left:>{half_width}}{BAR_CENTRE}{right:<{half_width}}"
