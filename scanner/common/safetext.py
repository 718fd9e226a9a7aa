"""Untrusted text (file names, metadata, register cells) made safe to print on a terminal."""

from __future__ import annotations

# C0 controls, DEL and C1 controls: in a file name they could move the cursor, clear lines or
# retitle the reviewer's terminal (ESC sequences, CR), so they are shown as \xNN.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def terminal_safe(text: str) -> str:
    """`text` with every control character shown as `\\xNN` instead of obeyed."""
    return text.translate(_CONTROLS)
