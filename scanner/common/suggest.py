"""Did-you-mean for a mistyped name or value: the closest known one, by difflib, or nothing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# difflib's ratio: 0.6 is its default and catches one or two typos in a short word
# ("aproved" -> "approved", "expiry_on" -> "expires_on") without pairing unrelated names.
CUTOFF = 0.6


def closest(word: str, known: Iterable[str]) -> str:
    """The known name closest to `word` (compared ignoring case, `-`, `_` and spaces), or ""."""
    choices = {_key(name): name for name in known}
    if not word or not choices:
        return ""
    found = difflib.get_close_matches(_key(word), list(choices), n=1, cutoff=CUTOFF)
    return choices[found[0]] if found else ""


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest known name, "" when none is close."""
    best = closest(word, known)
    return f" (did you mean '{best}'?)" if best else ""


def _key(name: str) -> str:
    return "".join(" " if c in "-_" else c for c in name.strip().casefold())
