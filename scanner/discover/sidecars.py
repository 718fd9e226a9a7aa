"""Which `.c2pa` sidecar belongs to which asset: decided from one folder's names alone.

C2PA manifest stores travel as sidecars beside files that cannot embed them (EXR, DPX, MXF).
The naming rules, in order:

1. `NAME.EXT.c2pa` is the sidecar of `NAME.EXT` (exact: unambiguous whatever else is there);
2. `NAME.c2pa` is the sidecar of the one file named `NAME.<ext>` in the same folder (the
   convention of c2patool and the C2PA specification), unless that file already has an
   exact sidecar; with two or more such files (`shot.exr` and `shot.jpg`) it is ambiguous and
   bound to none.

`.c2pa` is matched without regard to case; names are otherwise compared exactly. Folders
are never assets. A sidecar bound to an asset is read with that asset and reported on it (the
walk lists it as skipped, saying so); a sidecar bound to none is an asset of its own, whose
report says that no asset beside it could be checked against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SUFFIX = ".c2pa"


@dataclass(frozen=True)
class Pairing:
    """One folder's sidecars: asset name -> sidecar name, and sidecar name -> asset name."""

    sidecar_of: dict[str, str] = field(default_factory=dict)
    asset_of: dict[str, str] = field(default_factory=dict)


def is_sidecar_name(name: str) -> bool:
    return len(name) > len(SUFFIX) and name[-len(SUFFIX) :].lower() == SUFFIX


def pair_sidecars(
    names: Iterable[str], folders: set[str] | frozenset[str] = frozenset()
) -> Pairing:
    """Bind the folder's sidecars to its files by the rules in the module docstring."""
    files = [n for n in names if n not in folders]
    sidecars = sorted(n for n in files if is_sidecar_name(n))
    if not sidecars:
        return Pairing()
    assets = {n for n in files if not is_sidecar_name(n)}
    by_stem: dict[str, list[str]] = {}
    for name in assets:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and ext:
            by_stem.setdefault(stem, []).append(name)
    pairing = Pairing()
    for sidecar in sidecars:  # exact names first
        asset = sidecar[: -len(SUFFIX)]
        if asset in assets:
            pairing.sidecar_of[asset] = sidecar
            pairing.asset_of[sidecar] = asset
    for sidecar in sidecars:
        if sidecar in pairing.asset_of:
            continue
        candidates = by_stem.get(sidecar[: -len(SUFFIX)], [])
        if len(candidates) == 1 and candidates[0] not in pairing.sidecar_of:
            pairing.sidecar_of[candidates[0]] = sidecar
            pairing.asset_of[sidecar] = candidates[0]
    return pairing
