"""Settings loading: defaults, the example file, every kind of problem, precedence."""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest

import tui.config.loading
from tui.config import (
    BINDING_IDS,
    DEFAULT_BASKETS,
    Basket,
    ConfigError,
    ConfigProblem,
    IndexSpec,
    Settings,
    Watchlist,
    config_path,
    example_config_text,
    load_settings,
    locate_config,
    parse_settings,
)
from tui.config.checks import MAX_BASKET_SYMBOLS

REPOSITORY = Path(__file__).resolve().parents[2]


def problems_of(text: str) -> list[str]:
    """The problems reported for a config text, as their one-line descriptions."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(text)
    return [str(problem) for problem in caught.value.problems]


def only_problem(text: str) -> str:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


# --- defaults and the example file ---------------------------------------------------------------


def test_an_empty_file_means_the_defaults() -> None:
    assert parse_settings("") == Settings()


def test_a_missing_default_file_means_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.path is None


def test_the_default_location_follows_the_user_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "tapewatch" / "config.toml"
    (tmp_path / "tapewatch").mkdir()
    (tmp_path / "tapewatch" / "config.toml").write_text('theme = "nord"\n')
    settings = load_settings(env={})
    assert settings.theme == "nord"
    assert settings.path == tmp_path / "tapewatch" / "config.toml"


def test_the_example_file_holds_exactly_the_defaults() -> None:
    settings = parse_settings(example_config_text())
    assert dataclasses.replace(settings, path=None) == Settings()


def _settings_dataclass(hint: Any) -> type | None:
    """The settings dataclass a field holds, directly or as the items of a tuple."""
    if typing.get_origin(hint) is tuple:
        hint = typing.get_args(hint)[0]
    return hint if dataclasses.is_dataclass(hint) and isinstance(hint, type) else None


def _undocumented(cls: type, table: dict[str, Any], key: str) -> list[str]:
    missing = []
    hints = typing.get_type_hints(cls)
    for settings_field in dataclasses.fields(cls):
        if (cls, settings_field.name) == (Settings, "path"):
            continue  # where the settings came from, never written in a file
        if (cls, settings_field.name) == (Settings, "alerts"):
            continue  # commented-out examples (none by default): tests/unit/test_alert_config.py
        field_key = f"{key}.{settings_field.name}" if key else settings_field.name
        if settings_field.name not in table:
            missing.append(field_key)
            continue
        nested = _settings_dataclass(hints[settings_field.name])
        if nested is None:
            continue
        value = table[settings_field.name]
        items = value if isinstance(value, list) else [value]
        assert items, f"{field_key} needs at least one example entry"
        for index, item in enumerate(items):
            item_key = f"{field_key}[{index}]" if isinstance(value, list) else field_key
            missing += _undocumented(nested, item, item_key)
    return missing


def test_the_example_file_sets_every_field_of_every_settings_dataclass() -> None:
    assert _undocumented(Settings, tomllib.loads(example_config_text()), "") == []


def test_the_field_walk_notices_an_undocumented_field() -> None:
    table = tomllib.loads(example_config_text())
    del table["refresh"]["shares"]
    del table["baskets"][1]["benchmark"]
    assert _undocumented(Settings, table, "") == ["baskets[1].benchmark", "refresh.shares"]


def test_every_key_in_a_plain_table_of_the_example_has_a_comment_above_it() -> None:
    lines = example_config_text().splitlines()
    in_array_of_tables = False
    uncommented = []
    for number, line in enumerate(lines):
        if line.startswith("[["):
            in_array_of_tables = True  # documented once, above the first [[table]]
        elif line.startswith("["):
            in_array_of_tables = False
        elif (
            re.match(r"\w+ = ", line)
            and not in_array_of_tables
            and not lines[number - 1].startswith("#")
        ):
            uncommented.append(line)
    assert uncommented == []


def test_a_source_checkout_reads_the_example_at_the_top_of_the_repository() -> None:
    expected = (REPOSITORY / "config.example.toml").read_text(encoding="utf-8")
    assert example_config_text() == expected


def test_the_example_file_is_found_where_the_wheel_puts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    site_packages = tmp_path / "site-packages"
    packaged = site_packages / wheel["force-include"]["config.example.toml"]
    packaged.parent.mkdir(parents=True)
    packaged.write_text("# packaged\n")
    module = site_packages / "tui" / "config" / "loading.py"
    monkeypatch.setattr(tui.config.loading, "__file__", str(module))
    assert example_config_text() == "# packaged\n"


def test_a_missing_example_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        tui.config.loading, "__file__", str(tmp_path / "tui" / "config" / "loading.py")
    )
    with pytest.raises(FileNotFoundError, match=r"config\.example\.toml"):
        example_config_text()


# --- reading values -----------------------------------------------------------------------------


def test_keys_left_out_keep_their_defaults_and_values_are_normalized() -> None:
    settings = parse_settings(
        """
        source = "demo"
        benchmark = " ^ndx "
        [refresh]
        quotes = 5          # an integer is accepted for seconds
        [shorted]
        universe = "watchlist"
        watchlist = ["gme", "amc"]
        [[baskets]]
        name = "  Banks  "
        symbols = ["jpm", "bac", "brk.b"]
        [sources.sec]
        contact = "Jane Doe jane@example.com"
        """
    )
    assert settings.source == "demo"
    assert settings.benchmark == "^NDX"
    assert settings.refresh.quotes == 5.0
    assert isinstance(settings.refresh.quotes, float)
    assert settings.refresh.intraday == 60.0
    assert settings.shorted.watchlist == ("GME", "AMC")
    assert settings.shorted.rows == 50
    assert settings.baskets == (Basket("Banks", ("JPM", "BAC", "BRK-B"), None),)
    assert settings.sources.sec.contact == "Jane Doe jane@example.com"
    assert settings.indices == Settings().indices


def test_a_remote_source_takes_a_nats_url_and_the_files_nats_clients_take(
    tmp_path: Path,
) -> None:
    creds = write(tmp_path / "desk.creds", "-----BEGIN NATS USER JWT-----")
    ca = write(tmp_path / "ca.pem", "-----BEGIN CERTIFICATE-----")
    settings = parse_settings(
        f"""
        source = "remote"
        [sources.remote]
        url = " tls://alice:secret@desk-host:4222 "
        creds_file = "{creds}"
        tls_ca_file = "{ca}"
        """
    )
    remote = settings.sources.remote
    assert settings.source == "remote"
    assert (remote.url, remote.creds_file, remote.tls_ca_file) == (
        "tls://alice:secret@desk-host:4222",
        str(creds),
        str(ca),
    )


def test_a_client_key_needs_its_certificate(tmp_path: Path) -> None:
    key = write(tmp_path / "client.key", "-----BEGIN PRIVATE KEY-----")
    text = f'[sources.remote]\nurl = "nats://desk:4222"\ntls_key_file = "{key}"'
    assert only_problem(text) == (
        "sources.remote.tls_key_file: a client key needs its certificate: set tls_cert_file too"
    )


def test_an_array_of_tables_replaces_the_default_list() -> None:
    settings = parse_settings('[[indices]]\nsymbol = "^vix"\nlabel = "Fear"\n')
    assert settings.indices == (IndexSpec("^VIX", "Fear"),)
    assert settings.baskets == DEFAULT_BASKETS


def test_a_basket_may_hold_up_to_the_limit() -> None:
    symbols = [f"S{index}" for index in range(MAX_BASKET_SYMBOLS)]
    settings = parse_settings(f"[[baskets]]\nname = 'Wide'\nsymbols = {symbols!r}\n")
    assert settings.baskets[0].symbols == tuple(symbols)


def test_basket_weights_are_one_per_member_and_positive() -> None:
    settings = parse_settings(
        "[[baskets]]\nname = 'W'\nsymbols = ['A', 'B', 'C']\nweights = [2, 1, 1]\n"
    )
    assert settings.baskets[0].member_weights() == {"A": 0.5, "B": 0.25, "C": 0.25}
    assert parse_settings("[[baskets]]\nname = 'E'\nsymbols = ['A', 'B']\n").baskets[
        0
    ].member_weights() == {"A": 0.5, "B": 0.5}
    assert only_problem(
        "[[baskets]]\nname = 'W'\nsymbols = ['A', 'B', 'C']\nweights = [2, 1]\n"
    ) == (
        "baskets[0].weights: expected one weight per symbol (3), found 2 (or none at all, for "
        "equal weights)"
    )
    assert only_problem(
        "[[baskets]]\nname = 'W'\nsymbols = ['A', 'B']\nweights = [1, 0]\n"
    ).startswith("baskets[0].weights[1]: expected more than 0, found 0")


def test_watchlists_are_checked_like_every_symbol_list() -> None:
    settings = parse_settings(
        "[[watchlists]]\nname = 'Mine'\nsymbols = ['brk.b', 'msft']\n"
        "[[watchlists]]\nname = 'Later'\nsymbols = []\n"
    )
    assert settings.watchlists == (
        Watchlist("Mine", ("BRK-B", "MSFT")),
        Watchlist("Later", ()),
    )
    assert problems_of(
        "[[watchlists]]\nname = 'Mine'\nsymbols = ['MSFT', 'msft', 'not a ticker']\n"
        "[[watchlists]]\nname = ' '\nsymbols = []\n"
    ) == [
        "watchlists[0].symbols[2]: `not a ticker` is not a ticker symbol: use letters, digits "
        "and . - ^ = (at most 15 characters)",
        "watchlists[0].symbols[1]: `MSFT` is already listed at watchlists[0].symbols[0]",
        'watchlists[1].name: expected a non-empty string, found " "',
    ]
    assert only_problem(
        "[[watchlists]]\nname = 'Mine'\nsymbols = []\n[[watchlists]]\nname = 'mine'\nsymbols = []\n"
    ) == ("watchlists[1].name: the name `mine` is already used by watchlists[0]")
    too_many = [f"S{index}" for index in range(201)]
    assert only_problem(f"[[watchlists]]\nname = 'Wide'\nsymbols = {too_many!r}\n").startswith(
        "watchlists[0].symbols: expected at most 200 symbols, found 201 (each is quoted"
    )


def test_the_layout_names_four_panes_each_once() -> None:
    settings = parse_settings('[layout]\npanes = ["indices", "watchlist", "shorts", "sectors"]\n')
    assert settings.layout.panes == ("indices", "watchlist", "shorts", "sectors")
    assert problems_of('[layout]\npanes = ["indices", "indices", "watchlst"]\n') == [
        'layout.panes[2]: expected one of "indices", "sectors", "shorts", "correlations" or '
        '"watchlist", found "watchlst" (did you mean "watchlist"?)',
        "layout.panes[1]: `indices` is already shown at layout.panes[0]",
        "layout.panes: expected 4 panes, found 3 (the dashboard has 4 places: name the pane "
        "for each)",
    ]


def test_key_bindings_are_normalized_to_textual_key_names() -> None:
    settings = parse_settings(
        """
        [keys]
        help = "?, F1"
        find = "/"
        quit = "ctrl+q , Q"
        next_pane = "Ctrl+Shift+Right"
        back = "escape,~"
        watch_remove = "delete,-"
        """
    )
    assert settings.keys == {
        "help": "question_mark,f1",
        "find": "slash",
        "quit": "ctrl+q,Q",
        "next_pane": "ctrl+shift+right",
        "back": "escape,tilde",
        "watch_remove": "delete,minus",
    }


def test_the_example_file_names_exactly_the_binding_ids() -> None:
    comments = " ".join(
        line.removeprefix("#").strip()
        for line in example_config_text().splitlines()
        if line.startswith("#")
    )
    listed = re.search(r"Bindings: ([\w, ]+)\.", comments)
    assert listed is not None
    assert listed.group(1).split(", ") == list(BINDING_IDS)


def test_every_binding_id_is_accepted() -> None:
    keys = {binding_id: f"f{number}" for number, binding_id in enumerate(BINDING_IDS, start=1)}
    text = "[keys]\n" + "".join(f'{name} = "{key}"\n' for name, key in keys.items())
    assert parse_settings(text).keys == keys


# --- problems, one kind at a time ---------------------------------------------------------------

PROBLEMS = [
    # wrong types
    ("theme = 3", "theme: expected a string, found 3"),
    ("[correlation]\nwindow = 60.0", "correlation.window: expected a whole number, found 60.0"),
    ("[correlation]\nwindow = true", "correlation.window: expected a whole number, found true"),
    ('[refresh]\nquotes = "15"', 'refresh.quotes: expected a number, found "15"'),
    ("[refresh]\nquotes = nan", "refresh.quotes: expected a finite number, found nan"),
    ("refresh = 5", "refresh: expected a table, found 5"),
    ('baskets = "Mag 7"', 'baskets: expected an array of tables, found "Mag 7"'),
    ("[shorted]\nwatchlist = [1]", "shorted.watchlist[0]: expected a string, found 1"),
    ("[keys]\nquit = 1", "keys.quit: expected a string, found 1"),
    ("theme = 2026-02-11", "theme: expected a string, found the date/time 2026-02-11"),
    ('[[indices]]\nsymbol = "^VIX"', "indices[0].label: missing key (expected a string)"),
    # choices, with a suggestion when one is close
    (
        'source = "dmeo"',
        'expected one of "live", "demo", "files" or "remote", found "dmeo" (did you mean "demo"?)',
    ),
    ('[sources.yahoo]\nintraday_interval = "1h"', 'expected one of "1m" or "5m", found "1h"'),
    # unknown keys
    ("[refresh]\nquote = 5", "refresh.quote: unknown key (did you mean `refresh.quotes`?)"),
    ("[sources.yahoo]\nbase_ur = 'x'", "did you mean `sources.yahoo.base_url`?"),
    ("path = '/tmp/x.toml'", "path: unknown key (valid keys here: source, theme,"),
    (
        "[[baskets]]\nname = 'a'\nsymbols = ['A', 'B']\nsymbol = 'C'",
        "baskets[0].symbol: unknown key (did you mean `baskets[0].symbols`?)",
    ),
    # ranges
    ("[refresh]\nquotes = 0.5", "refresh.quotes: expected at least 1 s, found 0.5"),
    ("[refresh]\nshares = 0", "refresh.shares: expected at least 1 s, found 0"),
    ("[correlation]\nwindow = 4", "correlation.window: expected 5 to 250 trading days, found 4"),
    (
        "[correlation]\nwindow = 251",
        "correlation.window: expected 5 to 250 trading days, found 251",
    ),
    (
        "[correlation]\nhistory = 19",
        "correlation.history: expected 20 to 1000 trading days, found 19",
    ),
    ("[correlation]\nhistory = 1001", "correlation.history: expected 20 to 1000 trading days"),
    ("[shorted]\nrows = 0", "shorted.rows: expected 1 to 500 rows, found 0"),
    ("[shorted]\nrows = 501", "shorted.rows: expected 1 to 500 rows, found 501"),
    ("[shorted]\nmin_price = -1", "shorted.min_price: expected at least 0, found -1"),
    ("[shorted]\nmin_avg_volume = -5", "shorted.min_avg_volume: expected at least 0, found -5"),
    (
        "[demo]\nspeed = 0",
        "demo.speed: expected more than 0 and at most 600 market minutes a second, found 0",
    ),
    ("[demo]\nspeed = 600.5", "demo.speed: expected more than 0 and at most 600"),
    ("[http]\nconnect_timeout = 0", "http.connect_timeout: expected more than 0 s, found 0"),
    ("[http]\nread_timeout = -1", "http.read_timeout: expected more than 0 s, found -1"),
    ("[http]\nrequest_deadline = 0", "http.request_deadline: expected more than 0 and at most 600"),
    ("[http]\nrequest_deadline = 601", "http.request_deadline: expected more than 0 and at most"),
    (
        "[http]\nper_host_concurrency = 0",
        "http.per_host_concurrency: expected 1 to 64 requests, found 0",
    ),
    ("[http]\nper_host_concurrency = 65", "http.per_host_concurrency: expected 1 to 64"),
    ("[http]\nretries = -1", "http.retries: expected 0 to 10 retries, found -1"),
    ("[http]\nretries = 11", "http.retries: expected 0 to 10 retries, found 11"),
    # strings that must say something
    ('theme = "nrod"', 'theme: unknown theme "nrod" (did you mean `nord`?)'),
    ('theme = "  "', 'theme: unknown theme "  " (themes: textual-dark, textual-light, nord'),
    ('[http]\nuser_agent = ""', 'http.user_agent: expected a non-empty string, found ""'),
    (
        "[sources.finra]\nbase_url = 'cdn.finra.org'",
        'sources.finra.base_url: expected an http:// or https:// URL, found "cdn.finra.org"',
    ),
    (
        "[sources.sec]\ntickers_url = 'ftp://x'",
        "sources.sec.tickers_url: expected an http:// or https:// URL",
    ),
    (
        "[sources.ssga]\nbase_url = 'www.ssga.com/library-content'",
        "sources.ssga.base_url: expected an http:// or https:// URL",
    ),
    # a desk's feed
    (
        'source = "remote"',
        "sources.remote.url: expected the NATS server `tapewatch feed` publishes to when source "
        'is "remote", such as "nats://desk-host:4222", found ""',
    ),
    (
        "[sources.remote]\nurl = 'http://desk:4222'",
        "sources.remote.url: expected a NATS server's URL (nats://, tls://, ws://, wss://) such "
        'as "nats://desk-host:4222", found "http://desk:4222"',
    ),
    ("[sources.remote]\nurl = 'nats://:4222'", "sources.remote.url: expected a NATS server's"),
    ("[sources.remote]\nurl = 'nats://desk:port'", "sources.remote.url: expected a NATS server"),
    (
        "[sources.remote]\nurl = 'nats://alice:secret@'",
        "found a URL with credentials in it",
    ),
    (
        "[sources.remote]\ncreds_file = '/no/such/desk.creds'",
        'sources.remote.creds_file: no such file: "/no/such/desk.creds"',
    ),
    # symbols, names and baskets
    (
        'benchmark = "S&P"',
        "benchmark: `S&P` is not a ticker symbol: use letters, digits and . - ^ = "
        "(at most 15 characters)",
    ),
    ("[[indices]]\nsymbol = ''\nlabel = 'x'", "indices[0].symbol: a ticker symbol cannot be empty"),
    (
        "[[indices]]\nsymbol = 'A'\nlabel = ''",
        'indices[0].label: expected a non-empty string, found ""',
    ),
    (
        "[[sectors]]\nsymbol = 'XLK'\nname = 'Tech'\n[[sectors]]\nsymbol = 'xlk'\nname = 'Again'",
        "sectors[1].symbol: the symbol `XLK` is already used by sectors[0]",
    ),
    (
        "[[indices]]\nsymbol = 'A'\nlabel = 'a'\n[[indices]]\nsymbol = 'A'\nlabel = 'b'",
        "indices[1].symbol: the symbol `A` is already used by indices[0]",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = ['A', 'MS FT']",
        "baskets[0].symbols[1]: `MS FT` is not a ticker symbol",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = ['A', 'B', 'a']",
        "baskets[0].symbols[2]: `A` is already listed at baskets[0].symbols[0]",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = ['BRK.B', 'A', 'BRK/B']",
        "baskets[0].symbols[2]: `BRK-B` is already listed at baskets[0].symbols[0]",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = ['A']",
        "baskets[0].symbols: expected at least 2 symbols, found 1 "
        "(a basket's correlation needs pairs)",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = [" + ", ".join(f"'S{i}'" for i in range(1001)) + "]",
        "baskets[0].symbols: expected at most 1000 symbols, found 1001 (the Correlations pane "
        "is built to refresh a basket of up to 1000 members in under 200 ms and 300 MB",
    ),
    (
        "[[baskets]]\nname = ' '\nsymbols = ['A', 'B']",
        'baskets[0].name: expected a non-empty string, found " "',
    ),
    (
        "[[baskets]]\nname = 'Chips'\nsymbols = ['A', 'B']\n"
        "[[baskets]]\nname = 'chips '\nsymbols = ['C', 'D']",
        "baskets[1].name: the name `chips` is already used by baskets[0]",
    ),
    (
        "[[baskets]]\nname = 'x'\nsymbols = ['A', 'B']\nbenchmark = 'X/YZ'",
        "baskets[0].benchmark: `X/YZ` is not a ticker symbol",
    ),
    ("[[baskets]]\nsymbols = ['A', 'B']", "baskets[0].name: missing key (expected a string)"),
    (
        "[shorted]\nwatchlist = ['GME', 'gme']",
        "shorted.watchlist[1]: `GME` is already listed at shorted.watchlist[0]",
    ),
    # settings that need one another
    (
        "[shorted]\nuniverse = 'watchlist'",
        'shorted.watchlist: expected at least one symbol when universe is "watchlist"',
    ),
    (
        "source = 'files'",
        'sources.files.bars: expected a folder or file of daily bars when source is "files"',
    ),
    # key bindings
    ("[keys]\nfnd = 'f'", "keys.fnd: unknown binding (did you mean `keys.find`?)"),
    ("[keys]\nxyzzy = 'f'", "keys.xyzzy: unknown binding (bindings: quit, help,"),
    ("[keys]\nquit = ''", "keys.quit: a key name is empty; expected key names separated by commas"),
    ("[keys]\nquit = 'q,,x'", "keys.quit: a key name is empty"),
    (
        "[keys]\nquit = 'ctl+q'",
        "keys.quit: `ctl` in `ctl+q` is not a modifier (use ctrl, shift, alt, meta, super, hyper)",
    ),
    (
        "[keys]\nquit = 'page up'",
        "keys.quit: `page up` is not a key name; expected key names separated by commas, "
        'such as "ctrl+q,f10", found "page up"',
    ),
    ("[keys]\nquit = 'ctrl+'", "keys.quit: `ctrl+` is not a key name"),
    (
        "[keys]\nquit = 'ctrl+b'",
        "keys.quit: `ctrl+b` is tmux's prefix key: inside a terminal multiplexer it never "
        "reaches tapewatch",
    ),
    ("[keys]\nquit = 'q,Ctrl+A'", "keys.quit: `ctrl+A` is GNU screen's command key"),
    ("[keys]\nrefresh = 'r,f5'\nsort = 'R,r'", "keys.sort: `r` is also bound to `refresh`"),
    (
        "[keys]\nhelp = 'q'",
        "keys.help: `q` is the only key of `quit`: `help` would take it and leave `quit` "
        "without a key (choose another key, or give `quit` one under [keys])",
    ),
    ("[keys]\nsort = 'enter'", "keys.sort: `enter` is the only key of `table.activate`"),
    ("[keys]\nfind = 'S'", "keys.find: `S` is the only key of `reverse_sort`"),
    # the file itself
    (
        "[refresh\nquotes = 5",
        "TOML syntax error: Expected ']' at the end of a table declaration (at line 1, column 9)",
    ),
    (
        "theme = 'a'\ntheme = 'b'\n",
        "TOML syntax error: Cannot overwrite a value (at line 2, column 12)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), PROBLEMS)
def test_each_kind_of_problem_is_reported_with_its_key_and_reason(text: str, expected: str) -> None:
    assert expected in only_problem(text)


def test_a_key_may_move_to_another_binding_when_its_own_binding_gets_another() -> None:
    settings = parse_settings('[keys]\nhelp = "q"\nquit = "ctrl+q"\nsort = "j"\n')
    assert settings.keys == {"help": "q", "quit": "ctrl+q", "sort": "j"}  # j: k still moves
    assert parse_settings('theme = "tapewatch-colorblind"\n').theme == "tapewatch-colorblind"


def test_every_problem_in_a_file_is_reported_together() -> None:
    problems = problems_of(
        """
        source = "dmeo"
        [refresh]
        quote = 5
        daily = 0
        [[baskets]]
        name = "Software"
        symbols = ["MSFT", "MS FT", "CRM", "MSFT"]
        [[baskets]]
        name = "Lonely"
        symbols = ["IBM"]
        [keys]
        quit = "ctrl+b"
        [http]
        retries = "3"
        """
    )
    keys = [problem.split(":")[0] for problem in problems]
    assert keys == [
        "source",
        "baskets[0].symbols[1]",
        "baskets[0].symbols[3]",
        "baskets[1].symbols",
        "refresh.quote",
        "refresh.daily",
        "http.retries",
        "keys.quit",
    ]


def test_the_report_names_the_file_and_counts_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = 1\n[[indices]]\nsymbol = 'A'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.path == path
    assert caught.value.report() == (
        f"2 problems in {path} (array positions count from 0):\n"
        "  theme: expected a string, found 1\n"
        "  indices[0].label: missing key (expected a string)"
    )
    assert str(caught.value) == caught.value.report()


def test_a_single_problem_reads_in_the_singular() -> None:
    error = ConfigError(None, [ConfigProblem("", "TOML syntax error: x")])
    assert error.report() == "1 problem in the settings:\n  TOML syntax error: x"


def test_long_strings_are_shortened_in_reports() -> None:
    problem = only_problem(f'[http]\nretries = "{"x" * 100}"')
    assert problem == f'http.retries: expected a whole number, found "{"x" * 59}…"'


# --- where the file comes from -------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_explicit_path_wins_over_the_environment(tmp_path: Path) -> None:
    explicit = write(tmp_path / "explicit.toml", 'theme = "nord"\n')
    from_env = write(tmp_path / "env.toml", 'theme = "dracula"\n')
    settings = load_settings(explicit, env={"TAPEWATCH_CONFIG": str(from_env)})
    assert settings.theme == "nord"
    assert settings.path == explicit


def test_the_environment_wins_over_the_default_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "tapewatch").mkdir()
    write(tmp_path / "tapewatch" / "config.toml", 'theme = "monokai"\n')
    from_env = write(tmp_path / "env.toml", 'theme = "dracula"\n')
    settings = load_settings(env={"TAPEWATCH_CONFIG": str(from_env)})
    assert settings.theme == "dracula"
    assert settings.path == from_env
    assert locate_config(env={"TAPEWATCH_CONFIG": str(from_env)}).origin == "TAPEWATCH_CONFIG"
    assert locate_config(env={"TAPEWATCH_CONFIG": "  "}).origin == "default"


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml", env={})
    assert [str(problem) for problem in caught.value.problems] == [
        "file not found (named by --config)"
    ]


def test_a_missing_file_named_by_the_environment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"TAPEWATCH_CONFIG": str(tmp_path / "nope.toml")})
    assert caught.value.path == tmp_path / "nope.toml"
    assert str(caught.value.problems[0]) == "file not found (named by TAPEWATCH_CONFIG)"


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path, env={})  # a folder, not a file


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('theme = "café"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(bad byte at offset 12\)"):
        load_settings(path, env={})


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes('theme = "nord"\n'.encode("utf-8-sig"))
    assert load_settings(path, env={}).theme == "nord"


def test_a_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "mine.toml", 'theme = "nord"\n')
    assert load_settings(Path("~/mine.toml"), env={}).theme == "nord"
    assert load_settings(env={"TAPEWATCH_CONFIG": "~/mine.toml"}).path == tmp_path / "mine.toml"


# --- hostile files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "value", "found"),
    [
        ("http", "user_agent", "tapewatch\\r\\nX-Injected: 1", "U+000D at character 10"),
        ("http", "user_agent", "tapewatch\\u0000", "U+0000 at character 10"),
        ("sources.sec", "contact", "José jose@example.com", "U+00E9 at character 4"),
    ],
)
def test_header_values_must_be_printable_ascii_on_one_line(
    table: str, key: str, value: str, found: str
) -> None:
    assert only_problem(f'[{table}]\n{key} = "{value}"') == (
        f"{table}.{key}: expected printable ASCII on one line (it is sent in an HTTP header), "
        f"found {found}"
    )


def test_labels_shown_on_screen_lose_their_control_characters() -> None:
    settings = parse_settings(
        '[[indices]]\nsymbol = "^GSPC"\nlabel = "S&P\\u001b]0;PWNED\\u0007 500"\n'
        '[[baskets]]\nname = "[b]Mine[/b]\\u001b[2J"\nsymbols = ["AAPL", "MSFT"]\n'
    )
    assert settings.indices[0].label == "S&P 500"
    assert settings.baskets[0].name == "[b]Mine[/b]"  # markup is text: shown as it is written


def test_a_label_of_nothing_but_control_characters_is_empty() -> None:
    assert only_problem('[[indices]]\nsymbol = "^GSPC"\nlabel = "\\u001b[2J"') == (
        'indices[0].label: expected a non-empty string, found ""'
    )


def test_quoted_keys_and_values_are_cut_and_plain() -> None:
    problems = problems_of(f'"{"k" * 100_000}\\u001b[2J" = 1\nbenchmark = "\\u001b]0;x\\u0007A B"')
    assert all(len(problem) < 600 and "\x1b" not in problem for problem in problems)
    assert problems[0].startswith("k" * 39 + "…: unknown key")


def test_a_config_larger_than_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"#" * (tui.config.loading.CONFIG_SIZE_LIMIT + 1))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert [str(problem) for problem in caught.value.problems] == [
        "cannot read the file: larger than 4 MB"
    ]


def test_the_stream_and_the_demos_start_are_read_and_checked() -> None:
    settings = parse_settings(
        '[stream]\nprovider = "finnhub"\nkey_file = "~/.finnhub"\nurl = "wss://example.test/ws"\n'
        'live_quotes = 30\n[demo]\nstart = "8:05"\n'
    )
    assert (settings.stream.provider, settings.stream.key_file) == ("finnhub", "~/.finnhub")
    assert (settings.stream.url, settings.stream.live_quotes) == ("wss://example.test/ws", 30.0)
    assert settings.demo.start == "08:05"
    assert problems_of(
        '[stream]\nprovider = "alpacca"\nurl = "https://x"\nlive_quotes = 0.5\n'
        '[demo]\nstart = "21:00"\n'
    ) == [
        'demo.start: expected a New York time from "04:00" (pre-market) to "20:00", found "21:00"',
        'stream.provider: expected one of "yahoo", "alpaca", "finnhub" or "off", found "alpacca" '
        '(did you mean "alpaca"?)',
        'stream.url: expected a ws:// or wss:// URL (or "" for the provider\'s own), found '
        '"https://x"',
        "stream.live_quotes: expected at least 1 s, found 0.5 (polling faster than once a second "
        "would hammer the sources)",
    ]
