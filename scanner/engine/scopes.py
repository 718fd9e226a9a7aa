"""Which cache scope a result belongs to: the tool, catalog, options and the analysis' role.

A file's analysis and a sequence frame's own pass (role FRAME_ROLE: no fingerprint, a byte
profile; FINGERPRINTED_FRAME_ROLE: a byte profile and a fingerprint; `scanner.engine.runner`)
are kept under different scopes of the same cache, so a frame sampled later, or the same file
scanned with `--no-sequences`, never takes the other's result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from scanner.discover.media import MediaFile
from scanner.engine.cache import result_scope
from scanner.model import AssetAnalysis

Analyse = Callable[[MediaFile, Any], AssetAnalysis]
FRAME_ROLE = "frame"
FINGERPRINTED_FRAME_ROLE = "frame+fingerprint"
FRAME_ROLES = (FRAME_ROLE, FINGERPRINTED_FRAME_ROLE)


class Scopes:
    """The cache scope of each media file's result: its role's (see the module docstring)."""

    def __init__(self, options: Any, analyse: Analyse) -> None:
        self._options = options
        self._analyse = analyse
        self._known: dict[str, str] = {}

    def of(self, media: MediaFile) -> str:
        role = role_of(media)
        if role not in self._known:
            self._known[role] = scope_for(self._options, self._analyse, role)
        return self._known[role]


def role_of(media: MediaFile) -> str:
    frame = media.frame
    if frame is None or frame.sampled:
        return ""
    return FINGERPRINTED_FRAME_ROLE if frame.fingerprint else FRAME_ROLE


def scope_for(options: Any, analyse: Analyse, role: str = "") -> str:
    """The cache scope of results of `analyse` with `options` in this provscan (`role`: ""
    for a file's analysis, FRAME_ROLE for a sequence frame's own pass)."""
    from scanner import __version__
    from scanner.fingerprint import FINGERPRINT_VERSION

    material: dict[str, Any] = {
        "analyse": f"{analyse.__module__}.{analyse.__qualname__}",
        "options": options,
        "fingerprint": FINGERPRINT_VERSION,
    }
    if role:
        material["role"] = role
    return result_scope(
        tool_version=__version__, catalog_version=catalog_identity(), options=material
    )


def catalog_identity() -> str:
    """The catalog's declared version plus a digest of the catalog file itself, so an edit
    that forgot to bump the version still invalidates cached results."""
    from importlib import resources

    from scanner.rules import catalog

    try:
        data = resources.files("scanner.rules").joinpath("catalog.toml").read_bytes()
    except OSError:
        data = b""
    return f"{catalog.CATALOG_VERSION}+{hashlib.sha256(data).hexdigest()[:16]}"
