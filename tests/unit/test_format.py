"""The plain-text formatting of figures (no Textual involved)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.presenters import format as fmt

MISSING_INPUTS = [None, math.nan, math.inf]


@pytest.mark.parametrize(
    "function",
    [
        fmt.number,
        fmt.price,
        fmt.signed,
        fmt.signed_percent,
        fmt.percent_change,
        fmt.percent,
        fmt.money_flow,
        fmt.share_count,
        fmt.ratio,
        fmt.zscore,
        fmt.correlation,
        fmt.days_to_cover,
        fmt.age,
    ],
)
@pytest.mark.parametrize("value", MISSING_INPUTS)
def test_missing_values_render_as_a_dash_never_zero(function: object, value: float | None) -> None:
    assert callable(function)
    assert function(value) == "—"


def test_missing_dates_and_bars_render_as_a_dash() -> None:
    now = dt.datetime(2026, 2, 5, 15, 0, tzinfo=dt.UTC)
    assert fmt.short_date(None) == "—"
    assert fmt.clock(None) == "—"
    assert fmt.as_of(None, now) == "—"
    assert fmt.signed_bar(None, 1.0, 3) == "—"


def test_price_has_thousands_separators_and_two_decimals() -> None:
    assert fmt.price(6012.345) == "6,012.35"
    assert fmt.price(0.5) == "0.50"


def test_yields_use_three_decimals() -> None:
    assert fmt.price(4.2154, decimals=3) == "4.215"


def test_number_never_shows_negative_zero() -> None:
    assert fmt.number(-0.001) == "0.00"
    assert fmt.number(-1234.5) == "−1,234.50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.25, "+1.25"), (-0.4, "−0.40"), (0.0, "0.00"), (-0.004, "0.00"), (1234.5, "+1,234.50")],
)
def test_signed_change_carries_an_explicit_sign(value: float, expected: str) -> None:
    assert fmt.signed(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.25, "▲ +1.25%"), (-0.4, "▼ −0.40%"), (0.0, "  0.00%"), (0.001, "  0.00%")],
)
def test_percent_change_has_arrow_and_sign(value: float, expected: str) -> None:
    assert fmt.percent_change(value) == expected


def test_signed_percent_and_plain_percent() -> None:
    assert fmt.signed_percent(4.06) == "+4.1%"
    assert fmt.signed_percent(-0.31) == "−0.3%"
    assert fmt.percent(12.34) == "12.3%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.2e9, "+$1.2B"),
        (-3.5e8, "−$350M"),
        (12_000, "+$12K"),
        (850, "+$850"),
        (-2.5e12, "−$2.5T"),
        (0.2, "$0"),
        (999.96e6, "+$1.0B"),
    ],
)
def test_money_flow_is_signed_and_compact(value: float, expected: str) -> None:
    assert fmt.money_flow(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.3e6, "12.3M"),
        (1.05e9, "1.05B"),
        (950e3, "950K"),
        (820, "820"),
        (999.96e6, "1.00B"),
        (1_234.5, "1.23K"),
    ],
)
def test_share_counts_keep_three_significant_digits(value: float, expected: str) -> None:
    assert fmt.share_count(value) == expected


def test_ratio_zscore_correlation_and_days_to_cover() -> None:
    assert fmt.ratio(1.84) == "1.8×"
    assert fmt.zscore(2.14) == "+2.1σ"
    assert fmt.zscore(-0.44) == "−0.4σ"
    assert fmt.correlation(0.5432) == "0.54"
    assert fmt.correlation(-0.03) == "−0.03"
    assert fmt.days_to_cover(2.06) == "2.1"


def test_dates_and_times_are_in_new_york() -> None:
    assert fmt.short_date(dt.date(2026, 1, 30)) == "Jan 30"
    assert fmt.short_date(dt.date(2026, 2, 4)) == "Feb 4"
    # 15:32 UTC is 10:32 in New York in winter.
    assert fmt.clock(dt.datetime(2026, 2, 5, 15, 32, tzinfo=dt.UTC)) == "10:32 ET"
    # A UTC datetime just after midnight is still the previous day in New York.
    assert fmt.short_date(dt.datetime(2026, 2, 5, 2, 0, tzinfo=dt.UTC)) == "Feb 4"


def test_as_of_shows_the_time_today_and_the_date_otherwise() -> None:
    now = dt.datetime(2026, 2, 5, 16, 0, tzinfo=dt.UTC)
    assert fmt.as_of(dt.datetime(2026, 2, 5, 15, 32, tzinfo=dt.UTC), now) == "10:32 ET"
    assert fmt.as_of(dt.datetime(2026, 2, 4, 20, 0, tzinfo=dt.UTC), now) == "Feb 4"
    assert fmt.as_of(dt.date(2026, 1, 30), now) == "Jan 30"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0s"), (12.7, "12s"), (59, "59s"), (180, "3m"), (7300, "2h"), (4 * 86400 + 5, "4d")],
)
def test_age_uses_the_largest_whole_unit(seconds: float, expected: str) -> None:
    assert fmt.age(seconds) == expected


def test_negative_age_from_clock_skew_shows_zero() -> None:
    assert fmt.age(-3) == "0s"


def test_sparkline_spans_the_blocks_from_min_to_max() -> None:
    assert fmt.sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"


def test_sparkline_resamples_long_series_to_the_width() -> None:
    line = fmt.sparkline([float(i) for i in range(100)], 10)
    assert len(line) == 10
    assert line[0] == "▁"
    assert line[-1] == "█"


def test_sparkline_keeps_short_series_unstretched() -> None:
    assert fmt.sparkline([1.0, 2.0], 10) == "▁█"


def test_a_stretched_sparkline_repeats_each_value_at_most_twice_to_fill_the_width() -> None:
    assert fmt.sparkline([1.0, 2.0, 3.0], 5, stretch=True) == "▁▁▅▅█"
    assert fmt.sparkline([1.0, 2.0, 3.0], 6, stretch=True) == "▁▁▅▅██"
    # The first few points of a session stay a short line, not wide blocks.
    assert fmt.sparkline([1.0, 2.0], 10, stretch=True) == "▁▁██"
    # A long series is averaged down as without stretching.
    values = [float(i) for i in range(100)]
    assert fmt.sparkline(values, 10, stretch=True) == fmt.sparkline(values, 10)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("SoundHound AI, Inc.", "SoundHound AI"),
        ("Opendoor Technologies Inc.", "Opendoor Technologies"),
        ("Rocket Lab Corporation", "Rocket Lab"),
        ("GameStop Corp.", "GameStop"),
        ("Carvana Co.", "Carvana"),
        ("Strategy Inc", "Strategy"),
        ("Reddit", None),  # nothing to leave out
        (" Inc.", None),  # not a name with a legal form
    ],
)
def test_a_company_name_reads_without_its_legal_form(name: str, short: str | None) -> None:
    assert fmt.company_short_name(name) == short


def test_sparkline_of_a_flat_series_is_mid_blocks() -> None:
    assert fmt.sparkline([3.0, 3.0, 3.0], 5) == "▄▄▄"


def test_sparkline_of_nothing_is_empty() -> None:
    assert fmt.sparkline([], 10) == ""
    assert fmt.sparkline([1.0, 2.0], 0) == ""
    assert fmt.sparkline([math.nan, math.nan], 5) == ""


def test_sparkline_shows_gaps_as_spaces() -> None:
    assert fmt.sparkline([math.nan, 0.0, 1.0], 3) == " ▁█"


def test_sparkline_with_a_fixed_scale_clips() -> None:
    assert fmt.sparkline([-0.5, 0.5, 2.0], 3, lower=0.0, upper=1.0) == "▁▅█"


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=False, width=32), max_size=300),
    st.integers(min_value=0, max_value=40),
)
def test_sparkline_is_never_wider_than_asked(values: list[float], width: int) -> None:
    line = fmt.sparkline(values, width)
    assert len(line) <= width
    assert set(line) <= set(fmt.SPARK_BLOCKS + " ")


def test_signed_bar_grows_left_for_outflows_and_right_for_inflows() -> None:
    assert fmt.signed_bar(-5.0, 10.0, 4) == "  ██│    "
    assert fmt.signed_bar(10.0, 10.0, 4) == "    │████"
    assert fmt.signed_bar(0.0, 10.0, 4) == "    │    "


def test_signed_bar_is_capped_at_its_half_width() -> None:
    assert fmt.signed_bar(50.0, 10.0, 3) == "   │███"
