"""The delivery policy: which parts of a delivery are final, temporary or archival.

Read from `--policy FILE`, else from `provscan.toml` at the delivery root, else the default
(everything is final). The file holds one table:

    [areas]
    final = ["final/**"]                 # default ["**"]
    temporary = ["temp/**", "**/previs/**"]
    archival = ["archival/**"]

How a path gets its area: `scanner.policy.areas`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scanner.common import pathglob
from scanner.errors import ConfigError
from scanner.policy.areas import AREAS, DEFAULT_POLICY, Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

POLICY_FILE_NAME = "provscan.toml"
MAX_POLICY_BYTES = 1024 * 1024
MAX_PATTERNS = 10_000


def load_policy(delivery_root: Path, policy_path: Path | None = None) -> Policy:
    """`policy_path` if given (it must exist), else DELIVERY/provscan.toml if present, else default.

    Only reads: the delivery is never written.
    """
    if policy_path is not None:
        return _load_file(Path(policy_path))
    candidate = Path(delivery_root) / POLICY_FILE_NAME
    if candidate.exists() or candidate.is_symlink():
        return _load_file(candidate)
    return DEFAULT_POLICY


def _load_file(path: Path) -> Policy:
    source = str(path)
    if not path.is_file():  # missing, a folder, a FIFO, a dangling link: never open those
        raise ConfigError(f"{source}: policy file not found (or not a regular file)")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the policy file: {exc.strerror}") from exc
    if len(data) > MAX_POLICY_BYTES:
        raise ConfigError(f"{source}: policy file larger than {MAX_POLICY_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    return parse_policy(text, source)


def parse_policy(text: str, source: str) -> Policy:
    """TOML text -> Policy; ConfigError naming the file and the key at fault."""
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    for key in tree:
        if key != "areas":
            raise ConfigError(f"{source}: unknown key '{key}' (the policy file has [areas] only)")
    areas = tree.get("areas", {})
    if not isinstance(areas, dict):
        raise ConfigError(f"{source}: 'areas' must be a table: [areas]")
    lists: dict[str, tuple[str, ...]] = {}
    for key, value in areas.items():
        if key not in AREAS:
            raise ConfigError(f"{source}: unknown key 'areas.{key}' (expected {', '.join(AREAS)})")
        lists[key] = _patterns(source, key, value)
    _check_overlap(source, lists)
    return Policy(
        source=source,
        final=lists.get("final", DEFAULT_POLICY.final),
        temporary=lists.get("temporary", ()),
        archival=lists.get("archival", ()),
    )


def _patterns(source: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: 'areas.{key}' must be a list of glob strings")
    if len(value) > MAX_PATTERNS:
        raise ConfigError(f"{source}: 'areas.{key}' holds more than {MAX_PATTERNS} patterns")
    patterns = []
    for raw in value:
        pattern = pathglob.clean(raw)
        problem = pathglob.problem_with(pattern)
        if problem:
            raise ConfigError(f"{source}: 'areas.{key}' pattern {raw!r}: {problem}")
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
