"""What looking for stealth metadata costs per file (scanner/extract/stealth.py), against what
decoding the picture costs (Pillow), on PNG and WebP without and with a payload.

    .venv/bin/python bench/stealth_cost.py [--repeat 15]

Median milliseconds per file of `stealth.extract` on the open file, the way the analysis calls
it. A PNG without the signature is probed (the first 152 rows inflated, one pixel per row
unfiltered), never decoded; one with it is decoded whole. Lossy WebP without alpha is not
looked at; lossless or alpha WebP is decoded.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixtures.stealth import save_stealth_png, save_stealth_webp  # noqa: E402
from scanner.discover.safe_open import open_readonly  # noqa: E402
from scanner.extract import stealth  # noqa: E402
from scanner.extract.interface import ExtractOptions  # noqa: E402
from tests.extract_helpers import media_for  # noqa: E402

PARAMETERS = (
    "a lighthouse at dawn, volumetric fog\nNegative prompt: lowres\nSteps: 28, Sampler: DPM++ 2M, "
    "CFG scale: 6, Seed: 1357913, Size: 1024x1024, Model hash: 6ce0161689, Model: v1-5-pruned"
) * 8  # about 1.4 KB, as A1111 writes with a long prompt


def picture(width: int, height: int, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    photo = Image.fromarray(base).resize((width, height), Image.Resampling.BILINEAR)
    noise = rng.integers(-6, 7, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(photo, np.int16) + noise, 0, 255).astype(np.uint8))


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def stealth_ms(path: Path, repeat: int) -> tuple[float, int]:
    media = media_for(path)

    def once() -> int:
        with open_readonly(path) as handle:
            return len(stealth.extract(media, handle, ExtractOptions()).evidence)

    found = once()
    return median_ms(once, repeat), found


def decode_ms(path: Path, repeat: int) -> float:
    def once() -> None:
        with Image.open(path) as image:
            np.asarray(image.convert(image.mode))

    return median_ms(once, repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for width, height in ((1024, 1024), (3840, 2160)):
            base = picture(width, height)
            name = f"{width}x{height}"
            base.convert("RGBA").save(folder / f"{name}_rgba.png")
            base.save(folder / f"{name}_rgb.png")
            files += [(f"PNG RGBA {name}, no payload", folder / f"{name}_rgba.png"),
                      (f"PNG RGB {name}, no payload", folder / f"{name}_rgb.png")]  # fmt: skip
            save_stealth_png(folder / f"{name}_a1111.png", base, PARAMETERS, "alpha", True)
            files.append((f"PNG RGBA {name}, A1111 stealth_pngcomp", folder / f"{name}_a1111.png"))
        base = picture(1024, 1024)
        buffer = io.BytesIO()
        base.save(buffer, "WEBP", quality=85)
        (folder / "lossy.webp").write_bytes(buffer.getvalue())
        base.convert("RGBA").save(folder / "lossless.webp", "WEBP", lossless=True)
        save_stealth_webp(folder / "stealth.webp", base, PARAMETERS)
        files += [("WebP lossy 1024x1024, no alpha", folder / "lossy.webp"),
                  ("WebP lossless RGBA 1024x1024, no payload", folder / "lossless.webp"),
                  ("WebP lossless RGBA 1024x1024, stealth", folder / "stealth.webp")]  # fmt: skip
        print(f"{'file':48} {'stealth ms':>10} {'decode ms':>10}  found")
        for label, path in files:
            cost, found = stealth_ms(path, args.repeat)
            print(f"{label:48} {cost:10.2f} {decode_ms(path, args.repeat):10.2f}  {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
