"""JSON format: the provscan/1 document, as text."""

from __future__ import annotations

import json
from typing import Any, TextIO


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_json(doc: dict[str, Any], handle: TextIO) -> None:
    """The same text as render_json, written piece by piece (no whole-document string)."""
    json.dump(doc, handle, indent=2, ensure_ascii=False)
    handle.write("\n")
