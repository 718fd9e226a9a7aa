"""What a file's analysis is asked to do, apart from the readers that do it.

The scanning process builds these options and names them in cache scopes without importing
`scanner.engine.analyse` (see `scanner.engine.analysis_task`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.extract.interface import ExtractOptions


@dataclass(frozen=True)
class AnalyseOptions:
    extract: ExtractOptions = ExtractOptions()
    fingerprints: bool = True
    # MXF files also get the SHA-1 an IMF packing list records, in the same read as sha256.
    package_hashes: bool = True
