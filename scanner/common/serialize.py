"""Frozen dataclasses to plain JSON-able values and back.

Used by the JSON report (and `provscan report`, which re-renders from it) and by the cache.
`from_plain` is strict about shape: a stored document that does not fit raises ValueError.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from functools import cache
from typing import Any, TypeVar, Union

T = TypeVar("T")


_SCALARS = (str, int, float, bool, type(None))


def to_plain(value: Any) -> Any:
    """Dataclass/tuple/date tree -> dicts, lists, str, int, float, bool, None."""
    if isinstance(value, _SCALARS):  # most values: checked first (the report's hot path)
        return value
    names = _field_names(type(value))
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names in order (once per class), None for anything else."""
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass of type `cls` from `to_plain` output."""
    return _convert(cls, data)


def _convert(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _convert(non_none[0], data)
    if origin is tuple:
        if not isinstance(data, list):
            raise ValueError(f"expected a list, got {type(data).__name__}")
        (item_type, _ellipsis) = typing.get_args(tp)
        return tuple(_convert(item_type, v) for v in data)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {tp.__name__}, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = _convert(hints[f.name], data[f.name])
        return tp(**kwargs)
    if tp is date:
        return date.fromisoformat(data) if isinstance(data, str) else data
    if tp is float and isinstance(data, int):
        return float(data)
    if tp in (str, int, float, bool) and not isinstance(data, tp):
        raise ValueError(f"expected {tp.__name__}, got {type(data).__name__}")
    return data
