"""The contract every extractor keeps.

An extractor is a module with a function `extract(media: MediaFile, handle: BinaryIO, options:
ExtractOptions) -> Extracted` (`MediaFile`: `scanner.discover.media`). It reads the file the
analysis opened (`handle`, read-only, positioned anywhere: seek first), never the path, reads
no more than it needs, treats every byte as hostile, and never raises for bad input: what went
wrong becomes a `Problem`.

Fail closed: every limit a reader keeps (a count, a size, a depth, a decompression budget)
that it reaches becomes an `incomplete` Problem naming the source and the limit (`limit()`
below), so the asset is `not-inspected`, never plainly clean. Evidence values are handed on
whole (bounded only by those limits): the rules see all of a value, and the analysis caps what
the report keeps (`scanner.engine.report_caps`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.extract.formats import is_limit, limit_reached
from scanner.model import C2paReport, Evidence, Problem

# What the report keeps of one value (the rules see it whole).
MAX_VALUE_CHARS = 8192
# What one metadata packet (an XMP packet, a text chunk, a tag) may hold when read; past it the
# read is cut and the source is incomplete.
MAX_PACKET_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ExtractOptions:
    trust_anchors_pem: str = ""  # PEM text of trust anchors for C2PA; "" = none configured


@dataclass(frozen=True)
class Extracted:
    evidence: tuple[Evidence, ...] = ()
    problems: tuple[Problem, ...] = ()
    c2pa: C2paReport | None = None  # only the c2pa extractor sets it


def limit(source: str, message: str) -> Problem:
    """A reader stopped at one of its limits: what it did not read is unknown."""
    return Problem(source, limit_reached(message), incomplete=True)


def as_problem(source: str, message: str) -> Problem:
    """A format parser's problem: incomplete when it says a limit stopped the reading."""
    return Problem(source, message, incomplete=is_limit(message))


def cap(value: object) -> str:
    """A metadata value as text, capped to MAX_VALUE_CHARS (with a visible marker when cut)."""
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    if len(text) > MAX_VALUE_CHARS:
        return text[:MAX_VALUE_CHARS] + f"…[cut at {MAX_VALUE_CHARS} of {len(text)} chars]"
    return text


def read_failed(source: str, exc: OSError) -> Extracted:
    """The open file could not be read: what this source holds is unknown (fatal)."""
    return Extracted(problems=(Problem(source, f"cannot read: {exc.strerror or exc}", True),))
