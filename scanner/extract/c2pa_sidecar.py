"""C2PA sidecars: manifest stores kept in a `.c2pa` file beside the asset they describe.

Credentials travel this way beside formats that cannot embed them (EXR, DPX, MXF) or that a
tool chose not to touch. Which sidecar belongs to which asset is decided by the walk
(`scanner.discover.sidecars`) from names alone; this module reads the sidecar's bytes, with
its own single open (read-only, never through a symlink, never blocking, a regular file,
at most `MAX_SIDECAR_BYTES`), for the C2PA reader to validate against the asset's bytes, which
come from the analysis' one open handle.

A sidecar is never trusted for being beside the asset: the SDK checks its hard binding (the
asset's hash) like an embedded store's, so a sidecar made for other bytes reads `invalid`
(`assertion.dataHash.mismatch`), and the report says the store came from the sidecar.
"""

from __future__ import annotations

import os

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.extract.interface import limit
from scanner.model import Problem

SOURCE = "c2pa"
MAX_SIDECAR_BYTES = 64 * 1024 * 1024


def read_sidecar(media: MediaFile) -> tuple[bytes, Problem | None]:
    """The bytes of the asset's sidecar; a Problem (and no bytes) when they cannot be read:
    fatal when the file cannot be opened or read, incomplete when it is over the size bound."""
    path = media.sidecar
    try:
        with open_readonly(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_SIDECAR_BYTES:
                why = (
                    f"C2PA sidecar {media.sidecar_rel} of {size:,} bytes, over the "
                    f"{MAX_SIDECAR_BYTES:,} read: the credentials it holds were not read"
                )
                return b"", limit(SOURCE, why)
            data = handle.read(MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        why = f"C2PA sidecar {media.sidecar_rel} cannot be read: {exc.strerror or exc}"
        return b"", Problem(SOURCE, why, fatal=True)
    if len(data) != size:
        why = f"C2PA sidecar {media.sidecar_rel} changed while it was read"
        return b"", Problem(SOURCE, why, fatal=True)
    return data, None
