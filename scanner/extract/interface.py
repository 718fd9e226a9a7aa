"""The contract every extractor keeps.

An extractor is a module with a function `extract(media: MediaFile, options: ExtractOptions)
-> Extracted` (`MediaFile`: `scanner.discover.media`). It opens `media.path` read-only, reads
no more than it needs, treats every byte as hostile, and never raises for bad input: what went
wrong becomes a `Problem`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import C2paReport, Evidence, Problem

# Caps on what one metadata value or packet may hold, so a crafted file cannot blow memory.
MAX_VALUE_CHARS = 8192
MAX_PACKET_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ExtractOptions:
    trust_anchors_pem: str = ""  # PEM text of trust anchors for C2PA; "" = none configured


@dataclass(frozen=True)
class Extracted:
    evidence: tuple[Evidence, ...] = ()
    problems: tuple[Problem, ...] = ()
    c2pa: C2paReport | None = None  # only the c2pa extractor sets it


def cap(value: object) -> str:
    """A metadata value as text, capped to MAX_VALUE_CHARS (with a visible marker when cut)."""
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    if len(text) > MAX_VALUE_CHARS:
        return text[:MAX_VALUE_CHARS] + f"…[cut at {MAX_VALUE_CHARS} of {len(text)} chars]"
    return text
