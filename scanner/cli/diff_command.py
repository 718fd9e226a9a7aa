"""`provscan diff`: what changed between two stored scans; exit 1 when new violations appeared."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from scanner.cli.app import cli, usage_errors
from scanner.errors import ConfigError, ReportInputError

# What a diff never reads of an asset: the big parts of a stored scan (a 2,000-still scan is
# megabytes of thumbnails), dropped while the JSON is parsed so two scans fit in memory.
_UNREAD_KEYS = frozenset({"thumbnail", "fingerprints", "evidence", "c2pa", "signals"})

DIFF_EXIT_HELP = """\b
Exit codes:
  0  no new violation
  1  new violations appeared in NEW_JSON
  2  bad input (a file that is not a provscan scan) or usage error"""


@cli.command(epilog=DIFF_EXIT_HELP)
@click.argument("old_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "html")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def diff(old_json: Path, new_json: Path, fmt: str, output: Path | None) -> None:
    """What changed between two scans (OLD_JSON, NEW_JSON) of a delivery.

    Assets added, removed, moved (same content at a new path), changed content (same path, new
    sha256), status changes, and new violations: assets that are violations in NEW_JSON but
    were not in OLD_JSON, or are now violations for a new reason. Differences in the register,
    policy, policy date or rule catalog between the scans are noted.

    \b
    Examples:
      provscan diff monday/provscan.json tuesday/provscan.json
      provscan diff old.json new.json --format html -o review/diff.html
    """
    from scanner.report.diff import diff_documents
    from scanner.report.diff_render import render_diff

    with usage_errors():
        result = diff_documents(_load(old_json), _load(new_json))
        text = render_diff(result, fmt)
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            _refuse_inside_deliveries(output, result.old.delivery, result.new.delivery)
            _write_file(output, text)
    sys.exit(result.exit_code)


def _drop_unread(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if key not in _UNREAD_KEYS}


def _load(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle, object_pairs_hook=_drop_unread)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportInputError(f"{path}: not JSON: {exc}") from exc
    except RecursionError as exc:
        raise ReportInputError(f"{path}: nested too deep to be a provscan scan") from exc
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read it: {exc.strerror or exc}") from exc


def _refuse_inside_deliveries(output: Path, *deliveries: str) -> None:
    """Never write inside a delivery a scan names (when that folder is here to check)."""
    from scanner.common.paths import is_within

    for delivery in deliveries:
        if delivery and Path(delivery).is_dir() and is_within(output, Path(delivery)):
            raise ConfigError(f"{output} is inside the delivery {delivery}: provscan never "
                              "writes there")  # fmt: skip


def _write_file(output: Path, text: str) -> None:
    """The whole file or nothing: written beside it under a private name, then renamed."""
    folder = output.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
