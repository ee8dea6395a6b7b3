"""The settings dataclasses: the single description of every setting.

Their defaults are what tapewatch uses with no config file, and `config.example.toml` documents
each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SourceName = Literal["live", "demo", "files", "remote"]

# The figures an alert can watch, each read from the view a pane (or the drill-down) shows.
AlertField = Literal[
    "last",
    "change_pct",
    "ext_change_pct",
    "rel_vol",
    "si_pct",
    "si_change_pct",
    "days_to_cover",
    "sv_pct",
    "sv_z",
    "corr_to_peers",
    "basket_corr",
]
DesktopNotification = Literal["osc9", "osc777", "both", "off"]
# `symbol = "*"`: every row that shows the field (the Most shorted names, a basket's members...).
ANY_SYMBOL = "*"
# Whose figure each field is: a basket's own (named with `basket`), a basket member's (a symbol
# and the basket whose other members are its peers), a symbol's or a basket's as an index; the
# other fields are a symbol's.
BASKET_ALERT_FIELDS: frozenset[str] = frozenset({"basket_corr"})
MEMBER_ALERT_FIELDS: frozenset[str] = frozenset({"corr_to_peers"})
SYMBOL_OR_BASKET_ALERT_FIELDS: frozenset[str] = frozenset({"last", "change_pct"})
CORRELATION_ALERT_FIELDS: frozenset[str] = BASKET_ALERT_FIELDS | MEMBER_ALERT_FIELDS


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """An index, rate or volatility gauge shown in the Indices pane."""

    symbol: str
    label: str


@dataclass(frozen=True, slots=True)
class Basket:
    """A user-defined group of tickers shown as an equal-weighted index and in Correlations."""

    name: str
    symbols: tuple[str, ...]
    benchmark: str | None = None  # compared with in the Indices pane (e.g. "XLI")
    # One weight per symbol, in the same order; empty: equal weights. Only their proportions
    # count (weights 2, 1, 1 are 50 %, 25 %, 25 %).
    weights: tuple[float, ...] = ()

    def member_weights(self) -> dict[str, float]:
        """Each member's share of the basket, summing to 1: equal unless ``weights`` says."""
        if len(self.weights) != len(self.symbols) or sum(self.weights) <= 0:
            members = tuple(dict.fromkeys(self.symbols))
            return dict.fromkeys(members, 1.0 / len(members)) if members else {}
        total = sum(self.weights)
        return {
            symbol: weight / total
            for symbol, weight in zip(self.symbols, self.weights, strict=True)
        }


@dataclass(frozen=True, slots=True)
class Watchlist:
    """A named list of tickers the user follows: the watchlist screen and pane show it."""

    name: str
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SectorSpec:
    """A GICS sector and the SPDR ETF that stands for it."""

    symbol: str
    name: str


DEFAULT_INDICES: tuple[IndexSpec, ...] = (
    IndexSpec("^GSPC", "S&P 500"),
    IndexSpec("^NDX", "Nasdaq-100"),
    IndexSpec("^DJI", "Dow"),
    IndexSpec("^RUT", "Russell 2000"),
    IndexSpec("^VIX", "VIX"),
    IndexSpec("^TNX", "10-year yield"),
)

DEFAULT_SECTORS: tuple[SectorSpec, ...] = (
    SectorSpec("XLK", "Information Technology"),
    SectorSpec("XLF", "Financials"),
    SectorSpec("XLV", "Health Care"),
    SectorSpec("XLY", "Consumer Discretionary"),
    SectorSpec("XLP", "Consumer Staples"),
    SectorSpec("XLE", "Energy"),
    SectorSpec("XLI", "Industrials"),
    SectorSpec("XLB", "Materials"),
    SectorSpec("XLU", "Utilities"),
    SectorSpec("XLRE", "Real Estate"),
    SectorSpec("XLC", "Communication Services"),
)

DEFAULT_BASKETS: tuple[Basket, ...] = (
    Basket("Mag 7", ("AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA"), "^NDX"),
    Basket("Large-cap software", ("MSFT", "ORCL", "CRM", "INTU", "ADBE", "NOW"), "XLK"),
    Basket(
        "AI infrastructure",
        ("NVDA", "AVGO", "AMD", "TSM", "MU", "ANET", "VRT", "SMCI", "DELL", "CEG"),
        "XLI",
    ),
)


DEFAULT_WATCHLISTS: tuple[Watchlist, ...] = (
    Watchlist("Watchlist", ("AAPL", "MSFT", "NVDA", "JPM", "XOM", "LLY", "WMT", "PLTR")),
)

# The panes the dashboard can show; `LayoutSettings.panes` picks four of them.
PaneName = Literal["indices", "sectors", "shorts", "correlations", "watchlist"]
DASHBOARD_SLOTS = 4


@dataclass(frozen=True, slots=True)
class LayoutSettings:
    """What the dashboard shows in its four places, in reading order (left to right, then
    down; one above the other in a narrow terminal)."""

    panes: tuple[PaneName, ...] = ("indices", "sectors", "shorts", "correlations")


@dataclass(frozen=True, slots=True)
class RefreshSettings:
    """Seconds between polls of each dataset. A dataset older than twice its cadence is stale."""

    quotes: float = 15.0
    intraday: float = 60.0
    daily: float = 3600.0
    short_interest: float = 6 * 3600.0
    short_volume: float = 3600.0
    shares: float = 24 * 3600.0
    # Prices of what the dashboard does not show on its own rows: the short candidates (the
    # Most shorted names and those ranked next), the alert rules' symbols, and the symbols a
    # price stream already keeps live (polled as a cross-check).
    candidates: float = 60.0
    member_bars: float = 3600.0  # the sector funds' members' daily bars (breadth)
    fund_nav: float = 3600.0  # the sector funds' NAV history (real flows), posted in the evening
    fund_holdings: float = 7 * 24 * 3600.0  # the sector funds' holdings (sector membership)


@dataclass(frozen=True, slots=True)
class ShortedSettings:
    """Which names the Most shorted table ranks."""

    universe: Literal["market", "watchlist"] = "market"
    watchlist: tuple[str, ...] = ()  # used when universe = "watchlist"
    rows: int = 50  # how many names the table shows
    min_price: float = 5.0  # ignore names below this price (market universe)
    min_avg_volume: float = 100_000.0  # ignore names trading fewer shares a day than this
    min_float: float = 5_000_000.0  # ignore names with a smaller float (or shares outstanding)


@dataclass(frozen=True, slots=True)
class CorrelationSettings:
    """Rolling correlation of daily log returns, in trading days."""

    window: int = 60  # trading days in the rolling correlation window
    history: int = 252  # trading days of correlation history shown (one year)


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """The embedded synthetic market."""

    seed: int = 20260211
    speed: float = 1.0  # market minutes per real second
    # Where the demo's clock starts, New York time "HH:MM" from 04:00 (pre-market) to 20:00
    # (the end of post-market); the regular session runs 09:30 to 16:00.
    start: str = "09:45"


StreamProviderName = Literal["yahoo", "alpaca", "finnhub", "off"]


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Streaming prices while the market is open (pre, regular and post market).

    ``yahoo`` needs no key. ``alpaca`` (IEX trades) and ``finnhub`` (trades) need the user's key:
    from the environment (APCA_API_KEY_ID and APCA_API_SECRET_KEY; FINNHUB_API_KEY), else from
    ``key_file``, a file only its owner can read (chmod 600): Alpaca's key id on its first line
    and its secret on the second, or Finnhub's token on the first.
    """

    provider: StreamProviderName = "yahoo"
    key_file: str = ""
    url: str = ""  # the provider's websocket address; empty: its own (tests use a local one)
    live_quotes: float = 60.0  # seconds between quotes polls while the stream is live


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """The one shared HTTP client used by the live sources (timeouts in seconds)."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    request_deadline: float = 30.0  # connect, headers and the whole body of one attempt
    per_host_concurrency: int = 8
    # The request budget of each host, shared by every job: at most this many requests a
    # minute, at most budget_burst of them in a row (tui.sources.budget).
    requests_per_minute: int = 40
    budget_burst: int = 10
    retries: int = 3
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Safari/537.36"
    )


@dataclass(frozen=True, slots=True)
class YahooSettings:
    """Quotes and bars from Yahoo's chart endpoint."""

    base_url: str = "https://query1.finance.yahoo.com"
    intraday_interval: Literal["1m", "5m"] = "5m"
    requests_per_minute: int = 0  # Yahoo's own request budget a minute; 0: [http]'s


@dataclass(frozen=True, slots=True)
class FinraSettings:
    """FINRA's short-interest and daily short-sale volume files."""

    base_url: str = "https://cdn.finra.org"


@dataclass(frozen=True, slots=True)
class SecSettings:
    """SEC EDGAR company facts, for shares outstanding."""

    base_url: str = "https://data.sec.gov"
    tickers_url: str = "https://www.sec.gov/files/company_tickers.json"
    contact: str = ""  # the SEC asks for a User-Agent naming you: "Jane Doe jane@example.com"


@dataclass(frozen=True, slots=True)
class SsgaSettings:
    """State Street's SPDR fund files: NAV history and daily holdings workbooks."""

    # The fund-data library folder that holds navhist-us-en-{ticker}.xlsx and
    # holdings-daily-us-en-{ticker}.xlsx.
    base_url: str = "https://www.ssga.com/library-content/products/fund-data/etfs/us"


@dataclass(frozen=True, slots=True)
class FilesSettings:
    """The user's own files, read when ``source = "files"``."""

    bars: str = ""  # folder (or one file) of daily bars in CSV or parquet
    short_interest: str = ""  # folder of short-interest files in FINRA's layout


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """A desk's feed, read when ``source = "remote"``: the NATS server `tapewatch feed`
    publishes to, and how to reach it (the names NATS clients use)."""

    url: str = ""  # nats://host:4222 (tls://host:4222 for TLS); required when source = "remote"
    creds_file: str = ""  # a NATS credentials (.creds) file, if the server wants one
    tls_ca_file: str = ""  # trust this CA bundle instead of the system's
    tls_cert_file: str = ""  # a client certificate, for servers that verify clients
    tls_key_file: str = ""  # its private key (when not in the certificate file)


@dataclass(frozen=True, slots=True)
class SourcesSettings:
    """Where each live source lives and how to reach it."""

    yahoo: YahooSettings = field(default_factory=YahooSettings)
    finra: FinraSettings = field(default_factory=FinraSettings)
    sec: SecSettings = field(default_factory=SecSettings)
    ssga: SsgaSettings = field(default_factory=SsgaSettings)
    files: FilesSettings = field(default_factory=FilesSettings)
    remote: RemoteSettings = field(default_factory=RemoteSettings)


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One `[[alerts]]` table: a figure of a symbol or a basket crossing a level.

    It fires when the figure falls below ``below`` or rises above ``above`` (with both: when it
    leaves the range between them), once, and re-arms when the figure is back inside by the
    hysteresis. Short interest and short volume fire once per new settlement or file.
    """

    field: AlertField
    symbol: str = ""  # a ticker, or "*" for every row that shows the field
    basket: str = ""  # a configured basket: for basket_corr, corr_to_peers, or a basket's last
    below: float | None = None
    above: float | None = None
    note: str = ""  # shown with the alert when it fires
    hysteresis: float | None = None  # re-arm margin in the field's units; None: the field's own
    command: tuple[str, ...] = ()  # run when it fires, instead of `alerting.on_alert`


@dataclass(frozen=True, slots=True)
class AlertDefaults:
    """Alerts to switch on without naming symbols."""

    sv_spikes: bool = False  # any Most shorted name whose short-volume z-score rises above sv_z
    sv_z: float = 3.0
    si_jumps: bool = False  # any Most shorted name whose short interest rose si_change_pct or more
    si_change_pct: float = 20.0
    correlation_breaks: bool = False  # any basket member whose correlation to its peers falls
    corr_to_peers: float = 0.1  # below this


@dataclass(frozen=True, slots=True)
class AlertingSettings:
    """How alerts are told: besides a toast and a line in the alert log, always."""

    # Run for every alert without a `command` of its own, without a shell; placeholders
    # {symbol} {basket} {field} {value} {bound} {note} {message}.
    on_alert: tuple[str, ...] = ()
    command_timeout: float = 10.0  # seconds before a command is stopped
    bell: bool = True  # the terminal bell
    desktop: DesktopNotification = "osc9"  # a desktop notification by terminal escape
    defaults: AlertDefaults = field(default_factory=AlertDefaults)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything tapewatch can be told. Frozen: passed into the App and the feed, never edited."""

    source: SourceName = "live"
    theme: str = "textual-dark"
    indices: tuple[IndexSpec, ...] = DEFAULT_INDICES
    benchmark: str = "^GSPC"  # what sector relative strength is measured against
    sectors: tuple[SectorSpec, ...] = DEFAULT_SECTORS
    baskets: tuple[Basket, ...] = DEFAULT_BASKETS
    watchlists: tuple[Watchlist, ...] = DEFAULT_WATCHLISTS
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    shorted: ShortedSettings = field(default_factory=ShortedSettings)
    refresh: RefreshSettings = field(default_factory=RefreshSettings)
    correlation: CorrelationSettings = field(default_factory=CorrelationSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    stream: StreamSettings = field(default_factory=StreamSettings)
    sources: SourcesSettings = field(default_factory=SourcesSettings)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys, e.g. quit = "ctrl+q"
    alerts: tuple[AlertRule, ...] = ()
    alerting: AlertingSettings = field(default_factory=AlertingSettings)
    path: Path | None = None  # the file these settings came from, if any
