"""Watchlists: the config's lists, the user's edits made in the app, and the file those edits are
kept in. No textual.

The config file is never rewritten. What the user does in the app (`+` adds a ticker, `-` removes
one) is kept per list as two sets of changes, saved in the user data folder
(``watchlists.json``): the symbols added and the symbols removed. A list then shows its config
symbols less the removed ones, followed by the added ones. So an edit made in the app survives a
restart, and a change made in the config file still counts: a symbol added there shows up unless
the user removed it in the app. Edits to a list the config no longer names are kept (renaming the
list back brings them back) but shown nowhere.

The file is written atomically (a temporary file in the same folder, then renamed over the old
one), so a crash mid-write leaves the previous edits whole. A file that cannot be read is set
aside (renamed ``watchlists.json.unreadable``) with a log line, never a crash; so is anything but
a regular file of reasonable size at that path (a FIFO, a device: read without blocking).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from tui.config import Watchlist
from tui.regular_files import KB, read_regular_file
from tui.symbols import parse_symbol

log = logging.getLogger("tapewatch.watchlists")

FILE_NAME = "watchlists.json"
FORMAT_VERSION = 1
# Far more than any edits take (a symbol is a few bytes): a larger file is not ours.
FILE_SIZE_LIMIT = 512 * KB


def default_path() -> Path:
    """Where the edits live: ``watchlists.json`` in the user data folder (on Linux
    ``~/.local/share/tapewatch``)."""
    from platformdirs import user_data_path

    return user_data_path("tapewatch", appauthor=False) / FILE_NAME


@dataclass(frozen=True, slots=True)
class ListEdits:
    """What the user changed in one list: symbols added (in the order added) and removed."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def apply(self, symbols: Sequence[str]) -> tuple[str, ...]:
        """``symbols`` (a config list) with these edits: less the removed, then the added."""
        removed = set(self.removed)
        kept = [symbol for symbol in symbols if symbol not in removed]
        return tuple(dict.fromkeys([*kept, *self.added]))


@dataclass(frozen=True, slots=True)
class WatchlistBook:
    """The config's watchlists and the user's edits of them: the lists to show, and the edits to
    save. Immutable: each edit gives a new book."""

    configured: tuple[Watchlist, ...]
    edits: Mapping[str, ListEdits] = field(default_factory=dict)

    def lists(self) -> tuple[Watchlist, ...]:
        """The lists as the user sees them: each config list with its edits."""
        return tuple(
            replace(
                watchlist,
                symbols=self.edits.get(watchlist.name, ListEdits()).apply(watchlist.symbols),
            )
            for watchlist in self.configured
        )

    def names(self) -> tuple[str, ...]:
        return tuple(watchlist.name for watchlist in self.configured)

    def symbols(self, name: str) -> tuple[str, ...]:
        """The symbols the list called ``name`` shows (none for an unknown list)."""
        for watchlist in self.lists():
            if watchlist.name == name:
                return watchlist.symbols
        return ()

    def add(self, name: str, symbol: str) -> WatchlistBook:
        """The book with ``symbol`` at the end of the list ``name`` (unchanged when it is in
        it already, or there is no such list)."""
        if name not in self.names() or symbol in self.symbols(name):
            return self
        edits = self.edits.get(name, ListEdits())
        removed = tuple(item for item in edits.removed if item != symbol)
        configured = self._configured_symbols(name)
        # A config symbol the user had removed comes back in its place; any other goes last.
        added = edits.added if symbol in configured else (*edits.added, symbol)
        return self._with(name, ListEdits(added, removed))

    def remove(self, name: str, symbol: str) -> WatchlistBook:
        """The book without ``symbol`` in the list ``name`` (unchanged when it is not in it)."""
        if symbol not in self.symbols(name):
            return self
        edits = self.edits.get(name, ListEdits())
        added = tuple(item for item in edits.added if item != symbol)
        removed = edits.removed
        if symbol in self._configured_symbols(name):
            removed = (*removed, symbol)
        return self._with(name, ListEdits(added, removed))

    def _configured_symbols(self, name: str) -> tuple[str, ...]:
        for watchlist in self.configured:
            if watchlist.name == name:
                return watchlist.symbols
        return ()

    def _with(self, name: str, edits: ListEdits) -> WatchlistBook:
        changed = dict(self.edits)
        if edits.added or edits.removed:
            changed[name] = edits
        else:
            changed.pop(name, None)
        return replace(self, edits=changed)


class WatchlistStore:
    """The file the edits are kept in (blocking I/O: call `load` and `save` in a thread)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_path()

    def load(self) -> dict[str, ListEdits]:
        """The saved edits by list name; none when there is no file, or it cannot be read (it is
        then set aside, so the next save does not overwrite what a user may want back)."""
        try:
            raw = read_regular_file(self.path, FILE_SIZE_LIMIT)  # never a FIFO, never huge
        except FileNotFoundError:
            return {}
        except OSError as error:
            log.warning("cannot read %s: %s", self.path, error)
            return {}
        try:
            return parse_edits(json.loads(raw))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            aside = self.path.with_name(self.path.name + ".unreadable")
            log.warning("%s is unreadable (%s); moved to %s", self.path, error, aside.name)
            with contextlib.suppress(OSError):
                self.path.replace(aside)
            return {}

    def save(self, edits: Mapping[str, ListEdits]) -> None:
        """Write ``edits`` atomically: readers see the old file or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "version": FORMAT_VERSION,
            "lists": {
                name: {"added": list(change.added), "removed": list(change.removed)}
                for name, change in edits.items()
            },
        }
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(document, file, indent=2, ensure_ascii=False)
                file.write("\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def parse_edits(document: object) -> dict[str, ListEdits]:
    """The edits in a parsed ``watchlists.json``; a symbol that does not parse is dropped with a
    log line, anything else malformed raises ValueError."""
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError(f"expected a version {FORMAT_VERSION} watchlists document")
    lists = document["lists"]
    if not isinstance(lists, dict):
        raise ValueError("expected `lists` to be an object")
    edits = {}
    for name, change in lists.items():
        if not isinstance(change, dict):
            raise ValueError(f"expected the edits of {name!r} to be an object")
        edits[str(name)] = ListEdits(
            added=_symbols(change.get("added", []), name),
            removed=_symbols(change.get("removed", []), name),
        )
    return edits


def _symbols(values: object, name: str) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise ValueError(f"expected an array of symbols in {name!r}")
    symbols = []
    for value in values:
        try:
            symbols.append(parse_symbol(str(value)))
        except ValueError:
            log.warning("dropping %r from the saved watchlist %r: not a ticker symbol", value, name)
    return tuple(dict.fromkeys(symbols))


def load_book(configured: Sequence[Watchlist], store: WatchlistStore) -> WatchlistBook:
    """The config's lists with the edits saved in ``store`` (blocking: reads the file)."""
    return WatchlistBook(tuple(configured), store.load())


class WatchlistKeeper:
    """The watchlists of a running monitor: the config's lists with the user's edits, the list
    `+` adds to (the one shown last), and one thread that saves each edit, in the order made, so
    the event loop never waits on the disk. `close` waits for the saves still running."""

    def __init__(
        self,
        configured: Sequence[Watchlist],
        store: WatchlistStore | None = None,
        on_save_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.store = store if store is not None else WatchlistStore()
        self.book = load_book(configured, self.store)
        self.shown: str | None = None  # the list a watchlist pane or screen showed last
        self._on_save_error = on_save_error
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watchlists")

    def lists(self) -> tuple[Watchlist, ...]:
        """The lists as the user sees them."""
        return self.book.lists()

    def names(self) -> tuple[str, ...]:
        return self.book.names()

    @property
    def target(self) -> str | None:
        """The list `+` adds to: the one shown last, else the first."""
        names = self.names()
        if self.shown in names:
            return self.shown
        return names[0] if names else None

    def edit(self, name: str, symbol: str, *, add: bool) -> bool:
        """Add ``symbol`` to the list ``name`` or remove it, and save the edit (in the saver's
        thread); False when that changes nothing (already in it, not in it, no such list)."""
        book = self.book.add(name, symbol) if add else self.book.remove(name, symbol)
        if book == self.book:
            return False
        self.book = book
        future = self._saver.submit(self.store.save, dict(book.edits))
        future.add_done_callback(self._saved)
        return True

    def close(self) -> None:
        """Wait for the edits still being written."""
        self._saver.shutdown(wait=True)

    def _saved(self, future: Future[None]) -> None:
        error = future.exception()
        if error is None:
            return
        log.error("could not save the watchlists in %s", self.store.path, exc_info=error)
        if self._on_save_error is not None:
            self._on_save_error(error)
