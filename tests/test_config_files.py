"""read_config_file: the gatekeeper's files (policy, register) are read only where they are.

Real files, links, FIFOs and devices; the register through `provscan approvals check` in a
subprocess where blocking would be the failure.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fixtures.hostile import provscan_command
from scanner.approvals import load_register
from scanner.common.config_files import ConfigFileError, read_config_file
from scanner.errors import RegisterError

HEADER = "request_id,status,scope,paths,written_approval_ref\n"
REGISTER = HEADER + "GENAI-1,approved,final,final/**,WA-1\n"


def test_reads_a_regular_file_and_a_link_that_stays_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_bytes(b"abc")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.toml").write_bytes(b"def")
    (tmp_path / "link.toml").symlink_to("sub/b.toml")
    assert read_config_file(tmp_path / "a.toml", what="policy file", max_bytes=3) == b"abc"
    assert read_config_file(tmp_path / "link.toml", what="policy file", max_bytes=9) == b"def"


@pytest.mark.parametrize("target", ["../outside.toml", "/etc/hostname", "{abs}"])
def test_a_link_leaving_its_folder_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "outside.toml").write_bytes(b"x")
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "policy.toml").symlink_to(target.format(abs=tmp_path / "outside.toml"))
    with pytest.raises(ConfigFileError) as info:
        read_config_file(folder / "policy.toml", what="policy file", max_bytes=100)
    assert "outside its folder: refused" in info.value.reason


def test_a_link_chain_out_and_back_is_judged_on_the_real_file(tmp_path: Path) -> None:
    """conf/policy.toml -> ../hop.toml -> conf/real.toml: the real file is in the folder."""
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "real.toml").write_bytes(b"ok")
    (tmp_path / "hop.toml").symlink_to(folder / "real.toml")
    (folder / "policy.toml").symlink_to("../hop.toml")
    assert read_config_file(folder / "policy.toml", what="policy file", max_bytes=2) == b"ok"


def test_missing_folder_fifo_device_and_loop_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "loop.toml").symlink_to("loop.toml")
    cases = {
        "missing.toml": "does not exist",
        "pipe.toml": "is not a regular file",  # never opened: opening could block
        "dir.toml": "is not a regular file",
        "loop.toml": "cannot be resolved",
    }
    if Path("/dev/zero").exists():
        (tmp_path / "zero.toml").symlink_to("/dev/zero")  # leaves the folder, and is endless
        cases["zero.toml"] = "outside its folder"
    for name, reason in cases.items():
        with pytest.raises(ConfigFileError) as info:
            read_config_file(tmp_path / name, what="policy file", max_bytes=10)
        assert reason in info.value.reason, name
        assert str(info.value).startswith(f"{tmp_path / name}: policy file "), name


def test_the_size_cap(tmp_path: Path) -> None:
    (tmp_path / "big.toml").write_bytes(b"x" * 11)
    assert read_config_file(tmp_path / "big.toml", what="register", max_bytes=11) == b"x" * 11
    with pytest.raises(ConfigFileError, match="register is larger than 10 bytes"):
        read_config_file(tmp_path / "big.toml", what="register", max_bytes=10)


def test_a_register_linking_out_of_its_folder_is_a_register_error(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.csv").write_text(REGISTER)
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "register.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(RegisterError) as info:
        load_register(tmp_path / "prod" / "register.csv")
    assert info.value.message.startswith("the register is a symlink to ")
    assert info.value.file == str(tmp_path / "prod" / "register.csv")
    (tmp_path / "prod" / "real.csv").write_text(REGISTER)
    (tmp_path / "prod" / "current.csv").symlink_to("real.csv")
    assert [a.request_id for a in load_register(tmp_path / "prod" / "current.csv").approvals] == [
        "GENAI-1"
    ]


def test_a_register_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """Before, the register was opened as given: a FIFO with no writer blocked forever."""
    os.mkfifo(tmp_path / "register.csv")
    done = subprocess.run(
        [*provscan_command(), "approvals", "check", str(tmp_path / "register.csv")],
        capture_output=True,
        text=True,
        timeout=120,  # a safety net only: the fixed code answers at once
    )
    assert done.returncode == 2
    assert "the register is not a regular file" in done.stderr
