"""The Correlations pane: rolling correlations of daily log returns (a member's correlation to
its peers, a basket's average, the pairwise matrix at one window end) and the view builder that
lines them up per basket.

What is correlated, and how missing data is treated:

- Returns come from completed sessions only: ln(close / previous close), with missing and
  non-positive closes dropped first, so the return after a missing day spans both days. Nothing
  is filled in.
- A basket's sessions are the dates on which more than half of the members trading at the time
  (on or after their first return and on or before their last) have a return. A return dated on
  any other day (a stray bar; a coin's weekend among stocks) is not used. For two members these
  are the days both have a return.
- A window is the basket's last ``window`` sessions. A member takes part in a window if it has a
  return on every one of its sessions and those returns vary (a standard deviation of at least
  ``FLAT_STD``; a flat window has no correlation, not 0). A day a member lacks therefore leaves it
  out of every window that holds that day, for its own line and for its peers'.
- A member's correlation to its peers is the mean of its Pearson correlations with each other
  member taking part in the window; the basket's average is the mean over every pair of them.
  Since all members taking part have the same peers (each other), the average is exactly the mean
  of their to-peers values. Both need two members taking part.

Nothing is computed pair by pair over time (that grows with the square of the members). With
each window's returns standardised, z = (r - window mean) / window std, the correlation of i and j
is sum_t z_i,t z_j,t / (w - 1), so the sum over i's peers is sum_t z_i,t (S_t - z_i,t) / (w - 1)
with S_t = sum_j z_j,t: a member's series and the basket's summed series are enough. Centring in
each window (not running sums) keeps flat and near-flat windows exact. This is dense arithmetic
over sessions x window x members, which numpy does on a sliding view without copying the returns
and polars could only do by materialising that many rows; numpy is imported on first use, in the
analytics thread, so neither the first frame nor the first panes wait for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import polars as pl

from tui.analytics.frame_rows import unique
from tui.analytics.market import MarketData
from tui.analytics.sessions import bar_date, last_completed_session
from tui.config import Settings
from tui.models import NO_DATA
from tui.presenters.correlations import BasketCorrelations, CorrelationLine, CorrelationsView

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Flags = npt.NDArray[np.bool_]

# A window whose returns have a smaller standard deviation is flat: a constant price, or float
# noise around one (about 1e-16). One cent on the dearest listed share (~$750,000) is a return of
# about 1.3e-8, so no real move is this small.
FLAT_STD = 1e-10

# Windows are standardised a few at a time, about this many float64 values (2 MiB) at once: the
# memory stays flat, and a chunk this size stays in the processor's cache.
CHUNK_VALUES = 1 << 18


def daily_log_returns(
    daily: pl.DataFrame, symbols: Collection[str], through: dt.date
) -> pl.DataFrame:
    """Daily log returns ln(close / previous close) of the sessions up to ``through``.

    Returns (symbol, date, log_return) sorted by symbol and date; non-positive and null closes
    are dropped first, so a return after a missing day spans both days."""
    cutoff = dt.datetime.combine(through, dt.time(), tzinfo=dt.UTC)
    # Sorting the enum's integer codes is about twice as fast as sorting the strings.
    names = pl.Enum(sorted(set(symbols)))
    return (
        daily.lazy()
        .filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") <= cutoff,
            pl.col("close").is_finite() & (pl.col("close") > 0),
        )
        .select(pl.col("symbol").cast(names), bar_date(), "close")
        .sort("symbol", "date")
        .select(
            pl.col("symbol").cast(pl.String()),
            "date",
            log_return=(pl.col("close") / pl.col("close").shift(1).over("symbol")).log(),
        )
        .drop_nulls("log_return")
        .collect()
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _BasketReturns:
    """A basket's returns on its sessions: one row per session, one column per member with data."""

    symbols: tuple[str, ...]  # in basket order
    dates: tuple[dt.date, ...]  # oldest first
    returns: Floats  # sessions x symbols, NaN where a member has no return


def _basket_returns(returns: pl.DataFrame, members: Sequence[str]) -> _BasketReturns:
    """The members' returns as a matrix, on the basket's sessions (see the module's notes)."""
    import numpy as np

    names = list(dict.fromkeys(members))
    cells = returns.filter(pl.col("symbol").is_in(names)).select(
        column=pl.col("symbol").cast(pl.Enum(names)).to_physical(),
        day=pl.col("date").cast(pl.Int32()),
        value="log_return",
    )
    if cells.is_empty():
        return _BasketReturns(symbols=(), dates=(), returns=np.empty((0, 0)))
    columns = cells.get_column("column").to_numpy()
    with_data = np.flatnonzero(np.bincount(columns, minlength=len(names)))
    column_of = np.zeros(len(names), np.int64)
    column_of[with_data] = np.arange(len(with_data))
    days = cells.get_column("day").to_numpy()
    first_day = int(days.min())
    present = np.zeros(int(days.max()) - first_day + 1, bool)
    present[days - first_day] = True
    calendar = np.flatnonzero(present)  # days since the first, of the dates with any return
    row_of = np.cumsum(present) - 1

    matrix = np.full((len(calendar), len(with_data)), np.nan)
    matrix[row_of[days - first_day], column_of[columns]] = cells.get_column("value").to_numpy()
    has_return = ~np.isnan(matrix)
    first = has_return.argmax(axis=0)
    last = len(calendar) - 1 - has_return[::-1].argmax(axis=0)
    index = np.arange(len(calendar))[:, None]
    trading = ((index >= first) & (index <= last)).sum(axis=1)
    sessions = 2 * has_return.sum(axis=1) > trading
    epoch = dt.date(1970, 1, 1)
    return _BasketReturns(
        symbols=tuple(names[column] for column in with_data.tolist()),
        dates=tuple(
            epoch + dt.timedelta(days=first_day + day) for day in calendar[sessions].tolist()
        ),
        returns=matrix[sessions],
    )


def _standardised_windows(returns: Floats, window: int) -> Iterator[tuple[int, Floats, Flags]]:
    """Per chunk of consecutive windows: the index of its first window (window k ends on session
    k + window - 1), the returns standardised within each window (chunk x window x members; 0
    for a member not taking part) and which members take part (chunk x members)."""
    import numpy as np

    sessions, count = returns.shape
    if sessions < window or count == 0:
        return
    missing = np.isnan(returns)
    missing_so_far = np.concatenate([np.zeros((1, count), np.int64), missing.cumsum(axis=0)])
    complete = missing_so_far[window:] == missing_so_far[:-window]
    # windows x window x members, a view: window k is rows k .. k + window - 1 of the returns
    views = np.lib.stride_tricks.sliding_window_view(
        np.where(missing, 0.0, returns), window, axis=0
    ).transpose(0, 2, 1)
    chunk = max(1, CHUNK_VALUES // (count * window))
    for start in range(0, len(views), chunk):
        block = views[start : start + chunk]
        scores = block - block.mean(axis=1, keepdims=True)
        std = np.sqrt(np.einsum("cwm,cwm->cm", scores, scores) / (window - 1))
        taking_part = complete[start : start + chunk] & (std >= FLAT_STD)
        scale = np.divide(1.0, std, out=np.zeros_like(std), where=taking_part)
        scores *= scale[:, None, :]
        yield start, scores, taking_part


@dataclasses.dataclass(frozen=True, slots=True)
class BasketPeers:
    """A basket's rolling correlations to peers: one row per window, one column per member."""

    symbols: tuple[str, ...]  # the members with returns, in basket order
    dates: tuple[dt.date, ...]  # each window's last session, oldest first
    # dates x symbols: the member's mean correlation with the others taking part in the window;
    # NaN where it does not take part, or where fewer than two members do
    values: Floats

    def series(self) -> dict[str, list[float]]:
        """Per member, its values on the windows where it has one, oldest first."""
        import numpy as np

        defined = ~np.isnan(self.values)
        return {
            symbol: self.values[defined[:, column], column].tolist()
            for column, symbol in enumerate(self.symbols)
        }

    def average(self) -> list[float]:
        """The basket's average, oldest first, on the windows where two members take part: the
        mean of their values, which is the mean of every pairwise correlation among them."""
        import numpy as np

        defined = ~np.isnan(self.values)
        counts = defined.sum(axis=1)
        totals = np.where(defined, self.values, 0.0).sum(axis=1)
        values: list[float] = (totals[counts > 0] / counts[counts > 0]).tolist()
        return values

    def frame(self) -> pl.DataFrame:
        """(symbol, date, corr): one row per member and window where it has a value."""
        import numpy as np

        rows, columns = np.nonzero(~np.isnan(self.values))
        return pl.DataFrame(
            {
                "symbol": pl.Series(self.symbols, dtype=pl.String()).gather(columns),
                "date": pl.Series(self.dates, dtype=pl.Date()).gather(rows),
                "corr": self.values[rows, columns],
            }
        )


def basket_peers(returns: pl.DataFrame, members: Sequence[str], window: int) -> BasketPeers:
    """Each member's rolling correlation to its peers: per window, the mean of its correlations
    with every other member taking part (see the module's notes), clipped to [-1, 1].

    ``returns`` as `daily_log_returns` gives them. Memory grows with sessions x members, never
    with the pairs."""
    import numpy as np

    basket = _basket_returns(returns, members)
    windows = max(0, len(basket.dates) - window + 1)
    values = np.full((windows, len(basket.symbols)), np.nan)
    for start, scores, taking_part in _standardised_windows(basket.returns, window):
        basket_sum = scores.sum(axis=2)
        peer_sums = np.einsum("cwm,cw->cm", scores, basket_sum) - np.einsum(
            "cwm,cwm->cm", scores, scores
        )
        peers = taking_part.sum(axis=1, keepdims=True) - 1
        defined = taking_part & (peers >= 1)
        means = np.divide(peer_sums, (window - 1) * peers, out=peer_sums, where=defined)
        means[~defined] = np.nan
        values[start : start + len(means)] = np.clip(means, -1.0, 1.0)
    return BasketPeers(symbols=basket.symbols, dates=basket.dates[window - 1 :], values=values)


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationMatrix:
    """Every pairwise correlation of a basket over one window."""

    as_of: dt.date | None  # the window's last session; None when the basket has too few
    # "symbol", then one column per member, rows in the same order; a member not taking part in
    # the window (no return on one of its sessions, or flat returns) has nulls, a member taking
    # part 1.0 with itself
    values: pl.DataFrame


def correlation_matrix(
    returns: pl.DataFrame, members: Sequence[str], window: int, through: dt.date | None = None
) -> CorrelationMatrix:
    """The pairwise correlations of ``members`` over the window ending on the basket's last
    session on or before ``through`` (the latest by default): the one place pairs are
    materialised, for a screen that shows them. Its rows average to `basket_peers`' values."""
    import numpy as np

    symbols = list(dict.fromkeys(members))
    basket = _basket_returns(returns, symbols)
    sessions = len(basket.dates)
    if through is not None:
        sessions = sum(day <= through for day in basket.dates)
    matrix = np.full((len(symbols), len(symbols)), np.nan)
    as_of = None
    recent = basket.returns[max(0, sessions - window) : sessions]
    position = {symbol: index for index, symbol in enumerate(symbols)}
    for _, scores, taking_part in _standardised_windows(recent, window):
        as_of = basket.dates[sessions - 1]
        pairs = np.clip(np.einsum("wm,wn->mn", scores[0], scores[0]) / (window - 1), -1.0, 1.0)
        np.fill_diagonal(pairs, 1.0)
        pairs[~taking_part[0], :] = np.nan
        pairs[:, ~taking_part[0]] = np.nan
        positions = [position[symbol] for symbol in basket.symbols]
        matrix[np.ix_(positions, positions)] = pairs
    values = pl.DataFrame(
        {"symbol": symbols} | {symbol: matrix[:, index] for index, symbol in enumerate(symbols)},
        schema={"symbol": pl.String()} | dict.fromkeys(symbols, pl.Float64()),
    ).fill_nan(None)
    return CorrelationMatrix(as_of=as_of, values=values)


def correlation_line(label: str, values: Sequence[float], history: int) -> CorrelationLine:
    """A correlation line: its last ``history`` values, now, and the value ``history`` days ago."""
    past_index = len(values) - 1 - history
    return CorrelationLine(
        label=label,
        series=tuple(values[-history:]) if history > 0 else (),
        now=values[-1] if values else None,
        year_ago=values[past_index] if past_index >= 0 else None,
    )


# ---------------------------------------------------------------------------------- the pane

GroupLines = tuple[
    dict[str, CorrelationLine], dict[tuple[str, str], CorrelationLine], dt.date | None
]


def correlation_lines(
    data: MarketData, groups: Mapping[str, Sequence[str]], history: int, window: int
) -> GroupLines:
    """Per group its average line, per (group, member) its line to its peers, and the last
    session used."""
    symbols = {symbol for members in groups.values() for symbol in members}
    returns = daily_log_returns(data.daily, symbols, last_completed_session(data.now))
    peers = {name: basket_peers(returns, members, window) for name, members in groups.items()}
    averages = {name: correlation_line(name, peers[name].average(), history) for name in groups}
    series = {name: peers[name].series() for name in groups}
    members = {
        (name, symbol): _member_line(data, symbol, series[name].get(symbol, []), history)
        for name, group in groups.items()
        for symbol in group
    }
    last_date = returns.get_column("date").max()
    return averages, members, last_date if isinstance(last_date, dt.date) else None


def _member_line(
    data: MarketData, symbol: str, series: Sequence[float], history: int
) -> CorrelationLine:
    """A member's line to its peers; a member with no line at all says why (its problem)."""
    line = correlation_line(symbol, series, history)
    if line.series:
        return line
    return dataclasses.replace(line, problem=data.problems.get(symbol, NO_DATA))


def _lowest_first(line: CorrelationLine) -> tuple[bool, float]:
    return (line.now is None, line.now if line.now is not None else 0.0)


def build_correlations(data: MarketData, settings: Settings) -> CorrelationsView:
    """The Correlations pane: per basket its average rolling correlation, per member its to peers.

    Members are sorted by their latest value, lowest (most broken away) first."""
    window, history = settings.correlation.window, settings.correlation.history
    groups = {basket.name: unique(basket.symbols) for basket in settings.baskets}
    averages, members, last_date = correlation_lines(data, groups, history, window)
    baskets = []
    for name, symbols in groups.items():
        lines = [members[name, symbol] for symbol in symbols]
        baskets.append(
            BasketCorrelations(
                name=name,
                symbols=symbols,
                average=averages[name],
                members=tuple(sorted(lines, key=_lowest_first)),
            )
        )
    return CorrelationsView(baskets=tuple(baskets), window=window, as_of=last_date)
