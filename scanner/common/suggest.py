"""Did-you-mean for a mistyped name or value: the closest known one, by difflib, or nothing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

# difflib's ratio: 0.6 is its default and catches one or two typos in a short word
# ("aproved" -> "approved", "expiry_on" -> "expires_on") without pairing unrelated names.
CUTOFF = 0.6


def closest(word: str, known: Iterable[str], synonyms: Mapping[str, str] | None = None) -> str:
    """The known name closest to `word` (compared ignoring case, `-`, `_` and spaces), or "".
    `synonyms`: words people use for a known name that spelling alone would not find
    ("date" for "reviewed_on")."""
    choices = {_key(name): name for name in known}
    if not word or not choices:
        return ""
    meant = (synonyms or {}).get(_key(word).replace(" ", "_"))
    if meant in choices.values():
        return meant or ""
    found = difflib.get_close_matches(_key(word), list(choices), n=1, cutoff=CUTOFF)
    return choices[found[0]] if found else ""


def did_you_mean(word: str, known: Iterable[str], synonyms: Mapping[str, str] | None = None) -> str:
    """` (did you mean 'x'?)` for the closest known name, "" when none is close."""
    best = closest(word, known, synonyms)
    return f" (did you mean '{best}'?)" if best else ""


def _key(name: str) -> str:
    return "".join(" " if c in "-_" else c for c in name.strip().casefold())
