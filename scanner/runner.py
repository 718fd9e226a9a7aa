"""Runs the per-file analysis over many files: in order, in worker processes when jobs > 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from scanner.analyse import AnalyseOptions
from scanner.extract.interface import MediaFile
from scanner.model import AssetAnalysis

Analyse = Callable[[MediaFile, AnalyseOptions], AssetAnalysis]


def run_analyses(
    medias: Sequence[MediaFile],
    options: AnalyseOptions,
    *,
    jobs: int,
    cache_path: Path | None,
    analyse: Analyse,
) -> Iterator[AssetAnalysis]:
    """Yield one analysis per media file, in the order given, whatever the scheduling."""
    if jobs <= 1 or len(medias) < 2:
        for media in medias:
            yield analyse(media, options)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(analyse, medias, [options] * len(medias), chunksize=8)
