"""Evidence -> signals, by the rule catalog. Pure: no I/O beyond loading the catalog once."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanner.model import MEANINGS, SOURCES, STRENGTHS, Evidence, Signal
from scanner.rules.catalog import Catalog, Rule, load_catalog, normalise_dst
from scanner.rules.genparams import DETECTOR, KEYS_DETECTOR, Detection, detect, detect_keys
from scanner.rules.matching_text import matching_text
from scanner.rules.names import normalise_generator

Match = re.Match[str] | Detection | bool
MAX_REMEMBERED = 20_000  # evidence values whose rule matches are remembered (per process)
MAX_REMEMBERED_VALUE = 1_024  # characters: longer values are matched each time

# The element of a structured field: everything up to the last `]` that is followed by `.` or
# `/`, e.g. `manifest[urn:x]/c2pa.actions.v2/actions[0]` in `…/actions[0].digitalSourceType`.
_ELEMENT_RE = re.compile(r"^(.*\])[./]")
_ROOT_RE = re.compile(r"^([^/]*\])/")


def signals_for(evidence: Iterable[Evidence], catalog: Catalog | None = None) -> tuple[Signal, ...]:
    """Every signal the catalog finds in this evidence, deduplicated and sorted.

    A rule fires when its source equals the evidence source, one of its field globs matches the
    field, and its matcher accepts the value (and `exclude` does not). `fallback` rules fire only
    for evidence that no other rule matched.
    """
    catalog = catalog or load_catalog()
    items = list(evidence)
    siblings: dict[tuple[str, str], str] = {}
    for ev in items:
        if ev.value.strip():
            siblings.setdefault((ev.source, ev.field), ev.value)

    found: set[Signal] = set()
    for ev in items:
        if not ev.value.strip():
            continue
        rules = catalog.rules_for_field(ev.source, ev.field)
        if not rules:
            continue
        for rule, match in _hits(rules, ev, catalog):
            found.add(_signal(rule, ev, _generator(rule, ev, match, siblings, catalog)))
    for rule in catalog.rules:
        if rule.detector == KEYS_DETECTOR:
            found.update(_keys_signals(rule, items, catalog))
    return tuple(sorted(found, key=signal_sort_key))


def _hits(rules: tuple[Rule, ...], ev: Evidence, catalog: Catalog) -> list[tuple[Rule, Match]]:
    """The rules that fire on this evidence (fallback rules only when no other does), and what
    each matched; remembered for short values, which repeat from frame to frame."""
    key = (ev.source, ev.field, ev.value)
    remember = len(ev.value) <= MAX_REMEMBERED_VALUE
    if remember and key in catalog.found_in:
        found: list[tuple[Rule, Match]] = catalog.found_in[key]
        return found
    read = Evidence(ev.source, ev.field, matching_text(ev.value))  # as the rules read it
    found = [(r, m) for r in rules if not r.fallback for m in [_accepts(r, read, catalog)] if m]
    if not found:
        found = [(r, m) for r in rules if r.fallback for m in [_accepts(r, read, catalog)] if m]
    if remember:
        if len(catalog.found_in) >= MAX_REMEMBERED:
            catalog.found_in.clear()
        catalog.found_in[key] = found
    return found


def _signal(rule: Rule, ev: Evidence, generator: str) -> Signal:
    return Signal(
        rule_id=rule.id,
        meaning=rule.meaning,
        strength=rule.strength,
        source=ev.source,
        field=ev.field,
        value=ev.value,
        generator=generator,
        description=rule.description,
    )


def _keys_signals(rule: Rule, items: list[Evidence], catalog: Catalog) -> list[Signal]:
    """The keys detector over one source's fields (those the rule's field globs take)."""
    fields = {
        ev.field: ev.value
        for ev in items
        if ev.source == rule.source and rule.field_matches(ev.field) and ev.value.strip()
    }
    found = detect_keys({name: matching_text(value) for name, value in fields.items()})
    if found is None:
        return []
    keys = sorted(fields, key=lambda name: (name.strip().lower() not in _PROMPT_FIELDS, name))
    shown = Evidence(rule.source, keys[0], fields[keys[0]])
    name = normalise_generator(found.tool, catalog) if found.tool else rule.generator
    return [_signal(rule, shown, name)]


_PROMPT_FIELDS = ("prompt", "positive_prompt", "negative_prompt", "negative prompt")


def signal_sort_key(s: Signal) -> tuple[int, int, int, str, str, str, str]:
    """Most telling first: meaning, then strength, then where it came from."""
    return (
        MEANINGS.index(s.meaning) if s.meaning in MEANINGS else len(MEANINGS),
        STRENGTHS.index(s.strength) if s.strength in STRENGTHS else len(STRENGTHS),
        SOURCES.index(s.source) if s.source in SOURCES else len(SOURCES),
        s.field,
        s.rule_id,
        s.value,
        s.generator,
    )


def _accepts(rule: Rule, ev: Evidence, catalog: Catalog) -> Match:
    """Truthy when the rule fires: the first regex match (for generator groups), the detector's
    finding (it may name the tool) or True."""
    if rule.detector == KEYS_DETECTOR:  # the caller gives rules whose fields match, values set
        return False
    if rule.exclude is not None and rule.exclude.search(ev.value):
        return False
    if rule.present:
        return True
    if rule.detector == DETECTOR:
        return detect(ev.field, ev.value) or False
    if rule.terms:
        return normalise_dst(ev.value, catalog.dst_canonical) in rule.terms
    first: re.Match[str] | None = None
    for pattern in rule.matches:
        m = pattern.search(ev.value)
        if m is None:
            return False
        first = first or m
    return first or False


def _generator(
    rule: Rule,
    ev: Evidence,
    match: Match,
    siblings: dict[tuple[str, str], str],
    catalog: Catalog,
) -> str:
    for name in rule.generator_from:
        value = siblings.get((ev.source, sibling_field(ev.field, name)), "")
        if value.strip():
            return normalise_generator(value, catalog)
    if isinstance(match, Detection) and match.tool:
        return normalise_generator(match.tool, catalog)
    if isinstance(match, re.Match) and "generator" in match.re.groupindex:
        raw = match.group("generator") or ""
        if raw.strip():
            return normalise_generator(raw, catalog)
    return rule.generator


def sibling_field(field: str, name: str) -> str:
    """Resolve a `generator_from` name against the matched field (see catalog.toml)."""
    if name.startswith("/"):
        root = _ROOT_RE.match(field)
        return (root.group(1) if root else "") + name
    element = _ELEMENT_RE.match(field)
    if element is None:
        return name
    return f"{element.group(1)}.{name}"
