"""Cache values: an AssetAnalysis as compressed JSON (without its path) and back.

Decoding is on the hot path of a warm re-scan (every asset comes from here), so it uses
per-class converters built once, with the same strictness as `serialize.from_plain`: a value
of the wrong shape raises ValueError and the cache treats it as a miss.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
import zlib
from collections.abc import Callable
from typing import Any

from scanner.common.serialize import to_plain
from scanner.model import AssetAnalysis


def encode_analysis(analysis: AssetAnalysis) -> bytes:
    plain = to_plain(analysis)
    plain.pop("path")  # the identity is the inode; the path comes from the current walk
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def decode_analysis(blob: bytes, path: str) -> AssetAnalysis:
    """Raises ValueError (or a subclass) when the stored value does not decode."""
    try:
        plain = json.loads(zlib.decompress(blob))
    except zlib.error as exc:
        raise ValueError(f"stored value does not decompress: {exc}") from exc
    if not isinstance(plain, dict):
        raise ValueError("stored value is not an object")
    plain["path"] = path
    try:
        return _converter(AssetAnalysis)(plain)
    except TypeError as exc:  # a missing required field
        raise ValueError(str(exc)) from exc


# The type inspection is done once per class instead of once per value (about 3x faster).
@functools.cache
def _converter(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])

        def to_tuple(data: Any) -> tuple:
            if not isinstance(data, list):
                raise ValueError(f"expected a list, got {type(data).__name__}")
            return tuple(item(v) for v in data)

        return to_tuple
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(tp)]

        def to_dataclass(data: Any) -> Any:
            if not isinstance(data, dict):
                raise ValueError(f"expected an object for {tp.__name__}, got {type(data).__name__}")
            return tp(**{name: convert(data[name]) for name, convert in fields if name in data})

        return to_dataclass
    if tp is float:
        def to_float(data: Any) -> float:
            if isinstance(data, bool) or not isinstance(data, (int, float)):
                raise ValueError(f"expected float, got {type(data).__name__}")
            return float(data)

        return to_float
    if tp in (str, int, bool):
        def checked(data: Any) -> Any:
            if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
                raise ValueError(f"expected {tp.__name__}, got {type(data).__name__}")
            return data

        return checked
    raise TypeError(f"no cache conversion for {tp!r}")
