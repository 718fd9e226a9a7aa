"""The delivery's own checksums: ASC MHL histories and legacy MHL files, checked in the read
that computes sha256; mismatches, files missing from the delivery, files not in the manifest.

Histories are made by the ASC's own tool (`ascmhl create`, in the tools venv the Makefile
builds: it pins an older click than provscan's) in temporary folders, and read back by its own
Python API as the oracle for provscan's parser. Legacy v1 files are written by hand (ascmhl
1.2 neither writes nor reads them), in the layout pomfort's mhl tool documents.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import xxhash
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.factory import a1111_png, plain_jpeg
from fixtures.metadata import text_chunk
from scanner.cli import cli
from scanner.discover import mhl
from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.engine.digests import read_digests
from scanner.report.verdict import verdict_of

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".venv-tools" / "bin"
ALL = ("md5", "sha1", "xxh64", "xxh3", "xxh128", "c4")
ORACLE = """
import json, sys
from ascmhl.history import MHLHistory
history = MHLHistory.load_from_path(sys.argv[1])
listed = {}
for hash_list in history.hash_lists:
    for media in hash_list.media_hashes:
        if not media.is_directory:
            for entry in media.hash_entries:
                listed.setdefault(media.path, {}).setdefault(entry.hash_format, entry.hash_string)
print(json.dumps(listed))
"""


def ascmhl(*args: str) -> None:
    tool = TOOLS / "ascmhl"
    if not tool.exists():
        pytest.skip(f"ascmhl is not installed in {TOOLS} (make builds it)")
    subprocess.run([str(tool), *args], check=True, capture_output=True, timeout=120)


def history(folder: Path, *algorithms: str) -> None:
    ascmhl("create", *(a for name in algorithms for a in ("-h", name)), str(folder))


def scan(root: Path, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "out"
    args = ["scan", str(root), "--format", "json", "-o", str(out), "--no-cache", "-q", "-j", "2"]
    result = CliRunner().invoke(cli, [*args, "--no-fingerprints", *extra])
    doc: dict[str, Any] = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    doc["exit_code"] = result.exit_code
    return doc


def png_frame(seed: int, note: str = "") -> bytes:
    path_bytes = _png_bytes(seed)
    return path_bytes[:33] + text_chunk("Comment", note) + path_bytes[33:] if note else path_bytes


def _png_bytes(seed: int) -> bytes:
    import io

    from fixtures import pictures

    buffer = io.BytesIO()
    pictures.frame(seed, seed, (64, 36)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    plain_jpeg(root / "stills" / "still_a.jpg", 1, size=(64, 48))
    plain_jpeg(root / "stills" / "still_b.jpg", 2, size=(64, 48))
    for n in range(1, 4):
        path = root / "vfx" / f"sh010.{n:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_frame(n))
    (root / "notes.txt").write_text("delivery notes")
    return root


def test_provscan_reads_a_history_as_ascmhl_itself_does(delivery: Path) -> None:
    history(delivery, "xxh64", "md5")
    a1111_png(delivery / "concept" / "sd.png")
    history(delivery, "xxh128", "c4")  # a second generation: re-verifies, adds the new file
    oracle = subprocess.run(
        [str(TOOLS / "python"), "-c", ORACLE, str(delivery)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    expected = json.loads(oracle.stdout)
    manifest = mhl.read_history(delivery / "ascmhl", "ascmhl")
    listed = {
        f"{folder}/{name}" if folder else name: dict(hashes)
        for folder, names in manifest.entries.items()
        for name, hashes in names.items()
    }
    assert listed == expected
    assert manifest.generations == 2 and manifest.problems == [] and manifest.complete
    assert set(listed["concept/sd.png"]) == {"xxh128", "c4"}
    assert set(listed["stills/still_a.jpg"]) == {"xxh64", "md5", "xxh128", "c4"}


def test_every_hash_a_history_lists_is_checked(delivery: Path, tmp_path: Path) -> None:
    history(delivery, *ALL)
    doc = scan(delivery, tmp_path)
    assert doc["exit_code"] == 0, doc["assets"]
    checks = {a["path"]: a["checksums"] for a in doc["assets"]}
    assert set(checks) == {"stills/still_a.jpg", "stills/still_b.jpg", "vfx/sh010.[0001-0003].png"}
    for check in checks.values():
        assert check["outcome"] == "verified" and check["manifests"] == ["ascmhl"]
    assert checks["vfx/sh010.[0001-0003].png"]["verified"] == 3
    (manifest,) = doc["checksum_manifests"]
    assert manifest["kind"] == "ascmhl" and manifest["files"] == 6
    assert (manifest["missing"], manifest["unchecked"]) == (0, 1)  # notes.txt: not media
    assert "ascmhl" in manifest["creator"]


def test_mismatches_missing_files_and_files_not_in_the_manifest(delivery: Path, tmp_path: Path):
    history(delivery, "xxh64", "md5")
    (delivery / "vfx" / "sh010.0002.png").write_bytes(png_frame(2, "re-graded after the DIT"))
    (delivery / "stills" / "still_b.jpg").unlink()
    plain_jpeg(delivery / "stills" / "still_c.jpg", 3, size=(64, 48))
    doc = scan(delivery, tmp_path)
    found = {a["path"]: a for a in doc["assets"]}
    sequence = found["vfx/sh010.[0001-0003].png"]
    assert sequence["status"] == "review"
    assert [r["code"] for r in sequence["reasons"]] == ["checksum-mismatch", "no-ai-signal"]
    check = sequence["checksums"]
    assert (check["outcome"], check["verified"], check["mismatched"]) == ("mismatch", 2, 1)
    wrong = {m["algorithm"]: m for m in check["mismatches"]}
    assert set(wrong) == {"xxh64", "md5"}
    data = (delivery / "vfx" / "sh010.0002.png").read_bytes()
    assert wrong["md5"]["actual"] == hashlib.md5(data).hexdigest()
    assert wrong["md5"]["path"] == "vfx/sh010.0002.png" and wrong["md5"]["manifest"] == "ascmhl"
    assert "vfx/sh010.0002.png: ascmhl lists xxh64" in sequence["reasons"][0]["detail"]

    new = found["stills/still_c.jpg"]
    assert [r["code"] for r in new["reasons"]] == ["not-in-manifest", "no-ai-signal"]
    assert new["checksums"]["unlisted"] == ["stills/still_c.jpg"]
    assert {
        "path": "stills/still_b.jpg",
        "reason": "missing from the delivery: ascmhl lists it",
    } in (doc["skipped"])
    assert doc["summary"]["missing_from_delivery"] == 1
    assert doc["exit_code"] == 3  # no violation, but a file the delivery promised is not there
    verdict = verdict_of(doc)  # what the reports show says so too (they said PASS)
    assert (verdict.code, verdict.sentence.split("; ")[0]) == (
        3,
        "1 file the checksum manifests list missing from the delivery",
    )

    policy = tmp_path / "policy.toml"
    policy.write_text('[gate]\nchecksum_mismatch = "violation"\n')
    strict = scan(delivery, tmp_path, "--policy", str(policy))
    assert strict["exit_code"] == 1
    assert {a["path"]: a["status"] for a in strict["assets"]}["vfx/sh010.[0001-0003].png"] == (
        "violation"
    )


def test_a_child_history_covers_its_own_folder(delivery: Path, tmp_path: Path) -> None:
    history(delivery / "vfx", "xxh64")
    plain_jpeg(delivery / "vfx" / "late.jpg", 9, size=(32, 24))
    doc = scan(delivery, tmp_path)
    found = {a["path"]: a for a in doc["assets"]}
    assert found["stills/still_a.jpg"]["checksums"] is None  # no manifest covers stills/
    assert found["vfx/sh010.[0001-0003].png"]["checksums"]["outcome"] == "verified"
    assert found["vfx/late.jpg"]["checksums"]["outcome"] == "not-in-manifest"
    assert [m["root"] for m in doc["checksum_manifests"]] == ["vfx"]


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def test_nothing_is_written_in_the_delivery(delivery: Path, tmp_path: Path) -> None:
    history(delivery, "xxh64")
    before = tree(delivery)
    scan(delivery, tmp_path)
    assert tree(delivery) == before


LEGACY = """<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="1.1">
  <creatorinfo><name>Jane Doe</name><username>jane</username><hostname>dit-cart</hostname>
    <tool>mhl ver. 0.2.0</tool><startdate>2020-01-01T10:00:00Z</startdate></creatorinfo>
{hashes}
</hashlist>
"""


def legacy_entry(path: str, data: bytes, md5: str = "") -> str:
    return (
        f"  <hash><file>{path}</file><size>{len(data)}</size>"
        f"<md5>{md5 or hashlib.md5(data).hexdigest()}</md5>"
        f"<sha1>{hashlib.sha1(data).hexdigest()}</sha1>"
        f"<xxhash64be>{xxhash.xxh64(data).hexdigest()}</xxhash64be>"
        f"<xxhash64>{xxhash.xxh64(data).digest()[::-1].hex()}</xxhash64>"
        f"<xxhash>{xxhash.xxh32(data).intdigest():010d}</xxhash>"
        "<hashdate>2020-01-01T10:00:00Z</hashdate></hash>"
    )


def test_a_legacy_mhl_file_is_read_and_checked(delivery: Path, tmp_path: Path) -> None:
    stills = delivery / "stills"
    a, b = (stills / "still_a.jpg").read_bytes(), (stills / "still_b.jpg").read_bytes()
    entries = [legacy_entry("still_a.jpg", a), legacy_entry("still_b.jpg", b, md5="0" * 32)]
    (stills / "stills_2020-01-01.mhl").write_text(LEGACY.format(hashes="\n".join(entries)))
    doc = scan(delivery, tmp_path)
    found = {a["path"]: a for a in doc["assets"]}
    assert found["stills/still_a.jpg"]["checksums"]["outcome"] == "verified"
    assert found["stills/still_a.jpg"]["checksums"]["manifests"] == ["stills/stills_2020-01-01.mhl"]
    wrong = found["stills/still_b.jpg"]["checksums"]["mismatches"]
    assert [(m["algorithm"], m["expected"]) for m in wrong] == [("md5", "0" * 32)]
    (manifest,) = doc["checksum_manifests"]
    assert (manifest["kind"], manifest["root"], manifest["files"]) == ("mhl", "stills", 2)
    assert manifest["creator"].startswith("Jane Doe; jane; dit-cart; mhl ver. 0.2.0")
    reasons = {s["path"]: s["reason"] for s in doc["skipped"]}
    assert reasons["stills/stills_2020-01-01.mhl"].startswith("checksum manifest (ASC MHL)")


def test_legacy_manifests_past_the_bound_are_listed_as_not_read(tmp_path: Path) -> None:
    """The first MAX_LEGACY_PER_FOLDER .mhl files of a folder are read; the rest were skipped
    as read when they were not (found in review): now a manifest entry says so."""
    from scanner.discover.checksums import MAX_LEGACY_PER_FOLDER

    stills = tmp_path / "d" / "stills"
    plain_jpeg(stills / "still.jpg", 1, size=(32, 24))
    right = legacy_entry("still.jpg", (stills / "still.jpg").read_bytes())
    for n in range(MAX_LEGACY_PER_FOLDER):
        (stills / f"a{n:03d}.mhl").write_text(LEGACY.format(hashes=right))
    wrong = legacy_entry("still.jpg", (stills / "still.jpg").read_bytes(), md5="0" * 32)
    (stills / "zz_roll.mhl").write_text(LEGACY.format(hashes=wrong))
    doc = scan(tmp_path / "d", tmp_path)
    assert len(doc["checksum_manifests"]) == MAX_LEGACY_PER_FOLDER + 1
    unread = {m["path"]: m for m in doc["checksum_manifests"]}["stills/zz_roll.mhl"]
    assert unread["problems"] == [
        f"not read: 1 .mhl files of this folder past the first {MAX_LEGACY_PER_FOLDER} (from "
        "zz_roll.mhl): the hashes they list were not checked"
    ]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<hashlist version="1.1"><hash><file>&lol3;</file><md5>00</md5></hash></hashlist>
"""


def test_hostile_manifests_are_problems_never_crashes(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "laughs.mhl").write_text(BILLION_LAUGHS)
    (folder / "escape.mhl").write_text(
        LEGACY.format(hashes=legacy_entry("../../etc/passwd", b"x") + legacy_entry("/abs", b"x"))
    )
    (folder / "broken.mhl").write_text("<hashlist version='1.1'><hash><file>a")
    os.symlink(folder / "escape.mhl", folder / "link.mhl")
    laughs = mhl.read_legacy(folder / "laughs.mhl", "laughs.mhl")
    assert not laughs.complete and "not valid XML" in laughs.problems[0]
    escape = mhl.read_legacy(folder / "escape.mhl", "escape.mhl")
    assert escape.files == 0 and len(escape.problems) == 2
    assert all("is not relative to the manifest's folder" in p for p in escape.problems)
    broken = mhl.read_legacy(folder / "broken.mhl", "broken.mhl")
    assert not broken.complete and "not valid XML" in broken.problems[0]
    link = mhl.read_legacy(folder / "link.mhl", "link.mhl")  # never through a symlink
    assert not link.complete and link.problems[0].startswith("link.mhl: cannot read")


def test_a_manifest_over_its_bound_is_read_no_further(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.mhl"
    path.write_text(
        LEGACY.format(hashes="\n".join(legacy_entry(f"f{i}", b"x") for i in range(200)))
    )
    monkeypatch.setattr(mhl, "MAX_MANIFEST_BYTES", 4096)
    manifest = mhl.read_legacy(path, "big.mhl")
    assert not manifest.complete
    assert manifest.problems == ["big.mhl: not read whole: over 4,096 bytes"]
    assert 0 < manifest.files < 200  # what was read before the bound is kept


def test_a_generation_edited_after_it_was_written_is_reported(delivery: Path) -> None:
    history(delivery, "md5")
    (generation,) = (delivery / "ascmhl").glob("0001_*.mhl")
    text = generation.read_text()
    generation.write_text(text.replace("<hostname>", "<hostname>edited-"))
    manifest = mhl.read_history(delivery / "ascmhl", "ascmhl")
    assert any("changed after it was written" in p for p in manifest.problems)
    assert manifest.files == 6  # what it lists is still the vendor's claim, checked as such


def test_the_kept_read_buffer_never_leaks_one_file_into_the_next(tmp_path: Path) -> None:
    """Files read one after another (a longer one first) and from two threads at once: each
    digest and profile is that file's own."""
    from concurrent.futures import ThreadPoolExecutor

    mib = 1024 * 1024
    sizes = [3 * mib + 5, mib + 1, mib, 2 * mib - 1, 70_000, 5 * mib]
    paths = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"f{index}.bin"
        path.write_bytes(os.urandom(size))
        paths.append(path)

    def digest(path: Path) -> tuple[str, tuple]:
        with open_readonly(path) as handle:
            return read_digests(handle, path.stat().st_size, ("md5",), profile=True)

    alone = [digest(path) for path in paths]
    for path, (sha256, digests) in zip(paths, alone, strict=True):
        data = path.read_bytes()
        assert sha256 == hashlib.sha256(data).hexdigest()
        assert digests[0].value == hashlib.md5(data).hexdigest()
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(digest, paths * 4))
    assert together == alone * 4


def test_the_digests_are_the_ones_the_tools_compute(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    with open_readonly(path) as handle:
        sha256, digests = read_digests(handle, len(data), ("xxh32", *ALL, "nonsense"))
    assert sha256 == hashlib.sha256(data).hexdigest()
    assert dict((d.algorithm, d.value) for d in digests) == {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "xxh32": xxhash.xxh32(data).hexdigest(),
        "xxh64": xxhash.xxh64(data).hexdigest(),
        "xxh3": xxhash.xxh3_64(data).hexdigest(),
        "xxh128": xxhash.xxh3_128(data).hexdigest(),
        "c4": mhl.c4_id(hashlib.sha512(data).digest()),
    }


# --- the parser under mutation (the fuzz harness's mutations, on real manifests) ---------------

XML_FRAGMENTS = (
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"<hash><path>",
    b"</path>", b"<md5>", b"../", b"\x00", b"\xff\xfe", b"<![CDATA[", b"]]>", b"<c4>c4zz</c4>",
)  # fmt: skip


@pytest.fixture(scope="module")
def manifest_seeds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    folder = tmp_path_factory.mktemp("mhl-seeds")
    plain_jpeg(folder / "a" / "still.jpg", 1, size=(32, 24))
    (folder / "b.txt").write_text("b")
    history(folder, "xxh64", "md5", "c4")
    seeds = [(p.name, p.read_bytes()) for p in sorted((folder / "ascmhl").iterdir())]
    data = (folder / "a" / "still.jpg").read_bytes()
    seeds.append(("legacy.mhl", LEGACY.format(hashes=legacy_entry("a/still.jpg", data)).encode()))
    return seeds


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2),
    mutations=st.lists(
        st.one_of(
            st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
            st.tuples(st.just("truncate"), st.floats(0, 1)),
            st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(XML_FRAGMENTS)),
            st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(1, 64), st.integers(2, 64)),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_manifests_are_problems_never_crashes(
    manifest_seeds: list[tuple[str, bytes]], tmp_path_factory, seed: int, mutations: list
) -> None:
    from fixtures import mutate
    from scanner.discover.walk import walk
    from scanner.model import ChecksumManifest, Skipped

    name, data = manifest_seeds[seed % len(manifest_seeds)]
    root = tmp_path_factory.mktemp("mutated")
    (root / "ascmhl").mkdir()
    for other, other_data in manifest_seeds[:-1]:  # the history, one file of it mutated
        (root / "ascmhl" / other).write_bytes(other_data)
    target = root / "cards.mhl" if name == "legacy.mhl" else root / "ascmhl" / name
    target.write_bytes(mutate.apply(data, mutations))
    plain_jpeg(root / "a" / "still.jpg", 1, size=(32, 24))
    items = list(walk(root, manifests=True))  # never raises, whatever the manifests hold
    summaries = [i for i in items if isinstance(i, ChecksumManifest)]
    assert 1 <= len(summaries) <= 2
    assert all(isinstance(i, (MediaFile, Skipped, ChecksumManifest)) for i in items)
    for summary in summaries:
        assert all(isinstance(p, str) and len(p) < 1_000 for p in summary.problems)
        assert len(summary.creator) <= mhl.CREATOR_CHARS


def test_a_stored_scan_renders_again_the_same(delivery: Path, tmp_path: Path) -> None:
    """Sequences, checksum checks and the manifests' summaries survive `provscan report`."""
    history(delivery, "xxh64")
    (delivery / "stills" / "still_b.jpg").unlink()
    scan(delivery, tmp_path)
    stored = tmp_path / "out" / "provscan.json"
    again = tmp_path / "again"
    result = CliRunner().invoke(cli, ["report", str(stored), "--format", "json", "-o", str(again)])
    assert result.exit_code == 0, result.output
    assert (again / "provscan.json").read_bytes() == stored.read_bytes()
    doc = json.loads(stored.read_text(encoding="utf-8"))
    assert doc["checksum_manifests"][0]["missing"] == 1
    assert any(a["sequence"] for a in doc["assets"])


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<a>" * 40 + b"</a>" * 40, "nested more than 16 deep"),
        (b"<hash>" + b"<md5>0</md5>" * 400 + b"</hash>", "more than 256 parts"),
    ],
)
def test_a_manifest_shaped_to_fill_memory_stops_at_a_bound(
    tmp_path: Path, body: bytes, problem: str
) -> None:
    path = tmp_path / "shape.mhl"
    path.write_bytes(b"<hashlist version='1.1'>" + body + b"</hashlist>")
    manifest = mhl.read_legacy(path, "shape.mhl")
    assert not manifest.complete and problem in manifest.problems[0]


def test_elements_are_dropped_once_read(tmp_path: Path) -> None:
    """100,000 listed files: the parsed tree never holds them (only the entries are kept)."""
    import tracemalloc

    entry = "<hash><file>f{0}.exr</file><md5>" + "0" * 32 + "</md5></hash>"
    text = "<hashlist version='1.1'>" + "".join(entry.format(i) for i in range(100_000))
    path = tmp_path / "many.mhl"
    path.write_text(text + "<junk>" + "<x/>" * 200_000 + "</junk></hashlist>")
    tracemalloc.start()
    try:
        manifest = mhl.read_legacy(path, "many.mhl")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert manifest.files == 100_000 and manifest.complete, manifest.problems
    assert peak < 80 * 1024 * 1024  # the entries themselves: about 40 MB
