"""What reading a studio-format frame costs: the header reader alone, and the pixel decode a
fingerprint needs, per format, at 2K.

    .venv/bin/python bench/studio_decode.py [--repeat N]

Builds one 2048x1080 frame per case in a temporary folder (EXR half RGBA ZIP and PIZ, 10-bit
DPX with industry header, lossy JPEG 2000, a layered PSD, an MXF master, a Broadcast WAV
stem), then times on one core, median of N runs: the studio readers on that file (`header`:
what every frame of a sequence costs), the fingerprint decode (`decode`: only sampled frames
pay it), and the whole `analyse()` with and without fingerprints (`analyse`, `analyse -fp`:
sha256 of the file, the C2PA SDK and, for MXF and WAV, MediaInfo in a forked child included).
The issue 15 budget: a frame's header read under 1 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from fixtures import media, pictures, studio  # noqa: E402
from scanner.discover.media import MediaFile  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.discover.sniff import sniff  # noqa: E402
from scanner.engine.analyse import EXTRACTORS, AnalyseOptions, analyse  # noqa: E402
from scanner.extract.interface import ExtractOptions  # noqa: E402
from scanner.fingerprint.hashing import decode_still, fingerprint_media  # noqa: E402

SIZE = (2048, 1080)


def frame_picture() -> Image.Image:
    """A photo-like 2K picture with grain (so compression works as on a real plate)."""
    base = pictures.photo(11, SIZE).convert("RGB")
    noise = np.random.default_rng(11).normal(0, 6, (SIZE[1], SIZE[0], 3))
    return Image.fromarray(np.clip(np.asarray(base) + noise, 0, 255).astype(np.uint8))


def build(folder: Path) -> dict[str, Path]:
    picture = frame_picture()
    attributes = {"owner": "Harbour VFX", "software": "Nuke 15.1v3", "nuke/node_hash": "b2ad"}
    cases = {
        "EXR half ZIP": studio.write_exr(folder / "f.zip.exr", picture, attributes),
        "EXR half PIZ": studio.write_exr(
            folder / "f.piz.exr", picture, attributes, compression="PIZ"
        ),  # fmt: skip
        "DPX 10-bit": studio.write_dpx(
            folder / "f.dpx", picture, creator="Nuke 15.1v3", project="LHK", frame_id="1001"
        ),  # fmt: skip
        "PSD 2 layers": studio.write_psd(
            folder / "f.psd", picture, [("Background", picture), ("Sky", picture)]
        ),  # fmt: skip
    }
    jp2 = folder / "f.jp2"
    picture.save(jp2, "JPEG2000", quality_mode="rates", quality_layers=[20])
    cases["JPEG 2000 lossy"] = jp2
    master = media.mxf_clip(folder / "m.mxf", seconds=2.0, seed=53)
    master.write_bytes(studio.add_identification(master.read_bytes(), "Blackmagic Design",
                                                 "DaVinci Resolve", "19.1"))  # fmt: skip
    cases["MXF MPEG-2 2 s"] = master
    stem = folder / "stem.wav"
    stem.write_bytes(studio.bwf_bytes(2.0, originator="Pro Tools", ixml="<BWFXML/>"))
    cases["BWF 2 s"] = stem
    return cases


def media_of(path: Path) -> MediaFile:
    data = path.read_bytes()[:65536]
    found = sniff(data)
    assert found is not None, path
    return MediaFile(path, path.name, found.media_type, found.format, found.kind,
                     path.stat().st_size)  # fmt: skip


def timed(call: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


STUDIO_READERS = ("exr", "dpx", "mxf", "psd", "jp2", "bwf", "xmp")


def headers(item: MediaFile) -> None:
    """The studio readers (and xmp, which reads PSD and JP2 packets) on one open file."""
    with open_readonly(item.path) as handle:
        for source, extract in EXTRACTORS:
            if source in STUDIO_READERS:
                handle.seek(0)
                extract(item, handle, ExtractOptions())


def decode(item: MediaFile) -> None:
    with open_readonly(item.path) as handle:
        if item.kind == "video":
            fingerprint_media(item, handle)
        else:
            decode_still(item, handle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="provscan-studio-bench-") as tmp:
        cases = build(Path(tmp))
        print(f"{'case':18} {'MB':>6} {'header ms':>10} {'decode ms':>10} {'analyse -fp':>12} "
              f"{'analyse ms':>11}")  # fmt: skip
        for name, path in cases.items():
            item = media_of(path)
            header = timed(lambda item=item: headers(item), args.repeat)
            pixels = (
                timed(lambda item=item: decode(item), args.repeat) if item.kind != "audio" else 0.0
            )
            plain = timed(lambda item=item: analyse(item, AnalyseOptions(fingerprints=False)),
                          args.repeat)  # fmt: skip
            whole = timed(lambda item=item: analyse(item), args.repeat)
            size = path.stat().st_size / 1e6
            print(
                f"{name:18} {size:6.1f} {header:10.2f} {pixels:10.1f} {plain:12.1f} {whole:11.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
