"""Which perceptual-hash distances mean "the same picture"? Measured, not guessed.

Run:  .venv/bin/python bench/fingerprint_thresholds.py [--count 300] [--seed 0]
      (about 3 minutes for 300 pictures on a 2-core machine; --count 60 for a quick look)

What it does:
1. Makes `count` unrelated photo-like originals (bench/photolike.py: five layout families, six
   aspect ratios, 960 px long side) plus the real photos of ../shared/corpus when present
   (pixel-identical corpus files dropped by a 16x16 mean-square test, not by the hashes under
   measurement), saved as PNG.
2. Makes transformed copies of each original, saved as files: JPEG q=60, resize 50%, resize
   50% + JPEG q=75, crop 5% (centred and one-sided), colour grade, letterbox, logo overlay,
   and the frame of an H.264 encode (1280x720, pillarboxed/letterboxed to fit, x264 CRF 23);
   and "painted-in" copies where 3% / 6% / 12% of the area is replaced by another picture's
   content (an archival print with something painted in).
3. Fingerprints every file exactly as a scan does (scanner.fingerprint: JPEG draft decode,
   fit, bar trim) and compares: each copy with its own original (match rate), and every copy
   and original with every *other* original (false-match rate, per pair).

Prints, as Markdown: per hash (pHash, dHash, wHash, colour hash) the match rate per
transformation at candidate thresholds and the false-match rate at the same thresholds; then
the same for combined rules (pHash AND dHash within limits; pHash + dHash sum); then the
distance spread of painted-in copies against benign copies (the archival bands).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import photolike  # noqa: E402
from fingerprint_transforms import (  # noqa: E402
    CORPUS,
    CORPUS_RELATED,
    TRANSFORMS,
    H264Clip,
    corpus_photos,
    paint_in,
)

from scanner.discover.media import MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.fingerprint import picture, thresholds  # noqa: E402
from scanner.fingerprint.archive import verify_archival  # noqa: E402
from scanner.fingerprint.hashing import decode_still  # noqa: E402
from scanner.fingerprint.library import Library, LibraryItem  # noqa: E402
from scanner.fingerprint.similarity import distance  # noqa: E402

THRESHOLDS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24)
SUM_THRESHOLDS = (6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 28, 32, 40)
HASHES = ("phash", "dhash", "whash", "colorhash")
BENIGN = (
    "jpeg-q60",
    "resize-50",
    "resize-50+jpeg-q75",
    "crop-5-centre",
    "crop-5-side",
    "colour-grade",
    "letterbox",
    "logo-overlay",
    "h264-frame",
)
PAINTED = ("paint-in-3", "paint-in-6", "paint-in-12")


# ---- hashing ---------------------------------------------------------------------------------


def hashes_of(work: Image.Image, tiles: bool = True) -> dict[str, Any] | None:
    """All four hashes of a normalised picture, through the scanner's own trim and flat test,
    plus the scanner's FrameHash ("frame": with tiles for stills, as a scan makes them)."""
    frame = picture.hash_picture(work, tiles=tiles)
    if frame is None:
        return None
    content = picture.trim_bars(work)
    return {
        "frame": frame,
        "phash": int(frame.phash, 16),
        "dhash": int(frame.dhash, 16),
        "whash": int(str(imagehash.whash(content)), 16),
        "colorhash": int(str(imagehash.colorhash(content, binbits=4)), 16),
    }


def hash_file(path: Path) -> dict[str, int] | None:
    media = MediaFile(
        path, path.name, "", path.suffix.upper().lstrip("."), "image", path.stat().st_size
    )
    with open_readonly(media.path) as handle:
        work, _problem = decode_still(media, handle)
    return hashes_of(work) if work is not None else None


def corpus_related() -> list[tuple[str, str, int, int]]:
    """(copy, what, pHash distance, dHash distance) for the corpus's real edits."""
    rows = []
    for copy, original, what in CORPUS_RELATED:
        a, b = hash_file(CORPUS / copy), hash_file(CORPUS / original)
        if a and b:
            rows.append(
                (
                    Path(copy).name,
                    what,
                    popcount_int(a["phash"] ^ b["phash"]),
                    popcount_int(a["dhash"] ^ b["dhash"]),
                )
            )
    return rows


def popcount_int(value: int) -> int:
    return bin(value).count("1")


# ---- statistics ------------------------------------------------------------------------------


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values)


def to_array(rows: list[dict[str, int]], name: str) -> np.ndarray:
    return np.array([r[name] for r in rows], dtype=np.uint64)


def rate(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}" if total else "-"


def fmr(hits: int, total: int) -> str:
    return "0" if hits == 0 else f"{hits / total:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300, help="synthetic originals (>= 200)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()

    real = corpus_photos()
    total = args.count + len(real)
    print(f"originals: {args.count} synthetic + {len(real)} corpus photos", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="fp-bench-") as tmp:
        folder = Path(tmp)
        clip = H264Clip(folder / "all.mp4")
        base: list[dict[str, int] | None] = []
        copies: dict[str, list[dict[str, int] | None]] = {name: [] for name in BENIGN + PAINTED}
        for i in range(total):
            synthetic = i < args.count
            original = photolike.photo(args.seed + i, 960) if synthetic else real[i - args.count]
            donor = photolike.photo(100_000 + args.seed + i, 480).resize(original.size)
            path = folder / f"o{i}.png"
            original.save(path, compress_level=0)
            base.append(hash_file(path))
            clip.add(original)
            variants = {name: (make(original), q) for name, (make, q) in TRANSFORMS.items()}
            for n, name in enumerate(PAINTED):
                area = int(name.rsplit("-", 1)[1]) / 100
                painted = paint_in(original, donor, area, args.seed + i * 7 + n)
                variants[name] = (painted, None)
            for name, (image, quality) in variants.items():
                if quality is None:
                    out = folder / f"{name}-{i}.png"
                    image.save(out, compress_level=0)
                else:
                    out = folder / f"{name}-{i}.jpg"
                    image.save(out, "JPEG", quality=quality)
                copies[name].append(hash_file(out))
                out.unlink()
        print(f"stills hashed: {time.perf_counter() - started:.0f} s", file=sys.stderr)
        # Video frames carry no tiles in a scan, so none here either.
        copies["h264-frame"] = [hashes_of(work, tiles=False) for work in clip.frames()]
        print(f"h264 done: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    valid = [i for i, row in enumerate(base) if row is not None]
    report(base, copies, valid)
    print(f"\n_{len(valid)} originals, {time.perf_counter() - started:.0f} s._")


def report(
    base: list[dict[str, int] | None],
    copies: dict[str, list[dict[str, int] | None]],
    valid: list[int],
) -> None:
    n = len(valid)
    originals = {h: to_array([base[i] for i in valid], h) for h in HASHES}
    upper = np.triu_indices(n, k=1)

    def own(name: str, h: str) -> np.ndarray:
        """Distance of each copy to its own original (a missing copy hash: no match, 99)."""
        rows = copies[name]
        return np.array(
            [popcount(np.uint64(rows[i][h] ^ base[i][h])) if rows[i] else 99 for i in valid]
        )

    def unrelated(h: str) -> np.ndarray:
        """Distances of every original and every benign copy to every *other* original."""
        parts = [popcount(originals[h][:, None] ^ originals[h][None, :])[upper]]
        for name in BENIGN:
            rows = copies[name]
            present = [k for k, i in enumerate(valid) if rows[i]]
            values = to_array([copies[name][valid[k]] for k in present], h)
            d = popcount(values[:, None] ^ originals[h][None, :])
            d[np.arange(len(present)), present] = 255  # its own original is not unrelated
            parts.append(d[d != 255])
        return np.concatenate(parts)

    print("## Match rate (%) of each transformed copy with its original, per hash and threshold")
    for h in HASHES:
        print(f"\n### {h}\n")
        print(
            "| transformation | median | p95 | max | "
            + " | ".join(f"≤{t}" for t in THRESHOLDS)
            + " |"
        )
        print("|---" * (4 + len(THRESHOLDS)) + "|")
        for name in BENIGN + PAINTED:
            d = own(name, h)
            cells = [rate(int((d <= t).sum()), n) for t in THRESHOLDS]
            print(
                f"| {name} | {np.median(d):.0f} | {np.percentile(d, 95):.0f} | {d.max()} | "
                + " | ".join(cells)
                + " |"
            )
        u = unrelated(h)
        cells = [fmr(int((u <= t).sum()), len(u)) for t in THRESHOLDS]
        print(
            f"| **false match / pair** ({len(u)} pairs, min {u.min()}) | | | | "
            + " | ".join(cells)
            + " |"
        )

    up, ud = unrelated("phash"), unrelated("dhash")
    print("\n## Combined rules: pHash ≤ a AND dHash ≤ b\n")
    pairs = [
        (8, 8),
        (8, 10),
        (10, 10),
        (10, 12),
        (12, 12),
        (12, 14),
        (14, 14),
        (14, 16),
        (16, 16),
        (16, 18),
        (18, 18),
        (18, 20),
        (20, 20),
    ]
    print("| transformation | " + " | ".join(f"{a}&{b}" for a, b in pairs) + " |")
    print("|---" * (1 + len(pairs)) + "|")
    for name in BENIGN + PAINTED:
        dp, dd = own(name, "phash"), own(name, "dhash")
        print(
            f"| {name} | "
            + " | ".join(rate(int(((dp <= a) & (dd <= b)).sum()), n) for a, b in pairs)
            + " |"
        )
    print(
        "| **false match / pair** | "
        + " | ".join(fmr(int(((up <= a) & (ud <= b)).sum()), len(up)) for a, b in pairs)
        + " |"
    )

    print("\n## Combined rule: pHash + dHash ≤ s\n")
    print(
        "| transformation | median | p95 | max | "
        + " | ".join(f"≤{s}" for s in SUM_THRESHOLDS)
        + " |"
    )
    print("|---" * (4 + len(SUM_THRESHOLDS)) + "|")
    for name in BENIGN + PAINTED:
        d = own(name, "phash") + own(name, "dhash")
        print(
            f"| {name} | {np.median(d):.0f} | {np.percentile(d, 95):.0f} | {d.max()} | "
            + " | ".join(rate(int((d <= s).sum()), n) for s in SUM_THRESHOLDS)
            + " |"
        )
    us = up + ud
    print(
        f"| **false match / pair** (min {us.min()}) | | | | "
        + " | ".join(fmr(int((us <= s).sum()), len(us)) for s in SUM_THRESHOLDS)
        + " |"
    )
    smallest = np.sort(us)[:10]
    same, verified, altered = (
        thresholds.SAME_PICTURE_MAX,
        thresholds.ARCHIVE_VERIFIED_MAX,
        thresholds.ARCHIVE_ALTERED_MAX,
    )
    print(
        f"\n## The rules in the code (scanner/fingerprint/thresholds.py)\n\n"
        f"Same picture: pHash + dHash ≤ {same}. Archival: verified ≤ {verified}, "
        f"altered ≤ {altered}, unverified beyond.\n"
    )
    print(
        "| transformation | same picture | archival verified | archival altered "
        "| archival unverified |\n|---|---|---|---|---|"
    )
    for name in BENIGN + PAINTED:
        d = own(name, "phash") + own(name, "dhash")
        print(
            f"| {name} | {rate(int((d <= same).sum()), n)} "
            f"| {rate(int((d <= verified).sum()), n)} "
            f"| {rate(int(((d > verified) & (d <= altered)).sum()), n)} "
            f"| {rate(int((d > altered).sum()), n)} |"
        )
    print(
        f"| **unrelated pairs** ({len(us)}) | {fmr(int((us <= same).sum()), len(us))} "
        f"| {fmr(int((us <= verified).sum()), len(us))} "
        f"| {fmr(int(((us > verified) & (us <= altered)).sum()), len(us))} | |"
    )
    print(f"\nSmallest unrelated pHash+dHash sums: {', '.join(str(v) for v in smallest)}")
    archival_table(base, copies, valid)
    related = corpus_related() if CORPUS.is_dir() else []
    if related:
        print("\n## Real edits in the shared corpus (copy vs its original)\n")
        print("| copy | what was done | pHash | dHash | sum |\n|---|---|---|---|---|")
        for name, what, dp, dd in related:
            print(f"| {name} | {what} | {dp} | {dd} | {dp + dd} |")


def archival_table(
    base: list[dict[str, Any] | None],
    copies: dict[str, list[dict[str, Any] | None]],
    valid: list[int],
) -> None:
    """Outcomes of the scanner's own verify_archival, each copy against all originals."""
    library = Library.from_items(
        "bench", [LibraryItem(f"o{i}", "image", base[i]["frame"]) for i in valid]
    )
    print("\n## Archival verification as the code does it (tiles, then bands)\n")
    print(
        'Each copy is checked against an archive holding all originals. "wrong source" '
        "counts a verified/altered outcome naming another original. The last columns show "
        "what whole-picture bands alone would say.\n"
    )
    print(
        "| transformation | verified | altered | unverified | wrong source "
        "| bands only: verified | altered | unverified |\n|---|---|---|---|---|---|---|---|"
    )
    n = len(valid)
    for name in BENIGN + PAINTED:
        counts = {"verified": 0, "altered": 0, "unverified": 0, "wrong": 0}
        bands = {"verified": 0, "altered": 0, "unverified": 0}
        for i in valid:
            row = copies[name][i]
            if row is None:
                counts["unverified"] += 1
                bands["unverified"] += 1
                continue
            check = verify_archival([row["frame"]], library)
            right = check.source == f"o{i}"
            counts[check.outcome if right or check.outcome == "unverified" else "wrong"] += 1
            total = distance(row["frame"], base[i]["frame"]).total
            band = (
                "verified"
                if total <= thresholds.ARCHIVE_VERIFIED_MAX
                else "altered"
                if total <= thresholds.ARCHIVE_ALTERED_MAX
                else "unverified"
            )
            bands[band] += 1
        print(
            f"| {name} | "
            + " | ".join(rate(counts[k], n) for k in counts)
            + " | "
            + " | ".join(rate(bands[k], n) for k in bands)
            + " |"
        )
    half = valid[: n // 2]
    archive = Library.from_items(
        "bench", [LibraryItem(f"o{i}", "image", base[i]["frame"]) for i in half]
    )
    outsiders = [base[i] for i in valid[n // 2 :]]
    outsiders += [copies[name][i] for name in BENIGN for i in valid[n // 2 :]]
    frames = [row["frame"] for row in outsiders if row is not None]
    outcomes = [verify_archival([f], archive).outcome for f in frames]
    print(
        f"| **unrelated** ({len(frames)} stills vs an archive of {len(half)} others) | "
        f"{fmr(outcomes.count('verified'), len(frames))} | "
        f"{fmr(outcomes.count('altered'), len(frames))} | "
        f"{rate(outcomes.count('unverified'), len(frames))} | | | | |"
    )


if __name__ == "__main__":
    main()
