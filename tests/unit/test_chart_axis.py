"""The charts' y axes: round ticks exactly on rows, references labelled on their own rows."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.presenters import format as fmt
from tui.presenters.chart_axis import Axis, count_label, nice_axis, step_decimals


def label(value: float, decimals: int) -> str:
    return fmt.number(value, max(2, decimals))


def is_nice(step: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten."""
    exponent = math.floor(math.log10(step))
    mantissa = step / 10.0**exponent
    return any(math.isclose(mantissa, nice) for nice in (1.0, 2.0, 2.5, 5.0, 10.0))


def row_value(axis: Axis, row: int) -> float:
    return axis.low + row * axis.row_step


def check_axis(axis: Axis, low: float, high: float, references: tuple[float, ...] = ()) -> None:
    # Floating-point slack, drawn on the end row all the same: a part of a row, or a few units
    # in the last place of the values (a row of 0.00003 at 294,742 is less than one).
    slack = 1e-6 * axis.row_step + 1e-12 * max(abs(low), abs(high))
    assert axis.low <= low + slack and axis.high >= high - slack  # the data fits
    assert len(axis.ticks) == len(axis.labels) >= 2
    assert is_nice(axis.step)
    tolerance = 1e-9 * axis.row_step + 1e-12 * max(abs(low), abs(high))
    reference_rows = {axis.row_of(value) for value in references}
    for tick in axis.ticks:
        if tick in references:
            continue
        # A round tick: a multiple of the step, exactly on its row, away from the references.
        assert tick / axis.step == pytest.approx(round(tick / axis.step), abs=1e-6)
        assert row_value(axis, axis.row_of(tick)) == pytest.approx(tick, abs=tolerance)
        assert axis.row_of(tick) not in reference_rows
    rows = [axis.row_of(tick) for tick in axis.ticks]
    assert len(set(rows)) == len(rows)  # never two labels on one row
    assert rows == sorted(rows)


@pytest.mark.parametrize("rows", [3, 4, 6, 8, 12, 20, 36, 56])
def test_the_previous_close_is_labelled_on_its_own_row_among_round_ticks(rows: int) -> None:
    axis = nice_axis(411.39, 413.20, rows, label, references=[412.0])
    check_axis(axis, 411.39, 413.20, (412.0,))
    assert axis.label_at(axis.row_of(412.0)) == "412.00"
    if rows >= 5:  # room for a blank row between the previous close and a round label
        close_row = axis.row_of(412.0)
        assert axis.label_at(close_row - 1) is None and axis.label_at(close_row + 1) is None


@pytest.mark.parametrize("rows", [3, 4, 6, 8, 12, 20, 56])
def test_a_correlation_axis_spans_the_data_within_minus_one_to_one_with_zero_marked(
    rows: int,
) -> None:
    axis = nice_axis(-0.03, 0.59, rows, label, floor=-1.0, ceiling=1.0)
    check_axis(axis, -0.03, 0.59)
    assert axis.low >= -1.0 and axis.high <= 1.0
    assert axis.label_at(axis.row_of(0.0)) == "0.00"
    assert row_value(axis, axis.row_of(0.0)) == pytest.approx(0.0, abs=1e-12)
    if rows >= 6:  # with room for it, the data fills the chart: at most a third left empty
        assert (0.59 + 0.03) / (axis.high - axis.low) > 2 / 3


def test_a_correlation_near_one_does_not_pass_one() -> None:
    axis = nice_axis(0.8, 1.0, 6, label, floor=-1.0, ceiling=1.0)
    check_axis(axis, 0.8, 1.0)
    assert axis.high == pytest.approx(1.0)


@pytest.mark.parametrize("rows", [2, 4, 8])
def test_bars_start_at_zero_with_compact_round_counts(rows: int) -> None:
    axis = nice_axis(0.0, 2.84e6, rows, count_label, start_at_zero=True)
    check_axis(axis, 0.0, 2.84e6)
    assert axis.low == 0.0 and axis.labels[0] == "0"
    assert all(text.endswith(("K", "M")) for text in axis.labels[1:])


def test_count_labels_drop_trailing_zeros_but_keep_their_digits() -> None:
    assert [count_label(value, 0) for value in (0, 2.5e6, 3e6, 7.5e5, 100e3, 1.25e9)] == [
        "0",
        "2.5M",
        "3M",
        "750K",
        "100K",
        "1.25B",
    ]


def test_decimals_follow_the_step() -> None:
    assert [step_decimals(step) for step in (20.0, 0.5, 0.25, 0.025, 1e-4)] == [0, 1, 2, 3, 4]


def test_two_rows_cannot_straddle_zero_so_they_are_labelled_with_their_own_values() -> None:
    axis = nice_axis(-0.03, 0.67, 2, label, floor=-1.0, ceiling=1.0)
    assert axis.ticks == (axis.low, axis.high)
    assert axis.low <= -0.03 and axis.high >= 0.67


def test_a_flat_series_gets_a_band_to_sit_in() -> None:
    axis = nice_axis(50.0, 50.0, 8, label)
    check_axis(axis, 50.0, 50.0)
    assert axis.low < 50.0 < axis.high


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    span=st.floats(1e-3, 1e6),
    rows=st.integers(3, 60),
    reference=st.floats(0.0, 1.0),
)
def test_any_data_gets_round_ticks_on_exact_rows(
    low: float, span: float, rows: int, reference: float
) -> None:
    high = low + span
    previous_close = low + span * reference
    axis = nice_axis(low, high, rows, label, references=[previous_close])
    check_axis(axis, low, high, (previous_close,))
    assert axis.row_of(previous_close) in range(rows)
    text = axis.label_at(axis.row_of(previous_close))
    assert text is not None
    decimals = len(text.partition(".")[2])
    assert as_number(text) == pytest.approx(previous_close, abs=0.51 * 10.0**-decimals)


def as_number(text: str) -> float:
    return float(text.replace(",", "").replace(fmt.MINUS, "-"))
