"""Frozen dataclasses to plain JSON-able values and back: one strict decoder for every reader.

Used by the JSON report (and `provscan report`, which re-renders from it) and by the cache.
`from_plain` is strict about shape: a value of the wrong type, an unknown key or a missing
required field raises ValueError. The stored scan and the cache row are both input provscan
did not just make, so both get the same checks. Decoding is on the hot path of a warm
re-scan (every asset comes from the cache), so each class's converter is built once.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")
Converter = Callable[[Any], Any]

_SCALARS = (str, int, float, bool, type(None))


def to_plain(value: Any) -> Any:
    """Dataclass/tuple/date tree -> dicts, lists, str, int, float, bool, None."""
    if isinstance(value, _SCALARS):  # most values: checked first (the report's hot path)
        return value
    cls: type = type(value)  # a plain `type`: mypy does not take `type[Any]` as Hashable
    names = _field_names(cls)
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names in order (once per class), None for anything else."""
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


def from_plain(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass of type `cls` from `to_plain` output; ValueError when it does not
    fit (wrong type, unknown key, missing required field)."""
    tp: type = cls  # a plain `type`: mypy does not take `type[T]` as Hashable (the cache key)
    result: T = _converter(tp)(data)
    return result


@functools.cache
def _converter(tp: Any) -> Converter:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if len(args) != 2 or type(None) not in args:
            raise TypeError(f"only `X | None` unions are supported, not {tp!r}")
        inner = _converter(next(a for a in args if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        return _tuple_converter(tp)
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if tp is date:
        return _to_date
    if tp is float:
        return _to_float
    if tp in (str, int, bool):
        return _exact(tp)
    raise TypeError(f"no conversion for {tp!r}")


def _tuple_converter(tp: Any) -> Converter:
    args = typing.get_args(tp)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"only `tuple[X, ...]` is supported, not {tp!r}")
    item = _converter(args[0])

    def to_tuple(data: Any) -> tuple[Any, ...]:
        if not isinstance(data, list):
            raise ValueError(f"expected a list, got {type(data).__name__}")
        return tuple(item(v) for v in data)

    return to_tuple


def _dataclass_converter(tp: Any) -> Converter:
    hints = typing.get_type_hints(tp)
    fields = dataclasses.fields(tp)
    converters = {f.name: _converter(hints[f.name]) for f in fields}
    required = frozenset(
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    name = tp.__name__

    def to_dataclass(data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {name}, got {type(data).__name__}")
        unknown = data.keys() - converters.keys()
        if unknown:
            raise ValueError(f"unknown keys for {name}: {sorted(map(str, unknown))[:5]}")
        missing = required - data.keys()
        if missing:
            raise ValueError(f"missing keys for {name}: {sorted(missing)}")
        return tp(**{key: converters[key](value) for key, value in data.items()})

    return to_dataclass


def _to_date(data: Any) -> date:
    if not isinstance(data, str):
        raise ValueError(f"expected a date (YYYY-MM-DD), got {type(data).__name__}")
    return date.fromisoformat(data)


def _to_float(data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise ValueError(f"expected float, got {type(data).__name__}")
    return float(data)


def _exact(tp: type) -> Converter:
    def checked(data: Any) -> Any:
        if not isinstance(data, tp) or (tp is not bool and isinstance(data, bool)):
            raise ValueError(f"expected {tp.__name__}, got {type(data).__name__}")
        return data

    return checked
