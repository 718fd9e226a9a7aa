"""The delivery policy: which parts of a delivery are final, temporary or archival.

The policy is the gatekeeper's word, so by default none is read from inside the delivery. In
order: `--policy FILE` (refused inside the delivery), else the user's config
(`~/.config/provscan/policy.toml`), else the site's (`/etc/xdg/provscan/policy.toml`), else the
built-in default (everything is final). The delivery's own `provscan.toml` counts only when
asked for (`from_delivery=True`, the CLI's `--policy-from-delivery`), and the report says so
(`Policy.origin`). The file holds paths to leave out, the areas, and may name timelines and
the gate's choices:

    exclude = ["**/*.tmp", "proxies/"]   # listed as skipped, with the glob (before any table)
    timelines = ["ep101_lock.edl", { path = "ep101_reel2.edl", rate = 25 }]  # beside the file
    [areas]
    final = ["final/**"]                 # default ["**"]; "cut" (alone or in the list): what
                                         # the timelines and IMF compositions use is final
    temporary = ["temp/**", "**/previs/**"]
    archival = ["archival/**"]

    [gate]
    not_inspected = "review"             # default "error" (reasons.ADJUSTABLE)
    waivable = ["unapproved-ai"]         # violations a waiver may pass; default none

How a path gets its area: `scanner.policy.areas`; the cut: `scanner.policy.cut_rules`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from scanner.common import pathglob
from scanner.common.config_files import read_config_file
from scanner.common.paths import is_within
from scanner.common.suggest import did_you_mean
from scanner.errors import ConfigError
from scanner.policy.areas import AREAS, DEFAULT_POLICY, Policy
from scanner.policy.reasons import ADJUSTABLE, REASONS
from scanner.timeline.model import TimelineSource
from scanner.timeline.timecode import TimecodeError, parse_rate

POLICY_FILE_NAME = "provscan.toml"  # at the delivery root, read only with from_delivery=True
CONFIG_FILE_NAME = "policy.toml"  # in the user's or the site's provscan config folder
MAX_POLICY_BYTES = 1024 * 1024
MAX_PATTERNS = 10_000
MAX_TIMELINES = 100
CUT = "cut"  # in `final`: the cut is the final deliverable

# Where a policy came from (the report's "policy_origin"), most explicit first.
ORIGINS = ("option", "user-config", "site-config", "delivery", "default")
BUILT_IN = dataclasses.replace(DEFAULT_POLICY, origin="default")


def user_config_policy() -> Path:
    """The user's policy file, e.g. ~/.config/provscan/policy.toml (it may not exist)."""
    from platformdirs import user_config_path

    return user_config_path("provscan", appauthor=False) / CONFIG_FILE_NAME


def site_config_policy() -> Path:
    """The site's policy file, e.g. /etc/xdg/provscan/policy.toml (it may not exist)."""
    from platformdirs import site_config_path

    return site_config_path("provscan", appauthor=False) / CONFIG_FILE_NAME


def load_policy(
    delivery_root: Path, policy_path: Path | None = None, *, from_delivery: bool = False
) -> Policy:
    """The policy for a scan of `delivery_root`, in the order of the module docstring.

    `policy_path` must exist and lie outside the delivery. With `from_delivery`, the
    delivery's own provscan.toml is used when it has one (else the order goes on). Only reads:
    the delivery is never written. ConfigError for a bad, missing or misplaced file.
    """
    delivery_root = Path(delivery_root)
    if policy_path is not None:
        if from_delivery:
            raise ConfigError("give either --policy FILE or --policy-from-delivery, not both")
        return _load_outside(Path(policy_path), delivery_root, "option")
    if from_delivery:
        candidate = delivery_root / POLICY_FILE_NAME
        if candidate.exists() or candidate.is_symlink():
            policy = _load_file(candidate, "delivery")
            if policy.waivable:
                raise ConfigError(
                    f"{candidate}: the delivery's own policy may not make violations waivable "
                    "([gate] waivable): only the gatekeeper's policy can"
                )
            if policy.exclude:
                raise ConfigError(
                    f"{candidate}: the delivery's own policy may not leave paths out of the scan "
                    "(exclude): only the gatekeeper's policy or --exclude can"
                )
            return policy
    config_files = (("user-config", user_config_policy()), ("site-config", site_config_policy()))
    for origin, path in config_files:
        if path.exists() or path.is_symlink():
            return _load_outside(path, delivery_root, origin)
    return BUILT_IN


def load_policy_file(path: Path) -> Policy:
    """One policy file on its own (for checks outside a scan); ConfigError when it is bad."""
    return _load_file(Path(path), "option")


def _load_outside(path: Path, delivery_root: Path, origin: str) -> Policy:
    """A gatekeeper's policy file: refused when it lies in the delivery (links resolved)."""
    if is_within(path, delivery_root):
        raise ConfigError(
            f"{path}: the policy file is inside the delivery; the delivery cannot set its own "
            "policy (move the file out, or use --policy-from-delivery to honour the delivery's "
            f"{POLICY_FILE_NAME} on purpose)"
        )
    return _load_file(path, origin)


def _load_file(path: Path, origin: str) -> Policy:
    data = read_config_file(path, what="policy file", max_bytes=MAX_POLICY_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    policy = parse_policy(text, str(path), base=Path(path).parent)
    if origin == "delivery":  # the vendor's policy names the vendor's timelines
        timelines = tuple(dataclasses.replace(t, origin="delivery") for t in policy.timelines)
        policy = dataclasses.replace(policy, timelines=timelines)
    return dataclasses.replace(policy, origin=origin)


def parse_policy(text: str, source: str, base: Path | None = None) -> Policy:
    """TOML text -> Policy; ConfigError naming the file and the key at fault. `base`: the
    folder relative timeline paths start from (the policy file's)."""
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    for key in tree:
        if key not in ("areas", "gate", "timelines", "exclude"):
            raise ConfigError(
                f"{source}: unknown key '{key}' (the policy file has exclude, timelines, [areas] "
                "and [gate])"
            )
    areas = tree.get("areas", {})
    if not isinstance(areas, dict):
        raise ConfigError(f"{source}: 'areas' must be a table: [areas]")
    final_cut = areas.get("final") == CUT or (
        isinstance(areas.get("final"), list) and CUT in areas["final"]
    )
    if final_cut:
        final = areas["final"]
        areas = {
            **areas,
            "final": [p for p in final if p != CUT] if isinstance(final, list) else [],
        }
    lists: dict[str, tuple[str, ...]] = {}
    for key, value in areas.items():
        if key not in AREAS:
            raise ConfigError(f"{source}: unknown key 'areas.{key}' (expected {', '.join(AREAS)})")
        lists[key] = _patterns(source, key, value)
    _check_overlap(source, lists)
    gate = tree.get("gate", {})
    if not isinstance(gate, dict):
        raise ConfigError(f"{source}: 'gate' must be a table: [gate]")
    return Policy(
        source=source,
        final=lists.get("final", DEFAULT_POLICY.final),
        temporary=lists.get("temporary", ()),
        archival=lists.get("archival", ()),
        statuses=_gate(source, {k: v for k, v in gate.items() if k != "waivable"}),
        waivable=_waivable(source, gate.get("waivable", [])),
        final_cut=final_cut,
        timelines=_timelines(source, tree.get("timelines", []), base),
        exclude=_patterns(source, "exclude", tree.get("exclude", [])),
    )


def _timelines(source: str, value: Any, base: Path | None) -> tuple[TimelineSource, ...]:
    """`timelines = ["cut.edl", { path = "reel2.edl", rate = 25 }]`: paths beside the policy
    file unless absolute; `rate` for an EDL (which has none of its own)."""
    if not isinstance(value, list):
        raise ConfigError(f"{source}: 'timelines' must be a list of paths or {{ path, rate }}")
    if len(value) > MAX_TIMELINES:
        raise ConfigError(f"{source}: 'timelines' holds more than {MAX_TIMELINES} entries")
    found = []
    for number, entry in enumerate(value, 1):
        where = f"{source}: 'timelines' entry {number}"
        table = {"path": entry} if isinstance(entry, str) else entry
        if not isinstance(table, dict) or not isinstance(table.get("path"), str):
            raise ConfigError(f"{where} must be a path, or a table with a path")
        unknown = set(table) - {"path", "rate"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (path, rate)")
        rate = None
        if "rate" in table:
            try:
                rate = parse_rate(table["rate"])
            except TimecodeError as exc:
                raise ConfigError(f"{where}: {exc}") from exc
        path = Path(table["path"])
        if not path.is_absolute() and base is not None:
            path = base / path
        found.append(TimelineSource(str(path), rate, "policy" if rate else "", "policy"))
    return tuple(found)


def _waivable(source: str, value: Any) -> tuple[str, ...]:
    """[gate] `waivable = ["unapproved-ai"]`: violation codes a reviewer's waiver may pass."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: 'gate.waivable' must be a list of violation reason codes")
    violations = [code for code, (status, _) in REASONS.items() if status == "violation"]
    for code in value:
        if code not in REASONS:
            raise ConfigError(
                f"{source}: 'gate.waivable': unknown reason code {code!r}"
                f"{did_you_mean(code, violations)} (violation codes: {', '.join(violations)})"
            )
        if code not in violations:
            raise ConfigError(
                f"{source}: 'gate.waivable': {code!r} is not a violation; review and error "
                "reasons are always waivable, so only violations are listed here"
            )
    return tuple(dict.fromkeys(value))


def _gate(source: str, gate: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """[gate] `not_inspected = "review"`: the statuses the gatekeeper may set (reasons.ADJUSTABLE);
    never one that passes as clean."""
    statuses = []
    for key, value in gate.items():
        code = key.replace("_", "-")
        if code not in ADJUSTABLE:
            known = [c.replace("-", "_") for c in ADJUSTABLE] + ["waivable"]
            raise ConfigError(
                f"{source}: unknown key 'gate.{key}'{did_you_mean(key, known)} "
                f"(expected {', '.join(known)})"
            )
        if value not in ADJUSTABLE[code]:
            choices = " or ".join(f'"{s}"' for s in ADJUSTABLE[code])
            raise ConfigError(f"{source}: 'gate.{key}' must be {choices}, not {value!r}")
        statuses.append((code, value))
    return tuple(statuses)


def _patterns(source: str, key: str, value: Any) -> tuple[str, ...]:
    name = key if key == "exclude" else f"areas.{key}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: '{name}' must be a list of glob strings")
    if len(value) > MAX_PATTERNS:
        raise ConfigError(f"{source}: '{name}' holds more than {MAX_PATTERNS} patterns")
    patterns = []
    for raw in value:
        pattern = pathglob.clean(raw)
        problem = pathglob.problem_with(pattern)
        if problem:
            raise ConfigError(f"{source}: '{name}' pattern {raw!r}: {problem}")
        patterns.append(pattern)
    return tuple(patterns)


def _check_overlap(source: str, lists: dict[str, tuple[str, ...]]) -> None:
    seen: dict[str, str] = {}
    for area in AREAS:
        for pattern in lists.get(area, ()):
            if pattern in seen and seen[pattern] != area:
                raise ConfigError(
                    f"{source}: pattern {pattern!r} is in both 'areas.{seen[pattern]}' and "
                    f"'areas.{area}'"
                )
            seen[pattern] = area
