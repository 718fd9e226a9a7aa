"""`provscan init`: a starter register, guide, policy and waiver file to edit; never overwrites."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import click

from scanner.cli.app import UsageFailure, cli

# Written in this order; the texts are package data (scanner/cli/starter/), checked by tests.
STARTER_FILES = ("register.csv", "register-guide.md", "policy.toml", "waivers.yaml")
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


@cli.command()
@click.argument(
    "folder", default=".", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--delivery",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The delivery these files will gate: FOLDER must lie outside it, and the next steps "
    "printed name it.",
)
def init(folder: Path, delivery: Path | None) -> None:
    """Write a starter register, policy and waiver file into FOLDER (default: here).

    register.csv (one example row, pending), register-guide.md (every column explained),
    policy.toml and waivers.yaml (commented). Nothing is overwritten: if any of them exists,
    none is written (exit 2). They are the gatekeeper's files, so FOLDER must lie outside the
    delivery (provscan refuses a policy or waiver file inside the delivery it scans).

    \b
    Example:
      provscan init gate/ --delivery /deliveries/ep101
    """
    from scanner.common.paths import is_within

    if delivery is not None and is_within(folder, delivery):
        raise UsageFailure(
            f"{folder} is inside the delivery {delivery}: the register, policy and waivers are "
            "the gatekeeper's files and live outside it; choose another folder"
        )
    present = [name for name in STARTER_FILES if os.path.lexists(folder / name)]
    if present:
        raise UsageFailure(
            f"not overwriting {', '.join(str(folder / n) for n in present)}: nothing was "
            "written; move them away or choose another folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name in STARTER_FILES:
            target = folder / name
            _create(target, resources.files("scanner.cli").joinpath("starter", name).read_bytes())
            written.append(target)
    except FileExistsError as exc:  # appeared since the check: leave it, take ours back
        for path in written:
            path.unlink(missing_ok=True)
        raise UsageFailure(f"not overwriting {exc.filename}: nothing was written") from exc
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(_next_steps(folder, delivery))


def _create(path: Path, data: bytes) -> None:
    fd = os.open(path, _CREATE, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _next_steps(folder: Path, delivery: Path | None) -> str:
    d = str(delivery) if delivery is not None else "DELIVERY"
    f = str(folder).rstrip("/") or "."
    return (
        "\nnext:\n"
        f"  1. edit {f}/register.csv (see {f}/register-guide.md) and {f}/policy.toml\n"
        f"  2. provscan approvals check {f}/register.csv --delivery {d}\n"
        f"  3. provscan scan {d} --approvals {f}/register.csv --policy {f}/policy.toml "
        "--format json --format html -o review/"
    )
