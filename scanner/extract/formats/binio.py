"""Reading from an open binary file within bounds, and bytes of unknown layout as text."""

from __future__ import annotations

import re
from typing import BinaryIO

MIN_RUN = 4  # shorter printable runs inside binary data are noise
_RUNS = re.compile(rb"[\t\n\r\x20-\x7e]{%d,}" % MIN_RUN)


def read_at(handle: BinaryIO, offset: int, length: int) -> bytes:
    """Up to `length` bytes at `offset` (fewer at the end of the file)."""
    if offset < 0 or length <= 0:
        return b""
    handle.seek(offset)
    return handle.read(length)


def printable_text(data: bytes) -> str:
    """Bytes of unknown layout as text: all of it when it is UTF-8 text (line breaks and tabs
    allowed), else its printable ASCII runs of MIN_RUN or more, joined by a space."""
    stripped = data.strip(b"\x00 \t\r\n")
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and text.replace("\n", "").replace("\r", "").replace("\t", "").isprintable():
        return text
    runs = (run.decode("ascii").strip() for run in _RUNS.findall(data))
    return " ".join(run for run in runs if len(run) >= MIN_RUN)
