"""Glob patterns over delivery-relative POSIX paths, the same for the register and the policy.

A pattern matches the WHOLE relative path (no implicit "anywhere" as in .gitignore):
`*` and `?` stay inside one path segment, `[abc]` / `[!abc]` are character classes, and `**`
as a whole segment matches zero or more segments (`final/**` matches everything under final/,
`**/*.exr` matches every EXR at any depth). Matching is case-sensitive, like the paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

MAX_PATTERN_CHARS = 1024


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
        _compile(clean(pattern))
    except re.error as exc:
        return f"not a valid pattern ({exc})"
    return ""


def clean(pattern: str) -> str:
    """Strip a leading './' and make a trailing '/' mean everything below that folder."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    return pattern


@dataclass(frozen=True)
class _Compiled:
    prefix: str  # literal text every match starts with: a cheap test before the regex
    regex: re.Pattern[str]


@cache  # patterns come from one register and one policy: bounded by them
def _compiled(pattern: str) -> _Compiled:
    cleaned = clean(pattern)
    prefix = re.split(r"[*?\[]", cleaned, maxsplit=1)[0]
    return _Compiled(prefix, _compile(cleaned))


def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # zero or more whole segments, including their separators
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        parts.append(_segment_regex(segment))
        if not last:
            parts.append("/")
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := _class_end(segment, i)) > 0:
            body = segment[i + 1 : end]
            negate = body.startswith("!")
            if negate:
                body = body[1:]
            escaped = "".join(c if c == "-" else re.escape(c) for c in body)
            out.append(f"[^/{escaped}]" if negate else f"[{escaped}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the ']' closing the class opened at `start`, or -1 (then '[' is literal)."""
    j = start + 1
    if j < len(segment) and segment[j] == "!":
        j += 1
    if j < len(segment) and segment[j] == "]":
        j += 1
    return segment.find("]", j)


def matches(pattern: str, path: str) -> bool:
    """True when the delivery-relative POSIX `path` matches the whole `pattern`."""
    try:
        compiled = _compiled(pattern)
    except (re.error, ValueError):
        return False
    return path.startswith(compiled.prefix) and compiled.regex.match(path) is not None


def specificity(pattern: str) -> int:
    """How many literal (non-wildcard) characters the pattern holds: more means narrower."""
    return len(re.sub(r"\*\*|\*|\?|\[[^\]]*\]", "", clean(pattern)))
