"""`provscan waivers`: check a waiver file, or draft one from a stored scan."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import click

from scanner.cli.app import cli, parse_date, usage_errors
from scanner.errors import ReportInputError


@cli.group()
def waivers() -> None:
    """Work with waivers: reviewers' decisions on review and error findings."""


@waivers.command("check")
@click.argument("waivers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The policy the scans use: violation waivers are checked against its [gate] "
    "waivable (without it, none is waivable).",
)
@click.option(
    "--as-of", callback=parse_date, metavar="YYYY-MM-DD", help="Date for expiry (default: today)."
)
def waivers_check(waivers_file: Path, policy_file: Path | None, as_of: date | None) -> None:
    """Validate WAIVERS_FILE and list its waivers (exit 2 when it is malformed).

    \b
    Example:
      provscan waivers check waivers.yaml --policy policy.toml
    """
    from scanner.common.safetext import terminal_safe
    from scanner.common.serialize import to_plain
    from scanner.policy.load import load_policy_file
    from scanner.policy.waiver_file import load_waivers
    from scanner.report.summary import describe_waiver

    as_of = as_of or date.today()
    with usage_errors():
        waivable = load_policy_file(policy_file).waivable if policy_file else ()
        loaded = load_waivers(waivers_file, waivable=waivable)
    count = len(loaded.waivers)
    click.echo(
        f"waivers {terminal_safe(loaded.file)} (version {loaded.version}): {count} "
        f"waiver{'' if count == 1 else 's'}, valid"
    )
    reasons = Counter(w.reason for w in loaded.waivers)
    by_reason = ", ".join(f"{code} {n}" for code, n in sorted(reasons.items()))
    click.echo(f"  by reason: {by_reason or 'none'}")
    click.echo("  violations waivable by the policy: " + (", ".join(waivable) or "none"))
    for waiver in loaded.waivers:
        click.echo(f"  {terminal_safe(describe_waiver(to_plain(waiver)))}")
    expired = [w for w in loaded.waivers if w.expires_on and w.expires_on < as_of]
    if expired:
        click.echo(f"\nwarnings (as of {as_of.isoformat()}):")
        for waiver in expired:
            click.echo(f"  row {waiver.row} expired on {waiver.expires_on}: it waives nothing")


@waivers.command("draft")
@click.argument("scan_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def waivers_draft(scan_json: Path) -> None:
    """Print a waiver file to fill in: one entry per review or error reason of SCAN_JSON.

    \b
    Example:
      provscan waivers draft review/provscan.json > waivers.yaml
    """
    from scanner.report.document import from_document, to_document
    from scanner.report.waiver_draft import draft_waivers

    with usage_errors():
        try:
            raw = json.loads(scan_json.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportInputError(f"{scan_json}: not JSON: {exc}") from exc
        doc = to_document(from_document(raw))  # checked as `provscan report` checks it
    click.echo(draft_waivers(doc), nl=False)
