"""Text from data is text: the one sanitiser for every string that comes from a source, a file,
the cache or the config before it can reach the terminal. No polars, no textual.

A company name, a problem a server describes, a config label or a cached note is shown to the
user, and a terminal obeys the control characters in what it is sent: an escape sequence in a
name could retitle the window, clear the screen or worse. `plain` removes them where such
strings enter tapewatch (SymbolInfo names, problems and failure messages, config labels, cache
metadata); the widgets then show them as `Text`, never parsing them as markup.
"""

from __future__ import annotations

import re

# Escape sequences as a whole, so that their parameters do not linger as stray text: CSI
# (ESC [ ... final byte), OSC (ESC ] ... ended by BEL or ST, or by the end of the text), the
# other string commands (DCS, SOS, PM, APC: ESC P, X, ^, _ ... ST) and two-byte escapes; C1 forms
# of CSI and OSC (0x9b, 0x9d) likewise.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?: \x1b\[ | \x9b ) [0-?]* [ -/]* [@-~]?              # CSI
    | (?: \x1b[\]PX^_] | [\x90\x98\x9d\x9e\x9f] )        # OSC, DCS, SOS, PM, APC
      [^\x07\x1b\x9c]* (?: \x07 | \x1b\\ | \x9c )?        #   ... up to BEL or ST
    | \x1b [ -/]* [0-~]?                                  # any other escape
    """,
    re.VERBOSE,
)
# Line and tab controls become a space: a name or a note is shown on one line.
_SPACES = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
# What is left of the C0 and C1 controls and DEL, and the bidirectional overrides and isolates,
# which reorder how the text around them reads.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

ELLIPSIS = "…"


def plain(text: str) -> str:
    """``text`` without control characters: escape sequences removed whole, line breaks and tabs
    as spaces, the remaining C0/C1 controls, DEL and bidirectional overrides dropped. Text that
    holds none is returned as it is."""
    if text.isprintable():
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _SPACES.sub(" ", text)
    return _CONTROLS.sub("", text)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def shown(text: str, limit: int = 60) -> str:
    """A value quoted back to the user (a config error, a file's problem): plain and cut, so a
    megabyte of input or an escape sequence is never echoed whole."""
    return shorten(plain(text), limit)
