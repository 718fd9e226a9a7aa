"""Assessment: signals placed in the C2PA ingredient tree -> generated / composite / none."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.discover.media import MediaFile
from scanner.extract import c2pa as c2pa_reader
from scanner.extract.interface import ExtractOptions
from scanner.model import C2paIngredient, C2paManifest, C2paReport, Evidence, Signal
from scanner.rules import signals_for
from scanner.rules.assess import assess, manifest_roles
from tests.c2pa_helpers import IPTC, anchor, created, jpeg_bytes, png_bytes, sign, write
from tests.extract_helpers import call_opened

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RS = "contentauth+c2pa-rs/sdk/tests/fixtures"


def assess_file(asset: MediaFile, options: ExtractOptions | None = None):
    result = call_opened(c2pa_reader.extract, asset, options or ExtractOptions())
    return assess(signals_for(result.evidence), result.c2pa), result.c2pa


def actions(*items: dict) -> dict:
    return {"label": "c2pa.actions", "data": {"actions": list(items)}}


def editor(name: str, *items: dict) -> dict:
    return {"claim_generator_info": [{"name": name}], "assertions": [actions(*items)]}


def ingredient(label: str, relationship: str, data: bytes, mime: str = "image/jpeg"):
    return ({"title": f"{label}.jpg", "relationship": relationship, "label": label}, data, mime)


def uses(*labels: str) -> dict:
    return {"ingredientIds": list(labels)}


AI_IMAGE = sign(created("trainedAlgorithmicMedia", {"name": "ExampleDiffusionModel"}), jpeg_bytes())
PHOTO = sign(created("digitalCapture", "CameraApp 1.0", name="CameraApp"), jpeg_bytes((9, 9, 200)))


# --- real signed files ---------------------------------------------------------------------


def test_chatgpt_shape_opened_ai_parent_is_generated(tmp_path):
    ai = sign(created("trainedAlgorithmicMedia", {"name": "GPT-4o"}), png_bytes(), "image/png")
    outer = editor("ChatGPT", {"action": "c2pa.opened", "parameters": uses("p")})
    data = sign(outer, ai, "image/png", ingredients=(ingredient("p", "parentOf", ai, "image/png"),))
    assessment, report = assess_file(write(tmp_path, "chatgpt.png", data, "image/png"))
    assert (assessment.ai, assessment.credentials) == ("generated", "valid")
    assert assessment.generators == ("OpenAI GPT-4o",)
    trained = [s for s in assessment.signals if s.rule_id == "C2PA-DST-TRAINED"]
    assert [s.field for s in trained] == [
        f"manifest[{report.manifests[1].label}]/c2pa.actions.v2/actions[0].digitalSourceType"
    ]


def test_ai_element_composited_into_a_photo_is_composite(tmp_path):
    outer = editor(
        "ExamplePhotoEditor",
        {"action": "c2pa.opened", "parameters": uses("photo")},
        {"action": "c2pa.placed", "parameters": uses("ai")},
        {
            "action": "c2pa.edited",
            "softwareAgent": {"name": "ExampleGenerativeFill"},
            "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia",
        },
    )
    parts = (ingredient("photo", "parentOf", PHOTO), ingredient("ai", "componentOf", AI_IMAGE))
    data = sign(outer, PHOTO, ingredients=parts)
    assessment, _ = assess_file(write(tmp_path, "composite.jpg", data))
    assert assessment.ai == "composite"
    assert assessment.generators == ("ExampleDiffusionModel", "ExampleGenerativeFill")
    meanings = {(s.rule_id, s.meaning) for s in assessment.signals}
    assert ("C2PA-DST-CAPTURE", "capture") in meanings  # the parent photo's claim stays visible
    assert ("C2PA-DST-TRAINED", "ai-generated") in meanings


def test_ai_component_alone_makes_the_asset_composite(tmp_path):
    outer = editor(
        "ExamplePhotoEditor",
        {"action": "c2pa.opened", "parameters": uses("photo")},
        {"action": "c2pa.placed", "parameters": uses("ai")},
    )
    parts = (ingredient("photo", "parentOf", PHOTO), ingredient("ai", "componentOf", AI_IMAGE))
    assessment, _ = assess_file(
        write(tmp_path, "placed.jpg", sign(outer, PHOTO, ingredients=parts))
    )
    assert (assessment.ai, assessment.generators) == ("composite", ("ExampleDiffusionModel",))


def test_trained_source_type_on_a_partial_edit_is_composite(tmp_path):
    manifest = editor(
        "Adobe Photoshop",
        {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"},
        {
            "action": "c2pa.edited",
            "softwareAgent": "Adobe Firefly",
            "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
        },
    )
    assessment, _ = assess_file(write(tmp_path, "edit.jpg", sign(manifest, jpeg_bytes())))
    assert (assessment.ai, assessment.generators) == ("composite", ("Adobe Firefly",))


def test_ai_input_to_a_non_generative_process_is_only_possible(tmp_path):
    manifest = editor(
        "ExampleEditor",
        {
            "action": "c2pa.created",
            "digitalSourceType": IPTC + "digitalCreation",
            "parameters": uses("ref"),
        },
    )
    data = sign(
        manifest, jpeg_bytes((1, 2, 3)), ingredients=(ingredient("ref", "inputTo", AI_IMAGE),)
    )
    assessment, _ = assess_file(write(tmp_path, "input.jpg", data))
    assert (assessment.ai, assessment.generators) == ("none", ())
    (relabelled,) = [s for s in assessment.signals if s.rule_id == "C2PA-DST-TRAINED"]
    assert (relabelled.meaning, relabelled.strength) == ("ai-possible", "definitive")
    assert relabelled.description.endswith("not this asset.]")
    assert ("C2PA-DST-HUMAN", "human-edit") in {(s.rule_id, s.meaning) for s in assessment.signals}


def test_trust_and_tampering_reach_the_credentials_axis(tmp_path):
    from tests.c2pa_helpers import session_ca

    asset = write(tmp_path, "ai.jpg", AI_IMAGE)
    trusted, _ = assess_file(asset, ExtractOptions(trust_anchors_pem=anchor(session_ca())))
    assert (trusted.ai, trusted.credentials) == ("generated", "trusted")
    broken = bytearray(AI_IMAGE)
    broken[-100] ^= 0xFF
    tampered, _ = assess_file(write(tmp_path, "tampered.jpg", bytes(broken)))
    assert (tampered.ai, tampered.credentials) == ("generated", "invalid")  # claim still counts


# --- corpus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mime", "ai", "generators"),
    [
        ("cai.jpg", "image/jpeg", "generated", ("Adobe Firefly",)),
        ("repro-sundae-ice-cream.png", "image/png", "generated", ("Google Gemini",)),
        ("C.jpg", "image/jpeg", "none", ()),
        ("CA.jpg", "image/jpeg", "none", ()),
    ],
)
def test_corpus_c2pa_assessments(name, mime, ai, generators):
    path = CORPUS / RS / name
    if not path.is_file():
        pytest.skip(f"corpus not available: {path}")
    media = MediaFile(path, name, mime, "X", "image", path.stat().st_size)
    assessment, _ = assess_file(media)
    assert (assessment.ai, assessment.credentials, assessment.generators) == (
        ai,
        "valid",
        generators,
    )


# --- pure assessment -----------------------------------------------------------------------


def sig(rule: str, meaning: str, strength: str, source: str = "xmp", generator: str = "") -> Signal:
    return Signal(rule, meaning, strength, source, f"field-{rule}", "value", generator)


@pytest.mark.parametrize(
    ("signals", "ai"),
    [
        ([], "none"),
        ([sig("EXIF-TEXT-AI-GENERATED", "ai-generated", "weak")], "none"),
        ([sig("XMP-DST-TRAINED", "ai-generated", "strong")], "generated"),
        ([sig("XMP-DST-COMPOSITE-AI", "ai-composite", "strong")], "composite"),
        ([sig("C2PA-DST-REVIEW", "ai-possible", "definitive")], "none"),
        ([sig("XMP-DST-ENHANCED", "ai-enhanced", "strong")], "none"),
        ([sig("XMP-DST-CAPTURE", "capture", "strong")], "none"),
        (
            [
                sig("XMP-DST-COMPOSITE-AI", "ai-composite", "strong"),
                sig("PNG-A1111-PARAMS", "ai-generated", "strong", "png-text"),
            ],
            "generated",
        ),
    ],
)
def test_strength_and_meaning_decide_ai(signals, ai):
    assert assess(signals, None).ai == ai


def test_credentials_absent_without_a_report_else_from_it():
    assert assess([], None).credentials == "absent"
    assert (
        assess([], C2paReport(credentials="remote", remote_url="https://x")).credentials == "remote"
    )


def test_generators_include_tools_only_beside_an_ai_verdict():
    tool = sig("C2PA-AGENT-GENAI-TOOL", "tool", "strong", "c2pa", "Adobe Firefly")
    upscale = sig("EXIF-SOFTWARE-UPSCALER", "ai-enhanced", "strong", "exif", "Topaz Photo AI")
    weak = sig("EXIF-TEXT-AI-GENERATED", "ai-generated", "weak", "exif", "Someone")
    assert assess([tool, upscale, weak], None).generators == ()
    ai = sig("PNG-NOVELAI-SOFTWARE", "ai-generated", "strong", "png-text", "NovelAI")
    assert assess([tool, upscale, weak, ai], None).generators == (
        "Adobe Firefly",
        "NovelAI",
        "Topaz Photo AI",
    )


def test_signals_come_out_in_one_order_whatever_the_input_order():
    evidence = [
        Evidence("png-text", "Software", "NovelAI"),
        Evidence("png-text", "Title", "AI generated image"),
        Evidence("xmp", "Iptc4xmpExt:DigitalSourceType", IPTC + "digitalCapture"),
        Evidence("xmp", "dcterms:provenance", "self#jumbf=/c2pa/x"),
        Evidence("exif", "Software", "Topaz Photo AI 2"),
    ]
    signals = list(signals_for(evidence))
    expected = assess(signals, None)
    for seed in range(5):
        random.Random(seed).shuffle(signals)
        assert assess(signals + signals[:2], None) == expected
    assert [s.meaning for s in expected.signals] == [
        "ai-generated",
        "ai-generated",
        "ai-enhanced",
        "capture",
        "info",
    ]


def _manifest(label: str, *ingredients: tuple[str, str]) -> C2paManifest:
    return C2paManifest(
        label=label,
        ingredients=tuple(
            C2paIngredient(f"{c}.jpg", rel, manifest_label=c) for c, rel in ingredients
        ),
    )


def test_manifest_roles_follow_relationships_and_survive_cycles():
    report = C2paReport(
        credentials="valid",
        active_manifest="out",
        manifests=(
            _manifest("out", ("parent", "parentOf"), ("part", "componentOf"), ("ref", "inputTo")),
            _manifest("parent", ("grandparent", "parentOf"), ("out", "parentOf")),  # a cycle
            _manifest("grandparent"),
            _manifest("part", ("partparent", "parentOf")),
            _manifest("partparent"),
            _manifest("ref", ("refparent", "parentOf")),
            _manifest("refparent", ("part", "componentOf")),  # also reachable as a component
            _manifest("orphan"),
        ),
    )
    assert manifest_roles(report) == {
        "out": "self",
        "parent": "self",
        "grandparent": "self",
        "part": "component",
        "partparent": "component",
        "ref": "input",
        "refparent": "input",
        "orphan": "component",
    }


def test_ai_in_an_orphan_manifest_counts_as_composite():
    report = C2paReport(
        credentials="valid",
        active_manifest="out",
        manifests=(_manifest("out"), _manifest("orphan")),
    )
    signal = Signal(
        "C2PA-DST-TRAINED",
        "ai-generated",
        "definitive",
        "c2pa",
        "manifest[orphan]/c2pa.actions.v2/actions[0].digitalSourceType",
        IPTC + "trainedAlgorithmicMedia",
    )
    assert assess([signal], report).ai == "composite"
    on_active = Signal(**{**signal.__dict__, "field": signal.field.replace("orphan", "out")})
    assert assess([on_active], report).ai == "generated"  # no action recorded: the whole asset
