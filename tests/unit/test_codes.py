"""Codes typed after `/` or in the palette, as a terminal trader types them."""

from __future__ import annotations

import pytest

from tui.codes import (
    Codes,
    Command,
    OpenAlerts,
    OpenMatrix,
    OpenPane,
    OpenTicker,
    OpenWatchlist,
)
from tui.models import Pane

CODES = Codes(["Mag 7", "Large-cap software", "AI infrastructure"], ["Watchlist", "Tech"])


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("WEI", OpenPane(Pane.INDICES)),
        ("secf", OpenPane(Pane.SECTORS)),
        ("MOST", OpenPane(Pane.SHORTS)),
        ("CORR", OpenMatrix("Mag 7")),  # the first basket
        ("CORR Mag 7", OpenMatrix("Mag 7")),
        ("corr  large-cap SOFTWARE", OpenMatrix("Large-cap software")),
        ("CORR ai", OpenMatrix("AI infrastructure")),  # the start of one name
        ("W", OpenWatchlist()),
        ("w tech", OpenWatchlist("Tech")),
        ("MSFT SI", OpenTicker("MSFT", "short_interest")),
        ("msft corr", OpenTicker("MSFT", "correlation")),
        ("brk.b des", OpenTicker("BRK-B", "description")),
        ("W DES", OpenTicker("W", "description")),  # the ticker W: no list called DES
    ],
)
def test_codes_read_in_any_case(typed: str, command: Command) -> None:
    assert CODES.parse(typed) == command


@pytest.mark.parametrize("typed", ["", "MSFT", "CORR Nope", "WEI now", "MSFT XYZ", "!! SI"])
def test_what_is_no_code_is_left_to_the_symbol_lookup(typed: str) -> None:
    assert CODES.parse(typed) is None


def test_a_name_that_starts_two_lists_names_neither() -> None:
    codes = Codes([], ["Tech", "Telecom"])
    assert codes.parse("W te") is None
    assert codes.parse("W tec") == OpenWatchlist("Tech")


def test_alerts_are_offered_only_where_alerts_exist() -> None:
    assert [s.text for s in Codes([], [], alerts=True).suggest("AL")] == ["ALRT"]
    assert CODES.suggest("AL") == []
    assert CODES.suggest("ALRT") == []
    # Typed in full it is still the code (the App then says there are no alerts), not a ticker.
    assert CODES.parse("alrt") == OpenAlerts()


def test_suggestions_complete_codes_and_their_arguments() -> None:
    def texts(typed: str) -> list[str]:
        return [suggestion.text for suggestion in CODES.suggest(typed)]

    assert texts("co") == ["CORR Mag 7", "CORR Large-cap software", "CORR AI infrastructure"]
    assert texts("CORR a") == ["CORR AI infrastructure"]
    assert texts("W") == ["W", "WEI", "W Watchlist", "W Tech"]
    assert texts("MSFT ") == ["MSFT DES", "MSFT SI", "MSFT CORR"]
    assert texts("MSFT C") == ["MSFT CORR"]
    assert texts("microsoft") == []
    exact = CODES.suggest("CORR mag")
    assert exact[0].exact and exact[0].command == OpenMatrix("Mag 7")
    assert not any(suggestion.exact for suggestion in CODES.suggest("co"))


def test_every_code_is_offered_once() -> None:
    texts = [suggestion.text for suggestion in CODES.every()]
    assert texts == [
        "WEI",
        "SECF",
        "MOST",
        "CORR Mag 7",
        "CORR Large-cap software",
        "CORR AI infrastructure",
        "W Watchlist",
        "W Tech",
    ]
