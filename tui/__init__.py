"""tapewatch: a terminal market monitor."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs ~40 ms, which the first frame never needs.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("tapewatch")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
