"""Untrusted text (file names, metadata, register cells) made safe to print on a terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

# C0 controls, DEL and C1 controls: in a file name they could move the cursor, clear lines or
# retitle the reviewer's terminal (ESC sequences, CR), so they are shown as \xNN.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}

# Invisible format characters (category Cf: the bidi embeddings, overrides and isolates
# U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F and U+061C, zero-width U+200B-U+200D
# and U+2060-U+2064, U+FEFF, the tag characters U+E0000-U+E007F, ...) and the line and paragraph
# separators (Zl, Zp): they reorder or hide what a reviewer reads (`evil\u202egpj.exe` shows as
# "evilexe.jpg"), so they are shown as \uXXXX (\UXXXXXXXX beyond the BMP). Judged by category,
# not a list, so a character Unicode adds to Cf is caught too.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})


def _unicode_escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class _Escapes(dict[int, str]):
    """A str.translate table: fixed entries, and the invisible characters found as they come
    (only those are stored; any other character is left as it is)."""

    def __missing__(self, code: int) -> str:
        if unicodedata.category(chr(code)) not in _INVISIBLE_CATEGORIES:
            raise KeyError(code)  # str.translate keeps the character
        escaped = self[code] = _unicode_escape(code)
        return escaped


_TERMINAL = _Escapes(_CONTROLS)
_INVISIBLE_ONLY = _Escapes()


def terminal_safe(text: str) -> str:
    """`text` with every control character shown as `\\xNN` and every invisible format
    character (bidi overrides, zero-width characters, ...) as `\\uXXXX`, instead of obeyed."""
    return text.translate(_TERMINAL)


def visible_pieces(text: str, *, controls: bool = True) -> Iterator[tuple[str, bool]]:
    """`text` as runs of ordinary characters (False) and the escapes `terminal_safe` shows
    for the others (True), one per character, for a page that marks escapes out. Control
    characters are escaped only with `controls` (a prompt's line breaks are its own)."""
    table = _TERMINAL if controls else _INVISIBLE_ONLY
    start = 0
    for index, char in enumerate(text):
        try:
            escaped = table[ord(char)]
        except KeyError:
            continue
        if index > start:
            yield text[start:index], False
        yield escaped, True
        start = index + 1
    if start < len(text):
        yield text[start:], False
