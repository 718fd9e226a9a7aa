"""What the report keeps of one analysis: every value capped, and per-asset caps on evidence,
signals, problems and C2PA detail, with a mark of what was cut.

The rules and the assessment have already seen everything the readers read; these caps only
bound what travels to the scanning process, the cache and the reports, so a file carrying
megabytes of metadata cannot make the scan or its report grow without bound. An asset whose
report was cut carries `truncated` (what was cut), which the policy makes a `review` reason:
a reviewer is told that the report does not show everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TypeVar

from scanner.extract.interface import cap
from scanner.model import (
    AssetAnalysis,
    C2paAction,
    C2paIngredient,
    C2paManifest,
    C2paReport,
    Evidence,
    Problem,
)

MAX_EVIDENCE_ITEMS = 2_000
MAX_EVIDENCE_CHARS = 1_000_000  # the capped values of one asset's evidence, summed
MAX_SIGNALS = 500  # most telling first: the ones that decided are never the ones cut
MAX_PROBLEMS = 200  # fatal and incomplete ones first
MAX_MANIFESTS = 64
MAX_MANIFEST_ITEMS = 256  # actions, ingredients, assertion labels, codes per manifest or store

T = TypeVar("T")


def cap_for_report(analysis: AssetAnalysis) -> AssetAnalysis:
    cut: list[str] = list(analysis.truncated)
    evidence = _cap_evidence(analysis.evidence, cut)
    signals = tuple(dataclasses.replace(s, value=cap(s.value)) for s in analysis.assessment.signals)
    signals = _first(signals, MAX_SIGNALS, "signals", cut)
    problems = _cap_problems(analysis.problems, cut)
    c2pa = _cap_c2pa(analysis.c2pa, cut) if analysis.c2pa is not None else None
    return dataclasses.replace(
        analysis,
        evidence=evidence,
        assessment=dataclasses.replace(analysis.assessment, signals=signals),
        problems=problems,
        c2pa=c2pa,
        truncated=tuple(cut),
    )


def _first(items: Sequence[T], limit: int, what: str, cut: list[str]) -> tuple[T, ...]:
    if len(items) <= limit:
        return tuple(items)
    cut.append(f"{what}: {limit:,} of {len(items):,} kept")
    return tuple(items[:limit])


def _cap_evidence(evidence: Sequence[Evidence], cut: list[str]) -> tuple[Evidence, ...]:
    kept: list[Evidence] = []
    chars = 0
    for item in evidence:
        value = cap(item.value)
        if len(kept) >= MAX_EVIDENCE_ITEMS or chars + len(value) > MAX_EVIDENCE_CHARS:
            cut.append(
                f"evidence: {len(kept):,} of {len(evidence):,} items kept "
                f"(at most {MAX_EVIDENCE_ITEMS:,} items, {MAX_EVIDENCE_CHARS:,} characters)"
            )
            break
        chars += len(value)
        kept.append(item if value is item.value else dataclasses.replace(item, value=value))
    return tuple(kept)


def _cap_problems(problems: Sequence[Problem], cut: list[str]) -> tuple[Problem, ...]:
    if len(problems) <= MAX_PROBLEMS:
        return tuple(_capped_problem(p) for p in problems)
    deciding = [p for p in problems if p.fatal or p.incomplete]
    others = [p for p in problems if not (p.fatal or p.incomplete)]
    kept = (deciding + others)[:MAX_PROBLEMS]
    cut.append(f"problems: {MAX_PROBLEMS:,} of {len(problems):,} kept")
    return tuple(_capped_problem(p) for p in kept)


def _capped_problem(problem: Problem) -> Problem:
    message = cap(problem.message)
    return problem if message is problem.message else dataclasses.replace(problem, message=message)


def _cap_c2pa(report: C2paReport, cut: list[str]) -> C2paReport:
    manifests = _first(report.manifests, MAX_MANIFESTS, "C2PA manifests", cut)
    return dataclasses.replace(
        report,
        manifests=tuple(_cap_manifest(m, cut) for m in manifests),
        failure_codes=_first(report.failure_codes, MAX_MANIFEST_ITEMS, "C2PA failure codes", cut),
        informational_codes=_first(
            report.informational_codes, MAX_MANIFEST_ITEMS, "C2PA informational codes", cut
        ),
    )


def _cap_manifest(manifest: C2paManifest, cut: list[str]) -> C2paManifest:
    where = f"C2PA manifest {cap(manifest.label)[:80]}"
    actions: tuple[C2paAction, ...] = _first(
        manifest.actions, MAX_MANIFEST_ITEMS, f"{where} actions", cut
    )
    ingredients: tuple[C2paIngredient, ...] = _first(
        manifest.ingredients, MAX_MANIFEST_ITEMS, f"{where} ingredients", cut
    )
    labels = _first(manifest.assertion_labels, MAX_MANIFEST_ITEMS, f"{where} assertions", cut)
    return dataclasses.replace(
        manifest, actions=actions, ingredients=ingredients, assertion_labels=labels
    )


def approx_bytes(analysis: AssetAnalysis) -> int:
    """About how much memory one analysis holds (its strings dominate): for bounding how many
    finished results a process keeps waiting."""
    size = 1024 + len(analysis.thumbnail) + 64 * len(analysis.fingerprints)
    if analysis.sequence is not None:
        size += 200 * len(analysis.sequence.frames)
    size += sum(len(e.field) + len(e.value) + 64 for e in analysis.evidence)
    signals = analysis.assessment.signals
    size += sum(len(s.field) + len(s.value) + len(s.description) + 96 for s in signals)
    size += sum(len(p.message) + 64 for p in analysis.problems)
    if analysis.c2pa is not None:
        for manifest in analysis.c2pa.manifests:
            size += 512 + 256 * (len(manifest.actions) + len(manifest.ingredients))
    return size
