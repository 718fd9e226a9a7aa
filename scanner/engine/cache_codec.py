"""Cache values: an AssetAnalysis as compressed JSON (without its path) and back.

A stored value is decoded with the same strict decoder as a stored JSON scan
(`scanner.common.serialize.from_plain`): a value of the wrong shape raises ValueError and the
cache treats it as a miss. Decoding is bounded: a value is never read past MAX_VALUE_BYTES,
compressed or not, so a small row that inflates to gigabytes is a miss too, not a scan that
runs out of memory.
"""

from __future__ import annotations

import json
import zlib

from scanner.common.serialize import from_plain, to_plain
from scanner.model import AssetAnalysis

# The largest analysis measured (the sample delivery and ../shared/corpus) is 28 KB of JSON;
# the cap leaves over a hundred times that. It also bounds what a hostile value costs while
# it is parsed: 4 MiB of `[{},{},...]` is about 100 MB of Python objects (16 MiB: 400 MB). A
# result over the cap is not stored (it is analysed again next time): time, never correctness.
MAX_VALUE_BYTES = 4 * 1024 * 1024


def encode_analysis(analysis: AssetAnalysis) -> bytes | None:
    """The value to store, or None when its JSON is over MAX_VALUE_BYTES (not cached)."""
    plain = to_plain(analysis)
    plain.pop("path")  # the identity is the inode; the path comes from the current walk
    data = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_VALUE_BYTES:
        return None
    return zlib.compress(data, 1)


def decode_analysis(blob: bytes, path: str) -> AssetAnalysis:
    """Raises ValueError (or a subclass) when the stored value does not decode."""
    if not isinstance(blob, bytes) or len(blob) > MAX_VALUE_BYTES:
        raise ValueError("stored value is not a blob within the size cap")
    inflater = zlib.decompressobj()
    try:
        # one byte over the cap: enough to tell "over" from "exactly at it"
        data = inflater.decompress(blob, MAX_VALUE_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"stored value does not decompress: {exc}") from exc
    if len(data) > MAX_VALUE_BYTES:
        raise ValueError(f"stored value inflates past {MAX_VALUE_BYTES} bytes")
    if not inflater.eof or inflater.unused_data:
        raise ValueError("stored value is cut short or has data after its end")
    plain = json.loads(data)
    if not isinstance(plain, dict):
        raise ValueError("stored value is not an object")
    plain["path"] = path
    return from_plain(AssetAnalysis, plain)
