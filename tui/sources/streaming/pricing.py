"""Yahoo's PricingData message, decoded with the ``protobuf`` library. No textual import.

The schema is ``pricing.proto`` beside this file. It is built here at run time, field by field,
rather than compiled by protoc into a committed ``_pb2`` module, because:

- a generated module pins the protobuf runtime it may run on (it checks the version protoc had),
  so every protobuf upgrade would mean regenerating and re-reviewing machine-written code;
- generated code carries no type hints and needs its own lint and mypy exclusions;
- the message is flat (33 scalar fields), so the table below is as readable as the .proto.

A test compiles ``pricing.proto`` with protoc (grpcio-tools, a dev dependency) and checks that it
describes exactly the fields built here, so the two cannot drift apart.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

__all__ = ["FIELDS", "PACKAGE", "DecodeError", "decode_pricing", "float32_value", "pricing_file"]

PACKAGE: Final = "tapewatch.yahoo"

_F = descriptor_pb2.FieldDescriptorProto

# (name, number, wire type) in the order of pricing.proto.
FIELDS: Final[tuple[tuple[str, int, int], ...]] = (
    ("id", 1, _F.TYPE_STRING),
    ("price", 2, _F.TYPE_FLOAT),
    ("time", 3, _F.TYPE_SINT64),
    ("currency", 4, _F.TYPE_STRING),
    ("exchange", 5, _F.TYPE_STRING),
    ("quote_type", 6, _F.TYPE_INT32),
    ("market_hours", 7, _F.TYPE_INT32),
    ("change_percent", 8, _F.TYPE_FLOAT),
    ("day_volume", 9, _F.TYPE_SINT64),
    ("day_high", 10, _F.TYPE_FLOAT),
    ("day_low", 11, _F.TYPE_FLOAT),
    ("change", 12, _F.TYPE_FLOAT),
    ("short_name", 13, _F.TYPE_STRING),
    ("expire_date", 14, _F.TYPE_SINT64),
    ("open_price", 15, _F.TYPE_FLOAT),
    ("previous_close", 16, _F.TYPE_FLOAT),
    ("strike_price", 17, _F.TYPE_FLOAT),
    ("underlying_symbol", 18, _F.TYPE_STRING),
    ("open_interest", 19, _F.TYPE_SINT64),
    ("options_type", 20, _F.TYPE_INT32),
    ("mini_option", 21, _F.TYPE_SINT64),
    ("last_size", 22, _F.TYPE_SINT64),
    ("bid", 23, _F.TYPE_FLOAT),
    ("bid_size", 24, _F.TYPE_SINT64),
    ("ask", 25, _F.TYPE_FLOAT),
    ("ask_size", 26, _F.TYPE_SINT64),
    ("price_hint", 27, _F.TYPE_SINT64),
    ("vol_24hr", 28, _F.TYPE_SINT64),
    ("vol_all_currencies", 29, _F.TYPE_SINT64),
    ("from_currency", 30, _F.TYPE_STRING),
    ("last_market", 31, _F.TYPE_STRING),
    ("circulating_supply", 32, _F.TYPE_DOUBLE),
    ("market_cap", 33, _F.TYPE_DOUBLE),
)


def pricing_file() -> descriptor_pb2.FileDescriptorProto:
    """The schema of pricing.proto as a FileDescriptorProto."""
    file = descriptor_pb2.FileDescriptorProto(
        name="tapewatch/pricing.proto", package=PACKAGE, syntax="proto3"
    )
    message = file.message_type.add(name="PricingData")
    for name, number, kind in FIELDS:
        message.field.add(name=name, number=number, type=kind, label=_F.LABEL_OPTIONAL)
    return file


def _message_class() -> Any:
    # A private pool: nothing else registered in the process can clash with these names.
    pool = descriptor_pool.DescriptorPool()
    pool.Add(pricing_file())
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.PricingData"))


PricingData: Final[Any] = _message_class()


def decode_pricing(payload: bytes) -> Any:
    """One PricingData message (fields as attributes, proto3 defaults where absent).

    Raises DecodeError for bytes that are not a PricingData (a truncated frame, say).
    """
    message = PricingData()
    message.ParseFromString(payload)
    return message


_PACK_FLOAT32 = struct.Struct("<f").pack


def float32_value(value: float) -> float:
    """The shortest decimal that a float32 field holds: 305.760009765625 -> 305.76.

    Yahoo sends prices as float32, whose exact binary value prints with noise digits; the value
    it meant is the shortest decimal that rounds to the same float32.
    """
    packed = _PACK_FLOAT32(value)
    for digits in (6, 7, 8):
        shorter = float(f"{value:.{digits}g}")
        if _PACK_FLOAT32(shorter) == packed:
            return shorter
    return value
