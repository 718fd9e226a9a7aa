"""Generate the synthetic benchmark delivery (issue 6, item 4). Real files, written for real.

    .venv/bin/python bench/make_delivery.py bench/out/delivery [--stills 5000] [--large-gib 4]

Layout (the benchmark scans these folders separately and together):
    stills/b0 .. stills/bN   1,000 stills per folder, a fixed cycle of 20 kinds:
                             camera JPEG (EXIF), plain JPEG, XMP-declared AI JPEG, Fooocus EXIF
                             JPEG, AUTOMATIC1111 PNG, ComfyUI PNG, plain PNG, TIFF, WebP, HEIC,
                             C2PA-signed AI JPEG (Firefly) x2, C2PA-signed camera JPEG
                             (3 of every 20 stills carry real C2PA manifests, signed with a
                             throwaway CA: 750 of 5,000)
                             sizes cycle 640x480, 1280x720, 1920x1080, 1280x720, 640x480
    video/                   20 short clips: H.264 MP4, ProRes MOV, MP4 with XMP, C2PA-signed MP4
    master/master.mp4        one real H.264 MP4 of at least --large-gib GiB (intra-only
                             lossless frames, remuxed: generation is I/O bound)

Every still is unique (its index is stamped into the pixels). Generation uses every core.
The folder is rebuilt only where missing; `--force` starts over.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures import pictures  # noqa: E402
from fixtures.c2pa_sign import action, sign_c2pa  # noqa: E402
from fixtures.ca import Ca, load_ca, make_ca  # noqa: E402
from fixtures.metadata import exif_block, text_chunk, xmp_packet  # noqa: E402
from fixtures.stills import a1111_parameters, comfyui_graphs, fooocus_parameters  # noqa: E402

PER_FOLDER = 1000
SIZES = ((640, 480), (1280, 720), (1920, 1080), (1280, 720), (640, 480))
KINDS = (
    "camera_jpeg", "camera_jpeg", "camera_jpeg", "camera_jpeg", "plain_jpeg", "plain_jpeg",
    "xmp_ai_jpeg", "fooocus_jpeg", "a1111_png", "a1111_png", "comfyui_png", "plain_png",
    "tiff", "webp", "heic", "c2pa_ai_jpeg", "c2pa_ai_jpeg", "c2pa_camera_jpeg",
    "xmp_ai_jpeg", "camera_jpeg",
)  # fmt: skip
EXTENSIONS = {"png": ".png", "tiff": ".tif", "webp": ".webp", "heic": ".heic"}
BASE_PICTURES = 24
CAMERAS = (
    {"Make": "Canon", "Model": "Canon EOS R5"},
    {"Make": "NIKON CORPORATION", "Model": "NIKON Z 9"},
    {"Make": "ARRI", "Model": "ALEXA 35"},
)

_base_cache: dict[tuple[int, tuple[int, int]], Image.Image] = {}


def _base(index: int, size: tuple[int, int]) -> Image.Image:
    key = (index % BASE_PICTURES, size)
    if key not in _base_cache:
        _base_cache[key] = pictures.photo(key[0] + 1000, size)
    return _base_cache[key]


def unique_picture(index: int, size: tuple[int, int]) -> Image.Image:
    """A base picture with the index stamped as a row of black/white blocks: unique bytes."""
    pixels = np.array(_base(index, size))
    block = max(4, size[0] // 160)
    for bit in range(20):
        value = 255 if (index >> bit) & 1 else 0
        pixels[:block, bit * block : (bit + 1) * block] = value
    return Image.fromarray(pixels, "RGB")


def _jpeg(picture: Image.Image, *, exif: dict | None = None, xmp: str | None = None) -> bytes:
    options: dict = {"quality": 88}
    if exif:
        options["exif"] = exif_block(exif)
    if xmp:
        options["xmp"] = xmp.encode("utf-8")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _png(picture: Image.Image, chunks: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=1)
    png = buffer.getvalue()
    ihdr_end = 8 + 25
    return png[:ihdr_end] + chunks + png[ihdr_end:]


def still_bytes(kind: str, index: int, picture: Image.Image) -> bytes:
    when = f"2026:03:{1 + index % 28:02d} 10:{index % 60:02d}:00"
    if kind in ("camera_jpeg", "c2pa_camera_jpeg"):
        camera = CAMERAS[index % len(CAMERAS)]
        return _jpeg(picture, exif={**camera, "DateTime": when, "DateTimeOriginal": when})
    if kind in ("plain_jpeg", "c2pa_ai_jpeg"):
        return _jpeg(picture)
    if kind == "xmp_ai_jpeg":
        packet = xmp_packet(
            digital_source_type_term="trainedAlgorithmicMedia", description=f"concept frame {index}"
        )
        return _jpeg(picture, xmp=packet)
    if kind == "fooocus_jpeg":
        exif = Image.Exif()
        exif[0x9286] = fooocus_parameters(index)
        exif[0x0131] = "Fooocus v2.5.5"
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=88, exif=exif)
        return buffer.getvalue()
    if kind == "a1111_png":
        return _png(
            picture, text_chunk("parameters", a1111_parameters(seed=index, size=picture.size))
        )
    if kind == "comfyui_png":
        api, workflow = comfyui_graphs(index, "previs frame, canyon chase", picture.size)
        return _png(
            picture,
            text_chunk("prompt", json.dumps(api)) + text_chunk("workflow", json.dumps(workflow)),
        )
    if kind == "plain_png":
        return _png(picture)
    buffer = io.BytesIO()
    if kind == "tiff":
        picture.save(buffer, "TIFF", compression="tiff_adobe_deflate")
    elif kind == "webp":
        picture.save(buffer, "WEBP", quality=80, method=2)
    elif kind == "heic":
        import pillow_heif

        pillow_heif.from_pillow(picture).save(buffer, quality=60)
    else:
        raise ValueError(kind)
    return buffer.getvalue()


def still_path(root: Path, index: int) -> tuple[Path, str]:
    kind = KINDS[index % len(KINDS)]
    ext = next((e for k, e in EXTENSIONS.items() if kind.endswith(k)), ".jpg")
    return root / "stills" / f"b{index // PER_FOLDER}" / f"{kind}_{index:06d}{ext}", kind


def make_still(root: Path, index: int, ca: Ca) -> int:
    path, kind = still_path(root, index)
    if path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    data = still_bytes(kind, index, unique_picture(index, SIZES[index % len(SIZES)]))
    scratch = root.parent / "scratch"  # never inside the delivery: an interrupted run leaves
    scratch.mkdir(exist_ok=True)  # no half-written files there
    part = scratch / f"{index}.part.jpg"
    if kind.startswith("c2pa_"):
        part.write_bytes(data)
        if kind == "c2pa_ai_jpeg":
            created = action(
                "c2pa.created",
                source_type="trainedAlgorithmicMedia",
                agent="Adobe Firefly",
                agent_version="4.0.0",
            )
            generator = ("Adobe Firefly", "4.0.0")
        else:
            created = action("c2pa.created", source_type="digitalCapture")
            generator = ("Leica M11-P", "2.0.2")
        signed = scratch / f"{index}.signed.jpg"
        sign_c2pa(part, signed, ca, title=path.name, actions=[created], claim_generator=generator)
        part.unlink()
        signed.replace(path)
    else:
        part.write_bytes(data)
        part.replace(path)
    return 1


def _stills_worker(args: tuple[str, int, int, str]) -> int:
    root, start, stop, ca_dir = args
    ca = load_ca(ca_dir)
    return sum(make_still(Path(root), i, ca) for i in range(start, stop))


def make_stills(root: Path, count: int, ca_dir: Path, jobs: int) -> int:
    step = 100
    chunks = [(str(root), s, min(s + step, count), str(ca_dir)) for s in range(0, count, step)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return sum(pool.map(_stills_worker, chunks))


def make_videos(root: Path, ca: Ca) -> int:
    from fixtures.credentials import signed_ai_video
    from fixtures.media import h264_mp4, mp4_with_xmp_uuid, prores_mov

    made = 0
    folder = root / "video"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(20):
        family = ("h264", "prores", "xmp", "c2pa")[n % 4]
        ext = ".mov" if family == "prores" else ".mp4"
        path = folder / f"clip_{n:02d}_{family}{ext}"
        if path.exists():
            continue
        scratch = root.parent / "scratch"
        scratch.mkdir(exist_ok=True)
        tmp = scratch / (path.name + ".part" + ext)
        if family == "h264":
            h264_mp4(tmp, seconds=3.0, size=(640, 360), seed=200 + n)
        elif family == "prores":
            prores_mov(tmp, seconds=2.0, size=(640, 360), seed=200 + n)
        elif family == "xmp":
            mp4_with_xmp_uuid(tmp, seed=200 + n)
        else:
            source = h264_mp4(
                scratch / (path.name + ".src.mp4"), seconds=3.0, size=(640, 360), seed=200 + n
            )
            signed_ai_video(source, tmp, ca)
            source.unlink()
        tmp.replace(path)
        made += 1
    return made


def make_large_video(path: Path, min_bytes: int) -> int:
    """An H.264 MP4 of at least `min_bytes`: 24 lossless intra-only 1080p frames of noise are
    encoded once, then their packets are muxed again and again with advancing timestamps.
    Every frame is a keyframe, so the result is a real, seekable, decodable stream."""
    import av

    if path.exists() and path.stat().st_size >= min_bytes:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height, fps = 1920, 1080, 24
    scratch = path.parents[1].parent / "scratch"
    scratch.mkdir(exist_ok=True)
    seed_clip = scratch / "seed.part.mp4"
    rng = np.random.default_rng(4)
    with av.open(str(seed_clip), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"qp": "0", "preset": "ultrafast", "x264-params": "keyint=1"}
        for i in range(fps):
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            pixels[:, :, 0] = (np.arange(width)[None, :] + i * 20) % 256
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    part = scratch / (path.name + ".part.mp4")
    with av.open(str(seed_clip)) as source:
        template = source.streams.video[0]
        packets = [(bytes(p), p.pts, p.dts, p.duration) for p in source.demux(template) if p.size]
        with av.open(str(part), "w", format="mp4") as out:
            stream = out.add_stream_from_template(template)
            written, rep = 0, 0
            while written < min_bytes:
                for data, pts, dts, duration in packets:
                    packet = av.Packet(data)
                    shift = rep * len(packets) * duration
                    packet.pts, packet.dts, packet.duration = pts + shift, dts + shift, duration
                    packet.time_base, packet.is_keyframe, packet.stream = (
                        template.time_base,
                        True,
                        stream,
                    )
                    out.mux(packet)
                    written += len(data)
                rep += 1
    seed_clip.unlink()
    part.replace(path)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--stills", type=int, default=5000)
    parser.add_argument("--large-gib", type=float, default=4.0, help="0 = no large video")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.force and root.exists():
        shutil.rmtree(root)
    ca_dir = root.parent / "ca"
    ca = load_ca(ca_dir) or make_ca(ca_dir)
    timings = {}
    started = time.perf_counter()
    made = make_stills(root, args.stills, ca_dir, args.jobs)
    timings["stills"] = (made, time.perf_counter() - started)
    started = time.perf_counter()
    timings["videos"] = (make_videos(root, ca), time.perf_counter() - started)
    if args.large_gib > 0:
        started = time.perf_counter()
        made = make_large_video(root / "master" / "master.mp4", int(args.large_gib * (1 << 30)))
        timings["large video"] = (made, time.perf_counter() - started)
    for what, (count, seconds) in timings.items():
        print(f"{what:<12} {count:>6} made in {seconds:7.1f} s")
    print(f"trust anchor for C2PA: {ca_dir / 'root.pem'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
