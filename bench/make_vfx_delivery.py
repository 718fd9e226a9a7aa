"""Build the VFX benchmark delivery (issue 15): 2K frame sequences in shots, and an MXF master.

    .venv/bin/python bench/make_vfx_delivery.py bench/out/vfx [--frames 20000] [--shots 40]
        [--dpx-shots 2] [--master-seconds 60] [--grain-share 0.05] [--estimate] [--force]

Layout under OUT (real files, every one of them unique in its bytes):
    delivery/vfx/sh010/sh010_comp_v001.1001.exr ...   EXR shots, half-float RGB, 2048x1080; ZIP
                                                      and PIZ compression alternate by shot
    delivery/vfx/sh400/sh400_plate_0001.dpx ...       the last --dpx-shots shots: 10-bit DPX
                                                      (SMPTE 268M V2.0, filled method A,
                                                      big-endian), film and TV headers filled in
    delivery/master/EP101_master_v001.mxf             DNxHR LB 1080p24 in MXF OP1a (PyAV)
    bench_delivery.json                               what was built: counts, bytes, parameters
The benchmark scans OUT/delivery: it should report one asset per shot plus the master.

Each shot is a slow pan over a synthetic plate (smooth gradients and shapes quantised to
1/--levels, film grain in --grain-share of the rows), so the frames compress like a clean CG
plate with a grainy band: 0.8 MB (ZIP) and 1.1 MB (PIZ) an EXR; real grainy plates are 5-8 MB,
which 20,000 frames cannot afford on a shared disk (--levels 0 --grain-share 1 makes them).
--key-frames pictures are encoded per shot (OpenEXR for EXR, numpy packing for DPX) and played
back and forth (0, 1, ... K-1, K-2, ... 1, 0, ...), so consecutive frames differ a little and
the picture never jumps; every frame then gets its own header bytes (EXR: a `frameId` string
attribute; DPX: file name, frame position, frame id and SMPTE time code), so each frame has its
own sha256 and a header a reader can tell apart. Writing is I/O bound: a frame is a copy of its
key frame's bytes with a few header bytes patched.

Before writing, the size of the delivery is estimated from one key frame of each kind; the
script stops when it would leave less than --keep-free-gib on the disk (--estimate prints the
estimate only). Defaults: 20,000 frames in 40 shots, 38 EXR and 2 DPX shots, about 32 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 2048, 1080
FIRST_FRAME = 1001
FRAME_ID = b"sh000 frame 0000000000"  # EXR placeholder, patched per frame (same length)
DPX_HEADER = 2048  # generic (1664) + industry (384) headers; the image follows
FPS = 24


@dataclass(frozen=True)
class Shot:
    index: int
    name: str  # sh010
    kind: str  # exr-zip | exr-piz | dpx
    frames: int
    key_frames: int
    grain_share: float
    width: int
    height: int
    levels: int = 256  # the smooth part is quantised to 1/levels (a CG plate's flat steps)

    @property
    def folder(self) -> str:
        return f"vfx/{self.name}"

    def file_name(self, k: int) -> str:
        if self.kind == "dpx":
            return f"{self.name}_plate_{k + 1:04d}.dpx"
        return f"{self.name}_comp_v001.{FIRST_FRAME + k}.exr"


def plan(
    frames: int, shots: int, dpx_shots: int, key_frames: int, grain: float, levels: int
) -> list[Shot]:
    per_shot, extra = divmod(frames, shots)
    planned = []
    for i in range(shots):
        kind = "dpx" if i >= shots - dpx_shots else ("exr-zip" if i % 2 == 0 else "exr-piz")
        count = per_shot + (1 if i < extra else 0)
        name = f"sh{(i + 1) * 10:03d}"
        planned.append(Shot(i, name, kind, count, key_frames, grain, WIDTH, HEIGHT, levels))
    return planned


# --- pictures ---------------------------------------------------------------------------------


def plate(shot: Shot, key: int) -> np.ndarray:
    """Key frame `key` of a shot: scene-linear RGB float32 (0..~1.2), a slow pan over a plate."""
    rng = np.random.default_rng(shot.index * 1000 + 17)
    width, height = shot.width, shot.height
    pan = key * 12  # pixels per key frame
    xs = (np.arange(width, dtype=np.float32) + pan)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    tint = rng.uniform(0.6, 1.0, 3).astype(np.float32)
    sky = 0.15 + 0.5 * (1 - ys / height) + 0.05 * np.sin(xs / (180 + 40 * shot.index % 7))
    picture = np.empty((height, width, 3), np.float32)
    for c in range(3):
        picture[..., c] = sky * tint[c]
    for _ in range(6):  # soft discs: buildings, lamps, a moving actor stand-in
        cx, cy = rng.uniform(0, width * 1.2) - pan * 0.5, rng.uniform(0, height)
        radius = rng.uniform(40, 220)
        disc = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2))
        picture += disc[..., None] * rng.uniform(0.1, 0.7, 3).astype(np.float32)
    if shot.levels:
        picture = np.round(picture * shot.levels) / shot.levels
    rows = int(height * shot.grain_share)
    if rows:
        grain = np.random.default_rng(shot.index * 1000 + key).normal(0, 0.01, (rows, width, 3))
        picture[-rows:] += grain.astype(np.float32)
    return np.clip(picture, 0.0, 1.2)


def back_and_forth(k: int, keys: int) -> int:
    """0, 1, ..., keys-1, keys-2, ..., 1, 0, 1, ...: the key frame frame k shows."""
    if keys <= 1:
        return 0
    period = 2 * (keys - 1)
    step = k % period
    return step if step < keys else period - step


# --- EXR ----------------------------------------------------------------------------------


def exr_key(shot: Shot, key: int) -> bytes:
    import tempfile

    import OpenEXR

    compression = OpenEXR.ZIP_COMPRESSION if shot.kind == "exr-zip" else OpenEXR.PIZ_COMPRESSION
    header = {
        "compression": compression,
        "type": OpenEXR.scanlineimage,
        "owner": "ACME Post Ltd.",
        "software": "Nuke 15.1v3",
        "comments": f"{shot.name} comp v001",
        "capDate": "2026:03:02 10:11:12",
        "nuke/node_hash": f"{shot.index:08x}b2ad4c7e",
        "frameId": FRAME_ID.decode(),
    }
    pixels = plate(shot, key).astype(np.float16)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "key.exr"
        OpenEXR.File(header, {"RGB": pixels}).write(str(path))
        data = path.read_bytes()
    if data.count(FRAME_ID) != 1:
        raise RuntimeError("the frameId placeholder must occur once in the EXR header")
    return data


def exr_frame_bytes(key_bytes: bytes, shot: Shot, k: int) -> bytes:
    frame_id = f"{shot.name} frame {FIRST_FRAME + k:010d}".encode()
    assert len(frame_id) == len(FRAME_ID)
    at = key_bytes.index(FRAME_ID)
    return key_bytes[:at] + frame_id + key_bytes[at + len(FRAME_ID) :]


# --- DPX ----------------------------------------------------------------------------------


def _text(value: str, size: int) -> bytes:
    return value.encode("ascii")[:size].ljust(size, b"\x00")


def dpx_key(shot: Shot, key: int) -> bytes:
    """A 10-bit RGB DPX (SMPTE 268M-2003, V2.0, big-endian, filled method A) whose header is
    patched per frame by dpx_frame_bytes."""
    width, height = shot.width, shot.height
    rgb = np.clip(plate(shot, key) ** (1 / 2.2), 0.0, 1.0)  # a video-like code value
    code = np.rint(rgb * 1023).astype(np.uint32)
    words = (code[..., 0] << 22) | (code[..., 1] << 12) | (code[..., 2] << 2)
    pixels = words.astype(">u4").tobytes()
    header = bytearray(b"\xff" * DPX_HEADER)  # undefined fields are all ones (the spec)
    size = DPX_HEADER + len(pixels)
    struct.pack_into(">4sI8sIIIII", header, 0, b"SDPX", DPX_HEADER, b"V2.0\x00\x00\x00\x00",
                     size, 1, 1664, 384, 0)  # fmt: skip
    header[36:136] = _text(f"{shot.name}_plate_0000.dpx", 100)
    header[136:160] = _text("2026:03:02:10:11:12UTC", 24)
    header[160:260] = _text("ARRI ALEXA 35 / Colorfront Transkoder 2026", 100)
    header[260:460] = _text("EP101", 200)
    header[460:660] = _text("(c) 2026 ACME Studios", 200)
    struct.pack_into(">HHII", header, 768, 0, 1, width, height)
    # element 0: unsigned, reference codes 0-1023, RGB (50), linear, 10 bits, method A
    struct.pack_into(">IIfIfBBBBHHIII", header, 780, 0, 0, 0.0, 1023, 2.046, 50, 2, 2, 10,
                     1, 0, DPX_HEADER, 0, 0)  # fmt: skip
    header[820:852] = _text("RGB plate", 32)
    header[852:1408] = b"\xff" * (1408 - 852)  # elements 1-7 unused
    struct.pack_into(">IIffII", header, 1408, 0, 0, width / 2, height / 2, width, height)
    header[1432:1532] = _text(f"A001C{shot.index:03d}_260302_R1AB.ari", 100)
    header[1532:1556] = _text("2026:03:02:10:11:12UTC", 24)
    header[1556:1588] = _text("ARRI ALEXA 35", 32)
    header[1588:1620] = _text("35-0042", 32)
    struct.pack_into(">HHHHII", header, 1620, 0, 0, 0, 0, 1, 1)
    header[1664:1680] = _text("", 16)
    header[1680:1712] = _text("Digital", 32)
    struct.pack_into(">IIIff", header, 1712, 0, shot.frames, 1, float(FPS), 180.0)
    header[1732:1764] = _text("", 32)
    header[1764:1864] = _text(f"EP101 {shot.name} plate", 100)
    struct.pack_into(">IIBBBB", header, 1920, 0, 0, 0, 0, 0, 0)  # time code (per frame), ...
    struct.pack_into(">f", header, 1940, float(FPS))  # after the h and v sample rates
    return bytes(header) + pixels


def _bcd_timecode(frame: int) -> int:
    seconds, frames = divmod(frame, FPS)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    hours = 1 + hours % 23  # start at 01:00:00:00
    digits = f"{hours:02d}{minutes:02d}{seconds:02d}{frames:02d}"
    return int(digits, 16)  # BCD: each decimal digit in a nibble


def dpx_frame_bytes(key_bytes: bytes, shot: Shot, k: int) -> bytes:
    header = bytearray(key_bytes[:DPX_HEADER])
    header[36:136] = _text(shot.file_name(k), 100)
    struct.pack_into(">I", header, 1712, k + 1)
    header[1732:1764] = _text(f"{shot.name}.{k + 1:04d}", 32)
    struct.pack_into(">I", header, 1920, _bcd_timecode(k))
    return bytes(header) + key_bytes[DPX_HEADER:]


# --- writing --------------------------------------------------------------------------------


def key_bytes(shot: Shot, key: int) -> bytes:
    return dpx_key(shot, key) if shot.kind == "dpx" else exr_key(shot, key)


def frame_bytes(keys: list[bytes], shot: Shot, k: int) -> bytes:
    data = keys[back_and_forth(k, len(keys))]
    return dpx_frame_bytes(data, shot, k) if shot.kind == "dpx" else exr_frame_bytes(data, shot, k)


def write_shot(root: str, shot: Shot) -> tuple[str, int, int]:
    folder = Path(root) / shot.folder
    folder.mkdir(parents=True, exist_ok=True)
    keys = [key_bytes(shot, key) for key in range(min(shot.key_frames, shot.frames))]
    written = 0
    for k in range(shot.frames):
        data = frame_bytes(keys, shot, k)
        (folder / shot.file_name(k)).write_bytes(data)
        written += len(data)
    return shot.name, shot.frames, written


def write_master(root: Path, seconds: float) -> int:
    """DNxHR LB 1080p24 in MXF OP1a: the edit's master, frames from the first shots' plates."""
    import av

    path = root / "master" / "EP101_master_v001.mxf"
    path.parent.mkdir(parents=True, exist_ok=True)
    count = max(1, int(seconds * FPS))
    shots = [Shot(i, f"sh{(i + 1) * 10:03d}", "exr-zip", 1, 1, 0.0, 960, 540) for i in range(4)]
    pictures = []
    for shot in shots:
        rgb = np.clip(plate(shot, 0) ** (1 / 2.2), 0, 1)
        pictures.append(np.rint(rgb * 255).astype(np.uint8).repeat(2, 0).repeat(2, 1))
    with av.open(str(path), "w", format="mxf") as out:
        stream = out.add_stream("dnxhd", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv422p"
        stream.options = {"profile": "dnxhr_lb"}
        for index in range(count):
            picture = np.roll(pictures[(index // (FPS * 5)) % len(pictures)], index * 4, axis=1)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.stat().st_size


def estimate(shots: list[Shot], master_seconds: float) -> int:
    """Bytes the delivery will take, from one key frame of each kind."""
    sizes: dict[str, int] = {}
    for shot in shots:
        if shot.kind not in sizes:
            sizes[shot.kind] = len(key_bytes(shot, 0))
    master = int(master_seconds * FPS * 190_000)  # DNxHR LB 1080p: about 190 KB a frame
    return sum(sizes[s.kind] * s.frames for s in shots) + master


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--frames", type=int, default=20_000, help="frames in all (20,000)")
    parser.add_argument("--shots", type=int, default=40)
    parser.add_argument("--dpx-shots", type=int, default=2, help="shots of 10-bit DPX (2)")
    parser.add_argument("--key-frames", type=int, default=8, help="pictures encoded per shot")
    parser.add_argument("--grain-share", type=float, default=0.05, help="rows with film grain")
    parser.add_argument("--levels", type=int, default=256, help="quantisation of the plate")
    parser.add_argument("--master-seconds", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep-free-gib", type=float, default=10.0)
    parser.add_argument("--estimate", action="store_true", help="print the estimate only")
    parser.add_argument("--force", action="store_true", help="remove OUT first")
    args = parser.parse_args(argv)
    if not 0 <= args.dpx_shots <= args.shots or args.frames < args.shots:
        parser.error("need --shots <= --frames and 0 <= --dpx-shots <= --shots")
    shots = plan(
        args.frames, args.shots, args.dpx_shots, args.key_frames, args.grain_share, args.levels
    )
    needed = estimate(shots, args.master_seconds)
    delivery = args.out / "delivery"
    delivery.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(delivery).free
    print(f"{args.frames:,} frames in {args.shots} shots ({args.dpx_shots} DPX), "
          f"{args.master_seconds:g} s master: about {needed / 1e9:.1f} GB "
          f"({free / 1e9:.1f} GB free)", file=sys.stderr)  # fmt: skip
    if args.estimate:
        return 0
    if needed > free - args.keep_free_gib * 2**30:
        print(f"not enough room: keep {args.keep_free_gib:g} GiB free (--keep-free-gib)",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.force:
        shutil.rmtree(delivery)
        delivery.mkdir()
    started = time.monotonic()
    done: list[tuple[str, int, int]] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(write_shot, [str(delivery)] * len(shots), shots):
            done.append(result)
            print(f"\r{len(done)}/{len(shots)} shots", end="", file=sys.stderr, flush=True)
    master_bytes = write_master(delivery, args.master_seconds)
    took = time.monotonic() - started
    summary = {
        "frames": sum(frames for _name, frames, _bytes in done),
        "shots": len(done),
        "frame_bytes": sum(written for _name, _frames, written in done),
        "master_bytes": master_bytes,
        "seconds": round(took, 1),
        "shot_plan": [asdict(s) for s in shots],
        "expected_assets": len(done) + 1,
    }
    (args.out / "bench_delivery.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\n{summary['frames']:,} frames, {summary['frame_bytes'] / 1e9:.1f} GB, master "
          f"{master_bytes / 1e6:.0f} MB, in {took:.0f} s: {delivery}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
