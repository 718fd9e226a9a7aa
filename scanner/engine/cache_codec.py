"""Cache values: an AssetAnalysis as compressed JSON (without its path) and back.

A stored value is decoded with the same strict decoder as a stored JSON scan
(`scanner.common.serialize.from_plain`): a value of the wrong shape raises ValueError and the
cache treats it as a miss.
"""

from __future__ import annotations

import json
import zlib

from scanner.common.serialize import from_plain, to_plain
from scanner.model import AssetAnalysis


def encode_analysis(analysis: AssetAnalysis) -> bytes:
    plain = to_plain(analysis)
    plain.pop("path")  # the identity is the inode; the path comes from the current walk
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def decode_analysis(blob: bytes, path: str) -> AssetAnalysis:
    """Raises ValueError (or a subclass) when the stored value does not decode."""
    try:
        plain = json.loads(zlib.decompress(blob))
    except zlib.error as exc:
        raise ValueError(f"stored value does not decompress: {exc}") from exc
    if not isinstance(plain, dict):
        raise ValueError("stored value is not an object")
    plain["path"] = path
    return from_plain(AssetAnalysis, plain)
