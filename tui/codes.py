"""Codes, as a terminal trader types them after `/` or in the command palette: `WEI`, `SECF`,
`MOST`, `CORR [basket]`, `W [list]`, `ALRT`, and `<TICKER> [DES|SI|CORR]`. No textual.

A code is read case-insensitively and wins over a ticker of the same letters (type `W DES` for
the ticker W). A basket or list may be named by the start of its name (`CORR mag` is CORR Mag 7)
when that names only one. `parse` turns a typed line into the command it asks for; `suggest`
lists the codes that complete what is typed so far, for the prompt and the palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tui.models import Pane
from tui.symbols import parse_symbol

# The drill-down's sections a ticker code can open: its description (the top), its short
# interest, its correlation to its peers.
TickerSection = Literal["description", "short_interest", "correlation"]
SECTION_CODES: dict[str, TickerSection] = {
    "DES": "description",
    "SI": "short_interest",
    "CORR": "correlation",
}

PANE_CODES: dict[str, Pane] = {"WEI": Pane.INDICES, "SECF": Pane.SECTORS, "MOST": Pane.SHORTS}


@dataclass(frozen=True, slots=True)
class OpenPane:
    """Go to a pane of the dashboard."""

    pane: Pane


@dataclass(frozen=True, slots=True)
class OpenMatrix:
    """Open a basket's correlation matrix."""

    basket: str


@dataclass(frozen=True, slots=True)
class OpenWatchlist:
    """Open the watchlist screen on a list (None: the list last shown, else the first)."""

    name: str | None = None


@dataclass(frozen=True, slots=True)
class OpenAlerts:
    """Open the alerts screen."""


@dataclass(frozen=True, slots=True)
class OpenTicker:
    """Open a ticker's drill-down, at a section (None: the top)."""

    symbol: str
    section: TickerSection | None = None


Command = OpenPane | OpenMatrix | OpenWatchlist | OpenAlerts | OpenTicker


@dataclass(frozen=True, slots=True)
class CodeSpec:
    """One code, as help lists it."""

    code: str
    argument: str  # "[basket]", "" for none
    what: str


CODES: tuple[CodeSpec, ...] = (
    CodeSpec("WEI", "", "world equity indices: the Indices pane"),
    CodeSpec("SECF", "", "sector flows: the Sector flows pane"),
    CodeSpec("MOST", "", "most shorted: the Most shorted pane"),
    CodeSpec("CORR", "[basket]", "a basket's correlation matrix (without a name: the first)"),
    CodeSpec("W", "[list]", "your watchlists (without a name: the one last shown)"),
    CodeSpec("ALRT", "", "alerts: every alert rule, its state and the firings"),
    CodeSpec(
        "<TICKER>",
        "[DES|SI|CORR]",
        "a ticker's drill-down, at its description (the top), its short interest or its "
        "correlation to its peers: `MSFT SI`",
    ),
)

PANE_HELP: dict[Pane, str] = {
    Pane.INDICES: "the Indices pane",
    Pane.SECTORS: "the Sector flows pane",
    Pane.SHORTS: "the Most shorted pane",
}
SECTION_HELP: dict[TickerSection, str] = {
    "description": "drill-down",
    "short_interest": "drill-down at its short interest",
    "correlation": "drill-down at its correlation to peers",
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A code that completes what was typed: as it would be typed, what it opens, and the
    command. ``exact``: what was typed is this code already (Enter runs it)."""

    text: str
    help: str
    command: Command
    exact: bool = False


def _named(text: str, names: Sequence[str]) -> str | None:
    """The one name ``text`` stands for: equal to it (any case), else the only name that starts
    with it; None when it names none or several."""
    wanted = text.strip().casefold()
    for name in names:
        if name.casefold() == wanted:
            return name
    starting = [name for name in names if name.casefold().startswith(wanted)]
    return starting[0] if len(starting) == 1 else None


class Codes:
    """The codes for one configuration: its baskets and watchlists, and whether there are
    alerts."""

    def __init__(
        self, baskets: Sequence[str], watchlists: Sequence[str], *, alerts: bool = False
    ) -> None:
        self.baskets = tuple(baskets)
        self.watchlists = tuple(watchlists)
        self.alerts = alerts

    def parse(self, text: str) -> Command | None:
        """The command ``text`` asks for, None when it is no code (a bare ticker included: the
        prompt opens those itself)."""
        words = text.split()
        if not words:
            return None
        head, rest = words[0].upper(), " ".join(words[1:])
        if head in PANE_CODES and not rest:
            return OpenPane(PANE_CODES[head])
        if head == "ALRT" and not rest:
            return OpenAlerts()  # says so where there are no alerts
        if head == "CORR":
            if not rest:
                return OpenMatrix(self.baskets[0]) if self.baskets else None
            basket = _named(rest, self.baskets)
            if basket is not None:
                return OpenMatrix(basket)
        if head == "W":
            if not rest:
                return OpenWatchlist()
            listed = _named(rest, self.watchlists)
            if listed is not None:
                return OpenWatchlist(listed)
        if len(words) == 2 and words[1].upper() in SECTION_CODES:
            try:
                symbol = parse_symbol(words[0])
            except ValueError:
                return None
            return OpenTicker(symbol, SECTION_CODES[words[1].upper()])
        return None

    def suggest(self, text: str) -> list[Suggestion]:
        """The codes that complete ``text``, the one it already is first."""
        words = text.split()
        if not words:
            return []
        found: list[Suggestion] = []
        exact = self.parse(text)
        if exact is not None and (self.alerts or not isinstance(exact, OpenAlerts)):
            found.append(Suggestion(self._typed(exact), self._help(exact), exact, exact=True))
        head = words[0].upper()
        rest = " ".join(words[1:]).casefold()
        found += self._sections(words, text)
        for candidate in self.every():
            if candidate.command == exact:
                continue
            code, _, argument = candidate.text.partition(" ")
            if len(words) == 1 and not text.endswith(" "):
                matches = code.startswith(head)
            else:
                matches = code == head and argument.casefold().startswith(rest)
            if matches:
                found.append(candidate)
        return found

    def _sections(self, words: Sequence[str], text: str) -> list[Suggestion]:
        """A ticker's sections, once a symbol and a space (and maybe the start of a section's
        code) are typed: `MSFT ` offers MSFT DES, MSFT SI and MSFT CORR."""
        typing_section = len(words) == 2 and not text.endswith(" ")
        if not (typing_section or (len(words) == 1 and text.endswith(" "))):
            return []
        if words[0].upper() in PANE_CODES or words[0].upper() in ("CORR", "W", "ALRT"):
            return []
        try:
            symbol = parse_symbol(words[0])
        except ValueError:
            return []
        start = words[1].upper() if typing_section else ""
        return [
            Suggestion(f"{symbol} {code}", SECTION_HELP[section], OpenTicker(symbol, section))
            for code, section in SECTION_CODES.items()
            if code.startswith(start) and code != start
        ]

    def every(self) -> list[Suggestion]:
        """Every code with each of its arguments, in help's order."""
        every: list[Suggestion] = []
        for code, pane in PANE_CODES.items():
            every.append(Suggestion(code, PANE_HELP[pane], OpenPane(pane)))
        every += [
            Suggestion(f"CORR {name}", "correlation matrix", OpenMatrix(name))
            for name in self.baskets
        ]
        every += [
            Suggestion(f"W {name}", "watchlist", OpenWatchlist(name)) for name in self.watchlists
        ]
        if self.alerts:
            every.append(Suggestion("ALRT", "alerts", OpenAlerts()))
        return every

    def _typed(self, command: Command) -> str:
        """How ``command`` is typed in full."""
        match command:
            case OpenPane(pane):
                return next(code for code, target in PANE_CODES.items() if target is pane)
            case OpenMatrix(basket):
                return f"CORR {basket}"
            case OpenWatchlist(name):
                return "W" if name is None else f"W {name}"
            case OpenAlerts():
                return "ALRT"
            case OpenTicker(symbol, section):
                code = next((c for c, s in SECTION_CODES.items() if s == section), "")
                return f"{symbol} {code}".strip()

    def _help(self, command: Command) -> str:
        match command:
            case OpenPane(pane):
                return PANE_HELP[pane]
            case OpenMatrix():
                return "correlation matrix"
            case OpenWatchlist():
                return "watchlist"
            case OpenAlerts():
                return "alerts"
            case OpenTicker(_, section):
                return SECTION_HELP[section or "description"]
