"""The status bar: source, session and clock, dataset ages, source health; compact when narrow."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest
from textual.app import App, ComposeResult

from tui.health import SEVERITY, is_problem
from tui.models import DatasetFreshness, SourceHealth, StatusView
from tui.presenters.status import (
    freshness_text,
    head_text,
    health_text,
    note_text,
    worst_problem,
)
from widgets.status import StatusBar

NOW = dt.datetime(2026, 2, 5, 15, 32, tzinfo=dt.UTC)  # 10:32 in New York
WALL = NOW + dt.timedelta(hours=3)

VIEW = StatusView(
    source_label="DEMO",
    is_demo=True,
    session="regular",
    # The demo market runs its own clock; countdowns are measured on the wall clock.
    market_time=NOW,
    wall_time=WALL,
    datasets=(
        DatasetFreshness("quotes", 12.4, stale=False),
        DatasetFreshness("bars", 180, stale=False),
        DatasetFreshness("short interest", 4 * 86400, stale=True),
    ),
    health=(
        SourceHealth("yahoo", "retrying", until=WALL + dt.timedelta(seconds=12)),
        SourceHealth("finra", "offline"),
    ),
    note="live sources unreachable: showing cached data",
)

HEALTHY = dataclasses.replace(
    VIEW,
    datasets=(DatasetFreshness("quotes", 3, stale=False),),
    health=(SourceHealth("demo", "ok"),),
    note=None,
)


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


def rendered(bar: StatusBar) -> str:
    return bar.render().plain


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (SourceHealth("yahoo", "ok"), "yahoo ok"),
        (
            SourceHealth("yahoo", "retrying", until=WALL + dt.timedelta(seconds=12)),
            "yahoo retrying in 12s",
        ),
        (SourceHealth("yahoo", "retrying"), "yahoo retrying"),
        (
            SourceHealth("yahoo", "rate_limited", until=NOW + dt.timedelta(minutes=13)),
            "yahoo rate-limited until 10:45",
        ),
        (SourceHealth("finra", "offline"), "finra offline"),
        (SourceHealth("sec", "unavailable"), "sec unavailable"),
        (SourceHealth("sec", "not_configured"), "sec not configured"),
        (SourceHealth("yahoo", "slow", detail="3 requests overdue"), "yahoo ⚠ slow"),
    ],
)
def test_health_is_spelled_out(health: SourceHealth, expected: str) -> None:
    assert health_text(health, WALL) == expected


def test_freshness_marks_stale_datasets() -> None:
    assert freshness_text(DatasetFreshness("quotes", 12, stale=False)) == "quotes 12s"
    assert freshness_text(DatasetFreshness("short interest", 4 * 86400, True)) == (
        "short interest 4d ⚠"
    )
    assert freshness_text(DatasetFreshness("bars", None, stale=True)) == "bars — ⚠"


def test_a_dataset_not_served_or_not_set_up_says_so_instead_of_an_age() -> None:
    not_set_up = SourceHealth("files", "not_configured", detail="no short-interest folder")
    assert freshness_text(DatasetFreshness("SI", None, False, not_set_up)) == "SI not configured"
    not_served = SourceHealth("files", "unavailable")
    assert freshness_text(DatasetFreshness("SV", None, False, not_served)) == "SV unavailable"
    failing = SourceHealth("yahoo", "offline")
    assert freshness_text(DatasetFreshness("quotes", None, False, failing)) == "quotes —"
    unknown_age = DatasetFreshness("quotes", None, True, SourceHealth("yahoo", "ok"))
    assert freshness_text(unknown_age) == "quotes — ⚠"


def test_data_that_ends_before_today_says_as_of_when_and_marks_it_stale() -> None:
    files = dataclasses.replace(
        HEALTHY,
        source_label="FILES",
        is_demo=False,
        data_through=dt.date(2026, 1, 30),
        sessions_behind=8,
    )
    assert head_text(files) == "as of Fri Jan 30 close ⚠ 8 sessions old"
    assert worst_problem(files) == "stale"
    current = dataclasses.replace(files, sessions_behind=0)
    assert head_text(current) == "as of Fri Jan 30 close"
    assert worst_problem(current) is None
    assert head_text(HEALTHY) == "REGULAR 10:32 ET"
    assert head_text(files, compact=True) == "as of Jan 30"


async def test_data_behind_the_calendar_fits_40_columns() -> None:
    files = dataclasses.replace(
        HEALTHY,
        source_label="FILES",
        is_demo=False,
        health=(SourceHealth("files", "ok"),),
        data_through=dt.date(2026, 1, 30),
        sessions_behind=212,
    )
    app = StatusApp()
    async with app.run_test(size=(40, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(files)
        await pilot.pause()
        assert rendered(bar) == " FILES  as of Jan 30  ⚠ stale"


def test_the_demo_key_is_offered_off_the_demo_only() -> None:
    live = dataclasses.replace(HEALTHY, is_demo=False, unreachable="empty")
    assert note_text(live) == "sources unreachable: no data yet · d: demo market"
    cached = dataclasses.replace(live, unreachable="cached")
    assert note_text(cached) == "sources unreachable: showing cached data · d: demo market"
    assert note_text(dataclasses.replace(live, note="switching")) == "switching"
    assert note_text(HEALTHY) is None


def test_worst_problem_ranks_offline_above_stale() -> None:
    assert worst_problem(VIEW) == "offline"
    stale_only = dataclasses.replace(VIEW, health=(SourceHealth("yahoo", "ok"),))
    assert worst_problem(stale_only) == "stale"
    assert worst_problem(HEALTHY) is None


def test_worst_problem_ranks_by_the_one_severity_order_of_source_health() -> None:
    """The compact indicator and each source's health (tui.health) agree on which state is
    worse: offline over rate-limited over retrying over stale over bad rows over slow."""
    problems = [state for state in SEVERITY if is_problem(state)]
    for better, worse in itertools.pairwise(reversed(problems)):
        pair = {better, worse}
        health = [
            SourceHealth(f"source {state}", state)  # type: ignore[arg-type]
            for state in pair - {"stale", "bad_rows"}
        ]
        if "bad_rows" in pair:  # rows a source sent that could not be right, left out
            health.append(SourceHealth("source with bad rows", "ok", bad_rows=3))
        view = dataclasses.replace(
            VIEW,
            datasets=(DatasetFreshness("quotes", 99.0, "stale" in pair),),
            health=tuple(health),
        )
        expected = "bad rows" if worse == "bad_rows" else worse.replace("_", "-")
        assert worst_problem(view) == expected, (better, worse)


async def test_the_compact_bar_warns_of_bad_rows_left_out() -> None:
    view = dataclasses.replace(HEALTHY, health=(SourceHealth("yahoo", "ok", bad_rows=12),))
    app = StatusApp()
    async with app.run_test(size=(40, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(view)
        await pilot.pause()
        assert "⚠ bad rows" in rendered(bar) and "✓" not in rendered(bar)


async def test_full_status_line_when_wide() -> None:
    app = StatusApp()
    async with app.run_test(size=(200, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(VIEW)
        await pilot.pause()
        text = rendered(bar)
        assert text.startswith(" DEMO  REGULAR 10:32 ET")
        for part in (
            "quotes 12s",
            "bars 3m",
            "short interest 4d ⚠",
            "yahoo retrying in 12s",
            "finra offline",
            "live sources unreachable",
        ):
            assert part in text


async def test_demo_label_is_in_reverse_video() -> None:
    app = StatusApp()
    async with app.run_test(size=(200, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(VIEW)
        await pilot.pause()
        line = bar.render()
        demo_styles = [
            span.style for span in line.spans if line.plain[span.start : span.end] == " DEMO "
        ]
        assert demo_styles
        assert all(getattr(style, "reverse", False) for style in demo_styles)


async def test_a_live_source_label_is_not_reversed() -> None:
    app = StatusApp()
    async with app.run_test(size=(200, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(dataclasses.replace(VIEW, source_label="LIVE", is_demo=False))
        await pilot.pause()
        line = bar.render()
        assert line.plain.startswith(" LIVE ")
        assert not any(getattr(span.style, "reverse", False) for span in line.spans)


async def test_compact_status_at_40_columns() -> None:
    app = StatusApp()
    async with app.run_test(size=(40, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(VIEW)
        await pilot.pause()
        text = rendered(bar)
        assert text == " DEMO  REGULAR 10:32 ET  ⚠ offline"
        assert len(text) <= 40
        bar.show(HEALTHY)
        await pilot.pause()
        # Short enough without the ages: the source's own health, not just a mark.
        assert rendered(bar) == " DEMO  REGULAR 10:32 ET │ demo ok"


async def test_the_stream_is_told_in_full_and_in_one_word_at_40_columns() -> None:
    from tui.models import StreamView

    live = dataclasses.replace(
        HEALTHY, source_label="LIVE", is_demo=False, stream=StreamView("yahoo", True, True, 12.0)
    )
    polling = dataclasses.replace(live, stream=StreamView("yahoo", True, False))
    closed = dataclasses.replace(live, stream=StreamView("yahoo", False, False))
    app = StatusApp()
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.query_one(StatusBar)
        for view, words in ((live, "stream live 12/s"), (polling, "yahoo stream ⚠ polling")):
            bar.show(view)
            await pilot.pause()
            assert rendered(bar).endswith(f"│ {words}")
        bar.show(closed)
        await pilot.pause()
        assert "stream" not in rendered(bar)
    app = StatusApp()
    async with app.run_test(size=(40, 5)) as pilot:
        bar = app.query_one(StatusBar)
        wide_health = (SourceHealth("yahoo", "ok"), SourceHealth("finra", "ok"))
        for view, word in ((live, "✓ live"), (polling, "⚠ polling"), (closed, "✓ ok")):
            bar.show(dataclasses.replace(view, health=wide_health * 3, datasets=VIEW.datasets[:2]))
            await pilot.pause()
            assert rendered(bar).endswith(word), rendered(bar)


async def test_the_note_survives_when_the_full_line_does_not_fit() -> None:
    """Offline with every source failing, the line is too long for 120 columns: the ages go
    first, then the per-source detail; what to do (the note) stays."""
    failing = dataclasses.replace(
        VIEW,
        health=(
            SourceHealth("yahoo", "retrying", until=WALL + dt.timedelta(seconds=12)),
            SourceHealth("finra", "offline"),
            SourceHealth("sec", "unavailable"),
        ),
        note="sources unreachable: no data yet · d: demo market",
    )
    app = StatusApp()
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(failing)
        await pilot.pause()
        text = rendered(bar)
        assert "d: demo market" in text and len(text) <= 120
        assert "quotes 12s" not in text


async def test_the_form_follows_the_width() -> None:
    app = StatusApp()
    async with app.run_test(size=(40, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(VIEW)
        await pilot.pause()
        assert "quotes" not in rendered(bar)
        await pilot.resize_terminal(200, 5)
        await pilot.pause()
        assert "quotes 12s" in rendered(bar)


async def test_an_unchanged_view_costs_no_repaint() -> None:
    app = StatusApp()
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(VIEW)
        await pilot.pause()
        renders: list[int] = []
        original = bar.render

        def counting_render() -> object:
            renders.append(1)
            return original()

        bar.render = counting_render  # type: ignore[method-assign, assignment]
        bar.show(dataclasses.replace(VIEW))
        await pilot.pause()
        assert renders == []
        bar.show(dataclasses.replace(VIEW, session="post"))
        await pilot.pause()
        assert renders
        assert "POST 10:32 ET" in original().plain


async def test_a_view_whose_clocks_moved_but_whose_text_did_not_is_not_repainted() -> None:
    app = StatusApp()
    async with app.run_test(size=(40, 5)) as pilot:  # compact: no ages on the line
        bar = app.query_one(StatusBar)
        bar.show(HEALTHY)
        await pilot.pause()
        refreshes: list[int] = []
        original = bar.refresh

        def counting_refresh(*args: object, **kwargs: object) -> object:
            refreshes.append(1)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        bar.refresh = counting_refresh  # type: ignore[method-assign, assignment]
        a_second_later = dataclasses.replace(
            HEALTHY,
            market_time=HEALTHY.market_time + dt.timedelta(seconds=1),
            wall_time=HEALTHY.wall_time + dt.timedelta(seconds=1),
        )
        bar.show(a_second_later)
        assert refreshes == []
        a_minute_later = dataclasses.replace(
            HEALTHY, market_time=HEALTHY.market_time + dt.timedelta(minutes=1)
        )
        bar.show(a_minute_later)
        assert refreshes


async def test_the_bar_says_when_the_request_budget_holds_requests_back() -> None:
    app = StatusApp()
    waiting = dataclasses.replace(HEALTHY, budget_waiting=(("yahoo", 3),))
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(HEALTHY)
        await pilot.pause()
        assert "budget" not in rendered(bar)
        bar.show(waiting)
        await pilot.pause()
        assert "demo ok · ⏳ yahoo budget: 3 requests waiting" in rendered(bar)
        await pilot.resize_terminal(40, 5)
        await pilot.pause()
        assert rendered(bar) == " DEMO  REGULAR 10:32 ET  ✓ ok ⏳3"


async def test_the_stream_and_the_budget_are_both_told_at_80_and_120_columns() -> None:
    from tui.models import StreamView

    sources = tuple(SourceHealth(name, "ok") for name in ("yahoo", "finra", "sec", "ssga"))
    live = dataclasses.replace(
        HEALTHY,
        source_label="LIVE",
        is_demo=False,
        health=sources,
        budget_waiting=(("yahoo", 3),),
        stream=StreamView("yahoo", True, True, 12.0),
    )
    polling = dataclasses.replace(live, stream=StreamView("yahoo", True, False))
    app = StatusApp()
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(live)
        await pilot.pause()
        # The whole budget text does not fit beside four sources and the stream: in short.
        assert rendered(bar).endswith(
            "│ yahoo ok · finra ok · sec ok · ssga ok · yahoo ⏳3 │ stream live 12/s"
        )
        await pilot.resize_terminal(80, 5)
        for view, words in ((live, "✓ live ⏳3"), (polling, "⚠ polling ⏳3")):
            bar.show(view)
            await pilot.pause()
            assert rendered(bar).endswith(words) and len(rendered(bar)) <= 80, rendered(bar)


async def test_where_every_age_does_not_fit_the_quotes_and_the_stale_ones_are_kept() -> None:
    names = ("quotes", "intraday", "daily", "SI", "SV", "shares", "members", "NAV", "holdings")
    view = dataclasses.replace(
        HEALTHY,
        datasets=tuple(
            DatasetFreshness(name, 4 * 86400 if name == "SI" else 600, stale=name == "SI")
            for name in names
        ),
        health=(
            SourceHealth("yahoo", "ok"),
            SourceHealth("finra", "ok"),
            SourceHealth("sec", "ok"),
            SourceHealth("ssga", "ok"),
        ),
    )
    app = StatusApp()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(view)
        await pilot.pause()
        text = rendered(bar)
        assert bar.full_text(view).cell_len > 120  # every age: too long for 120 columns
        assert "quotes 10m" in text and "SI 4d ⚠" in text  # the quotes' age, and the stale one
        assert "intraday" not in text and "holdings" not in text
        assert "yahoo ok" in text and "ssga ok" in text
