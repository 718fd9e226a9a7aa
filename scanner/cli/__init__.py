"""The `provscan` command: thin Click commands over the library; the only package importing click.

One module per command; `app` holds the group, the entry point and the error mapping.
"""

from scanner.cli import (
    approvals_command,
    diff_command,
    init_command,
    report_command,
    rules_command,
    scan_command,
    trust_command,
    waivers_command,
)
from scanner.cli.app import cli, main

__all__ = [
    "approvals_command",
    "cli",
    "diff_command",
    "init_command",
    "main",
    "report_command",
    "rules_command",
    "scan_command",
    "trust_command",
    "waivers_command",
]
