"""The one sanitiser for text from data: no control character reaches the terminal."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tui.plain import plain, shorten, shown

HOSTILE = "[bold red]HACKED[/] [@click=app.quit]click me[/] \x1b]0;PWNED\x07\x1b[2J"
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def test_escape_sequences_go_whole_and_markup_stays_as_text() -> None:
    assert plain(HOSTILE) == "[bold red]HACKED[/] [@click=app.quit]click me[/] "


def test_each_kind_of_escape_sequence_is_removed() -> None:
    assert plain("a\x1b[31;1mb\x1b[0mc") == "abc"  # CSI (colours)
    assert plain("a\x1b]0;title\x1b\\b") == "ab"  # OSC ended by ST
    assert plain("a\x1b]8;;http://x.test\x07link\x1b]8;;\x07b") == "alinkb"  # a hyperlink
    assert plain("a\x1bPq#0;2;0;0;0\x1b\\b") == "ab"  # DCS (sixel)
    assert plain("a\x1bcb") == "ab"  # RIS, a full reset
    assert plain("a\x9b2Jb\x9d0;t\x07c") == "abc"  # the C1 forms of CSI and OSC
    assert plain("unterminated \x1b]0;PWNED") == "unterminated "


def test_line_breaks_and_tabs_become_spaces_other_controls_go() -> None:
    assert plain("Apple\r\nInc.\tA") == "Apple  Inc. A"
    assert plain("a\x00b\x07c\x08d\x7fe\x85f") == "abcde f"  # NEL is a line break


def test_bidirectional_overrides_go() -> None:
    assert plain("abc\u202edcba\u202c") == "abcdcba"
    assert plain("x\u2066y\u2069") == "xy"


def test_ordinary_names_are_returned_as_they_are() -> None:
    for name in ("Microsoft Corporation", "Nestlé S.A.", "S&P 500", "Berkshire Hathaway Inc. [A]"):
        assert plain(name) is name
    assert plain("Société\u00a0Générale") == "Société\u00a0Générale"  # a no-break space stays


@given(st.text())
def test_nothing_that_comes_out_holds_a_control_character(text: str) -> None:
    assert not CONTROLS.search(plain(text))


def test_shorten_and_shown_cut_with_an_ellipsis() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"
    assert shown("x" * 1_000_000) == "x" * 59 + "…"
    assert shown("\x1b[2J" + "y" * 10, 5) == "yyyy…"
