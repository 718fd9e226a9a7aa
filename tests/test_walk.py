"""walk(): order, symlink policy, special files, odd names, unreadable files, nothing written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import socket
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from scanner.discover.identify import SKIP_EMPTY, SKIP_NOT_MEDIA
from scanner.discover.media import MediaFile
from scanner.discover.names import display_name
from scanner.discover.walk import (
    SKIP_LINK_AGAIN,
    SKIP_LINK_LOOP,
    SKIP_LINK_OUTSIDE,
    SKIP_SPECIAL,
    SKIP_SYMLINK,
    walk,
)
from scanner.model import Skipped


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def summary(items: list[MediaFile | Skipped]) -> list[tuple[str, str]]:
    return [
        (i.rel, i.format) if isinstance(i, MediaFile) else (i.path, "skip: " + i.reason)
        for i in items
    ]


@pytest.fixture()
def alarm():
    """Fail instead of hanging forever if something opens a FIFO."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("walk blocked"))
    signal.alarm(20)
    yield
    signal.alarm(0)


def test_order_types_and_non_media(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "a-c.png").write_bytes(png_bytes())
    (tmp_path / "Z.dat").write_bytes(jpeg_bytes())  # the name says nothing; the bytes do
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "photo.jpg").write_text("<html>not really a photo</html>")
    (tmp_path / "empty.exr").write_bytes(b"")
    (tmp_path / ".gitkeep").write_bytes(b"")
    items = list(walk(tmp_path))
    assert summary(items) == [
        (".gitkeep", "skip: " + SKIP_EMPTY),
        ("Z.dat", "JPEG"),
        ("a-c.png", "PNG"),  # the order of the reported paths: "-" sorts before "/"
        ("a/b.jpg", "JPEG"),
        ("empty.exr", "UNKNOWN"),
        ("notes.txt", "skip: " + SKIP_NOT_MEDIA),
        ("photo.jpg", "UNKNOWN"),
    ]
    media = {i.rel: i for i in items if isinstance(i, MediaFile)}
    assert media["a/b.jpg"].path == tmp_path / "a" / "b.jpg"
    assert media["a/b.jpg"].size == len(jpeg_bytes())
    assert (media["a/b.jpg"].media_type, media["a/b.jpg"].kind) == ("image/jpeg", "image")
    assert (media["photo.jpg"].media_type, media["photo.jpg"].kind) == (
        "application/octet-stream",
        "other",
    )


def test_symlinks_skipped_by_default_and_followed_only_inside(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    (root / "real").mkdir(parents=True)
    (root / "real" / "x.jpg").write_bytes(jpeg_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(jpeg_bytes())
    (root / "link_file.jpg").symlink_to(root / "real" / "x.jpg")
    (root / "link_dir").symlink_to(root / "real")
    (root / "link_out.jpg").symlink_to(outside / "secret.jpg")
    (root / "link_out_dir").symlink_to(outside)
    (root / "link_rel_out").symlink_to("../outside/secret.jpg")
    (root / "broken.jpg").symlink_to(root / "missing.jpg")

    assert summary(list(walk(root))) == [
        ("broken.jpg", "skip: " + SKIP_SYMLINK),
        ("link_dir", "skip: " + SKIP_SYMLINK),
        ("link_file.jpg", "skip: " + SKIP_SYMLINK),
        ("link_out.jpg", "skip: " + SKIP_SYMLINK),
        ("link_out_dir", "skip: " + SKIP_SYMLINK),
        ("link_rel_out", "skip: " + SKIP_SYMLINK),
        ("real/x.jpg", "JPEG"),
    ]
    followed = list(walk(root, follow_links=True))
    assert summary(followed) == [
        ("broken.jpg", "skip: broken symlink"),
        ("link_dir/x.jpg", "JPEG"),
        ("link_file.jpg", "JPEG"),
        ("link_out.jpg", "skip: " + SKIP_LINK_OUTSIDE),
        ("link_out_dir", "skip: " + SKIP_LINK_OUTSIDE),
        ("link_rel_out", "skip: " + SKIP_LINK_OUTSIDE),
        ("real/x.jpg", "JPEG"),
    ]
    linked = next(i for i in followed if isinstance(i, MediaFile) and i.rel == "link_file.jpg")
    assert linked.path == (root / "real" / "x.jpg").resolve()  # opened at its real place


def test_symlink_loops_end(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.png").write_bytes(png_bytes())
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")  # a/b/up -> a: a loop
    (tmp_path / "self").symlink_to(tmp_path / "self")  # a link to itself
    (tmp_path / "z1").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "z2").symlink_to(tmp_path / "a" / "b")
    assert summary(list(walk(tmp_path, follow_links=True))) == [
        ("a/b/up", "skip: " + SKIP_LINK_LOOP),
        ("a/b/x.png", "PNG"),
        ("self", "skip: symlink loop"),
        ("z1/up/b", "skip: " + SKIP_LINK_LOOP),
        ("z1/x.png", "PNG"),
        ("z2", "skip: " + SKIP_LINK_AGAIN),
    ]


def test_special_files_are_never_opened(tmp_path: Path, alarm) -> None:
    os.mkfifo(tmp_path / "pipe.mov")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.jpg"))
    try:
        assert summary(list(walk(tmp_path))) == [
            ("pipe.mov", "skip: " + SKIP_SPECIAL),
            ("sock.jpg", "skip: " + SKIP_SPECIAL),
        ]
    finally:
        server.close()


def test_device_file_is_skipped() -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    with tempfile.TemporaryDirectory() as folder:
        os.symlink("/dev/null", Path(folder) / "null.wav")
        # Even when links are followed, /dev is outside the delivery.
        assert summary(list(walk(Path(folder), follow_links=True))) == [
            ("null.wav", "skip: " + SKIP_LINK_OUTSIDE)
        ]


def test_non_utf8_and_long_names(tmp_path: Path) -> None:
    raw_name = b"caf\xe9 \xff.jpg"
    with open(os.path.join(os.fsencode(tmp_path), raw_name), "wb") as handle:
        handle.write(jpeg_bytes())
    long_name = "x" * 251 + ".png"
    (tmp_path / long_name).write_bytes(png_bytes())
    items = list(walk(tmp_path))
    assert summary(items) == [("caf\\xe9 \\xff.jpg", "JPEG"), (long_name, "PNG")]
    odd = items[0]
    assert json.loads(json.dumps(odd.rel)) == "caf\\xe9 \\xff.jpg"
    assert odd.path.read_bytes() == jpeg_bytes()  # the real name still opens
    assert display_name("plain/ünïcode.jpg") == "plain/ünïcode.jpg"


def test_sort_is_by_code_point_per_folder(tmp_path: Path) -> None:
    for name in ["b.jpg", "B.jpg", "a.jpg", "é.jpg", "10.jpg", "9.jpg"]:
        (tmp_path / name).write_bytes(jpeg_bytes())
    assert [i.rel for i in walk(tmp_path)] == [
        "10.jpg", "9.jpg", "B.jpg", "a.jpg", "b.jpg", "é.jpg",
    ]  # fmt: skip


def walk_as_nobody(root: Path) -> list[list]:
    """walk() in a forked child that dropped root (as root, permissions do not stop reads)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            out = []
            for item in walk(root):
                if isinstance(item, MediaFile):
                    out.append([item.rel, item.format, item.media_type, item.kind, item.size])
                else:
                    out.append([item.path, "skip: " + item.reason])
            os.write(write_end, json.dumps(out).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(data)


def test_unreadable_file_is_kept_as_an_asset_and_unreadable_folder_is_reported() -> None:
    # As root, permissions do not stop reads: walk as "nobody" in a child process then.
    base = Path(tempfile.mkdtemp(prefix="provscan-walk-"))
    try:
        os.chmod(base, 0o755)
        (base / "ok.jpg").write_bytes(jpeg_bytes())
        locked = base / "locked.jpg"
        locked.write_bytes(jpeg_bytes())
        os.chmod(locked, 0)
        closed = base / "closed"
        closed.mkdir()
        (closed / "inside.jpg").write_bytes(jpeg_bytes())
        os.chmod(closed, 0)
        size = len(jpeg_bytes())
        assert walk_as_nobody(base) == [
            ["closed", "skip: unreadable folder: Permission denied; contents not scanned"],
            ["locked.jpg", "UNKNOWN", "application/octet-stream", "other", size],
            ["ok.jpg", "JPEG", "image/jpeg", "image", size],
        ]
    finally:
        os.chmod(base / "closed", 0o755)
        for path in sorted(base.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        base.rmdir()


def test_walk_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "y.png").write_bytes(png_bytes())
    (tmp_path / "link").symlink_to(tmp_path / "d")

    def state() -> list[tuple]:
        out = []
        for path in sorted(tmp_path.rglob("*")):
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            out.append((str(path), info.st_mode, info.st_size, info.st_mtime_ns, digest))
        return out

    before = state()
    list(walk(tmp_path))
    list(walk(tmp_path, follow_links=True))
    assert state() == before


def test_missing_root_is_reported_not_raised(tmp_path: Path) -> None:
    assert summary(list(walk(tmp_path / "nope"))) == [
        (".", "skip: unreadable folder: No such file or directory; contents not scanned")
    ]
