"""Seeded, photo-like, mutually unrelated pictures for the fingerprint bench and tests.

No data sets can be downloaded here, so pictures are made. To keep the false-match rate honest
they come in families that share a layout, the way real deliveries do (many landscapes with
a horizon at mid-height, many portraits with a face in the middle, many interiors):

- landscape: sky gradient, fractal ridge lines, sun/moon, ground texture
- portrait: backdrop, head-and-shoulders silhouettes, soft light
- interior: perspective walls, floor, windows and furniture blocks
- texture: coloured 1/f noise (clouds, foliage, water)
- still-life: soft shapes on a table under one light

Every picture carries 1/f structure at several scales plus sensor noise, so it is neither
flat nor trivially distinct. `photo(seed)` is deterministic; different seeds are unrelated.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FAMILIES = ("landscape", "portrait", "interior", "texture", "still-life")
ASPECTS = ((3, 2), (4, 3), (16, 9), (1, 1), (2, 3), (21, 9))


def photo(seed: int, long_side: int = 480) -> Image.Image:
    """Picture number `seed`: family and aspect rotate with the seed, everything else is drawn."""
    rng = np.random.default_rng(seed)
    family = FAMILIES[seed % len(FAMILIES)]
    aw, ah = ASPECTS[(seed // len(FAMILIES)) % len(ASPECTS)]
    scale = long_side / max(aw, ah)
    size = (max(16, round(aw * scale)), max(16, round(ah * scale)))
    draw_family = {
        "landscape": _landscape,
        "portrait": _portrait,
        "interior": _interior,
        "texture": _texture,
        "still-life": _still_life,
    }[family]
    pixels = draw_family(rng, size)
    pixels = pixels * rng.uniform(0.75, 1.15) + rng.uniform(-20, 20)  # exposure
    pixels += rng.normal(0, rng.uniform(1.5, 6.0), pixels.shape)  # sensor noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def noise_field(rng: np.random.Generator, size: tuple[int, int], beta: float) -> np.ndarray:
    """1/f^beta noise, zero mean, unit standard deviation, shape (height, width)."""
    width, height = size
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    spectrum = rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)
    field = np.fft.irfft2(spectrum / radius**beta, s=(height, width))
    return (field - field.mean()) / (field.std() + 1e-9)


def _grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    return xs / max(width - 1, 1), ys / max(height - 1, 1)


def _colour(rng: np.random.Generator, lo: float = 0, hi: float = 255) -> np.ndarray:
    return rng.uniform(lo, hi, 3)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0, 1)[..., None]
    return a * (1 - t) + b * t


def _landscape(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    xs, ys = _grid(size)
    sky = _mix(_colour(rng, 60, 255), _colour(rng, 20, 230), ys / rng.uniform(0.4, 0.9))
    sky += 25 * noise_field(rng, size, 2.2)[..., None] * rng.uniform(0.2, 1.0)
    image = sky
    horizon = rng.uniform(0.3, 0.75)
    for layer in range(int(rng.integers(1, 4))):
        ridge = horizon + 0.06 * layer + 0.12 * noise_field(rng, (size[0], 1), 1.8)[0] * 0.5
        ground = _mix(_colour(rng, 0, 180), _colour(rng, 0, 120), (ys - ridge) * 3)
        ground += 30 * noise_field(rng, size, 1.4)[..., None]
        image = np.where((ys > ridge)[..., None], ground, image)
    sun_x, sun_y, sun_r = rng.uniform(0.1, 0.9), rng.uniform(0.05, horizon), rng.uniform(0.02, 0.1)
    glow = np.exp(-(((xs - sun_x) ** 2 + (ys - sun_y) ** 2) / sun_r**2))
    return image + glow[..., None] * _colour(rng, 80, 200)


def _portrait(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    xs, ys = _grid(size)
    backdrop = _mix(_colour(rng), _colour(rng), xs * rng.uniform(-1, 1) + ys * rng.uniform(0, 1))
    backdrop += 20 * noise_field(rng, size, 2.5)[..., None]
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.5)
    rx, ry = rng.uniform(0.1, 0.22), rng.uniform(0.14, 0.28)
    head = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 < 1
    shoulders = ((xs - cx) / (rx * 2.6)) ** 2 + ((ys - 1.05) / (1.05 - cy - ry * 0.8)) ** 2 < 1
    skin = _colour(rng, 90, 240) + 18 * noise_field(rng, size, 2.0)[..., None]
    cloth = _colour(rng, 0, 200) + 25 * noise_field(rng, size, 1.6)[..., None]
    light = 1.0 + 0.35 * (xs - cx) * rng.choice([-1, 1])
    image = np.where(shoulders[..., None], cloth, backdrop)
    image = np.where(head[..., None], skin * light[..., None], image)
    return _blur(image, 1.2)


def _interior(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    vx, vy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.35, 0.6) * height
    canvas = Image.new("RGB", size, tuple(int(v) for v in _colour(rng, 40, 220)))
    draw = ImageDraw.Draw(canvas)
    walls = [
        [(0, 0), (vx, vy), (vx, vy), (0, height)],
        [(width, 0), (vx, vy), (vx, vy), (width, height)],
        [(0, height), (vx, vy), (width, height)],
        [(0, 0), (vx, vy), (width, 0)],
    ]
    for wall in walls:
        draw.polygon([(float(x), float(y)) for x, y in wall], fill=_rgb(rng, 20, 240))
    for _ in range(int(rng.integers(2, 7))):
        x0, y0 = rng.uniform(0, width * 0.8), rng.uniform(0, height * 0.8)
        w, h = rng.uniform(0.05, 0.3) * width, rng.uniform(0.05, 0.35) * height
        draw.rectangle((x0, y0, x0 + w, y0 + h), fill=_rgb(rng, 0, 255))
    image = np.asarray(canvas, dtype=np.float64)
    image += 12 * noise_field(rng, size, 1.5)[..., None]
    return _blur(image, 1.0)


def _texture(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    field = noise_field(rng, size, rng.uniform(1.2, 2.6))
    detail = noise_field(rng, size, 1.0)
    t = (np.tanh(field * rng.uniform(0.5, 2.0)) + 1) / 2
    image = _mix(_colour(rng), _colour(rng), t) + 20 * detail[..., None]
    return _mix(image, _colour(rng)[None, None, :] * np.ones_like(image), (field > 1.2) * 0.5)


def _still_life(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    xs, ys = _grid(size)
    table = rng.uniform(0.45, 0.75)
    image = np.where((ys > table)[..., None], _colour(rng, 30, 200), _colour(rng, 10, 160))
    image = image * np.ones((height, width, 1))
    canvas = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(2, 6))):
        cx, r = rng.uniform(0.1, 0.9) * width, rng.uniform(0.05, 0.18) * min(size)
        base = table * height + rng.uniform(0, 0.15) * height
        kind = int(rng.integers(0, 3))
        box = (cx - r, base - 2 * r, cx + r, base)
        if kind == 0:
            draw.ellipse(box, fill=_rgb(rng, 0, 255))
        elif kind == 1:
            draw.rectangle((cx - r * 0.6, base - 3 * r, cx + r * 0.6, base), fill=_rgb(rng, 0, 255))
        else:
            draw.polygon([(cx - r, base), (cx + r, base), (cx, base - 2.5 * r)], fill=_rgb(rng))
    image = np.asarray(canvas, dtype=np.float64)
    light_x = rng.uniform(0, 1)
    image *= (1.2 - 0.5 * np.abs(xs - light_x))[..., None]
    return _blur(image + 10 * noise_field(rng, size, 1.8)[..., None], 1.5)


def _rgb(rng: np.random.Generator, lo: float = 0, hi: float = 255) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in _colour(rng, lo, hi))
    return r, g, b


def _blur(pixels: np.ndarray, radius: float) -> np.ndarray:
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float64)
