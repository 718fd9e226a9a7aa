"""The C2PA Asset Rubrics v1.0 signals of each manifest, computed over the SDK's crJSON.

The rubric (`c2pa_rubric.toml`, ported from the C2PA's `asset-rubric-signals-local.yml`, CC BY
4.0) says, per manifest, what that manifest alone signals: fully or partly GenAI media,
compositions or screen captures that may contain GenAI, captured media, blank canvases,
perceptible GenAI (or possibly GenAI) transformations, non-editorial or ambiguous actions. It
is evaluated as written, not relaxed: only the first `c2pa.actions.v2` assertion counts and
source types must be the exact `http://` URIs. provscan's own catalog reads more (v1 actions,
every instance, templates, https URIs, Adobe's parameter, the ingredient tree), so the two can
disagree: `scanner.rules.rubric` says where, and what provscan does about it.

Pure: parsed crJSON in, signal ids out; bounded by the store size the reader accepts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

ACTIONS_V2 = "c2pa.actions.v2"
INGREDIENT_V3 = "c2pa.ingredient.v3"
TESTS = (
    "created_with",
    "unknown_provenance",
    "ambiguous_actions",
    "non_editorial",
    "perceptible_in",
    "perceptible_not_in",
)


@dataclass(frozen=True)
class RubricSignal:
    id: str
    test: str
    dst: frozenset[str]
    report: str


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    inception: frozenset[str]
    non_editorial: frozenset[str]
    signals: tuple[RubricSignal, ...]


@lru_cache(maxsize=1)
def load_rubric() -> Rubric:
    text = resources.files("scanner.extract").joinpath("c2pa_rubric.toml").read_text("utf-8")
    data = tomllib.loads(text)
    variables: dict[str, list[str]] = data["variables"]
    signals = []
    for raw in data["signal"]:
        if raw["test"] not in TESTS:
            raise ValueError(f"c2pa_rubric.toml: unknown test {raw['test']!r}")
        dst = raw.get("dst", [])
        values = variables[dst[1:]] if isinstance(dst, str) else dst
        signals.append(RubricSignal(raw["id"], raw["test"], frozenset(values), raw["report"]))
    return Rubric(
        name=data["rubric"]["name"],
        version=data["rubric"]["version"],
        inception=frozenset(variables["inception_actions"]),
        non_editorial=frozenset(variables["non_editorial_actions"]),
        signals=tuple(signals),
    )


def store_signals(crjson: object) -> dict[str, tuple[str, ...]]:
    """Manifest label -> the rubric signals that manifest fires, in rubric order."""
    if not isinstance(crjson, dict) or not isinstance(crjson.get("manifests"), list):
        return {}
    rubric = load_rubric()
    found: dict[str, tuple[str, ...]] = {}
    for manifest in crjson["manifests"]:
        if isinstance(manifest, dict) and isinstance(manifest.get("label"), str):
            found[manifest["label"]] = manifest_signals(manifest, rubric)
    return found


def manifest_signals(manifest: dict[str, Any], rubric: Rubric | None = None) -> tuple[str, ...]:
    rubric = rubric or load_rubric()
    assertions = _dict(manifest.get("assertions"))
    actions_assertion = assertions.get(ACTIONS_V2)
    actions = [a for a in _list(_dict(actions_assertion).get("actions")) if isinstance(a, dict)]
    return tuple(
        s.id
        for s in rubric.signals
        if _fires(s, rubric, manifest, assertions, actions_assertion, actions)
    )


def _fires(
    signal: RubricSignal,
    rubric: Rubric,
    manifest: dict[str, Any],
    assertions: dict[str, Any],
    actions_assertion: object,
    actions: list[dict[str, Any]],
) -> bool:
    test = signal.test
    if test == "created_with":
        return any(
            a.get("action") in rubric.inception and a.get("digitalSourceType") in signal.dst
            for a in actions
        )
    if test == "unknown_provenance":
        ingredient = assertions.get(INGREDIENT_V3)
        return ingredient is not None and _dict(ingredient).get("activeManifest") is None
    if test == "ambiguous_actions":
        return _ambiguous(manifest, actions_assertion, actions)
    if test == "non_editorial":
        return any(a.get("action") in rubric.non_editorial for a in actions)
    perceptible = [
        a
        for a in actions
        if isinstance(a.get("action"), str)
        and a["action"] not in rubric.inception
        and a["action"] not in rubric.non_editorial
    ]
    if test == "perceptible_in":
        return any(a.get("digitalSourceType") in signal.dst for a in perceptible)
    return any(
        a.get("digitalSourceType") is not None and a.get("digitalSourceType") not in signal.dst
        for a in perceptible
    )


def _ambiguous(
    manifest: dict[str, Any], actions_assertion: object, actions: list[dict[str, Any]]
) -> bool:
    if not actions or _dict(actions_assertion).get("allActionsIncluded") is not True:
        return True
    names = [a.get("action") for a in actions]
    if any(isinstance(n, str) and not n.startswith("c2pa.") for n in names):
        return True
    if "c2pa.unknown" in names:
        return True
    gathered = _list(_dict(manifest.get("claim.v2")).get("gathered_assertions"))
    return any("c2pa.actions" in str(_dict(g).get("url", "")) for g in gathered)


def report_texts(ids: Iterable[str]) -> list[str]:
    """The rubric's own words for signal ids (what a reviewer reads)."""
    by_id = {s.id: s.report for s in load_rubric().signals}
    return [by_id.get(i, i) for i in ids]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
