"""Every extractor on randomly damaged real files: problems, never exceptions."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image

from scanner.discover.media import MediaFile
from scanner.discover.sniff import sniff
from scanner.extract import container, exif, integrity, png_text, xmp
from scanner.extract.interface import ExtractOptions
from tests.extract_helpers import (
    call_opened,
    itxt_chunk,
    png_file,
    write_audio,
    write_video,
    xmp_packet,
    ztxt_chunk,
)


def _seed_files(folder: Path) -> list[Path]:
    packet = xmp_packet("<xmp:CreatorTool>T</xmp:CreatorTool>")
    exif_data = Image.Exif()
    exif_data[0x0131] = "Software"
    picture = Image.new("RGB", (24, 24), (9, 99, 199))
    picture.save(folder / "s.jpg", exif=exif_data, xmp=packet)
    picture.save(folder / "s.webp", exif=exif_data, xmp=packet)
    picture.save(folder / "s.avif", exif=exif_data, xmp=packet)
    picture.save(folder / "s.tif", tiffinfo={700: packet, 0x0131: "Software"})
    (folder / "s.png").write_bytes(
        png_file([itxt_chunk("XML:com.adobe.xmp", packet.decode())], [ztxt_chunk("k", "v")])
    )
    write_video(folder / "s.mp4", "mp4", "libx264", metadata={"title": "T"})
    write_audio(folder / "s.wav", "wav", "pcm_s16le", metadata={"title": "T"})
    return sorted(folder.iterdir())


def test_extractors_never_raise_on_mutated_files(tmp_path: Path) -> None:
    seeds = [p.read_bytes() for p in _seed_files(tmp_path)]
    rng = random.Random(20261121)
    target = tmp_path / "mutant"
    checked = 0
    for _ in range(150):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.6:
                data[pos] = rng.randrange(256)
            elif rng.random() < 0.5:
                data[pos : pos + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x01"])
            else:
                del data[pos:]
            if len(data) < 16:
                break
        found = sniff(bytes(data[:65536]))
        if found is None:
            continue
        target.write_bytes(data)
        media = MediaFile(target, "mutant", found.media_type, found.format, found.kind, len(data))
        for extractor in (xmp, exif, png_text, container, integrity):
            result = call_opened(extractor.extract, media, ExtractOptions())
            assert all(isinstance(e.value, str) for e in result.evidence)
        checked += 1
    assert checked > 100
