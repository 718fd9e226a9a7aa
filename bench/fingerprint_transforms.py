"""Transformations, the H.264 clip and the corpus pictures of bench/fingerprint_thresholds.py.

Each transformation is what a delivery does to a picture on its way (re-encode, resize, crop,
grade, letterbox, logo bug, H.264) or a retouch (paint_in).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from scanner.fingerprint.video import normalise_frame

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


# ---- transformations -------------------------------------------------------------------------


def resize(image: Image.Image, factor: float) -> Image.Image:
    w, h = image.size
    return image.resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS)


def crop(image: Image.Image, fraction: float, centred: bool) -> Image.Image:
    """Remove `fraction` of width and height: split on both sides, or all from right/bottom."""
    w, h = image.size
    dw, dh = round(w * fraction), round(h * fraction)
    if centred:
        return image.crop((dw // 2, dh // 2, w - (dw - dw // 2), h - (dh - dh // 2)))
    return image.crop((0, 0, w - dw, h - dh))


def grade(image: Image.Image) -> Image.Image:
    """A warm, punchy grade: lift/gamma/gain per channel, contrast S-curve, +25% saturation."""
    x = np.asarray(image, dtype=np.float64) / 255
    gain, lift, gamma = np.array([1.06, 1.0, 0.88]), np.array([0.03, 0.02, 0.04]), 0.85
    x = lift + (gain - lift) * np.clip(x, 0, 1) ** gamma
    x = 0.5 + (x - 0.5) * 1.15
    luma = x @ np.array([0.2126, 0.7152, 0.0722])
    x = luma[..., None] + (x - luma[..., None]) * 1.25
    return Image.fromarray((np.clip(x, 0, 1) * 255).astype(np.uint8), "RGB")


def letterbox(image: Image.Image) -> Image.Image:
    """Black bars top and bottom: the canvas is a third taller than the picture."""
    w, h = image.size
    canvas = Image.new("RGB", (w, round(h * 4 / 3)), (0, 0, 0))
    canvas.paste(image, (0, (canvas.height - h) // 2))
    return canvas


def logo(image: Image.Image) -> Image.Image:
    """A broadcaster's bug: semi-opaque white badge with text, bottom right, ~18% wide."""
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = base.size
    bw, bh = round(w * 0.18), round(h * 0.08)
    x0, y0 = w - bw - round(w * 0.04), h - bh - round(h * 0.05)
    draw.rounded_rectangle((x0, y0, x0 + bw, y0 + bh), radius=bh // 3, fill=(255, 255, 255, 150))
    draw.ellipse((x0 + 4, y0 + 4, x0 + bh - 4, y0 + bh - 4), fill=(230, 40, 40, 200))
    font = ImageFont.load_default(size=max(10, bh // 2))
    draw.text((x0 + bh + 4, y0 + bh // 4), "NETWORK", fill=(20, 20, 20, 220), font=font)
    return Image.alpha_composite(base, layer).convert("RGB")


def paint_in(image: Image.Image, donor: Image.Image, area: float, seed: int) -> Image.Image:
    """Replace `area` of the picture with an ellipse of another picture's content."""
    rng = np.random.default_rng(seed)
    w, h = image.size
    aspect = rng.uniform(0.6, 1.6)
    ry = np.sqrt(area * w * h / (np.pi * aspect))
    rx = ry * aspect
    cx, cy = rng.uniform(rx, w - rx), rng.uniform(ry, h - ry)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    out = image.copy()
    out.paste(donor if donor.size == image.size else donor.resize(image.size), (0, 0), mask)
    return out


# name -> (transformation, JPEG quality of the saved copy or None for lossless PNG)
TRANSFORMS: dict[str, tuple[Callable[[Image.Image], Image.Image], int | None]] = {
    "jpeg-q60": (lambda im: im, 60),
    "resize-50": (lambda im: resize(im, 0.5), None),
    "resize-50+jpeg-q75": (lambda im: resize(im, 0.5), 75),
    "crop-5-centre": (lambda im: crop(im, 0.05, centred=True), None),
    "crop-5-side": (lambda im: crop(im, 0.05, centred=False), None),
    "colour-grade": (grade, None),
    "letterbox": (letterbox, None),
    "logo-overlay": (logo, None),
}


class H264Clip:
    """Every original, fitted into 1280x720 (bars where the aspect differs), held for HOLD
    frames of one x264 CRF 23 clip; `frames()` decodes frame 3 of each hold."""

    HOLD = 6

    def __init__(self, path: Path) -> None:
        self.path = path
        self.out = av.open(str(path), "w")
        self.stream = self.out.add_stream(
            "libx264", rate=24, options={"crf": "23", "preset": "veryfast"}
        )
        self.stream.width, self.stream.height, self.stream.pix_fmt = 1280, 720, "yuv420p"

    def add(self, original: Image.Image) -> None:
        canvas = Image.new("RGB", (1280, 720))
        fitted = original.copy()
        fitted.thumbnail((1280, 720), Image.Resampling.LANCZOS)
        canvas.paste(fitted, ((1280 - fitted.width) // 2, (720 - fitted.height) // 2))
        frame = av.VideoFrame.from_image(canvas)
        for _ in range(self.HOLD):
            for packet in self.stream.encode(frame):
                self.out.mux(packet)

    def frames(self) -> list[Image.Image]:
        for packet in self.stream.encode(None):
            self.out.mux(packet)
        self.out.close()
        picked: list[Image.Image] = []
        with av.open(str(self.path)) as clip:
            stream = clip.streams.video[0]
            for index, frame in enumerate(clip.decode(stream)):
                if index % self.HOLD == 3:
                    picked.append(normalise_frame(frame, stream))
        return picked


# ---- corpus ----------------------------------------------------------------------------------

# Distinct pictures of the shared corpus, picked by eye: the C2PA test files reuse a few
# photos (the ribbons photo alone is in eight files), which would count as false matches.
CORPUS_DISTINCT = (
    "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-A.jpg",  # ribbons
    "c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg",
    "comfyanonymous+ComfyUI_examples/controlnet/input_scribble_example.png",
    "comfyanonymous+ComfyUI_examples/sdturbo/sdxlturbo_example.png",
    "contentauth+c2pa-rs/sdk/tests/fixtures/C.jpg",  # a smooth colour gradient
    "contentauth+c2pa-rs/sdk/tests/fixtures/cai.jpg",
    "contentauth+c2pa-rs/sdk/tests/fixtures/earth_apollo17.jpg",
    "contentauth+c2pa-rs/sdk/tests/fixtures/repro-sundae-ice-cream.png",
    "contentauth+c2pa-rs/sdk/tests/fixtures/sample1.avif",
    "contentauth+c2pa-rs/sdk/tests/fixtures/sample1.webp",
)
# Real edits of those pictures found in the corpus: (copy, original, what was done).
CORPUS_RELATED = (
    (
        "contentauth+c2pa-rs/sdk/tests/fixtures/CA.jpg",
        CORPUS_DISTINCT[0],
        "colour adjusted (C2PA c2pa.color_adjustments)",
    ),
    (
        "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-CAICAI.jpg",
        CORPUS_DISTINCT[0],
        "two pictures placed over a quarter of it (C2PA c2pa.placed)",
    ),
    (
        "contentauth+c2pa-rs/sdk/tests/fixtures/IMG_0003_aca.png",
        CORPUS_DISTINCT[0],
        "re-exported by the Content Authenticity app, reframed",
    ),
    (
        "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
        "adobe_connected_identities.jpg",
        CORPUS_DISTINCT[6],
        "watermarked and re-signed",
    ),
)


def corpus_photos() -> list[Image.Image]:
    """The distinct corpus pictures (RGB, <= 960 px), when ../shared/corpus is present."""
    pictures = []
    for rel in CORPUS_DISTINCT:
        path = CORPUS / rel
        if path.is_file():
            with Image.open(path) as opened:
                image = opened.convert("RGB")
            image.thumbnail((960, 960), Image.Resampling.LANCZOS)
            pictures.append(image)
    return pictures
