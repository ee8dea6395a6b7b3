"""An alert never disagrees with the screen: each field reads the view model its pane shows (or,
for a symbol no pane row shows, the figures its drill-down shows), on one round of the demo
market. And `a` on a row starts from that row's figures."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tui.alerts.drafts import draft_for_row, form_table, levels_around, row_subject
from tui.alerts.figures import symbol_figures
from tui.alerts.readings import NO_EXTENDED_HOURS, Reading, readings
from tui.analytics.ticker import build_ticker
from tui.config import AlertRule, Settings
from tui.models import Pane
from tui.presenters.correlations import CorrelationsView
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView, sv_percent
from tui.scheduler import Scheduler
from tui.snapshot import Snapshot, collect
from tui.sources.demo import DemoMarket


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    settings = Settings(source="demo")
    return asyncio.run(collect(Scheduler(settings, DemoMarket(monotonic=lambda: 0.0))))


def read(demo: Snapshot, spec: AlertRule) -> Reading:
    figures = symbol_figures(demo.data, [spec.symbol] if spec.symbol else [])
    (found,) = readings(spec, demo.views, figures)
    return found


def test_price_fields_read_the_indices_and_sector_rows(demo: Snapshot) -> None:
    indices = demo.views[Pane.INDICES]
    sectors = demo.views[Pane.SECTORS]
    assert isinstance(indices, IndicesView) and isinstance(sectors, SectorsView)
    spx = next(row for row in indices.rows if row.symbol == "^GSPC")
    assert read(demo, AlertRule("last", symbol="^GSPC", below=1)).value == spx.last
    assert read(demo, AlertRule("change_pct", symbol="^GSPC", below=1)).value == spx.change_pct
    mag7 = next(row for row in indices.rows if row.label == "Mag 7")
    basket = read(demo, AlertRule("last", basket="Mag 7", below=1))
    assert (basket.value, basket.subject, basket.label) == (mag7.last, "basket:Mag 7", "Mag 7")
    xlk = next(row for row in sectors.rows if row.symbol == "XLK")
    assert read(demo, AlertRule("change_pct", symbol="XLK", below=1)).value == xlk.change_pct
    assert read(demo, AlertRule("rel_vol", symbol="XLK", above=1)).value == xlk.rel_volume


def test_a_yield_has_no_percent_change_and_the_regular_session_no_extended_hours(
    demo: Snapshot,
) -> None:
    tnx = read(demo, AlertRule("change_pct", symbol="^TNX", below=1))
    assert (tnx.value, tnx.missing) == (None, "a yield moves in basis points: watch its last")
    ext = read(demo, AlertRule("ext_change_pct", symbol="MSFT", above=1))
    assert (ext.value, ext.missing) == (None, NO_EXTENDED_HOURS)


def test_the_extended_hours_change_reads_the_row_that_shows_it() -> None:
    settings = Settings(source="demo")
    post = DemoMarket(start_time=dt.time(17, 0), monotonic=lambda: 0.0)
    snapshot = asyncio.run(collect(Scheduler(settings, post)))
    shorts = snapshot.views[Pane.SHORTS]
    assert isinstance(shorts, ShortsView)
    row = next(row for row in shorts.rows if row.ext_change_pct is not None)
    ext = read(snapshot, AlertRule("ext_change_pct", symbol=row.symbol, above=1))
    assert ext.value == row.ext_change_pct


def test_short_fields_read_the_most_shorted_row_with_its_dates(demo: Snapshot) -> None:
    shorts = demo.views[Pane.SHORTS]
    assert isinstance(shorts, ShortsView)
    row = shorts.rows[0]
    expected = {
        "si_pct": row.short_pct,
        "si_change_pct": row.short_change_pct,
        "days_to_cover": row.days_to_cover,
        "sv_pct": sv_percent(row),
        "sv_z": row.sv_zscore,
    }
    for field, value in expected.items():
        found = read(demo, AlertRule(field, symbol=row.symbol, above=1))  # type: ignore[arg-type]
        assert found.value == value, field
    assert read(demo, AlertRule("si_pct", symbol=row.symbol, above=1)).lag_key == "2026-01-30"
    assert read(demo, AlertRule("sv_z", symbol=row.symbol, above=1)).lag_key == "2026-02-10"


def test_a_symbol_no_pane_row_shows_reads_its_drill_down(demo: Snapshot) -> None:
    ticker = build_ticker(demo.data, "MSFT", "1D", Settings(source="demo"))
    assert ticker.short is not None
    assert read(demo, AlertRule("last", symbol="MSFT", below=1)).value == ticker.last
    assert read(demo, AlertRule("change_pct", symbol="MSFT", below=1)).value == ticker.change_pct
    si = read(demo, AlertRule("si_change_pct", symbol="MSFT", above=1))
    assert si.value == ticker.short.short_change_pct
    assert si.value is not None and si.value > 10  # the story: short interest rising in MSFT


def test_correlations_read_the_member_and_basket_lines(demo: Snapshot) -> None:
    view = demo.views[Pane.CORRELATIONS]
    assert isinstance(view, CorrelationsView)
    mag7, software = view.baskets[0], view.baskets[1]
    msft_mag7 = next(line for line in mag7.members if line.label == "MSFT")
    msft_software = next(line for line in software.members if line.label == "MSFT")
    in_mag7 = read(demo, AlertRule("corr_to_peers", symbol="MSFT", basket="Mag 7", below=1))
    assert (in_mag7.value, in_mag7.subject) == (msft_mag7.now, "MSFT@Mag 7")
    assert in_mag7.value is not None and in_mag7.value < 0.1  # the story: MSFT at 0.05
    assert (
        read(
            demo, AlertRule("corr_to_peers", symbol="MSFT", basket="Large-cap software", below=1)
        ).value
        == msft_software.now
    )
    assert read(demo, AlertRule("basket_corr", basket="Mag 7", below=1)).value == mag7.average.now


def test_any_symbol_reads_every_row_that_shows_the_field(demo: Snapshot) -> None:
    shorts = demo.views[Pane.SHORTS]
    assert isinstance(shorts, ShortsView)
    every = readings(AlertRule("sv_z", symbol="*", above=3), demo.views, {})
    assert [found.symbol for found in every] == [row.symbol for row in shorts.rows]
    members = readings(AlertRule("corr_to_peers", symbol="*", below=0.1), demo.views, {})
    assert len(members) == 7 + 6 + 10
    only_mag7 = readings(
        AlertRule("corr_to_peers", symbol="*", basket="Mag 7", below=0.1), demo.views, {}
    )
    assert {found.basket for found in only_mag7} == {"Mag 7"}


# -- a new alert from a row ----------------------------------------------------------------------


def test_rows_name_their_subject() -> None:
    assert row_subject(Pane.INDICES, "^GSPC") == ("^GSPC", "")
    assert row_subject(Pane.INDICES, "basket:Mag 7") == ("", "Mag 7")
    assert row_subject(Pane.CORRELATIONS, "member:Mag 7:MSFT") == ("MSFT", "Mag 7")
    assert row_subject(Pane.CORRELATIONS, "member:A: B:MSFT") == ("MSFT", "A: B")


def test_a_member_row_starts_from_its_correlation_to_peers_five_percent_either_side(
    demo: Snapshot,
) -> None:
    figures = symbol_figures(demo.data, ["MSFT"])
    draft = draft_for_row(Pane.CORRELATIONS, "member:Mag 7:MSFT", demo.views, figures)
    assert draft is not None
    now = read(demo, AlertRule("corr_to_peers", symbol="MSFT", basket="Mag 7", below=1)).value
    assert draft.field == "corr_to_peers" and draft.value("corr_to_peers") == now
    assert (draft.below, draft.above) == levels_around(now)
    assert [name for name, _ in draft.choices][:3] == ["corr_to_peers", "last", "change_pct"]
    assert form_table(draft, "corr_to_peers", 0.1, None, " mine ") == {
        "field": "corr_to_peers",
        "symbol": "MSFT",
        "basket": "Mag 7",
        "below": 0.1,
        "note": "mine",
    }
    assert form_table(draft, "last", 380.0, None, "") == {
        "field": "last",
        "symbol": "MSFT",
        "below": 380.0,
    }


def test_a_basket_row_in_indices_starts_from_its_level(demo: Snapshot) -> None:
    draft = draft_for_row(Pane.INDICES, "basket:Mag 7", demo.views, {})
    assert draft is not None and draft.title == "Mag 7"
    assert draft.field == "last"
    assert {name for name, _ in draft.choices} == {"last", "change_pct", "basket_corr"}
    assert form_table(draft, "basket_corr", 0.2, None, "")["basket"] == "Mag 7"


def test_an_index_row_is_named_as_the_pane_names_it(demo: Snapshot) -> None:
    draft = draft_for_row(Pane.INDICES, "^GSPC", demo.views, {})
    assert draft is not None and draft.title == "^GSPC S&P 500"


def test_levels_around_a_value() -> None:
    assert levels_around(400.0) == (380.0, 420.0)
    assert levels_around(-2.0) == (-2.1, -1.9)
    assert levels_around(0.05) == (0.048, 0.053)
    assert levels_around(0.0) == (-0.01, 0.01)
    assert levels_around(None) == (None, None)
