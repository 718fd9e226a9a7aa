"""The options of `provscan scan`, in groups: what to scan, whose rules, what to compare with,
how to run, what to report. Each group is one decorator, so a new option lands in its group."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.cli.app import parse_date
from scanner.report import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


delivery_options = _stack(
    click.argument("delivery", type=click.Path(exists=True, path_type=Path)),
    click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="With DELIVERY a file: the delivery folder it belongs to (default: the file's "
        "folder). The file's path in the reports, the policy's areas and the register's path "
        "globs are relative to it, as in a scan of the whole folder.",
    ),
    click.option(
        "--follow-links", is_flag=True, help="Follow symlinks (never outside the delivery)."
    ),
    click.option(
        "--exclude",
        "exclude",
        multiple=True,
        metavar="GLOB",
        help="Leave out paths matching GLOB (relative to the delivery; 'dir/' for a folder); "
        "repeatable. Listed as skipped.",
    ),
    click.option(
        "--no-sequences",
        is_flag=True,
        help="List a sequence's frames one by one instead of as one asset.",
    ),
)

rules_options = _stack(
    click.option(
        "--approvals",
        "approvals_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Approvals register (CSV, Excel .xlsx, YAML or JSON).",
    ),
    click.option(
        "--policy",
        "policy_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Delivery policy file, outside the delivery (default: the user's "
        "~/.config/provscan/policy.toml, else the site's /etc/xdg/provscan/policy.toml, else "
        "everything is final).",
    ),
    click.option(
        "--policy-from-delivery",
        is_flag=True,
        help="Honour provscan.toml at the delivery root: the vendor's own policy (the reports "
        "say so). Without it no policy is read from inside the delivery.",
    ),
    click.option(
        "--as-of",
        callback=parse_date,
        metavar="YYYY-MM-DD",
        help="Judge approvals on this date (default: today).",
    ),
    click.option(
        "--strict", is_flag=True, help="Assets needing review fail the gate too (exit 1)."
    ),
)

review_options = _stack(
    click.option(
        "--waivers",
        "waivers_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Reviewers' waivers (YAML, JSON or CSV), outside the delivery: a waived review or "
        "error finding is 'waived' and passes.",
    ),
)

reference_options = _stack(
    click.option(
        "--trust-anchors",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="PEM trust anchors: C2PA signers chaining to them count as 'trusted'.",
    ),
    click.option(
        "--trust-list",
        "trust_lists",
        multiple=True,
        metavar="official|none|FILE",
        help="C2PA trust lists signers are checked against; repeat for several (default: "
        "official, the C2PA conformance list shipped with provscan; none: not that list; "
        "FILE: a PEM bundle or a C2PA JSON trust list). See `provscan trust`.",
    ),
    click.option(
        "--known-ai",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Folder of the production's generated/temp material, matched by fingerprint.",
    ),
    click.option(
        "--archive-source",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Folder of original archival scans the archival area must match.",
    ),
)


def _parse_rate(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    from scanner.timeline.timecode import TimecodeError, parse_rate

    try:
        return parse_rate(value)
    except TimecodeError as exc:
        raise click.BadParameter(str(exc)) from exc


timeline_options = _stack(
    click.option(
        "--timeline",
        "timeline_files",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="The cut: an editorial timeline (CMX3600 EDL, FCP7 XML, FCPXML, AAF, OTIO), "
        "outside the delivery; repeat for several. Its clips are found among the assets and "
        'reported with their timecodes; with final = "cut" in the policy, what they use is '
        "final. IMF compositions in the delivery are read without it.",
    ),
    click.option(
        "--timeline-rate",
        callback=_parse_rate,
        metavar="FPS",
        help="Frame rate of the EDLs (an EDL holds none): 24, 25, 29.97, 30000/1001, ...",
    ),
)

engine_options = _stack(
    click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes (default: all cores).",
    ),
    click.option(
        "--cache",
        "cache_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Incremental cache file (default: in the user's cache folder).",
    ),
    click.option("--no-cache", is_flag=True, help="Read every file again; use no cache."),
    click.option("--no-fingerprints", is_flag=True, help="Skip perceptual hashes and thumbnails."),
    click.option(
        "--time-bound",
        type=click.FloatRange(min=1),
        default=None,
        metavar="SECONDS",
        help="Per-asset analysis time bound, flat (default: 120 s + 60 s per GiB of file).",
    ),
    click.option(
        "--memory-bound",
        type=click.IntRange(min=256),
        default=None,
        metavar="MIB",
        help="Per-asset analysis memory bound in MiB (default 1024).",
    ),
    click.option(
        "--cluster",
        metavar="tcp://HOST:PORT",
        help="Analyse on this Dask scheduler's workers (needs: pip install "
        "'provscan[cluster]'; default: PROVSCAN_CLUSTER, else `cluster` in the user's "
        "~/.config/provscan/config.toml). See docs/cluster.md.",
    ),
    click.option(
        "--no-cluster", is_flag=True, help="Analyse on this machine whatever the config says."
    ),
    click.option(
        "--path-map",
        "path_maps",
        multiple=True,
        metavar="FROM=TO",
        help="The cluster's workers see this machine's folder FROM at TO "
        "(CLIENT_PREFIX=WORKER_PREFIX); repeat for several.",
    ),
)

report_options = _stack(
    click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(FORMATS),
        help="Report format; repeat for several (default: json).",
    ),
    click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for provscan.{json,csv,html}. Without it one format goes to stdout.",
    ),
    click.option(
        "-q", "--quiet", is_flag=True, help="Print nothing but errors (no summary, no progress)."
    ),
)
