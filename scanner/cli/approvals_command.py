"""`provscan approvals`: work with the approvals register on its own."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.cli.app import cli, usage_errors


@cli.group()
def approvals() -> None:
    """Work with the approvals register."""


@approvals.command("check")
@click.argument("register_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def approvals_check(register_file: Path) -> None:
    """Validate REGISTER_FILE and print what it covers (exit 2 when it is malformed).

    \b
    Example:
      provscan approvals check register.csv
    """
    from scanner.approvals import describe_register, load_register

    with usage_errors():
        register = load_register(register_file)
    click.echo(describe_register(register))
