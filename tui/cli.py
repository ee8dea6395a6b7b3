"""The command line: arguments -> settings -> the monitor, or a headless subcommand.

Every command that needs textual, polars or httpx imports it when it runs, so `tapewatch --help`,
`--version` and the config commands answer at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import tui
from tui import market_hours
from tui.config import (
    CONFIG_ENV_VAR,
    ConfigError,
    ConfigLocation,
    Settings,
    example_config_text,
    expand_path,
    load_settings,
    locate_config,
    nats_url_problem,
)
from tui.plain import shown

if TYPE_CHECKING:
    from tui.desk.options import NatsOptions

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # a bad argument or config file, as argparse exits on usage errors
EXIT_INTERRUPTED = 130  # the shell's convention for a process ended by ctrl+c
# `--record` without a PATH: the user data folder's recordings (looked up when it runs).
DEFAULT_RECORDING = Path("<recordings>")

if TYPE_CHECKING:
    from tui.sources.base import Source

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `tapewatch` command line; returns the process exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error already printed
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as error:  # e.g. a --config of ~nouser/x.toml, in any command
        _error(error.report())
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


class VersionAction(argparse.Action):
    """`--version`, with the version looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"tapewatch {tui.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `tapewatch` and its subcommands."""
    # Options shared by every command, accepted before or after the command name. SUPPRESS
    # keeps a subcommand's parser from overwriting a value given before the command.
    config_option = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    config_option.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help=f"read settings from PATH (default: ${CONFIG_ENV_VAR}, else the user config folder)",
    )
    demo_option = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    demo_option.add_argument(
        "--demo", action="store_true", help="use the embedded demo market (no network)"
    )
    as_of_option = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    as_of_option.add_argument(
        "--as-of",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="show the market as it stood at the close of this date",
    )

    parser = argparse.ArgumentParser(
        prog="tapewatch",
        description=(
            "A terminal market monitor: index moves, sector flows, the most shorted names and "
            "basket correlations. With no command, runs the monitor."
        ),
        parents=[config_option, demo_option, as_of_option],
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--record",
        nargs="?",
        const=DEFAULT_RECORDING,
        type=Path,
        metavar="PATH",
        help="keep every frame and tick that arrives in a log under PATH "
        "(default: the user data folder's recordings); play it with `tapewatch replay`",
    )
    parser.set_defaults(handler=_run_monitor)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    config = commands.add_parser(
        "config",
        parents=[config_option],
        help="show, create or check the config file",
        description="Show, create or check the config file.",
    )
    config_actions = config.add_subparsers(title="actions", metavar="ACTION", required=True)
    config_path = config_actions.add_parser(
        "path",
        parents=[config_option],
        help="print the config file in use and whether it exists",
        description="Print the config file in use and whether it exists.",
    )
    config_path.set_defaults(handler=_config_path)
    config_init = config_actions.add_parser(
        "init",
        parents=[config_option],
        help="write the commented example config (never overwrites a file)",
        description="Write the commented example config, which lists every setting.",
    )
    config_init.add_argument(
        "--path", type=Path, metavar="P", help="where to write it (default: the config in use)"
    )
    config_init.set_defaults(handler=_config_init)
    config_check = config_actions.add_parser(
        "check",
        parents=[config_option],
        help="validate a config file and list every problem",
        description="Validate a config file and list every problem in it.",
    )
    config_check.add_argument(
        "file", nargs="?", type=Path, metavar="PATH", help="the file (default: the config in use)"
    )
    config_check.set_defaults(handler=_config_check)

    snapshot = commands.add_parser(
        "snapshot",
        parents=[config_option, demo_option, as_of_option],
        help="print the panes' figures once, without the interface",
        description="Fetch the data once and print the panes' figures, without the interface.",
    )
    snapshot.add_argument("--json", action="store_true", help="print JSON instead of text")
    snapshot.set_defaults(handler=_snapshot)

    alerts = commands.add_parser(
        "alerts",
        parents=[config_option, demo_option, as_of_option],
        help="evaluate every alert rule once and print the true ones (exit status 1 if any)",
        description="Fetch the data once, evaluate every alert rule (the config's and those made "
        "in the app) and print the ones that are true: exit status 1 when any is, 0 when none "
        "is, 2 on a config error. --history prints the alert log instead.",
    )
    alerts.add_argument("--json", action="store_true", help="print JSON instead of text")
    alerts.add_argument(
        "--history", action="store_true", help="print the alert log (every firing) instead"
    )
    alerts.set_defaults(handler=_alerts)

    # Where a desk's NATS server is: for `feed` and `doctor`, over the config's [sources.remote].
    nats_options = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    nats_options.add_argument(
        "--nats",
        metavar="URL",
        help="the desk's NATS server: nats://host:4222, tls://host:4222 "
        "(default: [sources.remote] url in the config)",
    )
    nats_options.add_argument(
        "--creds", type=Path, metavar="PATH", help="a NATS credentials (.creds) file"
    )
    nats_options.add_argument(
        "--tls-ca", type=Path, metavar="PATH", help="trust this CA bundle for the server's TLS"
    )

    doctor = commands.add_parser(
        "doctor",
        parents=[config_option, demo_option, nats_options],
        help="check each data source end to end and report what works",
        description="Check each data source end to end (reach it, parse its reply, find a "
        "known symbol) and report source, status, latency and the error in plain words. "
        'With --nats (or source = "remote"): check the desk\'s NATS server, its bucket and '
        "the age of every dataset the feed publishes.",
    )
    doctor.set_defaults(handler=_doctor)

    feed = commands.add_parser(
        "feed",
        parents=[config_option, demo_option, as_of_option, nats_options],
        help="poll the sources headless and publish every dataset to a desk's NATS server",
        description="Run the monitor's scheduler and sources with no interface, and publish "
        "each dataset's latest frame after every poll to the NATS JetStream bucket `tapewatch` "
        'for the desk\'s monitors (source = "remote"); answer their requests for other '
        "symbols. Stops cleanly on ctrl+c or SIGTERM.",
    )
    feed.set_defaults(handler=_feed)

    serve = commands.add_parser(
        "serve",
        parents=[config_option, demo_option, as_of_option],
        help="serve the monitor to web browsers (no authentication: loopback by default)",
        description="Serve the monitor to web browsers: each page runs its own monitor with "
        "these options. There is no authentication, so it listens on 127.0.0.1 unless "
        "--public is given.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--public",
        action="store_true",
        help="allow an address other than loopback: anyone who can reach it gets the monitor",
    )
    serve.set_defaults(handler=_serve)

    replay = commands.add_parser(
        "replay",
        parents=[config_option],
        help="play a session recorded with --record back through the monitor",
        description="Play a session recorded with `tapewatch --record` back through the same "
        "panes, labelled REPLAY. Keys: p pause or resume, n one frame, > faster, < slower.",
    )
    replay.add_argument("path", type=Path, metavar="PATH", help="the recording's folder")
    replay.add_argument(
        "--speed", type=parse_speed, default=1.0, help="times real time (default 1; 10: ten times)"
    )
    replay.add_argument(
        "--from",
        dest="start",
        type=parse_clock_time,
        metavar="HH:MM",
        help="start at this New York time of the recording's first day",
    )
    replay.set_defaults(handler=_replay)

    cache = commands.add_parser(
        "cache",
        parents=[config_option],
        help="print the data cache's folder, or clear it",
        description="Print the on-disk data cache's folder, or delete the cached files.",
    )
    cache.add_argument("action", choices=["path", "clear"], help="path: print it; clear: empty it")
    cache.set_defaults(handler=_cache)
    return parser


def parse_date(text: str) -> dt.date:
    """An ``--as-of`` value: an ISO date such as 2026-02-11, not before EARLIEST_DATE."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{shown(text)}` is not a date: use YYYY-MM-DD") from None
    if day < market_hours.EARLIEST_DATE:
        raise argparse.ArgumentTypeError(
            f"{day} is before {market_hours.EARLIEST_DATE}: no source has data that old"
        )
    return day


def parse_speed(text: str) -> float:
    """A ``--speed`` value: how many times real time, more than 0 and at most 600."""
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number") from None
    if not 0 < speed <= 600:
        raise argparse.ArgumentTypeError(f"`{text}`: a speed is more than 0 and at most 600")
    return speed


def parse_clock_time(text: str) -> dt.time:
    """A ``--from`` value: a New York time such as 10:30."""
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a time: use HH:MM") from None


def _error(message: str) -> None:
    print(f"tapewatch: {message}", file=sys.stderr)


def _settings(args: argparse.Namespace) -> Settings | None:
    """The validated settings with the command line's overrides; None (reported) on errors."""
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as error:
        _error(error.report())
        return None
    if getattr(args, "demo", False):
        settings = replace(settings, source="demo")
    return settings


def latest_closed_session(settings: Settings, now: dt.datetime) -> dt.date:
    """The newest session whose close has passed: in the demo market's own calendar, or the
    real one."""
    if settings.source == "demo":
        from tui.sources.demo import SESSION_DATE

        return market_hours.previous_trading_day(SESSION_DATE)
    latest = market_hours.last_session_date(now)
    if market_hours.session_close(latest) > now:
        latest = market_hours.previous_trading_day(latest)
    return latest


def _as_of_problem(args: argparse.Namespace, settings: Settings) -> str | None:
    """Why ``--as-of`` cannot be replayed, if it cannot: a replay needs a closed session."""
    as_of: dt.date | None = getattr(args, "as_of", None)
    if as_of is None:
        return None
    if settings.source == "remote":
        return (
            f'--as-of {as_of}: a monitor on source = "remote" shows what the desk\'s feed '
            "publishes; replay on the feed (`tapewatch feed --as-of`)"
        )
    latest = latest_closed_session(settings, dt.datetime.now(dt.UTC))
    if as_of > latest:
        market = "the demo market" if settings.source == "demo" else "the market"
        return (
            f"--as-of {as_of}: that session has not closed yet in {market}; "
            f"the latest closed session is {latest}"
        )
    return None


def _run_monitor(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    if problem := _as_of_problem(args, settings):
        _error(problem)
        return EXIT_USAGE
    from tui.app import run_app

    as_of = getattr(args, "as_of", None)
    record = getattr(args, "record", None)
    if record is None:
        return run_app(settings, as_of=as_of)
    if record is DEFAULT_RECORDING:
        from tui.recording import default_recordings_folder

        record = default_recordings_folder()
    return run_app(settings, as_of=as_of, record=record)


def _replay(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    path: Path = args.path.expanduser()
    if not path.is_dir() or not any(
        child.is_dir() and len(child.name) == 10 and child.name[4] == "-"
        for child in path.iterdir()
    ):
        _error(f"{path} holds no recording (record one with `tapewatch --record {path}`)")
        return EXIT_USAGE
    speed: float = args.speed
    start: dt.time | None = args.start

    def replay_source(settings: Settings, as_of: dt.date | None) -> Source:
        from tui.playback import ReplaySource, replay_start
        from tui.recording import read_recording

        recording = read_recording(path)
        return ReplaySource(recording, speed=speed, start=replay_start(recording, start))

    from tui.app import run_app

    return run_app(replace(settings, source="live"), source_factory=replay_source)


def _snapshot(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    if problem := _as_of_problem(args, settings):
        _error(problem)
        return EXIT_USAGE
    from tui.logs import configure_file_logging
    from tui.snapshot import run_snapshot
    from tui.watchlists import WatchlistStore, load_book

    configure_file_logging()  # failed requests are logged, as in the monitor
    # The watchlists as the monitor shows them: with the edits made in it.
    edited = load_book(settings.watchlists, WatchlistStore()).lists()
    return run_snapshot(
        replace(settings, watchlists=edited), as_json=args.json, as_of=getattr(args, "as_of", None)
    )


def _alerts(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    if args.history:
        from tui.alerts.headless import print_history

        return print_history(as_json=args.json)
    if problem := _as_of_problem(args, settings):
        _error(problem)
        return EXIT_USAGE
    from tui.alerts.headless import run_alerts
    from tui.logs import configure_file_logging

    configure_file_logging()
    return run_alerts(settings, as_json=args.json, as_of=getattr(args, "as_of", None))


def _nats_options(args: argparse.Namespace, settings: Settings, name: str) -> NatsOptions | None:
    """Where the desk's NATS server is: the command line over [sources.remote]; None (the
    problem said) when there is no usable URL or a named file is missing."""
    from tui.desk.options import options_from_settings

    remote = settings.sources.remote
    if (url := getattr(args, "nats", None)) is not None:
        remote = replace(remote, url=url.strip())
    if (creds := getattr(args, "creds", None)) is not None:
        remote = replace(remote, creds_file=str(creds))
    if (tls_ca := getattr(args, "tls_ca", None)) is not None:
        remote = replace(remote, tls_ca_file=str(tls_ca))
    if not remote.url:
        _error("where is the desk's NATS server? Give --nats nats://host:4222")
        return None
    if problem := nats_url_problem(remote.url):
        _error(f"--nats: {problem}")
        return None
    options = options_from_settings(remote, name=name)
    for flag, path in (("--creds", options.creds_file), ("--tls-ca", options.tls_ca_file)):
        if path is not None and not path.is_file():
            _error(f"{flag}: no such file: {path}")
            return None
    return options


def _doctor(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    from tui.logs import configure_file_logging

    if getattr(args, "nats", None) is not None or settings.source == "remote":
        options = _nats_options(args, settings, "tapewatch doctor")
        if options is None:
            return EXIT_USAGE
        from tui.doctor import run_nats_doctor

        configure_file_logging()
        return run_nats_doctor(settings, options)
    from tui.doctor import run_doctor

    configure_file_logging()
    return run_doctor(settings)


def _feed(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    if settings.source == "remote":
        _error(
            'the feed polls the sources itself: its config cannot say source = "remote" '
            "(use live, demo or files)"
        )
        return EXIT_USAGE
    if problem := _as_of_problem(args, settings):
        _error(problem)
        return EXIT_USAGE
    options = _nats_options(args, settings, "tapewatch feed")
    if options is None:
        return EXIT_USAGE
    from tui.daemon import run_feed

    return run_feed(settings, options, as_of=getattr(args, "as_of", None))


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a bad config fails here, not in every browser's session
    if settings is None:
        return EXIT_USAGE
    if problem := _as_of_problem(args, settings):
        _error(problem)
        return EXIT_USAGE
    app_args: list[str] = []
    if (config := getattr(args, "config", None)) is not None:
        app_args += ["--config", str(Path(config).expanduser().resolve())]
    if getattr(args, "demo", False):
        app_args.append("--demo")
    if (as_of := getattr(args, "as_of", None)) is not None:
        app_args += ["--as-of", as_of.isoformat()]
    from tui.serve import run_serve

    return run_serve(host=args.host, port=args.port, public=args.public, app_args=app_args)


def _cache(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_USAGE
    from tui.cache import cache_command

    return cache_command(settings, args.action)


def _origin_text(location: ConfigLocation) -> str:
    if location.origin == "default":
        return "the default location"
    if location.origin == "--config":
        return "named by --config"
    return f"named by ${CONFIG_ENV_VAR}"


def _config_path(args: argparse.Namespace) -> int:
    location = locate_config(getattr(args, "config", None))
    print(location.path)
    origin = _origin_text(location)
    if location.path.is_file():
        print(f"  exists ({origin})")
    elif location.required:
        print(f"  does not exist ({origin}): tapewatch will not start until it does")
    else:
        print(
            f"  does not exist ({origin}): the defaults apply; "
            "`tapewatch config init` writes a commented copy"
        )
    return EXIT_OK


def _config_init(args: argparse.Namespace) -> int:
    target: Path = args.path or locate_config(getattr(args, "config", None)).path
    target = expand_path(target)
    if target.exists():
        _error(f"{target} already exists; not overwritten (use --path to write elsewhere)")
        return EXIT_FAILURE
    try:
        text = example_config_text()
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as file:  # "x": never overwrite, even in a race
            file.write(text)
    except OSError as error:
        _error(f"cannot write {target}: {error.strerror or error}")
        return EXIT_FAILURE
    print(f"Wrote {target}")
    return EXIT_OK


def _config_check(args: argparse.Namespace) -> int:
    path: Path | None = args.file or getattr(args, "config", None)
    try:
        settings = load_settings(path)
    except ConfigError as error:
        _error(error.report())
        return EXIT_USAGE
    if settings.path is None:
        location = locate_config(path)
        print(f"OK: {location.path} does not exist, so the defaults apply")
    else:
        print(f"OK: {settings.path}")
    return EXIT_OK
