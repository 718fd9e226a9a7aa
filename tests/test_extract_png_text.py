"""png_text extractor: every text chunk by its exact keyword, wherever it sits in the file."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin

from scanner.extract import png_text
from scanner.extract.formats import png
from tests.extract_helpers import (
    corpus_file,
    itxt_chunk,
    pairs,
    png_chunk,
    png_file,
    run,
    text_chunk,
    xmp_packet,
    ztxt_chunk,
)

A1111 = "a duck\nNegative prompt: monochrome\nSteps: 15, Sampler: UniPC, CFG scale: 5"
COMFY_PROMPT = '{"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}'


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_all_text_chunk_kinds_in_file_order(tmp_path: Path) -> None:
    data = png_file(
        [text_chunk("Software", "NovelAI"), itxt_chunk("Title", "AI generated image ✓")],
        [ztxt_chunk("parameters", A1111), png_chunk(b"comf", b"prompt\x00" + COMFY_PROMPT.encode()),
         itxt_chunk("workflow", '{"nodes": []}', compressed=True)],
    )  # fmt: skip
    result = run(png_text, write(tmp_path, "a.png", data))
    assert pairs(result) == [
        ("Software", "NovelAI"),
        ("Title", "AI generated image ✓"),
        ("parameters", A1111),
        ("prompt", COMFY_PROMPT),
        ("workflow", '{"nodes": []}'),
    ]
    assert result.problems == ()
    assert {e.source for e in result.evidence} == {"png-text"}


def test_pillow_written_text_and_apng_comf_after_idat(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", A1111)
    info.add_text("prompt", COMFY_PROMPT, zip=True)
    # ComfyUI's animated PNG writer: `comf` chunks after the image data.
    info.add(b"comf", b"workflow\x00" + b'{"links": []}', after_idat=True)
    frames = [Image.new("RGB", (8, 8), (i * 60, 0, 0)) for i in range(2)]
    path = tmp_path / "anim.png"
    frames[0].save(path, "PNG", pnginfo=info, save_all=True, append_images=frames[1:])
    result = run(png_text, path)
    assert pairs(result) == [
        ("parameters", A1111),
        ("prompt", COMFY_PROMPT),
        ("workflow", '{"links": []}'),
    ]
    texts, _ = png.read_texts(path.open("rb"), png.scan(path.open("rb"), path.stat().st_size))
    assert [t.position for t in texts] == ["before IDAT", "before IDAT", "after IDAT"]


def test_xmp_and_raw_profiles_are_left_to_their_extractors(tmp_path: Path) -> None:
    data = png_file([
        itxt_chunk("XML:com.adobe.xmp", xmp_packet("").decode()),
        ztxt_chunk("Raw profile type exif", "\nexif\n 4\n00000000"),
        text_chunk("Comment", "kept"),
    ])  # fmt: skip
    assert pairs(run(png_text, write(tmp_path, "x.png", data))) == [("Comment", "kept")]


def test_bomb_and_broken_chunks_become_problems(tmp_path: Path) -> None:
    bomb = png_chunk(b"zTXt", b"parameters\x00\x00" + zlib.compress(b"A" * (20 * 2**20), 9))
    broken = png_chunk(b"zTXt", b"prompt\x00\x00garbage")
    data = png_file([bomb, broken, png_chunk(b"iTXt", b"k\x00\x01")])
    result = run(png_text, write(tmp_path, "bomb.png", data))
    # The reader hands on what it inflated, up to its cap (the report caps it later) ...
    assert pairs(result) == [("parameters", "A" * png.MAX_INFLATE)]
    # ... and says the cap stopped it: the asset is not-inspected, not quietly cut.
    assert [(p.source, p.message, p.fatal, p.incomplete) for p in result.problems] == [
        ("png-text", f"limit reached: zTXt 'parameters': decompresses to more than "
                     f"{png.MAX_INFLATE:,} bytes, cut there", False, True),
        ("png-text", "zTXt 'prompt': bad compressed data (Error -3 while decompressing data: "
                     "incorrect header check)", False, False),
        ("png-text", "iTXt 'k': truncated header", False, False),
    ]  # fmt: skip


def test_non_png_is_left_alone(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    assert run(png_text, write(tmp_path, "a.jpg", buffer.getvalue())) == png_text.Extracted()


# --- corpus -----------------------------------------------------------------------------------


def test_corpus_ztxt_parameters_after_idat() -> None:
    path = corpus_file("d3x-at+sd-parsers/tests/resources/bad_images/text_after_idat.png")
    result = run(png_text, path)
    assert pairs(result) == [
        ("date:create", "2023-04-22T00:01:01+00:00"),
        ("date:modify", "2023-04-22T00:01:01+00:00"),
        ("date:timestamp", "2023-04-22T13:40:57+00:00"),
        ("filename:d", "resources/automatic1111"),
        ("filename:e", "png"),
        ("filename:f", "automatic1111_cropped"),
        ("parameters", "photo of a duck\nNegative prompt: monochrome\nSteps: 15, Sampler: UniPC, "
                       "CFG scale: 5, Seed: 235284042, Size: 512x400, Model hash: c0d1994c73, "
                       "Model: realistic_realisticVisionV20_v20"),
    ]  # fmt: skip
    assert result.problems == ()


def test_corpus_novelai_and_comfyui() -> None:
    novelai = corpus_file("d3x-at+sd-parsers/tests/resources/parsers/NovelAI/novelai1_cropped.png")
    found = dict(pairs(run(png_text, novelai)))
    assert (found["Software"], found["Title"], found["Source"]) == (
        "NovelAI", "AI generated image", "Stable Diffusion 1D44365E",
    )  # fmt: skip
    comfy = corpus_file("comfyanonymous+ComfyUI_examples/sdturbo/sdxlturbo_example.png")
    fields = [f for f, _ in pairs(run(png_text, comfy))]
    assert fields == ["prompt", "workflow"]
