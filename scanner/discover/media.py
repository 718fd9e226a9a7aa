"""A file the walk found and sniffed as media: what every later stage is handed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FrameOf:
    """The media file is one frame of a sequence (`scanner.discover.sequences`)."""

    sequence: str  # the sequence's path: the asset it is part of
    number: int
    # False: the frame's own pass (hashes, every reader, a byte profile; no fingerprint);
    # True: a frame sampled for fingerprints, analysed as a file of its own.
    sampled: bool = False
    # A frame sampled at a fixed position (first, last, every n-th), known before its own
    # pass: that pass fingerprints it too, so it is read once.
    fingerprint: bool = False


@dataclass(frozen=True)
class ListedHash:
    """One hash a checksum manifest of the delivery lists for a file (the vendor's word)."""

    manifest: str  # the manifest, delivery-relative
    algorithm: str  # md5 | sha1 | xxh32 | xxh64 | xxh3 | xxh128 | c4
    value: str  # lower-case hex (c4: its base58 text)


@dataclass(frozen=True)
class Listed:
    """What the delivery's checksum manifests say of a file under the folders they cover."""

    manifests: tuple[str, ...]  # the manifests covering the file's folder
    hashes: tuple[ListedHash, ...] = ()  # () when none of them lists the file

    @property
    def algorithms(self) -> tuple[str, ...]:
        return tuple(sorted({h.algorithm for h in self.hashes}))


@dataclass(frozen=True)
class MediaFile:
    """A file the walker found and sniffed as media."""

    path: Path  # absolute path, opened read-only
    rel: str  # relative to the delivery root, POSIX style
    media_type: str  # MIME type from the bytes, e.g. image/jpeg
    format: str  # short name, e.g. JPEG, PNG, MP4, MOV, WAV
    kind: str  # image | video | audio | document | other
    size: int
    # The C2PA sidecar the walk bound to this file (scanner.discover.sidecars): its path, to
    # open, and its delivery-relative path as reports show it. "" when none.
    sidecar: str = ""
    sidecar_rel: str = ""
    frame: FrameOf | None = None  # set when the file is a frame of a sequence
    listed: Listed | None = None  # set when a checksum manifest covers its folder
