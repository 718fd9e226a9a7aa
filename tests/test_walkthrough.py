"""The README's "first delivery check in five minutes", executed command by command.

The commands are read from the README (the fenced block after the `walkthrough` marker), not
copied here: when the README changes, this test runs what it now says. Each command runs in
bash, in a scratch folder where `fixtures` leads to the repository's fixtures, with the
project's `provscan` first on PATH; a trailing `# exit N` is the exit code it must give.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.policy.reasons import REASONS

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- walkthrough:"
EXIT = re.compile(r"#\s*exit (\d+)\s*$")


def walkthrough_commands(readme: str) -> list[tuple[str, int]]:
    """(command, expected exit code) for each command of the walk-through block: continued
    lines joined, a heredoc kept with its command, comments and blank lines left out."""
    block = readme.split(MARKER, 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0]
    commands: list[tuple[str, int]] = []
    lines = iter(block.splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = line
        while command.endswith("\\"):
            command = command[:-1] + next(lines).strip()
        if "<<'EOF'" in command:
            body = []
            for more in lines:
                body.append(more)
                if more == "EOF":
                    break
            command += "\n" + "\n".join(body)
        found = EXIT.search(command.splitlines()[0])
        expected = int(found[1]) if found else 0
        commands.append((command, expected))
    return commands


def test_the_block_is_read_as_the_commands_it_holds() -> None:
    commands = walkthrough_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    verbs = [c.split()[1] if c.startswith("provscan") else c.split()[0] for c, _ in commands]
    assert verbs == ["init", "cat", "approvals", "scan", "waivers", "cat", "waivers", "scan",
                     "diff"]  # fmt: skip
    assert [code for _, code in commands].count(1) == 2


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    if not (ROOT / "fixtures" / "delivery" / "final").is_dir():
        pytest.skip("the sample delivery has not been generated")
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the scan's cache: not the user's
    outputs = []
    for command, expected in walkthrough_commands((ROOT / "README.md").read_text(encoding="utf-8")):
        done = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert done.returncode == expected, (command, done.stdout[-2000:], done.stderr[-3000:])
        outputs.append(done)

    # what each step says it does, it did
    monday = json.loads((tmp_path / "monday" / "provscan.json").read_text(encoding="utf-8"))
    tuesday = json.loads((tmp_path / "tuesday" / "provscan.json").read_text(encoding="utf-8"))
    assert (tmp_path / "monday" / "provscan.html").is_file()
    assert "FAIL:" in outputs[3].stderr  # the first scan's summary line
    by_path = {a["path"]: a for a in tuesday["assets"]}
    assert by_path["final/stills/ai_still.jpg"]["status"] == "approved"
    still = "final/stills/ai_still_tampered.jpg"
    waived = by_path[still]
    assert waived["status"] == "waived" and waived["waivers"][0]["reason"] == "credentials-invalid"
    before = {a["path"]: a["status"] for a in monday["assets"]}
    assert before[still] == "review"
    assert still in outputs[-1].stdout  # the diff names it
    draft = (tmp_path / "gate" / "waivers-draft.yaml").read_text(encoding="utf-8")
    to_decide = [
        (a["path"], r["code"])
        for a in monday["assets"]
        for r in a["reasons"]
        if REASONS[r["code"]][0] in ("review", "error")
    ]
    assert draft.count("    reason: ") == len(to_decide) >= 3  # one entry each
