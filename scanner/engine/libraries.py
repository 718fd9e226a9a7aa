"""The reference material a scan compares against, fingerprinted under the scan's own bounds.

`--known-ai` and `--archive-source` folders and the register's `reference` images are files
too, often from the same vendors: each one is decoded in the bounded worker processes
(`scanner.engine.workers`), so a hostile picture there costs at most the per-asset time and
memory bound and becomes a problem on that library file, never a hung or crashed run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.engine.backend import Backend, Pool
from scanner.engine.bounds import BOUND_SOURCE, Limits
from scanner.engine.workers import WorkerPool
from scanner.fingerprint.hashing import FingerprintResult, fingerprint_media
from scanner.fingerprint.library import Library, library_from_results, library_media
from scanner.fingerprint.references import References, RegisterLike, reference_media
from scanner.model import Problem


def fingerprint_task(media: MediaFile, _options: Any) -> FingerprintResult:
    """What a worker does with one library file (module level: sent to workers by reference):
    open it once, read-only, and fingerprint what was opened."""
    try:
        handle = open_readonly(media.path)
    except OSError as exc:
        problem = Problem("file", f"cannot read file: {exc.strerror or exc}", fatal=True)
        return FingerprintResult(problems=(problem,))
    with handle:
        return fingerprint_media(media, handle)


def fingerprint_failed(_media: MediaFile, message: str) -> FingerprintResult:
    """A library file whose fingerprinting exceeded a bound or crashed its worker."""
    return FingerprintResult(problems=(Problem(BOUND_SOURCE, message, fatal=True),))


def fingerprint_all(
    medias: Sequence[MediaFile],
    *,
    jobs: int,
    limits: Limits | None = None,
    backend: Backend | None = None,
) -> list[FingerprintResult]:
    """Each file's fingerprints, in the order given, from `jobs` bounded workers (or the
    cluster's, with `backend`)."""
    if not medias:
        return []
    pool: Pool[FingerprintResult]
    if backend is not None:
        pool = backend.pool(
            fingerprint_task, None, limits=limits or Limits(), failed=fingerprint_failed
        )
    else:
        pool = WorkerPool(
            fingerprint_task,
            None,
            size=max(1, min(jobs, len(medias))),
            limits=limits or Limits(),
            failed=fingerprint_failed,
        )
    results: list[FingerprintResult | None] = [None] * len(medias)
    try:
        for index, media in enumerate(medias):
            pool.submit(index, media)
        left = len(medias)
        while left:
            for index, result in pool.collect(timeout=1.0):
                results[index] = result
                left -= 1
    finally:
        pool.close()
    return [r for r in results if r is not None]


def build_library(
    folder: Path,
    *,
    jobs: int = 1,
    limits: Limits | None = None,
    backend: Backend | None = None,
) -> Library:
    """Fingerprint every still and video under `folder` the way a scan does."""
    medias = library_media(folder)
    results = fingerprint_all(medias, jobs=jobs, limits=limits, backend=backend)
    return library_from_results(str(folder), medias, results)


def load_references(
    register: RegisterLike,
    *,
    jobs: int = 1,
    limits: Limits | None = None,
    backend: Backend | None = None,
) -> References:
    """The register's reference images, fingerprinted; RegisterError for a bad one."""
    medias = reference_media(register)
    results = fingerprint_all(medias, jobs=jobs, limits=limits, backend=backend)
    return References.build(register, medias, results)
