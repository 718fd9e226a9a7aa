"""Frame sequences and the delivery's checksum manifests, as the report holds them.

Frozen values beside `scanner.model` (`AssetAnalysis.sequence`, `.digests`, `.checksums`,
`ScanResult.manifests`); like it, this module imports nothing of ours. Names and paths are as
the report shows them (undecodable bytes as `\\xNN`) and, coming from the delivery, untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Digest:
    """A digest of a file's bytes besides sha256, from the same read: one a checksum manifest
    lists (md5, sha1, xxh64, c4, ...), or a sequence frame's coarse byte `profile`."""

    algorithm: str
    value: str


@dataclass(frozen=True)
class SequenceFrame:
    number: int
    size: int
    sha256: str


@dataclass(frozen=True)
class FrameRange:
    first: int  # both included
    last: int


@dataclass(frozen=True)
class FrameManifests:
    frame: int
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameSequence:
    """Frames of one format in one folder whose names differ only in a frame number: one asset.
    Names as the report shows them (undecodable bytes as `\\xNN`)."""

    folder: str  # delivery-relative folder, "" at the root
    head: str  # the name before the frame number: "sh010_comp_v003."
    tail: str  # the name after it: ".exr"
    padding: int  # characters of the frame number with its sign: 4 for 1001, 2 for t01, 1: none
    first: int
    last: int
    count: int  # frames present
    gaps: tuple[FrameRange, ...] = ()  # frame numbers missing between first and last
    frames: tuple[SequenceFrame, ...] = ()  # every frame present, in frame order
    ai_frames: tuple[int, ...] = ()  # frames carrying an AI signal (metadata or known-AI match)
    changes: tuple[int, ...] = ()  # frames where the picture changes (fingerprinted)
    rate: float = 24.0  # frames per second, for the timecodes of sampled frames
    # per AI frame whose C2PA store holds (valid or trusted): its manifest labels and instance
    # ids, what a `c2pa_manifest` approval covers the sequence by (every AI frame one of them)
    manifests: tuple[FrameManifests, ...] = ()

    def frame_name(self, number: int) -> str:
        return f"{self.head}{number:0{self.padding}d}{self.tail}"

    def frame_path(self, number: int) -> str:
        name = self.frame_name(number)
        return f"{self.folder}/{name}" if self.folder else name


@dataclass(frozen=True)
class ChecksumMismatch:
    path: str  # the file (for a sequence, the frame)
    manifest: str  # the manifest that lists the hash, delivery-relative
    algorithm: str
    expected: str
    actual: str


@dataclass(frozen=True)
class ChecksumCheck:
    """An asset (each frame of a sequence) checked against the delivery's checksum manifests."""

    outcome: str  # verified | mismatch | not-in-manifest (worst over the frames)
    manifests: tuple[str, ...] = ()  # the manifests covering the asset's folder
    verified: int = 0  # files whose every listed hash matched
    mismatched: int = 0  # files with a hash that did not match
    not_listed: int = 0  # files in a covered folder that no manifest lists
    mismatches: tuple[ChecksumMismatch, ...] = ()  # the first ones
    unlisted: tuple[str, ...] = ()  # the first files not listed


@dataclass(frozen=True)
class ChecksumManifest:
    """An ASC MHL history (`ascmhl/`) or legacy `.mhl` file in the delivery: the vendor's word."""

    path: str  # the history folder or the .mhl file, delivery-relative
    kind: str  # ascmhl | mhl
    root: str  # the folder it covers, delivery-relative ("" for the delivery root)
    generations: int = 0
    creator: str = ""  # tool, author, host and comment of its latest generation
    files: int = 0  # files it lists
    missing: int = 0  # of those, not in the delivery
    unchecked: int = 0  # of those, present but not read (not media, skipped, excluded)
    problems: tuple[str, ...] = ()  # what could not be read or does not hold together
