"""JSON format: the provscan/1 document, as text.

Written a key and an asset at a time, with the exact bytes of
`json.dumps(document, indent=2, ensure_ascii=False) + "\\n"`: each value is dumped on its own
and indented to its depth. That is safe because JSON text never holds a raw newline inside a
string (the encoder escapes it), so every newline in a dump is layout.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from scanner.report.document import ReportSource, source_of_document

INDENT = "  "


def _dump(value: Any, depth: int) -> str:
    """`value` as json.dumps lays it out `depth` levels deep (its first line not indented)."""
    text = json.dumps(value, indent=len(INDENT), ensure_ascii=False)
    return text.replace("\n", "\n" + INDENT * depth) if depth else text


def write_json(source: ReportSource, handle: TextIO) -> None:
    """The document to a text stream, one asset at a time."""
    separator = "{\n" + INDENT
    for key, value in source.items():
        handle.write(separator + _dump(key, 0) + ": ")
        separator = ",\n" + INDENT
        if key == "assets":
            _write_list(value, handle, depth=1)
        else:
            handle.write(_dump(value, 1))
    handle.write("\n}\n")


def _write_list(items: Iterable[Any], handle: TextIO, depth: int) -> None:
    inner = "\n" + INDENT * (depth + 1)
    opening = "[" + inner
    for item in items:
        handle.write(opening + _dump(item, depth + 1))
        opening = "," + inner
    handle.write("[]" if opening.startswith("[") else "\n" + INDENT * depth + "]")


def render_json(doc: dict[str, Any]) -> str:
    buffer = io.StringIO()
    write_json(source_of_document(doc), buffer)
    return buffer.getvalue()
