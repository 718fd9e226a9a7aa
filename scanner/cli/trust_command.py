"""`provscan trust`: the C2PA trust lists a scan checks signers against, with their anchors."""

from __future__ import annotations

import json
from datetime import date

import click

from scanner.cli.app import cli, usage_errors


@cli.command()
@click.option(
    "--trust-list",
    "trust_lists",
    multiple=True,
    metavar="official|none|FILE",
    help="Lists to show, as `provscan scan` takes them (default: official).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def trust(trust_lists: tuple[str, ...], fmt: str) -> None:
    """Show the C2PA trust lists: the snapshot's date, source and every anchor.

    \b
    Examples:
      provscan trust
      provscan trust --trust-list studio-anchors.pem --format json
    """
    from scanner.common.safetext import terminal_safe
    from scanner.extract.c2pa_trust import STALE_AFTER_DAYS, is_stale, load_trust_lists

    with usage_errors():
        lists = load_trust_lists(trust_lists)
    today = date.today()
    if fmt == "json":
        plain = [
            {
                "name": t.name,
                "source": t.source,
                "issued": t.issued,
                "next_update": t.next_update,
                "stale": is_stale(t, today),
                "anchors": [{"name": a.name, "sha256": a.fingerprint} for a in t.anchors],
            }
            for t in lists
        ]
        click.echo(json.dumps({"trust_lists": plain}, indent=2))
        return
    if not lists:
        click.echo("no trust list: C2PA signers are checked only against --trust-anchors")
    for t in lists:
        issued = f"issued {t.issued}" if t.issued else "issue date not given"
        upcoming = f", next update {t.next_update}" if t.next_update else ""
        click.echo(f"{terminal_safe(t.name)}: {terminal_safe(t.source)}")
        click.echo(f"  {issued}{upcoming}; {len(t.anchors)} anchors")
        if is_stale(t, today):
            click.echo(f"  WARNING: issued over {STALE_AFTER_DAYS} days ago: update it")
        for anchor in t.anchors:
            click.echo(f"  {anchor.fingerprint[:16]}  {terminal_safe(anchor.name)}")
