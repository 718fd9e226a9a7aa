"""Glob patterns over delivery-relative POSIX paths, the same for the register and the policy.

A pattern matches the WHOLE relative path (no implicit "anywhere" as in .gitignore):
`*` and `?` stay inside one path segment, `[abc]` / `[!abc]` are character classes, and `**`
as a whole segment matches zero or more segments (`final/**` matches everything under final/,
`**/*.exr` matches every EXR at any depth). Matching is case-sensitive, like the paths.

In detail: a class holds characters and ranges (`[a-z0-9_]`); a `-` first or last in it is
itself, and so is a `]` right after the `[` or `[!`; a `[` that is never closed is an ordinary
character; a range that runs backwards (`[z-a]`) makes the pattern invalid. `**` inside a
segment (`a**b`) is a plain `*`. A trailing `**` needs one segment at least: `final/**` matches
`final/` and everything below it, not `final` itself. `clean()` drops a leading `./` and makes a
trailing `/` mean everything below that folder (`temp/` is `temp/**`).

Matching never backtracks. A pattern is compiled once into runs of fixed-length pieces separated
by stars, at two levels: characters inside a segment (runs between `*`s) and segments inside the
path (runs between `**`s). The first run must sit at the start, the last at the end, and each
run between is taken at its leftmost place: exact for such patterns, since a fixed-length run
found further left leaves every later run more room. A match so costs at most about
(path length x pattern length) steps whatever the pattern (`*a*a*a*a*c` against 5,000 `a`s
included), and `problem_with` refuses patterns no person writes (the bounds below).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

MAX_PATTERN_CHARS = 1024
# Matching cost grows with each star (one more scan of a segment) and each `**` (one more scan of
# the path's segments); neither can make it run away (see above), but a hand-written delivery
# glob such as `final/**/sh0[1-4]?/*_v*.exr` has 5 wildcards and one `**`. These bounds leave
# room for anything a person writes and refuse, at load, what only an attacker or a generator
# gone wrong produces.
MAX_WILDCARDS = 32  # `*` (a run of them counts once), `?` and classes
MAX_GLOBSTARS = 8  # `**` segments
_COMPILED_CACHE = 4096  # patterns kept compiled for `matches` (a PatternSet holds its own)


class InvalidGlob(ValueError):
    """The pattern cannot be compiled (a backwards class range)."""


def problem_with(pattern: str) -> str:
    """Why `pattern` is not a usable delivery-relative glob, or "" when it is fine."""
    if not pattern:
        return "empty pattern"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"pattern longer than {MAX_PATTERN_CHARS} characters"
    if "\\" in pattern:
        return "use '/' between folders (backslash found)"
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern):
        return "pattern must be relative to the delivery root, not absolute"
    if ".." in pattern.split("/"):
        return "'..' cannot appear in a delivery-relative pattern"
    try:
        glob = compiled(pattern)
    except InvalidGlob as exc:
        return f"not a valid pattern ({exc})"
    if glob.wildcards > MAX_WILDCARDS:
        return (
            f"more than {MAX_WILDCARDS} wildcards (*, ?, [...]): {glob.wildcards}; "
            "write several simpler patterns"
        )
    if glob.globstars > MAX_GLOBSTARS:
        return f"more than {MAX_GLOBSTARS} '**' segments: {glob.globstars}"
    return ""


def clean(pattern: str) -> str:
    """Strip a leading './' and make a trailing '/' mean everything below that folder."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    return pattern


def matches(pattern: str, path: str) -> bool:
    """True when the delivery-relative POSIX `path` matches the whole `pattern`."""
    try:
        glob = compiled(pattern)
    except InvalidGlob:
        return False
    return glob.matches(path)


@lru_cache(maxsize=_COMPILED_CACHE)
def specificity(pattern: str) -> int:
    """How many literal (non-wildcard) characters the pattern holds: more means narrower."""
    return len(re.sub(r"\*\*|\*|\?|\[[^\]]*\]", "", clean(pattern)))


# --- compiling -------------------------------------------------------------------------------

_Text = TypeVar("_Text", contravariant=True)
_T = TypeVar("_T")


class _Run(Protocol[_Text]):
    """Something of fixed size that sits at a place in a text: a piece of a segment, or a run
    of whole segments."""

    @property
    def size(self) -> int: ...

    def at(self, text: _Text, pos: int) -> bool: ...

    def find(self, text: _Text, start: int, end: int) -> int: ...


def _runs_match(runs: Sequence[_Run[_T]], text: _T, length: int) -> bool:
    """Whether `runs`, with any stretch between two of them, make up the whole `text`."""
    first, last = runs[0], runs[-1]
    if len(runs) == 1:
        return first.size == length and first.at(text, 0)
    pos, end = first.size, length - last.size
    if end < pos or not first.at(text, 0) or not last.at(text, end):
        return False
    for run in runs[1:-1]:
        found = run.find(text, pos, end)
        if found < 0:
            return False
        pos = found + run.size
    return True


@dataclass(frozen=True, slots=True)
class _Piece:
    """The characters of a segment between two stars: literal text, or a regex of fixed length
    without repetition or alternation (so it cannot backtrack) when `?` or a class is in it."""

    size: int
    text: str
    regex: re.Pattern[str] | None = None

    def at(self, name: str, pos: int) -> bool:
        if self.regex is None:
            return name.startswith(self.text, pos)
        return self.regex.match(name, pos) is not None

    def find(self, name: str, start: int, end: int) -> int:
        if self.regex is None:
            return name.find(self.text, start, end)
        found = self.regex.search(name, start, end)
        return -1 if found is None else found.start()


@dataclass(frozen=True, slots=True)
class _Segment:
    """One segment of a pattern (not `**`): its pieces, split at the stars."""

    pieces: tuple[_Piece, ...]

    @property
    def literal(self) -> str | None:
        """The segment's text when it holds no wildcard."""
        only = self.pieces[0]
        return only.text if len(self.pieces) == 1 and only.regex is None else None

    def matches(self, name: str) -> bool:
        return _runs_match(self.pieces, name, len(name))


@dataclass(frozen=True, slots=True)
class _SegmentRun:
    """Consecutive pattern segments between two `**`: they match as many path segments.

    Literal segments are compared a block at a time (tuple slices: no Python loop per
    segment), which keeps the leftmost search over a long path fast; wildcards are few.
    """

    size: int
    blocks: tuple[tuple[int, tuple[str, ...]], ...]  # offset in the run, consecutive literals
    wild: tuple[tuple[int, _Segment], ...]  # offset in the run, a segment with wildcards

    @classmethod
    def of(cls, segments: Sequence[_Segment]) -> _SegmentRun:
        blocks: list[tuple[int, list[str]]] = []
        wild: list[tuple[int, _Segment]] = []
        for offset, segment in enumerate(segments):
            text = segment.literal
            if text is None:
                wild.append((offset, segment))
            elif blocks and blocks[-1][0] + len(blocks[-1][1]) == offset:
                blocks[-1][1].append(text)
            else:
                blocks.append((offset, [text]))
        return cls(len(segments), tuple((o, tuple(b)) for o, b in blocks), tuple(wild))

    def at(self, names: tuple[str, ...], pos: int) -> bool:
        return all(
            names[pos + offset : pos + offset + len(block)] == block
            for offset, block in self.blocks
        ) and all(segment.matches(names[pos + offset]) for offset, segment in self.wild)

    def find(self, names: tuple[str, ...], start: int, end: int) -> int:
        for pos in range(start, end - self.size + 1):
            if self.at(names, pos):
                return pos
        return -1


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled pattern. `prefix`/`suffix`: the literal text every match starts/ends with;
    `inner`: the longest literal text every match holds somewhere (cheap tests first)."""

    pattern: str
    runs: tuple[_SegmentRun, ...]  # split at the `**` segments
    prefix: str
    suffix: str
    inner: str
    wildcards: int
    globstars: int

    def matches(self, path: str) -> bool:
        if not (path.startswith(self.prefix) and path.endswith(self.suffix)):
            return False
        if self.inner not in path:
            return False
        names = tuple(path.split("/"))
        return _runs_match(self.runs, names, len(names))


@lru_cache(maxsize=_COMPILED_CACHE)
def compiled(pattern: str) -> Glob:
    """`pattern`, cleaned and compiled (InvalidGlob when it cannot be). Kept in a bounded cache."""
    return _compile(clean(pattern))


@dataclass(frozen=True, slots=True)
class _OneOf:
    """`?` or a class: one character of a set, written as a regex."""

    regex: str


_ANY_CHAR = _OneOf(".")  # with re.DOTALL; a segment holds no '/', so any character is one of it
_Token = str | _OneOf | None  # a literal character, one of a set, a star
# what a trailing `**` needs besides zero or more segments: one segment (see above)
_ANY_SEGMENT = _Segment((_Piece(0, ""), _Piece(0, "")))


def _compile(pattern: str) -> Glob:
    segments = pattern.split("/")
    runs: list[list[_Segment]] = [[]]
    flat: list[str | None] = []  # the pattern as literal text and None for each wildcard
    wildcards = 0
    for index, segment in enumerate(segments):
        if index:  # the '/' after a `**` is part of it: `**/x` matches `x`
            flat.append(None if segments[index - 1] == "**" else "/")
        if segment == "**":
            flat.append(None)
            if runs[-1] or len(runs) == 1:  # `**/**` is one `**`
                runs.append([])
            continue
        if not any(char in segment for char in "*?["):  # most segments: plain names
            flat.append(segment)
            runs[-1].append(_Segment((_Piece(len(segment), sys.intern(segment)),)))
            continue
        tokens = _tokens(segment)
        wildcards += sum(1 for t in tokens if not isinstance(t, str))
        flat += [t if isinstance(t, str) else None for t in tokens]
        runs[-1].append(_Segment(_pieces(tokens)))
    if segments[-1] == "**":
        runs[-1].append(_ANY_SEGMENT)
    stretches = _literal_stretches(flat)
    return Glob(
        pattern=pattern,
        runs=tuple(_SegmentRun.of(run) for run in runs),
        prefix=stretches[0],
        suffix=stretches[-1],
        inner=max(stretches, key=len),
        wildcards=wildcards,
        globstars=segments.count("**"),
    )


def _literal_stretches(flat: list[str | None]) -> list[str]:
    """The literal text before, between and after the wildcards (one stretch: no wildcard)."""
    stretches: list[list[str]] = [[]]
    for part in flat:
        if part is None:
            stretches.append([])
        else:
            stretches[-1].append(part)
    return ["".join(stretch) for stretch in stretches]


def _tokens(segment: str) -> list[_Token]:
    """The segment's characters, `?`s and classes, and None for a star (a run of them is one)."""
    tokens: list[_Token] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if not tokens or tokens[-1] is not None:
                tokens.append(None)
        elif char == "?":
            tokens.append(_ANY_CHAR)
        elif char == "[" and (end := _class_end(segment, i)) > 0:
            tokens.append(_OneOf(_class_regex(segment[i + 1 : end])))
            i = end
        else:
            tokens.append(char)
        i += 1
    return tokens


def _pieces(tokens: list[_Token]) -> tuple[_Piece, ...]:
    pieces: list[_Piece] = []
    current: list[str | _OneOf] = []
    for token in [*tokens, None]:
        if token is not None:
            current.append(token)
            continue
        if all(isinstance(t, str) for t in current):
            # interned: a register's patterns repeat the same folder names thousands of times
            text = sys.intern("".join(t for t in current if isinstance(t, str)))
            pieces.append(_Piece(len(current), text))
        else:
            body = "".join(re.escape(t) if isinstance(t, str) else t.regex for t in current)
            pieces.append(_Piece(len(current), "", re.compile(body, re.DOTALL)))
        current = []
    return tuple(pieces)


def _class_regex(body: str) -> str:
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    parts: list[str] = []
    i = 0
    while i < len(body):
        low = body[i]
        if i + 2 < len(body) and body[i + 1] == "-":
            high = body[i + 2]
            if high < low:
                raise InvalidGlob(f"bad character range {low}-{high}")
            parts.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
        else:
            parts.append(re.escape(low))
            i += 1
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _class_end(segment: str, start: int) -> int:
    """Index of the ']' closing the class opened at `start`, or -1 (then '[' is literal)."""
    j = start + 1
    if j < len(segment) and segment[j] == "!":
        j += 1
    if j < len(segment) and segment[j] == "]":
        j += 1
    return segment.find("]", j)
