"""The members of a basket as tui/presenters/members.py shows them: the basket's own row, then
each member's contribution to its move and correlation to its peers. Enter on a member opens it;
on the basket's row, its correlation matrix."""

from __future__ import annotations

from textual.message import Message

from tui.presenters.members import PRESENTER, MembersView
from tui.presenters.table import basket_of
from widgets.messages import MatrixSelected, TickerSelected
from widgets.pane import DataPane


class MembersPane(DataPane[MembersView]):
    """A basket's members: weight, price, contributions today and over 5 days, correlation."""

    presenter = PRESENTER
    HAS_LEGEND = True

    def _activation(self, key: str) -> Message:
        basket = basket_of(key)
        return TickerSelected(key) if basket is None else MatrixSelected(basket)
