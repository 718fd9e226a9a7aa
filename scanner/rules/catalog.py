"""Load and validate the rule catalog (catalog.toml), compile it once.

The catalog is data: every marker the scanner knows is a rule there. This module only checks
that the data is well formed (a broken catalog is a packaging bug and stops the scanner before
it reads a single file) and compiles the regexes and globs.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from scanner.errors import ConfigError
from scanner.model import MEANINGS, SOURCES, STRENGTHS
from scanner.rules.genparams import DETECTORS

RULE_SOURCES = tuple(s for s in SOURCES if s != "fingerprint")
_ID_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)+$")
_RULE_KEYS = {
    "id",
    "source",
    "field",
    "match",
    "terms",
    "present",
    "detector",
    "exclude",
    "fallback",
    "meaning",
    "strength",
    "generator",
    "generator_from",
    "description",
    "reference",
}
_PATTERN_REF = re.compile(r"<<([a-z0-9_]+)>>")
MAX_FIELDS_REMEMBERED = 50_000  # (source, field) pairs whose matching rules are kept
_SCHEMA_ORG_SUFFIX = "digitalsource"


class CatalogError(ConfigError):
    """The rule catalog is malformed."""


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    fields: tuple[str, ...]  # the globs as written
    field_res: tuple[re.Pattern[str], ...]
    matches: tuple[re.Pattern[str], ...]  # all must be found
    terms: frozenset[str]  # canonical DST terms
    present: bool
    exclude: re.Pattern[str] | None
    fallback: bool
    meaning: str
    strength: str
    generator: str
    generator_from: tuple[str, ...]
    description: str
    reference: str
    match_text: str  # the matcher as written, for `provscan rules`
    detector: str = ""  # a structural detector by name (scanner.rules.genparams.DETECTORS)

    def field_matches(self, field: str) -> bool:
        return any(r.fullmatch(field) for r in self.field_res)


@dataclass(frozen=True)
class Catalog:
    version: str
    rules: tuple[Rule, ...]
    dst_canonical: dict[str, str]  # casefolded spelling -> canonical term
    generator_names: tuple[tuple[re.Pattern[str], str], ...]
    # (source, field) -> the rules whose field globs take it: every frame of a sequence has
    # the same fields, so their globs are matched once per scan, not once per frame.
    _by_field: dict[tuple[str, str], tuple[Rule, ...]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )
    # (source, field, value) -> what the rules found in it (`scanner.rules.signals`): most of a
    # frame's header is the same in every frame of its sequence.
    found_in: dict[tuple[str, str, str], Any] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    def rules_for(self, source: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.source == source)

    def rules_for_field(self, source: str, field: str) -> tuple[Rule, ...]:
        """The rules of `source` whose field globs match `field`, in catalog order."""
        key = (source, field)
        found = self._by_field.get(key)
        if found is None:
            if len(self._by_field) >= MAX_FIELDS_REMEMBERED:  # a file of made-up field names
                self._by_field.clear()
            found = tuple(r for r in self.rules if r.source == source and r.field_matches(field))
            self._by_field[key] = found
        return found


def glob_to_regex(glob: str) -> re.Pattern[str]:
    """A field glob: `*` matches any run of characters, everything else is literal."""
    return re.compile(".*".join(re.escape(part) for part in glob.split("*")), re.DOTALL)


def normalise_dst(value: str, canonical: dict[str, str]) -> str:
    """A digital source type value as its canonical term, or its last segment when unknown.

    Handles full URIs (http or https, trailing slash), QCodes (`digsrctype:x`), surrounding
    whitespace, case, schema.org `...DigitalSource` names and the aliases of the catalog.
    """
    text = value.strip().rstrip("/").strip()
    segment = re.split(r"[/#:]", text)[-1].strip() if text else ""
    key = segment.casefold()
    if key in canonical:
        return canonical[key]
    if key.endswith(_SCHEMA_ORG_SUFFIX) and key != _SCHEMA_ORG_SUFFIX:
        key = key[: -len(_SCHEMA_ORG_SUFFIX)]
        if key in canonical:
            return canonical[key]
    whole = text.casefold()  # aliases that contain separators, e.g. c2pa.trainedAlgorithmicData
    return canonical.get(whole, segment)


def _fail(where: str, message: str) -> CatalogError:
    return CatalogError(f"rule catalog, {where}: {message}")


def _as_list(value: object, where: str, key: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise _fail(where, f"'{key}' must be a string or a non-empty list of strings")
    return list(items)


def _compile(pattern: str, patterns: dict[str, str], where: str) -> re.Pattern[str]:
    def expand(m: re.Match[str]) -> str:
        if m.group(1) not in patterns:
            raise _fail(where, f"unknown pattern <<{m.group(1)}>>")
        return patterns[m.group(1)]

    try:
        return re.compile(_PATTERN_REF.sub(expand, pattern))
    except re.error as exc:
        raise _fail(where, f"bad regex {pattern!r}: {exc}") from exc


def _text(raw: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(where, f"'{key}' must be a non-empty string")
    return value


def _build_rule(
    raw: object, patterns: dict[str, str], dst_canonical: dict[str, str], index: int
) -> Rule:
    where = f"rule #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(where, "must be a table")
    rule_id = _text(raw, "id", where)
    where = f"rule {rule_id}"
    if not _ID_RE.match(rule_id):
        raise _fail(where, "id must be upper case words joined by dashes, e.g. PNG-A1111-PARAMS")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    source = _text(raw, "source", where)
    if source not in RULE_SOURCES:
        raise _fail(where, f"source must be one of {RULE_SOURCES}")
    meaning = _text(raw, "meaning", where)
    if meaning not in MEANINGS:
        raise _fail(where, f"meaning must be one of {MEANINGS}")
    strength = _text(raw, "strength", where)
    if strength not in STRENGTHS:
        raise _fail(where, f"strength must be one of {STRENGTHS}")
    fields = _as_list(raw.get("field"), where, "field")

    matchers = [k for k in ("match", "terms", "present", "detector") if k in raw]
    if len(matchers) != 1:
        raise _fail(where, "needs exactly one of 'match', 'terms', 'present', 'detector'")
    matches: tuple[re.Pattern[str], ...] = ()
    terms: frozenset[str] = frozenset()
    if "match" in raw:
        written = _as_list(raw["match"], where, "match")
        matches = tuple(_compile(p, patterns, where) for p in written)
        match_text = " AND ".join(f"/{p}/" for p in written)
    elif "terms" in raw:
        written = _as_list(raw["terms"], where, "terms")
        known = set(dst_canonical.values())
        bad = [t for t in written if t not in known]
        if bad:
            raise _fail(where, f"unknown digital source type terms {bad}")
        terms = frozenset(written)
        match_text = "digital source type in: " + ", ".join(written)
    elif "detector" in raw:
        if raw["detector"] not in DETECTORS:
            raise _fail(where, f"detector must be one of {DETECTORS}")
        match_text = f"structure: {raw['detector']}"
    else:
        if raw["present"] is not True:
            raise _fail(where, "'present' can only be true")
        match_text = "any value"

    exclude = None
    if "exclude" in raw:
        exclude = _compile(_text(raw, "exclude", where), patterns, where)
        match_text += f" unless /{raw['exclude']}/"
    fallback = raw.get("fallback", False)
    if not isinstance(fallback, bool):
        raise _fail(where, "'fallback' must be true or false")
    generator_from = (
        _as_list(raw["generator_from"], where, "generator_from")
        if ("generator_from" in raw)
        else []
    )
    return Rule(
        id=rule_id,
        source=source,
        fields=tuple(fields),
        field_res=tuple(glob_to_regex(f) for f in fields),
        matches=matches,
        terms=terms,
        present="present" in raw,
        exclude=exclude,
        fallback=fallback,
        meaning=meaning,
        strength=strength,
        generator=_text(raw, "generator", where, required=False).strip(),
        generator_from=tuple(generator_from),
        description=_text(raw, "description", where),
        reference=_text(raw, "reference", where),
        match_text=match_text,
        detector=raw.get("detector", ""),
    )


def parse_catalog(text: str) -> Catalog:
    """Parse and validate catalog TOML text. Raises CatalogError naming the rule and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"rule catalog is not valid TOML: {exc}") from exc
    version = data.get("catalog_version")
    if not isinstance(version, str) or not version.strip():
        raise _fail("top", "'catalog_version' must be a non-empty string")
    terms = data.get("dst_terms")
    if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
        raise _fail("top", "'dst_terms' must be a list of strings")
    dst_canonical = {t.casefold(): t for t in terms}
    aliases = data.get("dst_aliases", {})
    for spelling, term in aliases.items():
        if term not in terms:
            raise _fail("dst_aliases", f"{spelling!r} points at unknown term {term!r}")
        dst_canonical[spelling.casefold()] = term
    patterns = data.get("patterns", {})
    if not all(isinstance(v, str) for v in patterns.values()):
        raise _fail("patterns", "every pattern must be a string")

    names = []
    for i, raw in enumerate(data.get("generator_name", [])):
        where = f"generator_name #{i + 1}"
        names.append(
            (_compile(_text(raw, "match", where), patterns, where), _text(raw, "name", where))
        )

    rules = tuple(
        _build_rule(raw, patterns, dst_canonical, i) for i, raw in enumerate(data.get("rule", []))
    )
    if not rules:
        raise _fail("top", "no rules")
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise _fail(f"rule {rule.id}", "duplicate id")
        seen.add(rule.id)
    return Catalog(version.strip(), rules, dst_canonical, tuple(names))


def rules_table(catalog: Catalog | None = None) -> list[dict[str, str]]:
    """The catalog as rows for `provscan rules` (catalog order)."""
    catalog = catalog or load_catalog()
    return [
        {
            "id": r.id,
            "source": r.source,
            "field": " | ".join(r.fields),
            "match": r.match_text + (" (fallback)" if r.fallback else ""),
            "meaning": r.meaning,
            "strength": r.strength,
            "generator": r.generator
            or (f"from {', '.join(r.generator_from)}" if r.generator_from else ""),
            "description": r.description,
            "reference": r.reference,
        }
        for r in catalog.rules
    ]


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalog, parsed and compiled once per process."""
    text = resources.files("scanner.rules").joinpath("catalog.toml").read_text(encoding="utf-8")
    return parse_catalog(text)


CATALOG_VERSION = load_catalog().version
