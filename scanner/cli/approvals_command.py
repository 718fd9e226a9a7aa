"""`provscan approvals`: work with the approvals register on its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from scanner.cli.app import cli, parse_date, usage_errors


@cli.group()
def approvals() -> None:
    """Work with the approvals register."""


@approvals.command("check")
@click.argument("register_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--delivery",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also check the register's paths against this delivery's files: warn about paths "
    "that match nothing or start with the delivery folder's own name.",
)
@click.option(
    "--as-of",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Date for the expiry warnings (default: today), as for a scan.",
)
def approvals_check(register_file: Path, delivery: Path | None, as_of: date | None) -> None:
    """Validate REGISTER_FILE and print what it covers (exit 2 when it is malformed).

    \b
    Examples:
      provscan approvals check register.csv
      provscan approvals check register.xlsx --delivery /deliveries/ep101
    """
    from scanner.approvals import describe_register, load_register
    from scanner.approvals.path_check import delivery_warnings

    with usage_errors():
        register = load_register(register_file)
    click.echo(describe_register(register, as_of=as_of), nl=False)
    if delivery is None:
        return
    warnings = delivery_warnings(register.approvals, delivery)
    click.echo(f"\npaths against the delivery {click.format_filename(delivery)}:")
    if not warnings:
        click.echo("  every path matches an asset")
    for warning in warnings:
        click.echo(f"  {warning.message}")
