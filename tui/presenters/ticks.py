"""How a pane's view reads once streamed prices moved: the light path of a tick. Plain Python, no
polars, no textual: a move rewrites the price figures of the rows that show its symbol (their
last price, their change today, the changes measured from it, or their extended-hours figure)
from what the row already holds, so no pane is rebuilt. The panes are rebuilt whole when the
moves are folded into the quotes (tui.stream): what depends on more than one price — a basket,
a flow — catches up then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from tui.presenters.extended import ext_change_pct
from tui.presenters.indices import IndexRow, IndicesView
from tui.presenters.shorts import ShortRow, ShortsView
from tui.presenters.ticker import TickerView
from tui.presenters.watchlist import WatchlistRows, WatchlistView, WatchRow


@dataclasses.dataclass(frozen=True, slots=True)
class PriceMove:
    """What the ticks of one symbol since the last flush changed.

    ``last`` is a new regular-session price (None when the ticks were pre- or post-market);
    ``ext_last`` a new extended-hours price in ``ext_session`` ("pre" or "post"). ``direction``
    is +1 when the price rose against the one shown before, -1 when it fell, 0 when it held.
    """

    symbol: str
    ts: dt.datetime
    source: str
    direction: int
    last: float | None = None
    ext_last: float | None = None
    ext_session: str | None = None


ViewT = TypeVar("ViewT")

BASIS_POINTS_PER_POINT = 100.0  # as tui.analytics.returns (not imported: it loads polars)


def _base(value: float | None, pct: float | None) -> float | None:
    """The price a percent change of ``value`` was measured from."""
    if value is None or pct is None or pct <= -100.0:
        return None
    return value / (1.0 + pct / 100.0)


def _pct(value: float, base: float | None) -> float | None:
    return None if base is None or base == 0 else (value / base - 1.0) * 100.0


def _points(value: float, base: float | None) -> float | None:
    return None if base is None else (value - base) * BASIS_POINTS_PER_POINT


def _ext(row: IndexRow | ShortRow, move: PriceMove) -> dict[str, object]:
    last = row.last
    return {
        "ext_change_pct": ext_change_pct(move.ext_last, last),
        "ext_session": move.ext_session,
    }


def moved_index_row(row: IndexRow, move: PriceMove) -> IndexRow | None:
    """An index or rate row after ``move`` (None: the move changes nothing it shows — a basket,
    a row without a price, a row whose price is at least as new)."""
    if row.kind == "basket" or row.problem is not None or row.last is None:
        return None
    if row.as_of is not None and move.ts <= row.as_of:
        return None  # the row already shows a price as new (a rebuilt view, a poll)
    if move.last is None:
        if move.ext_last is None:
            return None
        return dataclasses.replace(row, ext_last=move.ext_last, **_ext(row, move))  # type: ignore[arg-type]
    price, last = move.last, row.last
    previous = None if row.change is None else last - row.change
    cleared = {"ext_last": None, "ext_change_pct": None, "ext_session": None}
    if row.kind == "yield":
        five = (
            None if row.change_5d_bp is None else last - row.change_5d_bp / BASIS_POINTS_PER_POINT
        )
        year = None if row.ytd_bp is None else last - row.ytd_bp / BASIS_POINTS_PER_POINT
        return dataclasses.replace(
            row,
            last=price,
            change=None if previous is None else price - previous,
            change_bp=_points(price, previous),
            change_5d_bp=_points(price, five),
            ytd_bp=_points(price, year),
            as_of=move.ts,
            price_source=move.source,
            **cleared,  # type: ignore[arg-type]
        )
    return dataclasses.replace(
        row,
        last=price,
        change=None if previous is None else price - previous,
        change_pct=_pct(price, previous),
        change_5d_pct=_pct(price, _base(last, row.change_5d_pct)),
        ytd_pct=_pct(price, _base(last, row.ytd_pct)),
        as_of=move.ts,
        price_source=move.source,
        **cleared,  # type: ignore[arg-type]
    )


def moved_short_row(row: ShortRow, move: PriceMove) -> ShortRow | None:
    """A Most shorted row after ``move`` (None: nothing it shows changes)."""
    if row.problem is not None or row.last is None:
        return None
    if move.last is None:
        if move.ext_last is None:
            return None
        return dataclasses.replace(row, **_ext(row, move))  # type: ignore[arg-type]
    previous = _base(row.last, row.price_change_pct)
    return dataclasses.replace(
        row,
        last=move.last,
        price_change_pct=_pct(move.last, previous),
        price_source=move.source,
        ext_change_pct=None,
        ext_session=None,
    )


def moved_ticker(view: TickerView, move: PriceMove) -> TickerView | None:
    """The drill-down's key numbers after ``move`` (None: nothing changes — an older move, one
    for another symbol). Its charts are bars and move with its polls."""
    if move.symbol != view.symbol or (view.as_of is not None and move.ts <= view.as_of):
        return None
    if move.last is None:
        if move.ext_last is None:
            return None
        return dataclasses.replace(
            view,
            ext_last=move.ext_last,
            ext_change_pct=ext_change_pct(move.ext_last, view.last),
            ext_session=move.ext_session,
        )
    price, previous = move.last, view.prev_close
    change = None if previous is None else price - previous
    return dataclasses.replace(
        view,
        last=price,
        change=change,
        change_pct=_pct(price, previous),
        change_bp=None
        if change is None or view.kind != "yield"
        else change * BASIS_POINTS_PER_POINT,
        day_high=price if view.day_high is None else max(view.day_high, price),
        day_low=price if view.day_low is None else min(view.day_low, price),
        as_of=move.ts,
        ext_last=None,
        ext_change_pct=None,
        ext_session=None,
    )


def moved_watch_row(row: WatchRow, move: PriceMove) -> WatchRow | None:
    """A watchlist row after ``move`` (None: nothing it shows changes)."""
    if row.problem is not None or row.last is None:
        return None
    if row.as_of is not None and move.ts <= row.as_of:
        return None
    if move.last is None:
        if move.ext_last is None:
            return None
        return dataclasses.replace(row, extended_change_pct=ext_change_pct(move.ext_last, row.last))
    previous = None if row.change is None else row.last - row.change
    return dataclasses.replace(
        row,
        last=move.last,
        change=None if previous is None else move.last - previous,
        change_pct=_pct(move.last, previous),
        extended_change_pct=None,
        as_of=move.ts,
    )


RowT = TypeVar("RowT", IndexRow, ShortRow, WatchRow)


def _moved_rows(
    rows: Sequence[RowT],
    moves: Mapping[str, PriceMove],
    mover: Callable[[RowT, PriceMove], RowT | None],
) -> tuple[tuple[RowT, ...], dict[str, int]]:
    """``rows`` with each moved by its symbol's move, and the symbols moved with their
    direction."""
    changed: dict[str, int] = {}
    moved_rows = []
    for row in rows:
        move = moves.get(row.symbol)
        moved = mover(row, move) if move is not None else None
        if moved is not None and move is not None:
            changed[row.symbol] = move.direction
        moved_rows.append(moved or row)
    return tuple(moved_rows), changed


def _moved_indices(
    view: IndicesView, moves: Mapping[str, PriceMove]
) -> tuple[IndicesView, dict[str, int]]:
    rows, changed = _moved_rows(view.rows, moves, moved_index_row)
    if not changed:
        return view, changed
    newest = max((row.as_of for row in rows if row.as_of is not None), default=None)
    return dataclasses.replace(view, rows=rows, as_of=newest), changed


def _moved_shorts(
    view: ShortsView, moves: Mapping[str, PriceMove]
) -> tuple[ShortsView, dict[str, int]]:
    rows, changed = _moved_rows(view.rows, moves, moved_short_row)
    if not changed:
        return view, changed
    as_of = _as_of_after(view.as_of, moves, changed)
    return dataclasses.replace(view, rows=rows, as_of=as_of), changed


def _as_of_after(
    as_of: dt.datetime | None, moves: Mapping[str, PriceMove], changed: Mapping[str, int]
) -> dt.datetime:
    """A view's as-of once the ``changed`` symbols moved: their newest move, if newer."""
    newest = max(moves[symbol].ts for symbol in changed)
    return newest if as_of is None else max(as_of, newest)


def _moved_watchlist(
    view: WatchlistView, moves: Mapping[str, PriceMove]
) -> tuple[WatchlistView, dict[str, int]]:
    changed: dict[str, int] = {}
    lists = []
    for listed in view.lists:
        rows, moved = _moved_rows(listed.rows, moves, moved_watch_row)
        changed.update(moved)
        lists.append(WatchlistRows(listed.name, rows) if moved else listed)
    if not changed:
        return view, changed
    as_of = _as_of_after(view.as_of, moves, changed)
    return dataclasses.replace(view, lists=tuple(lists), as_of=as_of), changed


def moved_view(view: ViewT, moves: Mapping[str, PriceMove]) -> tuple[ViewT, dict[str, int]]:
    """``view`` with ``moves`` applied to the rows of their symbols, and the keys of the rows
    that changed with the direction of their move. A view no move reaches, or a pane without a
    light path (Sector flows, Correlations: rebuilt at the next fold), comes back as it was."""
    if isinstance(view, IndicesView):
        return _moved_indices(view, moves)  # type: ignore[return-value]
    if isinstance(view, ShortsView):
        return _moved_shorts(view, moves)  # type: ignore[return-value]
    if isinstance(view, WatchlistView):
        return _moved_watchlist(view, moves)  # type: ignore[return-value]
    return view, {}
