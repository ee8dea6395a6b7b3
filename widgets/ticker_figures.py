"""The drill-down's figures as text: `KeyNumbers` (last and change, day and 52-week ranges,
volume, fund flows and the short metrics with their as-of dates) and `MembersList` (a sector
fund's stocks, in as many columns as fit). Each is given the drill-down's whole `TickerView`
through its `view` reactive. No plotext here: the charts are in `widgets.charts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.extended import ext_text
from tui.presenters.shorts import sv_percent
from tui.presenters.table import tone_for
from tui.presenters.ticker import FundFlows, MemberQuote, TickerView
from widgets.tones import tone_classes, tone_css, tone_style

NARROW_KEY_NUMBERS = 60  # columns below which the key numbers use short labels


def price_decimals(view: TickerView) -> int:
    """Yields in thousandths of a point (4.215), prices in cents."""
    return 3 if view.kind == "yield" else 2


class KeyNumbers(Widget):
    """The drill-down's figures: last and change, day and 52-week ranges, and where they apply
    volume and the short metrics, each lagged figure with its as-of date."""

    COMPONENT_CLASSES: ClassVar[set[str]] = tone_classes("key-numbers")

    DEFAULT_CSS = """
    KeyNumbers {
        height: auto;
    }
    """ + tone_css("KeyNumbers", "key-numbers")

    # A new view can change the number of lines: lay out again.
    view: reactive[TickerView | None] = reactive(None, layout=True)

    def render(self) -> RenderResult:
        if self.view is None:
            return Text(NO_DATA)
        return self.figures(self.view, self.size.width or None)

    def figures(self, view: TickerView, width: int | None = None) -> Text:
        """The figures as text, one labelled line each. Within ``width`` a line wraps between
        figures, never inside one; below 60 columns the labels are shortened."""
        narrow = width is not None and width < NARROW_KEY_NUMBERS
        muted = self._muted()
        decimals = price_decimals(view)
        rows: list[tuple[str, str, list[Text]]] = [
            ("Last", "Last", self._last(view)),
            *self._extended(view),
            (
                "Day range",
                "Range",
                [
                    Text(
                        f"{fmt.price(view.day_low, decimals)} – "
                        f"{fmt.price(view.day_high, decimals)}"
                    ),
                    Text(f"open {fmt.price(view.day_open, decimals)}", style=muted),
                    Text(f"prev {fmt.price(view.prev_close, decimals)}", style=muted),
                ],
            ),
            (
                "52-wk range",
                "52 wk",
                [
                    Text(
                        f"{fmt.price(view.low_52w, decimals)} – "
                        f"{fmt.price(view.high_52w, decimals)}"
                    )
                ],
            ),
        ]
        if view.shows("volume"):
            rows.append(("Volume", "Volume", [Text(fmt.share_count(view.volume))]))
        if view.fund_flows is not None:
            rows.append(("Fund flow", "Flow", self._fund_flows(view.fund_flows)))
        if view.shows("short_interest") or view.shows("short_volume"):
            rows += self._short_rows(view)  # not for an index, or a fund without short figures
        label_width = 8 if narrow else 14
        return Text("\n").join(
            self._labelled(short_label if narrow else label, pieces, label_width, width)
            for label, short_label, pieces in rows
        )

    def _short_rows(self, view: TickerView) -> list[tuple[str, str, list[Text]]]:
        """Short interest, days to cover and short volume, each with its as-of date."""
        short = view.short
        if short is None:
            return [("Short", "Short", [Text(NO_DATA, style=self._muted())])]
        settled = self._as_of(short.settlement_date)
        basis = {"float": " of float", "outstanding": " of shares outstanding"}
        change = Text(
            fmt.signed_percent(short.short_change_pct),
            style=self._tone(short.short_change_pct) or "",
        )
        change.append(" vs prior")
        return [
            (
                "Short int.",
                "Short",
                [
                    Text(
                        f"{fmt.percent(short.short_pct)}"
                        f"{basis.get(short.short_pct_basis or '', '')}"
                    ),
                    Text(f"{fmt.share_count(short.short_shares)} sh"),
                    change,
                    settled,
                ],
            ),
            ("Days to cover", "DTC", [Text(fmt.days_to_cover(short.days_to_cover)), settled]),
            (
                "Short vol.",
                "SV",
                [
                    Text(fmt.percent(sv_percent(short))),
                    Text(fmt.zscore(short.sv_zscore)),
                    self._as_of(short.sv_date),
                ],
            ),
        ]

    def _fund_flows(self, flows: FundFlows) -> list[Text]:
        """The fund's real flow on its latest published day, over 5 and 20 days, and that day."""
        pieces = []
        for label, value in (("1d", flows.flow_1d), ("5d", flows.flow_5d), ("20d", flows.flow_20d)):
            piece = Text(fmt.money_flow(value), style=self._tone(value) or "")
            piece.append(f" {label}", style=self._muted())
            pieces.append(piece)
        return [*pieces, self._as_of(flows.as_of)]

    def _last(self, view: TickerView) -> list[Text]:
        decimals = price_decimals(view)
        if view.kind == "yield":  # a yield moves in basis points
            move = Text(
                fmt.basis_points_change(view.change_bp), style=self._tone(view.change_bp) or ""
            )
        else:
            move = Text(
                fmt.percent_change(view.change_pct), style=self._tone(view.change_pct) or ""
            )
        pieces = [
            Text(fmt.price(view.last, decimals)),
            Text(fmt.signed(view.change, decimals), style=self._tone(view.change) or ""),
            move,
        ]
        if view.as_of is not None:
            stamp = f"{fmt.short_date(view.as_of)} {fmt.clock(view.as_of)}"
            pieces.append(Text(stamp, style=self._muted()))
        return pieces

    def _extended(self, view: TickerView) -> list[tuple[str, str, list[Text]]]:
        """Pre- or post-market: the extended-hours price and its change from the regular
        session's price, on a line of its own (none in the regular session)."""
        text = ext_text(view.ext_session, view.ext_last, view.ext_change_pct, price_decimals(view))
        if not text:
            return []
        label = "Pre-market" if view.ext_session == "pre" else "Post-market"
        return [
            (label, label.split("-")[0], [Text(text, style=self._tone(view.ext_change_pct) or "")])
        ]

    def _as_of(self, day: dt.date | None) -> Text:
        return Text(f"as of {fmt.short_date(day)}", style=self._muted())

    @staticmethod
    def _labelled(label: str, pieces: Sequence[Text], label_width: int, width: int | None) -> Text:
        """``label`` then the pieces two spaces apart, going on under the first piece when the
        next would pass ``width``."""
        line = Text(f"{label:<{label_width}}", style="bold")
        column = label_width
        for index, piece in enumerate(pieces):
            if index and width is not None and column + 2 + piece.cell_len > width:
                line.append("\n" + " " * label_width)
                column = label_width
            elif index:
                line.append("  ")
                column += 2
            line.append_text(piece)
            column += piece.cell_len
        return line

    def _tone(self, value: float | None) -> Style | None:
        return tone_style(self, "key-numbers", tone_for(value), partial=True)

    def _muted(self) -> Style:
        return self.get_component_rich_style("key-numbers--muted", partial=True)


MEMBER_GAP = 3  # spaces between two columns of members


class MembersList(Widget):
    """A sector ETF's stocks with their last price and change, best first, in as many columns
    as fit."""

    COMPONENT_CLASSES: ClassVar[set[str]] = tone_classes("members")

    DEFAULT_CSS = """
    MembersList {
        height: auto;
    }
    """ + tone_css("MembersList", "members")

    view: reactive[TickerView | None] = reactive(None, layout=True)

    def render(self) -> RenderResult:
        if self.view is None:
            return Text(NO_DATA)
        return self.listing(self.view, self.size.width or None)

    def listing(self, view: TickerView, width: int | None = None) -> Text:
        """A title line, then the members column by column within ``width``."""
        members = view.members
        title = Text(f"Members · {view.members_of or ''} · {len(members)} stocks", style="bold")
        entries = [self._entry(member) for member in members]
        widest = max((entry.cell_len for entry in entries), default=0)
        columns = max(1, ((width or widest) + MEMBER_GAP) // (widest + MEMBER_GAP))
        height = -(-len(entries) // columns)  # ceiling division
        lines = []
        for row in range(height):
            line = Text()
            for column in range(columns):
                index = column * height + row  # down each column: ranks read as a list
                if index >= len(entries):
                    break
                if column:
                    line.append(" " * MEMBER_GAP)
                entry = entries[index]
                line.append_text(entry)
                line.append(" " * (widest - entry.cell_len))
            line.rstrip()
            lines.append(line)
        return Text("\n").join([title, *lines])

    def _entry(self, member: MemberQuote) -> Text:
        tone = tone_style(self, "members", tone_for(member.change_pct), partial=True)
        entry = Text(f"{member.symbol:<5} {fmt.price(member.last):>9} ")
        entry.append(f"{fmt.percent_change(member.change_pct):>9}", style=tone or "")
        return entry
