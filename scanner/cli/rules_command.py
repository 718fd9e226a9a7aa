"""`provscan rules`: the rule catalog."""

from __future__ import annotations

import json

import click

from scanner.cli.app import cli


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(fmt: str) -> None:
    """List the rule catalog: stable ids, what each matches and what it means."""
    from scanner.rules.catalog import CATALOG_VERSION, rules_table

    table = rules_table()
    if fmt == "json":
        click.echo(json.dumps({"catalog_version": CATALOG_VERSION, "rules": table}, indent=2))
        return
    click.echo(f"rule catalog {CATALOG_VERSION}: {len(table)} rules")
    for rule in table:
        click.echo(
            f"{rule['id']:<28} {rule['meaning']:<13} {rule['strength']:<10} "
            f"{rule['source']:<10} {rule['description']}"
        )
