"""The scan's analysis as the scanning process hands it to the workers, without importing it.

The scanning process never analyses a file itself: it names the analysis (the cache scopes
hold its name) and sends it to the workers by reference, where the fork server has imported
every reader already (`scanner.engine.preload`). Importing `scanner.engine.analyse` here too
(numpy, the C2PA SDK, Pillow and every reader: about 0.12 s) was a tenth of a warm re-scan,
which analyses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.discover.media import MediaFile
    from scanner.engine.analyse_options import AnalyseOptions
    from scanner.model import AssetAnalysis


def analyse(media: MediaFile, options: AnalyseOptions) -> AssetAnalysis:
    """`scanner.engine.analyse.analyse`, imported on the first call (in a worker)."""
    from scanner.engine.analyse import analyse as analyse_file

    return analyse_file(media, options)
