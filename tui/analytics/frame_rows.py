"""Typed rows out of polars frames, and the small helpers every pane's view builder uses.

A builder reads a few columns of a frame row by row: it names them once, as the fields of a frozen
dataclass, and gets instances of it instead of `dict[str, Any]` rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import polars as pl

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RowT = TypeVar("RowT", bound="DataclassInstance")


def frame_rows(frame: pl.DataFrame, row_type: type[RowT]) -> list[RowT]:
    """The frame's rows as ``row_type`` instances, in order: one field per column of that name."""
    names = [field.name for field in dataclasses.fields(row_type)]
    return [row_type(*values) for values in frame.select(names).iter_rows()]


def rows_by_key(frame: pl.DataFrame, row_type: type[RowT], key: str = "symbol") -> dict[str, RowT]:
    """The frame's rows as ``row_type`` instances by the value of their ``key`` column."""
    keys = frame.get_column(key).to_list()
    return dict(zip(keys, frame_rows(frame, row_type), strict=True))


def difference(left: float | None, right: float | None) -> float | None:
    """``left - right``; None unless both are known."""
    return None if left is None or right is None else left - right


def product(left: float | None, right: float | None) -> float | None:
    """``left * right``; None unless both are known."""
    return None if left is None or right is None else left * right


def newest(moments: Sequence[dt.datetime | None]) -> dt.datetime | None:
    """The latest of the known moments; None when none is known."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def unique(symbols: Sequence[str]) -> tuple[str, ...]:
    """The symbols without repeats, in their first order."""
    return tuple(dict.fromkeys(symbols))
