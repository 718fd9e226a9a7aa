"""Cap the disk's read rate for this process and its children (a block-I/O cgroup; root only).

    with read_limit(folder, 1_000_000_000):   # 1 GB/s, the device `folder` is on
        ...                                   # every process started here reads at most that

The studio benchmark's floor (openssl over every frame) is bound by the disk on slow storage
and by the CPU on fast storage; this lets it be measured at the read rates deliveries arrive on
(a shuttle drive, a 10 GbE NAS) on a machine whose own disk is faster. cgroup v2 (`io.max
rbps=`) where the io controller is on, else cgroup v1 (`blkio.throttle.read_bps_device`).
Buffered reads and the kernel's read-ahead for them count against the cap; the page cache
does not (drop it first).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
NAME = "provscan-bench-read-limit"


class ReadLimitError(RuntimeError):
    pass


def whole_disk(path: Path) -> str:
    """MAJ:MIN of the disk the file system holding `path` is on (a partition's parent disk:
    the throttle applies to the disk the reads are sent to)."""
    device = os.stat(path).st_dev
    number = f"{os.major(device)}:{os.minor(device)}"
    sysfs = Path("/sys/dev/block", number)
    if not sysfs.exists():
        raise ReadLimitError(f"{path} is not on a block device ({number}): cannot cap its reads")
    if (sysfs / "partition").exists():
        number = (sysfs.resolve().parent / "dev").read_text(encoding="ascii").strip()
    return number


def _v2_group() -> tuple[Path, str] | None:
    for unified in (CGROUP_ROOT, CGROUP_ROOT / "unified"):  # unified, or hybrid hierarchy
        controls = unified / "cgroup.subtree_control"
        if controls.exists() and "io" in controls.read_text(encoding="ascii").split():
            return unified / NAME, "io.max"
    return None


def _v1_group() -> tuple[Path, str] | None:
    blkio = CGROUP_ROOT / "blkio"
    if not (blkio / "blkio.throttle.read_bps_device").exists():
        return None
    return blkio / NAME, "blkio.throttle.read_bps_device"


@contextlib.contextmanager
def read_limit(path: Path, bytes_per_s: int) -> Iterator[str]:
    """Reads of the disk `path` is on capped at `bytes_per_s` for this process and the processes
    it starts, until the block ends. Yields a description of the cap."""
    disk = whole_disk(path)
    found = _v2_group() or _v1_group()
    if found is None:
        raise ReadLimitError("no cgroup block-I/O controller (v2 io, v1 blkio) to cap reads")
    group, control = found
    rule = f"{disk} rbps={bytes_per_s}" if control == "io.max" else f"{disk} {bytes_per_s}"
    try:
        group.mkdir(exist_ok=True)
        (group / control).write_text(rule + "\n", encoding="ascii")
        (group / "cgroup.procs").write_text(f"{os.getpid()}\n", encoding="ascii")
    except OSError as exc:
        raise ReadLimitError(f"cannot cap reads ({exc}): run as root") from exc
    try:
        yield f"reads of disk {disk} capped at {bytes_per_s / 1e6:,.0f} MB/s ({control})"
    finally:
        (group.parent / "cgroup.procs").write_text(f"{os.getpid()}\n", encoding="ascii")
        with contextlib.suppress(OSError):
            group.rmdir()
