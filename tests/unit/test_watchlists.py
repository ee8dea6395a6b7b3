"""Watchlists: the config's lists with the edits made in the app, and the file that keeps them."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from tui.config import Watchlist
from tui.watchlists import (
    FILE_SIZE_LIMIT,
    ListEdits,
    WatchlistBook,
    WatchlistKeeper,
    WatchlistStore,
    default_path,
    load_book,
)

CONFIGURED = (Watchlist("Tech", ("AAPL", "MSFT", "NVDA")), Watchlist("Empty", ()))


def test_a_config_list_shows_its_symbols_less_the_removed_then_the_added() -> None:
    book = WatchlistBook(CONFIGURED)
    book = book.add("Tech", "ORCL").remove("Tech", "MSFT").add("Empty", "XOM")
    assert book.lists() == (
        Watchlist("Tech", ("AAPL", "NVDA", "ORCL")),
        Watchlist("Empty", ("XOM",)),
    )
    assert book.edits == {
        "Tech": ListEdits(added=("ORCL",), removed=("MSFT",)),
        "Empty": ListEdits(added=("XOM",)),
    }


def test_undoing_an_edit_leaves_no_edit_behind() -> None:
    book = WatchlistBook(CONFIGURED)
    assert book.add("Tech", "ORCL").remove("Tech", "ORCL").edits == {}
    # A config symbol removed and added back returns to its place.
    back = book.remove("Tech", "MSFT").add("Tech", "MSFT")
    assert back.edits == {}
    assert back.symbols("Tech") == ("AAPL", "MSFT", "NVDA")


def test_edits_that_change_nothing_give_the_same_book() -> None:
    book = WatchlistBook(CONFIGURED)
    assert book.add("Tech", "AAPL") == book  # already in it
    assert book.remove("Tech", "XOM") == book  # not in it
    assert book.add("Nope", "XOM") == book  # no such list


def test_a_symbol_added_to_the_config_later_still_shows_unless_removed_in_the_app() -> None:
    edits = {"Tech": ListEdits(added=("ORCL",), removed=("NVDA",))}
    later_config = (Watchlist("Tech", ("AAPL", "MSFT", "NVDA", "AMD")),)
    assert WatchlistBook(later_config, edits).symbols("Tech") == ("AAPL", "MSFT", "AMD", "ORCL")
    # The same symbol added in both places shows once.
    both = (Watchlist("Tech", ("AAPL", "ORCL")),)
    assert WatchlistBook(both, edits).symbols("Tech") == ("AAPL", "ORCL")


def test_the_edits_survive_a_restart(tmp_path: Path) -> None:
    store = WatchlistStore(tmp_path / "tapewatch" / "watchlists.json")
    book = WatchlistBook(CONFIGURED).add("Tech", "BRK-B").remove("Tech", "AAPL")
    store.save(book.edits)
    again = load_book(CONFIGURED, WatchlistStore(store.path))
    assert again.lists() == book.lists()
    assert json.loads(store.path.read_text())["version"] == 1
    assert not [path for path in store.path.parent.iterdir() if path.name != store.path.name]


def test_a_failed_write_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = WatchlistStore(tmp_path / "watchlists.json")
    store.save({"Tech": ListEdits(added=("ORCL",))})
    before = store.path.read_bytes()

    def broken_dump(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("tui.watchlists.json.dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        store.save({"Tech": ListEdits(added=("AMD",))})
    assert store.path.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["watchlists.json"]  # no temporary left


def test_an_unreadable_file_is_set_aside_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "watchlists.json"
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, "tapewatch.watchlists"):
        assert WatchlistStore(path).load() == {}
    assert "unreadable" in caplog.text
    assert (tmp_path / "watchlists.json.unreadable").read_text() == "{not json"
    assert not path.exists()


def test_a_saved_symbol_is_read_in_the_one_spelling_and_a_bad_one_dropped(tmp_path: Path) -> None:
    path = tmp_path / "watchlists.json"
    lists = {"Tech": {"added": ["brk.b", "not a symbol!", "ORCL"], "removed": []}}
    path.write_text(json.dumps({"version": 1, "lists": lists}))
    assert WatchlistStore(path).load() == {"Tech": ListEdits(added=("BRK-B", "ORCL"))}


def test_a_fifo_or_a_huge_file_is_no_edits_and_does_not_hang(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (FILE_SIZE_LIMIT + 1))
    with caplog.at_level(logging.WARNING, "tapewatch.watchlists"):
        assert WatchlistStore(fifo).load() == {}
        assert WatchlistStore(huge).load() == {}
    assert "not a regular file" in caplog.text
    assert "larger than 512 KB" in caplog.text


def test_no_file_means_no_edits(tmp_path: Path) -> None:
    assert WatchlistStore(tmp_path / "missing.json").load() == {}


def test_the_file_lives_in_the_user_data_folder() -> None:
    # conftest points XDG_DATA_HOME at a fresh folder.
    assert default_path().parts[-2:] == ("tapewatch", "watchlists.json")
    assert "data" in default_path().parts


def test_the_keeper_saves_every_edit_in_order_and_adds_to_the_list_shown_last(
    tmp_path: Path,
) -> None:
    store = WatchlistStore(tmp_path / "watchlists.json")
    keeper = WatchlistKeeper(CONFIGURED, store)
    assert keeper.target == "Tech"  # nothing shown yet: the first list
    keeper.shown = "Empty"
    assert keeper.target == "Empty"
    keeper.shown = "Gone"  # a list the config no longer names
    assert keeper.target == "Tech"
    for symbol in ("XOM", "CVX", "COP"):
        assert keeper.edit("Empty", symbol, add=True)
    assert keeper.edit("Empty", "CVX", add=False)
    assert not keeper.edit("Empty", "CVX", add=False)  # not in it any more
    keeper.close()
    assert WatchlistKeeper(CONFIGURED, store).lists()[1] == Watchlist("Empty", ("XOM", "COP"))


def test_a_save_that_fails_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    errors: list[BaseException] = []
    keeper = WatchlistKeeper(
        CONFIGURED, WatchlistStore(blocker / "watchlists.json"), on_save_error=errors.append
    )
    assert keeper.edit("Tech", "ORCL", add=True)
    keeper.close()
    assert len(errors) == 1 and isinstance(errors[0], OSError)
    assert keeper.lists()[0].symbols == ("AAPL", "MSFT", "NVDA", "ORCL")  # kept for the session
