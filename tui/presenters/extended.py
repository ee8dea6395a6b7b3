"""Extended hours as they read: a pre- or post-market price and its change from the regular
session's close, apart from the regular session's figures (`post 412.40 +0.35%`). Plain Python,
no textual: the panes, the drill-down and `tapewatch snapshot` write it the same way."""

from __future__ import annotations

from tui.presenters import format as fmt
from tui.presenters.table import Cell, tone_for

EXTENDED_SESSIONS = ("pre", "post")


def is_extended_hours(session: str | None) -> bool:
    """Whether ``session`` (a `tui.market_hours.Session` value) is pre- or post-market: the
    panes lay out their extended-hours columns then, from the market's clock, before any
    figure comes."""
    return session in EXTENDED_SESSIONS


def ext_text(
    session: str | None, price: float | None, change_pct: float | None, decimals: int = 2
) -> str:
    """``post 412.40 +0.35%`` (without a price: ``post +0.35%``); "" outside pre and post
    market. The sign is written out, so the figure reads without colour."""
    if session is None or not is_extended_hours(session) or change_pct is None:
        return ""
    parts = [session]
    if price is not None:
        parts.append(fmt.price(price, decimals))
    parts.append(fmt.signed_percent(change_pct, 2))
    return " ".join(parts)


def ext_cell(
    session: str | None, price: float | None, change_pct: float | None, decimals: int = 2
) -> Cell:
    """`ext_text` as a table cell, toned by the sign of the change."""
    return Cell(ext_text(session, price, change_pct, decimals), tone_for(change_pct))


def ext_change_pct(ext_last: float | None, last: float | None) -> float | None:
    """The extended-hours price's change from the regular session's price, in percent."""
    if ext_last is None or last is None or last == 0:
        return None
    return (ext_last / last - 1.0) * 100.0
