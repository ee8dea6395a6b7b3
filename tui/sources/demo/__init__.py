"""The embedded demo market: a deterministic, seeded synthetic market that implements `Source`.

Everything here is invented (DEMO, not market data) but built to look and behave like the real
thing: real tickers from `tui.sources.universe`, daily history on the NYSE calendar, an intraday
session that advances with the demo clock, bi-monthly short interest published on FINRA's schedule
and daily short-sale volume posted in the evening.

How the market is made
- Daily log returns come from a factor model: market, the 11 sectors, style factors (mega-cap tech,
  software, AI infrastructure, retail favourites) and an idiosyncratic part. Sector ETFs and indices
  are cap- or price-weighted baskets of the stocks, so they move with their members (the Russell
  2000, whose members the universe lacks, follows the market, small-cap and retail factors).
- Over the last ``REGIME_SESSIONS`` sessions before the session date the regime changes (the story
  of DESIGN.md): a software sell-off with rising short interest, Microsoft decoupling from its
  Mag-7 peers, hedge-fund selling heaviest in IT, Industrials and Materials, a VIX spike and the AI
  infrastructure basket falling against industrials. The parts of the story a test can measure are
  pinned exactly (falls between checkpoints, the Mag-7 correlation windows), so every seed tells the
  same story along a different path.
- The session date's bar is drawn like any other day; its 1-minute path is a bridge from the open
  to the close that touches the day's high and low. Earlier sessions' intraday bars are drawn the
  same way on demand, so they agree with their daily bars.
- Randomness comes from seeded streams that are the same in every process, read in bulk and
  shaped with polars on a series-major layout: no joins, no window functions (see `rng`).
  Construction plus a first quotes and daily-bars fetch for every symbol takes about 80 ms on a
  2-core machine; fetches are slices of the precomputed frames.

The package, in the order the market is made
- `rng`: seeded random streams and the series-major layout helpers every other part uses.
- `linalg`: the 7 x 7 linear algebra that gives the Mag-7 correlation windows their targets.
- `story`: the calendar of the regime and the daily returns that tell the story.
- `build`: those returns printed as daily bars, short interest, short volume and shares, built
  once per seed and session date (`Builder`).
- `intraday`: 1-minute paths that agree with their daily bars; 5-minute bars from them.
- `funds`: the sector SPDRs as funds (NAV history, shares outstanding, holdings), drawn on the
  first fund fetch.
- `market`: `DemoMarket`, the `Source` that answers fetches from the built market.
"""

from tui.sources.demo.market import INTRADAY_SESSIONS, DemoMarket
from tui.sources.demo.story import (
    AI_INFRASTRUCTURE,
    HISTORY_SESSIONS,
    MAG7,
    SESSION_DATE,
    SOFTWARE_SELLOFF,
)

__all__ = [
    "AI_INFRASTRUCTURE",
    "HISTORY_SESSIONS",
    "INTRADAY_SESSIONS",
    "MAG7",
    "SESSION_DATE",
    "SOFTWARE_SELLOFF",
    "DemoMarket",
]
