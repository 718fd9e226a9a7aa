"""One media file's bytes -> AssetAnalysis: hash, every extractor, rules, assessment, fingerprints.

Independent of the register and policy, so results can be cached and computed in worker
processes. Never raises for anything a file contains: each extractor is also guarded here, so a
bug in one reader becomes a Problem on that asset instead of a lost scan.

One open per file: the file is opened once, read-only, checked (a regular file, the one the
walk listed), and every reader — the hash, our parsers, the C2PA SDK (a stream), Pillow, PyAV
and MediaInfo (through the descriptor, `descriptor_path`) — reads that descriptor. Nothing
re-opens the path, so a file swapped for a symlink or another file mid-scan cannot bring
another file's bytes into the report; the swap itself is reported (the file changed).
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Callable
from typing import BinaryIO

from scanner.discover.identify import sniffed
from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.discover.sniff import HEAD_BYTES, UNDECODED_PICTURES, UNREAD_FORMAT, has_reader
from scanner.engine.analyse_options import AnalyseOptions
from scanner.engine.bounds import blank_analysis
from scanner.engine.digests import PROFILE, read_digests
from scanner.engine.report_caps import cap_for_report
from scanner.extract import (
    bwf,
    c2pa,
    comment,
    container,
    dpx,
    exif,
    exr,
    integrity,
    jp2,
    mxf,
    png_text,
    psd,
    stealth,
    xmp,
)
from scanner.extract.interface import Extracted, ExtractOptions
from scanner.fingerprint.hashing import fingerprint_media
from scanner.model import AssetAnalysis, C2paReport, Evidence, FrameHash, Problem
from scanner.model_delivery import Digest
from scanner.rules.assess import assess
from scanner.rules.rubric import rubric_notes
from scanner.rules.signals import signals_for

NO_READER = "no provenance reader for this format: nothing in it was looked at"
CREDENTIALS_ONLY = (
    "only C2PA content credentials are read in a file of this kind, and it carries none: "
    "the pictures and media inside it were not looked at"
)
PICTURE_NOT_DECODED = (
    "no decoder reads its picture here and it carries no C2PA content credentials: only its "
    "XMP was read, the picture itself was not looked at (no fingerprint)"
)

Extractor = Callable[[MediaFile, BinaryIO, ExtractOptions], Extracted]
# Order matters only for how evidence is listed: strongest source first.
EXTRACTORS: tuple[tuple[str, Extractor], ...] = (
    ("c2pa", c2pa.extract),
    ("xmp", xmp.extract),
    ("exif", exif.extract),
    ("png-text", png_text.extract),
    ("container", container.extract),
    ("comment", comment.extract),
    ("stealth", stealth.extract),
    ("exr", exr.extract),
    ("dpx", dpx.extract),
    ("mxf", mxf.extract),
    ("psd", psd.extract),
    ("jp2", jp2.extract),
    ("bwf", bwf.extract),
    ("file", integrity.extract),  # metadata region cut short or broken: fatal
)

DEFAULT_OPTIONS = AnalyseOptions()


def sha256_of(handle: BinaryIO, size: int) -> str:
    """The sha256 of an open file (`scanner.engine.digests.read_digests`)."""
    return read_digests(handle, size)[0]


def _run_extractors(
    media: MediaFile, handle: BinaryIO, options: ExtractOptions
) -> tuple[list[Evidence], list[Problem], C2paReport | None]:
    evidence: list[Evidence] = []
    problems: list[Problem] = []
    report: C2paReport | None = None
    for source, extract in EXTRACTORS:
        try:
            handle.seek(0)
            result = extract(media, handle, options)
        except MemoryError:
            raise  # the worker names the memory bound (scanner.engine.workers)
        except Exception as exc:  # noqa: BLE001 - a reader bug must not lose the asset
            # Fatal: what that reader would have found is unknown, so "no AI signal" would lie.
            message = f"reader failed: {type(exc).__name__}: {exc}"
            problems.append(Problem(source, message, fatal=True))
            continue
        evidence.extend(result.evidence)
        problems.extend(result.problems)
        if result.c2pa is not None:
            report = result.c2pa
    return evidence, problems, report


def analyse(media: MediaFile, options: AnalyseOptions = DEFAULT_OPTIONS) -> AssetAnalysis:
    """Read everything provscan knows how to read from one file, through one open descriptor.

    A file that changes between the walk and the end of its analysis (still being copied or
    rendered, replaced, swapped for a link) is unreadable: its hash and its metadata may come
    from different bytes, or the path no longer names what was read.
    """
    try:
        handle = open_readonly(media.path)
    except OSError as exc:
        problem = Problem("file", f"cannot read file: {exc.strerror or exc}", fatal=True)
        return dataclasses.replace(blank_analysis(media), problems=(problem,))
    with handle:
        head: bytes | None = None  # the first bytes, when read to type the file
        if media.format == UNREAD_FORMAT:  # a sequence frame the walk did not read
            try:
                head = handle.read(HEAD_BYTES)
            except OSError:
                head = b""  # the hash's read below reports why
            media = sniffed(media, head)
        base = blank_analysis(media)
        opened = os.fstat(handle.fileno())
        if opened.st_size != media.size:
            change = f"file changed after it was listed: {media.size} bytes then, "
            change += f"{opened.st_size} now"
            return dataclasses.replace(base, problems=(Problem("file", change, fatal=True),))
        analysis = _read_everything(media, handle, base, options, head)
        change = _change(media, opened, os.fstat(handle.fileno()))
    if change:
        problem = Problem("file", change, fatal=True)
        analysis = dataclasses.replace(analysis, problems=(*analysis.problems, problem))
    return cap_for_report(analysis)


# The attribute "compression" of type "compression", 1 byte: OpenEXR's NO_COMPRESSION is 0.
_EXR_COMPRESSION = b"compression\x00compression\x00\x01\x00\x00\x00"


def _compressed_exr(handle: BinaryIO, head: bytes | None = None) -> bool:
    """Every part header in the file's first bytes (`head`, when already read) says it is
    compressed (a header past them, or none found: not known, so not compressed)."""
    if head is None:
        try:
            head = os.pread(handle.fileno(), HEAD_BYTES, 0)
        except OSError:
            return False
    values = []
    at = head.find(_EXR_COMPRESSION)
    while at >= 0 and at + len(_EXR_COMPRESSION) < len(head):
        values.append(head[at + len(_EXR_COMPRESSION)])
        at = head.find(_EXR_COMPRESSION, at + 1)
    return bool(values) and all(value != 0 for value in values)


def _change(media: MediaFile, opened: os.stat_result, after: os.stat_result) -> str:
    """Why the file read is not (or no longer) the file at the path, or ""."""
    if (after.st_size, after.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns):
        before, now_size = opened.st_size, after.st_size
        return f"file changed while it was being scanned: {before} bytes, then {now_size}"
    try:
        now = os.lstat(media.path)
    except OSError:
        return "file vanished while it was being scanned"
    if (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
        return "file was replaced while it was being scanned: the path now names another file"
    return ""


def _read_everything(
    media: MediaFile,
    handle: BinaryIO,
    base: AssetAnalysis,
    options: AnalyseOptions,
    head: bytes | None = None,
) -> AssetAnalysis:
    # A sequence frame's own pass: a byte profile (for spotting picture changes), and a
    # fingerprint only for a frame sampled at a fixed position; frames sampled for a change of
    # picture are analysed again as files of their own, fingerprinted.
    frame_pass = media.frame is not None and not media.frame.sampled
    planned = media.frame is not None and media.frame.fingerprint
    fingerprint = options.fingerprints and (planned or not frame_pass)
    wanted = media.listed.algorithms if media.listed is not None else ()
    # An MXF may be an IMF track file: its SHA-1 (what a packing list records) from the same read
    track_file = options.package_hashes and (
        media.format == "MXF" or media.rel.lower().endswith(".mxf")
    )
    # A compressed EXR's bytes say nothing of its picture: its profile would be noise (its
    # size tells instead, `scanner.engine.sequence`), so it is left empty.
    profile = frame_pass and not (media.format == "EXR" and _compressed_exr(handle, head))
    try:
        sha256, digests = read_digests(
            handle, media.size, (*wanted, "sha1") if track_file else wanted, profile=profile
        )
        if frame_pass and not profile:
            digests = (*digests, Digest(PROFILE, ""))
    except OSError as exc:
        problem = Problem("file", f"cannot read file: {exc.strerror or exc}", fatal=True)
        return dataclasses.replace(base, problems=(problem,))
    sha1 = next((d.value for d in digests if d.algorithm == "sha1"), "") if track_file else ""
    sha1 = base64.b64encode(bytes.fromhex(sha1)).decode("ascii") if sha1 else ""
    base = dataclasses.replace(base, sha256=sha256, sha1=sha1, digests=digests)
    if media.size == 0:
        empty = Problem("file", "empty file (0 bytes)", True)
        return dataclasses.replace(base, problems=(empty,))

    evidence, problems, report = _run_extractors(media, handle, options.extract)
    if not has_reader(media.format):
        problems.append(Problem("file", f"{media.format}: {NO_READER}", incomplete=True))
    elif media.kind == "document" and report is None:
        problems.append(Problem("file", f"{media.format}: {CREDENTIALS_ONLY}", incomplete=True))
    elif media.format in UNDECODED_PICTURES and report is None:
        message = f"{media.format}: {PICTURE_NOT_DECODED}"
        problems.append(Problem("file", message, incomplete=True))

    frames: tuple[FrameHash, ...] = ()
    thumbnail = ""
    if fingerprint and media.kind in ("image", "video"):
        try:
            fp = fingerprint_media(media, handle)
            frames, thumbnail = fp.frames, fp.thumbnail
            problems.extend(fp.problems)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - same guard as the extractors
            message = f"failed: {type(exc).__name__}: {exc}"
            problems.append(Problem("fingerprint", message, fatal=True))

    # The rules see every value whole; the report keeps them capped (cap_for_report).
    signals = signals_for(evidence)
    assessment = assess(signals, report)
    return dataclasses.replace(
        base,
        assessment=assessment,
        notes=rubric_notes(assessment, report),
        evidence=tuple(evidence),
        c2pa=report,
        fingerprints=tuple(frames),
        thumbnail=thumbnail,
        problems=tuple(problems),
    )
