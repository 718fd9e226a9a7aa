"""The rule catalog and matcher, one test group per rule family, on real files.

Evidence is built here from real bytes with the field conventions of each source (Pillow reads
PNG text and EXIF, a few lines of defusedxml read XMP, pymediainfo reads container tags), so
these tests pin the rules, not another module's parser.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import av
import numpy as np
import pytest
from defusedxml import ElementTree
from PIL import ExifTags, Image
from pymediainfo import MediaInfo

from scanner.discover.media import MediaFile
from scanner.extract import c2pa as c2pa_reader
from scanner.extract.interface import ExtractOptions
from scanner.model import MEANINGS, STRENGTHS, Evidence
from scanner.rules import CATALOG_VERSION, CatalogError, load_catalog, rules_table, signals_for
from scanner.rules.catalog import normalise_dst, parse_catalog
from scanner.rules.signals import normalise_generator, sibling_field
from tests.c2pa_helpers import IPTC, created, jpeg_bytes, sign
from tests.extract_helpers import call_opened

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RS = "contentauth+c2pa-rs/sdk/tests/fixtures"
SDP = "d3x-at+sd-parsers/tests/resources"
CATALOG_TEXT = (Path(__file__).resolve().parents[1] / "scanner/rules/catalog.toml").read_text()


def corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus not available: {path}")
    return path


def hits(evidence) -> set[tuple[str, str, str]]:
    """(rule id, meaning, generator) of every signal."""
    return {(s.rule_id, s.meaning, s.generator) for s in signals_for(evidence)}


def decisive(evidence) -> set[tuple[str, str]]:
    return {(s.rule_id, s.generator) for s in signals_for(evidence) if s.strength != "weak"}


# --- evidence readers for the tests --------------------------------------------------------

XMP_PREFIXES = {
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://www.tc260.org.cn/ns/AIGC/1.0/": "tc260",
}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def xmp_evidence(packet: str | bytes) -> list[Evidence]:
    """prefix:LocalName evidence from rdf:Description attributes and simple properties."""

    def name(tag: str) -> str | None:
        uri, _, local = tag[1:].partition("}")
        return f"{XMP_PREFIXES[uri]}:{local}" if uri in XMP_PREFIXES else None

    out = []
    root = ElementTree.fromstring(packet)
    for desc in root.iter(f"{RDF}Description"):
        for attr, value in desc.attrib.items():
            if name(attr):
                out.append(Evidence("xmp", name(attr), value))
        for prop in desc:
            if not name(prop.tag):
                continue
            items = [li.text or "" for li in prop.iter(f"{RDF}li")] or [prop.text or ""]
            out += [Evidence("xmp", name(prop.tag), v.strip()) for v in items if v.strip()]
    return out


def exif_evidence(data: bytes) -> list[Evidence]:
    exif = Image.open(io.BytesIO(data)).getexif()
    tags = dict(exif.items()) | dict(exif.get_ifd(0x8769).items())
    out = []
    for tag, value in tags.items():
        field = ExifTags.TAGS.get(tag, str(tag))
        if isinstance(value, bytes):
            if field == "UserComment":
                prefix, value = value[:8], value[8:]
                value = value.decode("utf-16-be" if prefix.startswith(b"UNICODE") else "latin-1")
            else:
                value = value.decode("utf-8", "replace")
        out.append(Evidence("exif", field, str(value).strip("\x00 ")))
    return out


def png_evidence(path: Path) -> list[Evidence]:
    image = Image.open(path)
    image.load()  # text chunks after IDAT too
    return [Evidence("png-text", k, v) for k, v in image.text.items()]


def c2pa_evidence(path: Path, mime: str = "image/jpeg") -> list[Evidence]:
    media = MediaFile(path, path.name, mime, "X", "image", path.stat().st_size)
    return list(call_opened(c2pa_reader.extract, media, ExtractOptions()).evidence)


# --- the catalog itself --------------------------------------------------------------------

STABLE_IDS = {
    "C2PA-DST-TRAINED", "C2PA-DST-COMPOSITE-AI", "C2PA-DST-REVIEW", "C2PA-DST-ENHANCED",
    "C2PA-DST-ALGORITHMIC", "C2PA-DST-CAPTURE", "C2PA-DST-HUMAN", "C2PA-DST-OTHER",
    "C2PA-DST-UNKNOWN", "C2PA-ADOBE-GENAI-LEGACY", "C2PA-IPTC-AI-SYSTEM", "C2PA-IPTC-AI-PROMPT",
    "C2PA-ACTION-DESC-AI", "C2PA-WATERMARK-RESPONSIBLE-AI", "C2PA-AGENT-GENAI-TOOL",
    "C2PA-TRAINING-MINING", "C2PA-CLAIM-GENERATOR", "C2PA-SOFT-BINDING", "C2PA-REMOTE-MANIFEST",
    "XMP-DST-TRAINED", "XMP-DST-COMPOSITE-AI", "XMP-DST-REVIEW", "XMP-DST-ENHANCED",
    "XMP-DST-ALGORITHMIC", "XMP-DST-CAPTURE", "XMP-DST-HUMAN", "XMP-DST-OTHER", "XMP-DST-UNKNOWN",
    "XMP-AI-SYSTEM-USED", "XMP-AI-PROMPT", "XMP-AI-SYSTEM-VERSION", "XMP-TC260-AIGC-LABELLED",
    "XMP-TC260-AIGC-SUSPECTED", "XMP-GOOGLE-AI-CREDIT-MADE", "XMP-GOOGLE-AI-CREDIT-EDITED",
    "XMP-CREATOR-TOOL-GENAI", "XMP-CREATOR-TOOL-UPSCALER", "XMP-MIDJOURNEY-JOB",
    "XMP-DRAWTHINGS-JSON", "XMP-A1111-USERCOMMENT", "XMP-PROVENANCE-REF", "XMP-DATA-MINING",
    "EXIF-A1111-USERCOMMENT", "EXIF-SWARMUI-PARAMS", "EXIF-COMFYUI-GRAPH",
    "EXIF-FOOOCUS-SOFTWARE", "EXIF-FOOOCUS-SCHEME", "EXIF-NOVELAI-SOFTWARE", "EXIF-IDEOGRAM-MAKE",
    "EXIF-EASYDIFFUSION-JSON", "EXIF-MIDJOURNEY-JOB", "EXIF-SOFTWARE-GENAI",
    "EXIF-SOFTWARE-UPSCALER", "EXIF-GIGAPIXEL-DESC", "EXIF-TEXT-AI-GENERATED",
    "PNG-A1111-PARAMS", "PNG-A1111-POSTPROCESSING", "PNG-COMFYUI-PROMPT", "PNG-COMFYUI-WORKFLOW",
    "PNG-INVOKEAI-METADATA", "PNG-INVOKEAI-LEGACY", "PNG-NOVELAI-SOFTWARE", "PNG-NOVELAI-COMMENT",
    "PNG-FOOOCUS-SCHEME", "PNG-FOOOCUS-PARAMS", "PNG-SWARMUI-PARAMS", "PNG-MIDJOURNEY-JOB",
    "PNG-SOFTWARE-GENAI", "PNG-SOFTWARE-UPSCALER", "PNG-TITLE-AI-GENERATED",
    "CONTAINER-COMFYUI-PROMPT", "CONTAINER-COMFYUI-WORKFLOW", "CONTAINER-A1111-PARAMS",
    "CONTAINER-COPYRIGHT-GENAI-CREATED", "CONTAINER-COPYRIGHT-GENAI-EDITED",
    "CONTAINER-SOFTWARE-GENAI", "CONTAINER-TOPAZ-VIDEO-AI", "CONTAINER-C2PA-PRESENT",
    # issue 14: generation parameters by structure, stealth metadata, the C2PA rubric
    "XMP-GENPARAMS", "EXIF-GENPARAMS", "PNG-GENPARAMS", "PNG-GENPARAMS-KEYS",
    "CONTAINER-GENPARAMS", "COMMENT-GENPARAMS", "STEALTH-GENPARAMS", "STEALTH-SIGNATURE",
    "C2PA-RUBRIC-POSSIBLY-GENAI", "C2PA-RUBRIC-GENAI", "C2PA-RUBRIC-SIGNAL",
    "EXR-SOFTWARE-GENAI", "EXR-SOFTWARE-UPSCALER", "EXR-COMFYUI-GRAPH", "EXR-COMFYUI-WORKFLOW",
    "EXR-A1111-PARAMS", "EXR-PROMPT-ATTRIBUTE", "EXR-TEXT-GENAI-NAME", "DPX-CREATOR-GENAI",
    "DPX-COMFYUI-RECORD", "DPX-A1111-PARAMS", "DPX-TEXT-GENAI-NAME", "MXF-IDENTIFICATION-GENAI",
    "MXF-IDENTIFICATION-UPSCALER", "MXF-TEXT-GENAI-NAME", "PSD-LAYER-GENERATIVE",
    "PSD-IPTC-PROGRAM-GENAI", "PSD-TEXT-GENAI-NAME", "JP2-COMMENT-GENAI", "JP2-TEXT-GENAI-NAME",
    "BWF-ORIGINATOR-GENAI", "BWF-CODING-HISTORY-GENAI", "BWF-TEXT-GENAI-NAME",
    # generation parameters by structure in the studio formats' text fields
    "EXR-GENPARAMS", "DPX-GENPARAMS", "MXF-GENPARAMS", "PSD-GENPARAMS", "JP2-GENPARAMS",
    "BWF-GENPARAMS",
}  # fmt: skip


def test_catalog_ids_are_stable_and_complete():
    catalog = load_catalog()
    ids = [r.id for r in catalog.rules]
    assert len(ids) == len(set(ids))
    # Removing or renaming an id breaks reports and caches: retire ids, never reuse them.
    assert set(ids) == STABLE_IDS
    assert CATALOG_VERSION == catalog.version == "2026.12.17"
    for rule in catalog.rules:
        assert rule.meaning in MEANINGS and rule.strength in STRENGTHS
        assert rule.description and rule.reference.startswith("markers.md")


def test_rules_table_lists_every_rule_for_the_cli():
    table = rules_table()
    assert [row["id"] for row in table] == [r.id for r in load_catalog().rules]
    first = table[0]
    assert set(first) == {
        "id", "source", "field", "match", "meaning", "strength", "generator", "description",
        "reference",
    }  # fmt: skip
    assert (
        first["match"] == "digital source type in: trainedAlgorithmicMedia, trainedAlgorithmicData"
    )
    by_id = {row["id"]: row for row in table}
    assert by_id["C2PA-DST-UNKNOWN"]["match"] == "any value (fallback)"
    assert by_id["PNG-COMFYUI-PROMPT"]["generator"] == "ComfyUI"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('meaning = "ai-generated"', 'meaning = "ai-maybe"', 1), "rule C2PA-DST-TRAINED: meaning"),
        (('id = "C2PA-DST-COMPOSITE-AI"', 'id = "C2PA-DST-TRAINED"', 1), "duplicate id"),
        (('"trainedAlgorithmicData"]', '"trainedAlgoMedia"]', 1), "unknown digital source type"),
        (('strength = "definitive"', 'strength = "definitive"\ncolour = "red"', 1), "unknown keys"),
        (('match = "^\\\\s*Fooocus v\\\\d"', 'match = "(unclosed"', 1), "bad regex"),
        (
            ("present = true\nfallback", "present = false\nfallback", 1),
            "'present' can only be true",
        ),
        (('catalog_version = "2026.12.17"', "", 1), "catalog_version"),
        (('detector = "generation-parameters"', 'detector = "vibes"', 1), "detector must be"),
        (("<<genai_tools>>", "<<nope>>", 1), "unknown pattern <<nope>>"),
    ],
)
def test_malformed_catalog_is_refused_with_the_rule_named(edit, message):
    old, new, count = edit
    assert old in CATALOG_TEXT
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(CATALOG_TEXT.replace(old, new, count))


TAM = "trainedAlgorithmicMedia"
SCHEMA = "https://schema.org/"


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        (IPTC + TAM, TAM),
        ("https://cv.iptc.org/newscodes/digitalsourcetype/" + TAM + "/", TAM),
        ("  " + TAM + "\n", TAM),
        ("digsrctype:compositeSynthetic", "compositeSynthetic"),
        (IPTC + "compositedWithTrainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"),
        ("c2pa.trainedAlgorithmicData", "trainedAlgorithmicData"),
        ("http://c2pa.org/digitalsourcetype/trainedAlgorithmicData", "trainedAlgorithmicData"),
        (SCHEMA + "TrainedAlgorithmicMediaDigitalSource", TAM),
        (
            SCHEMA + "CompositeWithTrainedAlgorithmicMediaDigitalSource",
            "compositeWith" + TAM[0].upper() + TAM[1:],
        ),
        (SCHEMA + "MultiFrameComputationalCaptureDigitalSource", "computationalCapture"),
        (IPTC + "TRAINEDALGORITHMICMEDIA", TAM),
        (IPTC + "somethingNew", "somethingNew"),
        ("", ""),
    ],
)
def test_digital_source_type_normalisation(raw, term):
    assert normalise_dst(raw, load_catalog().dst_canonical) == term


# --- C2PA family ---------------------------------------------------------------------------


def test_c2pa_trained_source_type_with_agent_as_generator():
    evidence = c2pa_evidence(corpus(f"{RS}/cai.jpg"))
    assert decisive(evidence) == {
        ("C2PA-DST-TRAINED", "Adobe Firefly"),
        ("C2PA-AGENT-GENAI-TOOL", "Adobe Firefly"),
    }


def test_c2pa_adobe_parameter_source_type_names_the_partner_model():
    evidence = c2pa_evidence(corpus(f"{RS}/repro-sundae-ice-cream.png"), "image/png")
    trained = [s for s in signals_for(evidence) if s.rule_id == "C2PA-DST-TRAINED"]
    assert len(trained) == 2  # the active manifest and its parent
    assert {(s.generator, s.strength) for s in trained} == {("Google Gemini", "definitive")}
    assert all(s.field.endswith(".parameters[com.adobe.digitalSourceType]") for s in trained)


@pytest.mark.parametrize(
    ("rel", "rule", "meaning"),
    [
        (f"{RS}/C.jpg", "C2PA-DST-ALGORITHMIC", "info"),
        (
            "contentauth+c2pa-python/tests/fixtures/files-for-reading-tests/sample1_signed.wav",
            "C2PA-DST-OTHER",
            "info",
        ),
    ],
)
def test_c2pa_non_generative_source_types_are_info(rel, rule, meaning):
    mime = "audio/wav" if rel.endswith(".wav") else "image/jpeg"
    signals = signals_for(c2pa_evidence(corpus(rel), mime))
    assert {s.meaning for s in signals} == {"info"}
    assert rule in {s.rule_id for s in signals}


def test_c2pa_training_mining_is_not_an_ai_signal():
    rel = (
        "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
        "adobe_connected_identities.jpg"
    )
    signals = signals_for(c2pa_evidence(corpus(rel)))
    assert {s.rule_id for s in signals} == {
        "C2PA-TRAINING-MINING",
        "C2PA-SOFT-BINDING",
        "C2PA-CLAIM-GENERATOR",
        "C2PA-RUBRIC-SIGNAL",  # the C2PA rubric: non-editorial (watermarked) actions
    }
    assert {s.meaning for s in signals} == {"info"}


def test_c2pa_legacy_metadata_and_capture_assertions(tmp_path):
    manifest = created("digitalCapture", "CameraApp 2.0", name="CameraApp")
    manifest["assertions"] += [
        {"label": "com.adobe.generative-ai", "data": {"description": "Firefly", "version": "1"}},
        {
            "label": "stds.iptc",
            "data": {
                "Iptc4xmpExt:DigitalSourceType": "https://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic",
                "Iptc4xmpExt:AISystemUsed": "Midjourney v6.1",
            },
        },
    ]
    path = tmp_path / "m.jpg"
    path.write_bytes(sign(manifest, jpeg_bytes()))
    assert hits(c2pa_evidence(path)) == {
        ("C2PA-DST-CAPTURE", "capture", ""),
        ("C2PA-ADOBE-GENAI-LEGACY", "ai-generated", "Adobe Firefly"),
        ("C2PA-DST-COMPOSITE-AI", "ai-composite", ""),  # an edit's claim generator is the editor
        ("C2PA-IPTC-AI-SYSTEM", "ai-generated", "Midjourney"),
        ("C2PA-CLAIM-GENERATOR", "info", ""),
        ("C2PA-RUBRIC-SIGNAL", "info", ""),  # the rubric: captured media (the created action)
    }


def test_c2pa_unknown_source_type_falls_back_to_info(tmp_path):
    path = tmp_path / "u.jpg"
    path.write_bytes(sign(created(IPTC + "brandNewTerm"), jpeg_bytes(), verify_after_sign=False))
    found = {s.rule_id: s for s in signals_for(c2pa_evidence(path))}
    assert found["C2PA-DST-UNKNOWN"].meaning == "info"
    assert found["C2PA-DST-UNKNOWN"].value == IPTC + "brandNewTerm"


def test_c2pa_remote_manifest_is_info():
    evidence = c2pa_evidence(corpus(f"{RS}/cloud.jpg"))
    assert hits(evidence) == {("C2PA-REMOTE-MANIFEST", "info", "")}


# --- XMP family ----------------------------------------------------------------------------


def test_xmp_google_packet_in_a_real_png():
    image = Image.open(corpus(f"{RS}/repro-sundae-ice-cream.png"))
    evidence = xmp_evidence(image.text["XML:com.adobe.xmp"])
    signals = signals_for(evidence)
    assert {(s.rule_id, s.field, s.generator) for s in signals} == {
        ("XMP-DST-TRAINED", "Iptc4xmpExt:DigitalSourceType", ""),
        ("XMP-DST-TRAINED", "Iptc4xmpExt:DigitalSourceFileType", ""),
        ("XMP-GOOGLE-AI-CREDIT-MADE", "photoshop:Credit", "Google AI"),
    }
    assert {s.strength for s in signals} == {"strong"}


def test_xmp_iptc_reference_image_software_image_and_data_mining_trap():
    path = corpus(
        "sinfin+folio/test/fixtures/folio/metadata_test_images/IPTC-PhotometadataRef-Std2023.1.jpg"
    )
    evidence = xmp_evidence(Image.open(path).info["xmp"])
    signals = signals_for(evidence)
    assert {(s.rule_id, s.meaning) for s in signals} == {
        ("XMP-DST-REVIEW", "ai-possible"),  # softwareImage
        ("XMP-DATA-MINING", "info"),  # 'prohibited for Generative AI/ML training' is not AI
    }


MIDJOURNEY_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tc260="http://www.tc260.org.cn/ns/AIGC/1.0/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 Iptc4xmpExt:DigitalSourceType="https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
 Iptc4xmpExt:DigImageGUID="d95be554-d446-4c51-ad75-e00d9f9bbb35">
 <dc:description><rdf:Alt><rdf:li xml:lang="x-default">a red fox --chaos 16 --ar 4:5
 Job ID: d95be554-d446-4c51-ad75-e00d9f9bbb35</rdf:li></rdf:Alt></dc:description>
 <Iptc4xmpExt:AISystemUsed>Midjourney</Iptc4xmpExt:AISystemUsed>
 <tc260:AIGC>{"Label":"1","ContentProducer":"001191110108MA01KP2T5U00000"}</tc260:AIGC>
 <xmp:CreatorTool>Topaz Photo AI 3.1.2</xmp:CreatorTool>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_xmp_midjourney_style_packet_in_a_jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", xmp=MIDJOURNEY_XMP.encode())
    evidence = xmp_evidence(Image.open(io.BytesIO(buf.getvalue())).info["xmp"])
    assert hits(evidence) == {
        ("XMP-DST-TRAINED", "ai-generated", "Midjourney"),  # https URI; AISystemUsed names it
        ("XMP-MIDJOURNEY-JOB", "ai-generated", "Midjourney"),
        ("XMP-AI-SYSTEM-USED", "ai-generated", "Midjourney"),
        ("XMP-TC260-AIGC-LABELLED", "ai-generated", ""),
        ("XMP-CREATOR-TOOL-UPSCALER", "ai-enhanced", "Topaz Photo AI"),
    }


def test_xmp_capture_composite_and_suspected_labels():
    evidence = [
        Evidence("xmp", "Iptc4xmpExt:DigitalSourceType", IPTC + "digitalCapture"),
        Evidence(
            "xmp", "Iptc4xmpExt:DigitalSourceType", IPTC + "compositeWithTrainedAlgorithmicMedia"
        ),
        Evidence("xmp", "tc260:AIGC", '{"Label": "3", "ContentProducer": "x"}'),
        Evidence("xmp", "photoshop:Credit", "Edited with Google AI"),
        Evidence("xmp", "xmp:CreatorTool", "Adobe Photoshop 25.1 (Macintosh)"),
    ]
    assert hits(evidence) == {
        ("XMP-DST-CAPTURE", "capture", ""),
        ("XMP-DST-COMPOSITE-AI", "ai-composite", ""),
        ("XMP-TC260-AIGC-SUSPECTED", "ai-possible", ""),
        ("XMP-GOOGLE-AI-CREDIT-EDITED", "ai-composite", "Google AI"),
    }


# --- EXIF family ---------------------------------------------------------------------------


def _jpeg_with_exif(ifd0: dict[int, str], exif_ifd: dict[int, bytes], fmt: str = "JPEG") -> bytes:
    exif = Image.Exif()
    for tag, value in ifd0.items():
        exif[tag] = value
    sub = exif.get_ifd(0x8769)
    for tag, value in exif_ifd.items():
        sub[tag] = value
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, fmt, exif=exif)
    return buf.getvalue()


A1111 = (
    "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512"
)


def test_exif_fooocus_jpeg():
    data = _jpeg_with_exif(
        {0x0131: "Fooocus v2.5.3"},
        {0x9286: b"UNICODE\x00" + A1111.encode("utf-16-be"), 0x927C: b"a1111"},
    )
    assert decisive(exif_evidence(data)) == {
        ("EXIF-FOOOCUS-SOFTWARE", "Fooocus"),
        ("EXIF-FOOOCUS-SCHEME", "Fooocus"),
        ("EXIF-A1111-USERCOMMENT", "Stable Diffusion (AUTOMATIC1111)"),
    }


def test_exif_comfyui_webp_make_model_are_a_data_channel():
    prompt = "prompt:" + json.dumps({"3": {"class_type": "KSampler", "inputs": {}}})
    workflow = "workflow:" + json.dumps({"nodes": [], "links": []})
    data = _jpeg_with_exif({0x0110: prompt, 0x010F: workflow}, {}, fmt="WEBP")
    assert decisive(exif_evidence(data)) == {("EXIF-COMFYUI-GRAPH", "ComfyUI")}
    assert len([s for s in signals_for(exif_evidence(data))]) == 2


def test_exif_specific_rules_win_over_the_generic_allow_list():
    data = _jpeg_with_exif({0x0131: "NovelAI", 0x010F: "Ideogram AI", 0x013B: "DALL-E 3"}, {})
    assert decisive(exif_evidence(data)) == {
        ("EXIF-NOVELAI-SOFTWARE", "NovelAI"),
        ("EXIF-IDEOGRAM-MAKE", "Ideogram"),
        ("EXIF-SOFTWARE-GENAI", "OpenAI DALL·E"),  # Artist: only the generic rule knows it
    }


def test_exif_upscaler_and_free_text_are_not_generative():
    data = _jpeg_with_exif(
        {0x0131: "Topaz Photo AI 2.4", 0x010E: "Upscaled with Gigapixel AI. This is AI-generated"},
        {},
    )
    assert hits(exif_evidence(data)) == {
        ("EXIF-SOFTWARE-UPSCALER", "ai-enhanced", "Topaz Photo AI"),
        ("EXIF-GIGAPIXEL-DESC", "ai-enhanced", "Topaz Gigapixel AI"),
        ("EXIF-TEXT-AI-GENERATED", "ai-generated", ""),
    }
    weak = [s for s in signals_for(exif_evidence(data)) if s.meaning == "ai-generated"]
    assert [s.strength for s in weak] == ["weak"]
    negated = [Evidence("exif", "ImageDescription", "Photo, not AI-generated")]
    assert signals_for(negated) == ()


@pytest.mark.parametrize(
    "rel",
    [
        "sinfin+folio/test/fixtures/folio/metadata_test_images/IMG_4305.jpeg",
        "c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg",
        "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-A.jpg",
        f"{RS}/earth_apollo17.jpg",
    ],
)
def test_exif_of_real_cameras_and_editors_gives_no_signal(rel):
    evidence = exif_evidence(corpus(rel).read_bytes())
    assert {e.field for e in evidence} >= {"Software"}
    assert signals_for(evidence) == ()


# --- PNG text family -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        (
            f"{SDP}/parsers/AUTOMATIC1111/automatic1111_cropped.png",
            {("PNG-A1111-PARAMS", "Stable Diffusion (AUTOMATIC1111)")},
        ),
        (
            f"{SDP}/bad_images/text_after_idat.png",  # zTXt after IDAT
            {("PNG-A1111-PARAMS", "Stable Diffusion (AUTOMATIC1111)")},
        ),
        (
            f"{SDP}/parsers/ComfyUI/img2img_cropped.png",
            {("PNG-COMFYUI-PROMPT", "ComfyUI"), ("PNG-COMFYUI-WORKFLOW", "ComfyUI")},
        ),
        (
            "comfyanonymous+ComfyUI_examples/sdturbo/sdxlturbo_example.png",
            {("PNG-COMFYUI-PROMPT", "ComfyUI"), ("PNG-COMFYUI-WORKFLOW", "ComfyUI")},
        ),
        (
            f"{SDP}/parsers/Fooocus/fooocus1_cropped.png",
            {("PNG-FOOOCUS-PARAMS", "Fooocus"), ("PNG-FOOOCUS-SCHEME", "Fooocus")},
        ),
        (f"{SDP}/parsers/InvokeAI/invokeai_imeta1.png", {("PNG-INVOKEAI-METADATA", "InvokeAI")}),
        (
            f"{SDP}/parsers/NovelAI/novelai1_cropped.png",
            {
                ("PNG-NOVELAI-SOFTWARE", "NovelAI"),
                ("PNG-NOVELAI-COMMENT", "NovelAI"),
                ("PNG-SOFTWARE-GENAI", "Stable Diffusion"),  # Source: the model name
            },
        ),
        ("comfyanonymous+ComfyUI_examples/controlnet/input_scribble_example.png", set()),
        (f"{RS}/libpng-test.png", set()),
    ],
)
def test_png_text_generators_in_real_files(rel, expected):
    assert decisive(png_evidence(corpus(rel))) == expected


def test_png_generic_keys_need_value_patterns():
    evidence = [
        Evidence("png-text", "Comment", "Created with GIMP"),
        Evidence("png-text", "parameters", "exposure=1/60; iso=200"),
        Evidence("png-text", "prompt", "Enter a value"),
        Evidence("png-text", "workflow", '{"steps": ["scan", "crop"]}'),
        Evidence("png-text", "Software", "Adobe ImageReady"),
        Evidence("png-text", "Title", "AI generated image"),
    ]
    assert hits(evidence) == {("PNG-TITLE-AI-GENERATED", "ai-generated", "")}
    assert [s.strength for s in signals_for(evidence)] == ["weak"]


def test_png_swarmui_midjourney_and_postprocessing():
    evidence = [
        Evidence("png-text", "parameters", json.dumps({"sui_image_params": {"prompt": "x"}})),
        Evidence(
            "png-text", "Description", "a fox --ar 4:5 Job ID: d95be554-d446-4c51-ad75-e00d9f9bbb35"
        ),
        Evidence(
            "png-text",
            "postprocessing",
            "Postprocess upscale by: 4, Postprocess upscaler: R-ESRGAN 4x+",
        ),
    ]
    assert hits(evidence) == {
        ("PNG-SWARMUI-PARAMS", "ai-generated", "SwarmUI"),
        ("PNG-MIDJOURNEY-JOB", "ai-generated", "Midjourney"),
        ("PNG-A1111-POSTPROCESSING", "ai-enhanced", "Stable Diffusion (AUTOMATIC1111)"),
    }


# --- container family ----------------------------------------------------------------------


def test_container_tags_of_a_comfyui_style_mp4(tmp_path):
    path = tmp_path / "comfy.mp4"
    prompt = json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 1}}})
    with av.open(str(path), "w", format="mp4", options={"movflags": "use_metadata_tags"}) as out:
        out.metadata.update({"prompt": prompt, "workflow": '{"nodes": [], "links": []}'})
        out.metadata["comment"] = "graded in Resolve"
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 40, np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    general = MediaInfo.parse(path).general_tracks[0].to_data()
    evidence = [Evidence("container", k, v) for k, v in general.items() if isinstance(v, str)]
    assert decisive(evidence) == {
        ("CONTAINER-COMFYUI-PROMPT", "ComfyUI"),
        ("CONTAINER-COMFYUI-WORKFLOW", "ComfyUI"),
    }


def test_container_copyright_and_software_markers():
    evidence = [
        Evidence("container", "copyright", "Created using generative AI"),
        Evidence("container", "comapplequicktimesoftware", "Sora"),
        Evidence("container", "encoded_library", "Lavf61.7.100"),
        Evidence("container", "writing_application", "Topaz Video AI 5.3"),
        Evidence("container", "c2pa_present", "Yes"),
    ]
    assert hits(evidence) == {
        ("CONTAINER-COPYRIGHT-GENAI-CREATED", "ai-generated", ""),
        ("CONTAINER-SOFTWARE-GENAI", "ai-generated", "OpenAI Sora"),
        ("CONTAINER-TOPAZ-VIDEO-AI", "ai-enhanced", "Topaz Video AI"),
        ("CONTAINER-C2PA-PRESENT", "info", ""),
    }


# --- matcher mechanics ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "name", "sibling"),
    [
        ("manifest[urn:a]/c2pa.actions.v2/actions[2].digitalSourceType", "softwareAgent",
         "manifest[urn:a]/c2pa.actions.v2/actions[2].softwareAgent"),
        ("manifest[urn:a]/c2pa.actions.v2/actions[0].parameters[com.adobe.digitalSourceType]",
         "parameters[com.adobe.details]",
         "manifest[urn:a]/c2pa.actions.v2/actions[0].parameters[com.adobe.details]"),
        ("manifest[urn:a]/c2pa.actions.v2/actions[0].digitalSourceType", "/claim_generator",
         "manifest[urn:a]/claim_generator"),
        ("Iptc4xmpExt:DigitalSourceType", "Iptc4xmpExt:AISystemUsed", "Iptc4xmpExt:AISystemUsed"),
    ],
)  # fmt: skip
def test_sibling_field_resolution(field, name, sibling):
    assert sibling_field(field, name) == sibling


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Adobe_Firefly adobe_c2pa/0.12.4+sven2 c2pa-rs/0.32.7", "Adobe Firefly"),
        ("GPT-4o", "OpenAI GPT-4o"),
        ("Azure OpenAI DALL-E", "Azure OpenAI DALL·E"),
        ("imagen-3.0-generate-002", "Google Imagen"),
        ("Gemini Flash", "Google Gemini"),
        ("make_test_images/0.33.1 c2pa-rs/0.33.1", "make test images"),
        ("ExampleDiffusionModel", "ExampleDiffusionModel"),
        ("Make Test Images 0.33.1", "Make Test Images"),
        ("Runway Gen-4", "Runway Gen-4"),
        ("Stable Diffusion XL", "Stable Diffusion XL"),
        ("Stable Diffusion 1D44365E", "Stable Diffusion"),
        ("Evil\x00Name\nwith controls", "Evil Name with controls"),
        ("x" * 300, "x" * 80),
    ],
)
def test_generator_names_are_normalised(raw, name):
    assert normalise_generator(raw) == name


def test_signals_are_deduplicated_and_sorted_most_telling_first():
    evidence = [
        Evidence("png-text", "Title", "AI generated image"),
        Evidence("xmp", "dcterms:provenance", "self#jumbf=/c2pa/urn:x"),
        Evidence("png-text", "Software", "NovelAI"),
        Evidence("png-text", "Software", "NovelAI"),
        Evidence("xmp", "Iptc4xmpExt:DigitalSourceType", IPTC + "digitalCapture"),
    ]
    assert [s.rule_id for s in signals_for(evidence)] == [
        "PNG-NOVELAI-SOFTWARE",
        "PNG-TITLE-AI-GENERATED",
        "XMP-DST-CAPTURE",
        "XMP-PROVENANCE-REF",
    ]
    assert signals_for(reversed(evidence)) == signals_for(evidence)


def test_evidence_of_another_source_or_empty_value_never_matches():
    evidence = [
        Evidence("exif", "fooocus_scheme", "fooocus"),  # png-text rule, exif source
        Evidence("png-text", "Software", "   "),
        Evidence("fingerprint", "phash", "NovelAI"),
    ]
    assert signals_for(evidence) == ()


@pytest.mark.parametrize(
    "spelled",
    [
        "Mid\u200bjourney v6",  # a zero-width space inside the name
        "Mid\u00adjourney v6",  # a soft hyphen
        "M\u0456djourney v6",  # a Cyrillic і
        "\uff2d\uff49\uff44\uff4a\uff4f\uff55\uff52\uff4e\uff45\uff59",  # full-width letters
        "\u202eMidjourney v6",  # a bidi override in front
    ],
)
def test_a_generator_name_cannot_hide_behind_its_unicode_spelling(spelled: str) -> None:
    """The rules read the value folded (NFKC, format characters out, Latin lookalikes as Latin);
    these spellings passed as no signal (found in review); the signal shows the value as held."""
    (signal,) = signals_for([Evidence("xmp", "xmp:CreatorTool", spelled)])
    assert (signal.rule_id, signal.generator, signal.value) == (
        "XMP-CREATOR-TOOL-GENAI",
        "Midjourney",
        spelled,
    )


def test_text_in_other_scripts_is_not_taken_for_a_generator() -> None:
    for value in ("Фотография Москвы", "東京の夜景", "Φωτογραφία", "Adobe Photoshop\u00a025.0"):
        assert signals_for([Evidence("xmp", "xmp:CreatorTool", value)]) == ()
