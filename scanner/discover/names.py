"""File names as reports show them: undecodable bytes (surrogate escapes) as `\\xNN`."""

from __future__ import annotations


def display_name(name: str) -> str:
    """A file name as JSON-safe text: undecodable bytes (surrogate escapes) become `\\xNN`."""
    if name.isascii():
        return name
    out = []
    for ch in name:
        code = ord(ch)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else ch)
    return "".join(out)
