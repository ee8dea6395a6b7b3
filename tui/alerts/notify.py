"""How a firing is told beyond the screen: the desktop notification escapes a terminal turns into
a system notification (OSC 9, OSC 777, wrapped for tmux), and the user's command, run without a
shell, with a timeout, never waited on by the interface.

The escapes are only built here; the app writes them through its terminal driver on the event
loop, in order with its own output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from tui import plain as plain_text
from tui.config import DesktopNotification

log = logging.getLogger("tapewatch.alerts")

ESC = "\x1b"
BEL = "\x07"
MAX_TEXT = 200  # characters of a notification's text
STDERR_LIMIT = 2000  # characters of a failed command's error output kept for the log


def plain(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without control characters (an escape inside one would end it early or start
    another: tui.plain, the one sanitiser), cut to ``limit`` characters."""
    return plain_text.shorten(plain_text.plain(text).strip(), limit)


def osc9(message: str) -> str:
    """OSC 9: a notification with one line of text (iTerm2, kitty, WezTerm, Ghostty, ConEmu…).
    A message that starts with a digit and ';' would read as a ConEmu sub-command: never ours."""
    return f"{ESC}]9;{plain(message)}{BEL}"


def osc777(title: str, body: str) -> str:
    """OSC 777 ``notify``: a notification with a title and a body (rxvt-unicode, foot, VTE,
    WezTerm, Ghostty). A ';' would end the title early."""
    return f"{ESC}]777;notify;{plain(title).replace(';', ',')};{plain(body)}{BEL}"


def tmux_passthrough(sequence: str) -> str:
    """``sequence`` wrapped so that tmux hands it to the outer terminal (tmux needs
    ``set -g allow-passthrough on``): ``ESC P tmux; …  ESC \\`` with every ESC inside doubled."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def desktop_escapes(
    title: str, body: str, mode: DesktopNotification, *, in_tmux: bool
) -> list[str]:
    """The escapes that ask the terminal for a desktop notification, in ``mode``'s flavours."""
    sequences = []
    if mode in ("osc9", "both"):
        sequences.append(osc9(f"{title}: {body}"))
    if mode in ("osc777", "both"):
        sequences.append(osc777(title, body))
    return [tmux_passthrough(sequence) if in_tmux else sequence for sequence in sequences]


def command_argv(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """The command to run: each argument with its placeholders filled in (the config checked
    that it names only known ones; control characters never reach a program's arguments)."""
    filled = {name: plain(value, 1000) for name, value in values.items()}
    return [part.format_map(filled) for part in template]


async def run_command(argv: Sequence[str], limit_s: float) -> str | None:
    """Run ``argv`` without a shell, its input empty and its output kept off the terminal the app
    draws on; stop it after ``limit_s`` seconds. None when it succeeded, else what went wrong in
    plain words (also logged)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # the terminal's ctrl+c and hang-up are not its business
        )
    except OSError as error:
        problem = f"alert command {argv[0]!r} could not start: {error.strerror or error}"
        log.warning("%s", problem)
        return problem
    try:
        _, error_output = await asyncio.wait_for(process.communicate(), limit_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        problem = f"alert command {argv[0]!r} did not finish within {limit_s:g} s; stopped"
        log.warning("%s", problem)
        return problem
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    if process.returncode == 0:
        return None
    said = plain(error_output.decode("utf-8", "replace"), STDERR_LIMIT)
    problem = f"alert command {argv[0]!r} failed with exit status {process.returncode}"
    log.warning("%s: %s", problem, said or "(no error output)")
    return f"{problem}: {said}" if said else problem
