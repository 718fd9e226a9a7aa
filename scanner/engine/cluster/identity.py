"""What must match between the client and every worker: provscan, rule catalog, C2PA SDK.

A worker running another provscan, another catalog or another C2PA SDK would give another
verdict for the same bytes, and its results would be cached under this client's scope. So the
client compares before anything is scanned, and every batch checks again on the worker (a
worker can join, or be restarted with another install, mid-scan).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass

from scanner.errors import ConfigError

FIELDS = (("provscan", "provscan version"), ("catalog", "rule catalog"), ("c2pa", "C2PA SDK"))


@dataclass(frozen=True)
class Identity:
    provscan: str
    catalog: str
    c2pa: str

    def differences(self, other: Identity) -> list[str]:
        """'rule catalog 5+ab… here, 5+cd… there' for each field that differs."""
        return [
            f"{label} {getattr(self, name)} here, {getattr(other, name) or '(none)'} there"
            for name, label in FIELDS
            if getattr(self, name) != getattr(other, name)
        ]


def local_identity() -> Identity:
    """This process's provscan, catalog identity and C2PA SDK version."""
    import c2pa

    from scanner import __version__
    from scanner.engine.scopes import catalog_identity

    try:
        sdk = str(c2pa.sdk_version())
    except Exception:  # noqa: BLE001 - reported as "(none)", which differs from a real one
        sdk = ""
    return Identity(__version__, catalog_identity(), sdk)


@dataclass(frozen=True)
class WorkerReport:
    """What a worker says about itself before a scan."""

    identity: Identity
    daemonic: bool  # a daemonic process cannot start the analysis children
    sees_delivery: bool  # the delivery root (mapped) is a folder there


def report_for(delivery_root: str) -> WorkerReport:
    """Run on each worker (`Client.run`)."""
    return WorkerReport(
        local_identity(),
        bool(multiprocessing.current_process().daemon),
        bool(delivery_root) and os.path.isdir(delivery_root),
    )


def refuse_unfit(mine: Identity, reports: dict[str, WorkerReport], root: str) -> None:
    """ConfigError (exit 2) naming the first workers that cannot take part, and why."""
    problems = []
    for address, report in sorted(reports.items()):
        differences = mine.differences(report.identity)
        if differences:
            problems.append(f"{address}: {'; '.join(differences)}")
        elif report.daemonic:
            problems.append(
                f"{address}: runs as a daemonic process and cannot start provscan's bounded "
                "analysis processes: start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
            )
        elif root and not report.sees_delivery:
            problems.append(
                f"{address}: cannot see the delivery at {root} (mount it there, or give "
                "--path-map CLIENT_PREFIX=WORKER_PREFIX)"
            )
    if problems:
        shown = "\n  ".join(problems[:5])
        more = f"\n  … and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ConfigError(
            f"cluster workers unfit for this scan; nothing was scanned:\n  {shown}{more}"
        )
