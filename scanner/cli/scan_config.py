"""The scan's configuration from `provscan scan`'s options: register, policy, libraries,
bounds, cache; everything checked before anything is scanned (a bad one is exit 2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.errors import ConfigError

if TYPE_CHECKING:
    from scanner.approvals import Register
    from scanner.engine.bounds import Limits
    from scanner.fingerprint.library import Library
    from scanner.policy.areas import Policy
    from scanner.scan import ScanConfig


@dataclass(frozen=True)
class Rules:
    """What is read and checked first, before anything is written: the register, the policy
    and where the cache will be."""

    register: Register | None
    policy: Policy
    cache_file: Path | None


def load_rules(delivery: Path, options: dict[str, Any]) -> Rules:
    from scanner.approvals import load_register
    from scanner.engine.cache import default_cache_path
    from scanner.policy.load import load_policy

    approvals_file: Path | None = options["approvals_file"]
    register = load_register(approvals_file) if approvals_file else None
    policy = load_policy(
        delivery, options["policy_file"], from_delivery=options["policy_from_delivery"]
    )
    cache_path: Path | None = options["cache_path"]
    cache_file = None if options["no_cache"] else (cache_path or default_cache_path())
    if cache_file is not None:
        _refuse_cache_inside(delivery, cache_file, given=cache_path is not None)
    return Rules(register, policy, cache_file)


def build_config(rules: Rules, options: dict[str, Any]) -> ScanConfig:
    """The rest: reference libraries fingerprinted (may take minutes), bounds, trust anchors."""
    from scanner.engine.libraries import load_references
    from scanner.scan import ScanConfig

    register = rules.register
    workers: int = options["jobs"] or os.cpu_count() or 1
    limits = _limits(options["time_bound"], options["memory_bound"])
    references = None
    if register is not None and any(a.reference for a in register.approvals):
        # a bad reference image is a register error: exit 2 before anything is scanned
        references = load_references(register, jobs=workers, limits=limits)
    libraries = {
        name: _load_library(folder, name, workers, limits, options["quiet"])
        for name, folder in (
            ("--known-ai", options["known_ai"]),
            ("--archive-source", options["archive_source"]),
        )
        if folder is not None
    }
    trust_anchors: Path | None = options["trust_anchors"]
    return ScanConfig(
        policy=rules.policy,
        as_of=options["as_of"] or date.today(),
        register=register,
        trust_anchors_pem=_read_pem(trust_anchors) if trust_anchors else "",
        follow_links=options["follow_links"],
        fingerprints=not options["no_fingerprints"],
        known_ai=libraries.get("--known-ai"),
        archive_source=libraries.get("--archive-source"),
        references=references,
        jobs=workers,
        cache_path=rules.cache_file,
        limits=limits,
        sequences=not options["no_sequences"],
        exclude=_exclude_globs(options["exclude"]),
    )


def _exclude_globs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """--exclude globs, cleaned (`dir/` is `dir/**`); a bad one is a usage error (exit 2)."""
    from scanner.common import pathglob

    cleaned = []
    for raw in patterns:
        pattern = pathglob.clean(raw)
        problem = pathglob.problem_with(pattern)
        if problem:
            raise ConfigError(f"--exclude {raw!r}: {problem}")
        cleaned.append(pattern)
    return tuple(cleaned)


def _limits(time_bound: float | None, memory_bound: int | None) -> Limits | None:
    from scanner.engine.bounds import Limits

    if time_bound is None and memory_bound is None:
        return None
    default = Limits()
    return Limits(
        time_s=time_bound if time_bound is not None else default.time_s,
        time_per_gib_s=0.0 if time_bound is not None else default.time_per_gib_s,
        memory_bytes=memory_bound * 1024 * 1024 if memory_bound else default.memory_bytes,
    )


def _load_library(
    folder: Path, option: str, jobs: int, limits: Limits | None, quiet: bool
) -> Library:
    from scanner.common.safetext import terminal_safe
    from scanner.engine.libraries import build_library

    library = build_library(folder, jobs=jobs, limits=limits)
    if not quiet:
        click.echo(
            f"{option} {terminal_safe(str(folder))}: {library.files} media files, "
            f"{len(library.items)} fingerprints",
            err=True,
        )
        for path, problem in library.problems:
            click.echo(
                f"  {option} {terminal_safe(path)}: {terminal_safe(problem.message)}", err=True
            )
    return library


def _refuse_cache_inside(delivery: Path, cache_file: Path, *, given: bool) -> None:
    from scanner.common.paths import is_within

    if not is_within(cache_file, delivery):
        return
    where = "" if given else " (the default, from XDG_CACHE_HOME or the user's cache folder)"
    raise ConfigError(
        f"cache file {cache_file}{where} is inside the delivery: provscan never writes there; "
        "give --cache PATH outside it, or --no-cache"
    )


def _read_pem(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ConfigError(f"{path}: no PEM certificate found")
    return text
