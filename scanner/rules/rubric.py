"""The C2PA Asset Rubrics beside provscan's own reading: where they disagree, and what wins.

Each manifest's rubric signals (`C2paManifest.rubric`, computed over the SDK's crJSON by
`scanner.extract.c2pa_rubric`) are evidence like any other: the catalog's C2PA-RUBRIC-* rules
turn "possibly GenAI" into an `ai-possible` signal (a review, never silence) and show the
rest as information. provscan's `ai` is decided by its own catalog, which reads more than the
rubric as written. Where the two part, the decision is:

- **The rubric says possibly GenAI, provscan reads no AI claim**: mainly a perceptible edit
  declared `digitalArt` (the rubric's "possibly GenAI"; provscan's catalog reads digitalArt as
  human work) or a `composite` creation. The rubric wins toward caution: `ai-possible`, so the
  asset is a review unless an approval covers it; `ai` stays `none` (nothing claims AI).
- **provscan reads AI, the rubric says nothing**: the rubric reads only the first
  `c2pa.actions.v2` assertion of each manifest, with exact `http://` source-type URIs, and only
  that manifest. provscan also reads v1 `c2pa.actions` (Adobe Firefly's 2023 files), every
  instance, templates, `https://` and alias spellings, Adobe's `com.adobe.digitalSourceType`
  parameter, metadata assertions, and walks the ingredient tree (an AI parent opened and
  cropped). These are signed declarations of AI: provscan's reading decides.
- **Both read AI**: nothing to say. The rubric's own words are in the signals.

`rubric_notes` writes these disagreements as notes on the asset, so a reviewer sees both.
"""

from __future__ import annotations

from scanner.model import Assessment, C2paReport

POSSIBLY = frozenset(
    {
        "inception:signal_compositionMayContainGenAI",
        "inception:signal_screenCaptureMayContainGenAI",
        "transformation:signal_perceptiblePossiblyGenAI",
    }
)
GENAI = frozenset(
    {
        "inception:signal_fullyGenAIMedia",
        "inception:signal_partlyGenAICreation",
        "transformation:signal_perceptibleGenAI",
    }
)
AI_VALUES = ("generated", "composite")


def rubric_notes(assessment: Assessment, report: C2paReport | None) -> tuple[str, ...]:
    """Notes for the asset where the C2PA rubric and provscan's catalog disagree."""
    if report is None or not report.manifests:
        return ()
    genai = [(m.label, s) for m in report.manifests for s in m.rubric if s in GENAI]
    possibly = [(m.label, s) for m in report.manifests for s in m.rubric if s in POSSIBLY]
    notes = []
    if assessment.ai not in AI_VALUES and possibly:
        label, signal = possibly[0]
        notes.append(
            f"C2PA Asset Rubrics: possibly GenAI ({_short(signal)} in manifest {label}) where "
            "provscan's catalog reads no AI claim: shown as ai-possible, for a person to judge"
        )
    if assessment.ai in AI_VALUES and not genai:
        notes.append(
            "C2PA Asset Rubrics: no GenAI signal, where provscan reads AI: the rubric reads only "
            "each manifest's first c2pa.actions.v2 assertion with exact http:// source-type URIs; "
            "provscan also reads v1 actions, https and alias spellings, Adobe's source-type "
            "parameter, metadata and the ingredient tree, and its reading decides"
        )
    return tuple(notes)


def _short(signal: str) -> str:
    return signal.split(":signal_", 1)[-1]
