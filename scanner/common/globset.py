"""Many path globs at once: the ones matching a path, trying only those that can, in bounded time.

A register holds thousands of path patterns and a delivery tens of thousands of files; trying
every pattern on every path is their product. A PatternSet files each distinct pattern under its
literal prefix (`final/stills/ai_` for `final/stills/ai_*.jpg`), so a path only tries the
patterns whose prefix it starts with: one dictionary look-up per distinct prefix length. Patterns
with no literal prefix (`**/*.exr`) are tried on every path. A Deadline bounds the whole: past it
`GlobTimeBound` (scanner.errors) stops the matching of that one path.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from scanner.common import pathglob
from scanner.errors import GlobTimeBound

T = TypeVar("T")

# Matching one asset against a whole register and policy takes milliseconds; ten seconds is
# only ever reached by something hostile, and is short next to the asset's analysis bound.
DEFAULT_MATCH_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment on the monotonic clock: matching one asset past it raises GlobTimeBound."""

    at: float
    seconds: float  # the bound it was made with, for the message

    @classmethod
    def after(cls, seconds: float = DEFAULT_MATCH_SECONDS) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def check(self, path: str) -> None:
        if time.monotonic() > self.at:
            raise GlobTimeBound(path, self.seconds)


@dataclass(frozen=True, slots=True)
class GlobHit(Generic[T]):
    """One pattern of the set that matched, with the value it was filed with."""

    pattern: str
    value: T
    specificity: int  # pathglob.specificity(pattern), computed once


@dataclass(frozen=True, slots=True)
class _Distinct:
    glob: pathglob.Glob
    entries: tuple[int, ...]  # the positions, in the set, of every entry with this pattern


@dataclass(frozen=True, slots=True)
class PatternSet(Generic[T]):
    """Patterns, each with a value (an approval's position, an area). Build it once with
    `PatternSet.of(...)`; `matching(path)` gives the entries whose pattern matches, in the
    order they were given. An invalid pattern (see pathglob) matches nothing."""

    entries: tuple[tuple[str, T, int], ...]  # pattern, value, specificity
    distinct: tuple[_Distinct, ...]
    by_prefix: Mapping[str, tuple[int, ...]]  # literal prefix -> positions in `distinct`
    prefix_lengths: tuple[int, ...]  # every length in `by_prefix`, shortest first

    @classmethod
    def of(cls, patterns: Iterable[tuple[str, T]]) -> PatternSet[T]:
        entries: list[tuple[str, T, int]] = []
        positions: dict[str, list[int]] = {}  # pattern -> its entries
        for pattern, value in patterns:
            positions.setdefault(pattern, []).append(len(entries))
            entries.append((pattern, value, pathglob.specificity(pattern)))
        distinct: list[_Distinct] = []
        by_prefix: dict[str, list[int]] = {}
        for pattern, where in positions.items():
            try:
                glob = pathglob.compiled(pattern)
            except pathglob.InvalidGlob:
                continue
            by_prefix.setdefault(glob.prefix, []).append(len(distinct))
            distinct.append(_Distinct(glob, tuple(where)))
        return cls(
            entries=tuple(entries),
            distinct=tuple(distinct),
            by_prefix={prefix: tuple(found) for prefix, found in by_prefix.items()},
            prefix_lengths=tuple(sorted({len(prefix) for prefix in by_prefix})),
        )

    def matching(self, path: str, deadline: Deadline | None = None) -> list[GlobHit[T]]:
        """The entries whose pattern matches `path`, in the order given; GlobTimeBound past
        `deadline` (default: DEFAULT_MATCH_SECONDS from now)."""
        deadline = deadline or Deadline.after()
        candidates: list[int] = []
        for length in self.prefix_lengths:
            if length > len(path):
                break
            candidates += self.by_prefix.get(path[:length], ())
        found: list[int] = []
        for position in candidates:
            # before every pattern: the slowest pattern within `problem_with`'s bounds takes
            # under a tenth of a second on a 5,000-character path (bench/glob_match.py)
            deadline.check(path)
            distinct = self.distinct[position]
            if distinct.glob.matches(path):
                found += distinct.entries
        found.sort()
        return [GlobHit(*self.entries[i]) for i in found]
