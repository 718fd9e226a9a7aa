"""The C2PA Asset Rubrics 1.0 signals, computed per manifest over the SDK's crJSON, reported
beside provscan's `ai`; "possibly GenAI" surfaced as an ai-possible review; disagreements noted.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from fixtures import pictures
from fixtures.c2pa_documents import sign_bytes, write
from fixtures.c2pa_sign import action
from fixtures.ca import make_ca
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.extract.c2pa_rubric import load_rubric, manifest_signals
from scanner.policy.decide import decide
from tests.extract_helpers import corpus_file, media_for

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def crjson_manifest(*actions: dict, complete: bool = True, **extra) -> dict:
    assertion = {"actions": list(actions), **({"allActionsIncluded": True} if complete else {})}
    return {"label": "urn:m", "assertions": {"c2pa.actions.v2": assertion, **extra}}


def act(name: str, dst: str = "") -> dict:
    """One crJSON action; `dst` a bare IPTC term, or a full URI."""
    found = {"action": name}
    if dst:
        found["digitalSourceType"] = dst if "://" in dst else IPTC + dst
    return found


C2PA_DATA = "http://c2pa.org/digitalsourcetype/trainedAlgorithmicData"
HTTPS_TAM = "https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
POSSIBLY, NON_GENAI = (
    "transformation:signal_perceptiblePossiblyGenAI",
    "transformation:signal_perceptibleNonGenAI",
)
CASES = [
    ("fully GenAI", [act("c2pa.created", "trainedAlgorithmicMedia")],
     {"inception:signal_fullyGenAIMedia"}),
    ("opened counts as inception",
     [act("c2pa.opened", "compositeWithTrainedAlgorithmicMedia")],
     {"inception:signal_partlyGenAICreation"}),
    ("capture", [act("c2pa.created", "digitalCapture")], {"inception:signal_capturedMedia"}),
    ("composite creation", [act("c2pa.created", "composite")],
     {"inception:signal_compositionMayContainGenAI"}),
    ("digitalArt created fires nothing", [act("c2pa.created", "digitalArt")], set()),
    ("digitalArt edit is possibly GenAI", [act("c2pa.edited", "digitalArt")],
     {POSSIBLY, NON_GENAI}),
    ("GenAI edit", [act("c2pa.placed", C2PA_DATA)], {"transformation:signal_perceptibleGenAI"}),
    ("https URIs are not the rubric's", [act("c2pa.created", HTTPS_TAM)], set()),
    ("non-editorial", [act("c2pa.created", "digitalCapture"), act("c2pa.resized.proportional")],
     {"inception:signal_capturedMedia", "transformation:signal_nonEditorial"}),
    ("custom action is ambiguous", [act("com.acme.magic")],
     {"transformation:signal_ambiguousActions"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "actions", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_statement_of_the_local_rubric(name, actions, expected):
    assert set(manifest_signals(crjson_manifest(*actions))) == expected


def test_incomplete_v1_or_gathered_actions_are_ambiguous():
    ambiguous = "transformation:signal_ambiguousActions"
    created = {"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}
    assert ambiguous in manifest_signals(crjson_manifest(created, complete=False))
    v1_only = {"label": "m", "assertions": {"c2pa.actions": {"actions": [created]}}}
    assert manifest_signals(v1_only) == (ambiguous,)  # the rubric reads v2 only
    gathered = crjson_manifest(created)
    gathered["claim.v2"] = {
        "gathered_assertions": [{"url": "self#jumbf=c2pa.assertions/c2pa.actions.v2"}]
    }
    assert ambiguous in manifest_signals(gathered)
    unknown = crjson_manifest(created, **{"c2pa.ingredient.v3": {"relationship": "parentOf"}})
    assert "inception:signal_mediaUnknownProvenance" in manifest_signals(unknown)


def test_the_port_keeps_the_rubrics_ids_and_variables():
    rubric = load_rubric()
    assert (rubric.name, rubric.version) == ("C2PA Asset Signals Rubric (Local)", "1.0")
    assert len(rubric.signals) == 14
    assert rubric.inception == {"c2pa.created", "c2pa.opened"}


# --- real signed files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca():
    return make_ca()


def signed_jpeg(tmp_path: Path, ca, name: str, actions: list[dict]) -> Path:
    source = io.BytesIO()
    pictures.photo(5, (64, 48)).save(source, "JPEG", quality=90)
    return write(
        tmp_path / name,
        sign_bytes(source.getvalue(), "image/jpeg", ca, title=name, actions=actions),
    )


def test_each_manifests_signals_are_reported_beside_ai(tmp_path, ca):
    path = signed_jpeg(
        tmp_path, ca, "gen.jpg", [action("c2pa.created", source_type="trainedAlgorithmicMedia")]
    )
    analysis = analyse(media_for(path), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.ai == "generated"
    assert "inception:signal_fullyGenAIMedia" in analysis.c2pa.manifests[0].rubric
    rubric = [s for s in analysis.assessment.signals if s.rule_id.startswith("C2PA-RUBRIC")]
    assert ("C2PA-RUBRIC-GENAI", "info") in {(s.rule_id, s.meaning) for s in rubric}
    assert analysis.notes == ()  # both read AI: nothing to say


def test_a_digital_art_edit_is_possibly_genai_and_a_review(tmp_path, ca):
    acts = [action("c2pa.created", source_type="digitalCapture"),
            action("c2pa.edited", source_type="digitalArt", agent="Photoshop")]  # fmt: skip
    analysis = analyse(
        media_for(signed_jpeg(tmp_path, ca, "art.jpg", acts)), AnalyseOptions(fingerprints=False)
    )
    assert analysis.assessment.ai == "none"
    possible = [s for s in analysis.assessment.signals if s.meaning == "ai-possible"]
    assert [(s.rule_id, s.value) for s in possible] == [
        ("C2PA-RUBRIC-POSSIBLY-GENAI", "transformation:signal_perceptiblePossiblyGenAI")
    ]
    assert (
        len(analysis.notes) == 1 and "possibly GenAI (perceptiblePossiblyGenAI" in analysis.notes[0]
    )
    finding = decide(
        analysis, area="final", matches=(), approvals_by_id={}, as_of=date(2026, 12, 1)
    )
    assert finding.status == "review"
    assert "ai-possible" in [r.code for r in finding.reasons]


def test_provscan_reads_v1_firefly_where_the_rubric_sees_nothing():
    path = corpus_file("contentauth+c2pa-rs/sdk/tests/fixtures/cai.jpg")
    analysis = analyse(media_for(path), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.ai == "generated"
    assert not any(
        s in analysis.c2pa.manifests[0].rubric for s in ("inception:signal_fullyGenAIMedia",)
    )
    assert (
        len(analysis.notes) == 1 and "no GenAI signal, where provscan reads AI" in analysis.notes[0]
    )
