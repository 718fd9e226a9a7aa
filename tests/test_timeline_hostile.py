"""Hostile timelines: huge event counts, XML bombs, absurd timecodes, paths escaping the
delivery, garbage. Each is a clear register-style error (exit 2: nothing scanned) naming the
file and, where the format has lines, the line; never a crash (exit 4) or a traceback."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory
from scanner.cli import cli

EVENT = "{n:03d}  R{n:<6} V     C        00:00:00:00 00:00:00:01 {rec_in} {rec_out}"


def _tc(frames: int) -> str:
    seconds, frame = divmod(frames, 24)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}"


def _edl(count: int) -> str:
    lines = ["TITLE: many", "FCM: NON-DROP FRAME"]
    lines += [
        EVENT.format(n=n % 1000, rec_in=_tc(86_400 + n), rec_out=_tc(86_401 + n))
        for n in range(count)
    ]
    return "\n".join(lines) + "\n"


def _xmeml(track: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n{doctype}<xmeml version="4"><sequence><name>s</name>'
        "<rate><timebase>24</timebase></rate><media><video><track>\n"
        f"{track}\n</track></video></media></sequence></xmeml>\n"
    )


CLIP = (
    '<clipitem id="c{n}"><name>c{n}</name><start>{start}</start><end>{end}</end>'
    '<in>0</in><out>24</out><file id="f{n}"><pathurl>{url}</pathurl></file></clipitem>'
)
LAUGHS = '<!ENTITY l0 "lol">\n' + "".join(
    f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10)
)

# name -> (file name, contents, the line the error names (None: no line; text: the line
# holding it), what the message says)
CASES: dict[str, tuple[str, Callable[[], str | bytes], int | str | None, str]] = {
    "edl-too-many-events": ("many.edl", lambda: _edl(100_001), 100_003, "more than 100000 events"),
    "edl-minutes-99": (
        "absurd.edl",
        lambda: "TITLE: x\n001  R1 V C 99:99:99:99 99:99:99:99 01:00:00:00 01:00:00:01\n",
        2,
        "minutes and seconds go up to 59",
    ),
    "edl-hour-99": (
        "hours.edl",
        lambda: "TITLE: x\n\n001  R1 V C 99:00:00:00 99:00:00:10 01:00:00:00 01:00:00:10\n",
        3,
        "past 23:59:59",
    ),
    "edl-huge-frame-number": (
        "frames.edl",
        lambda: "TITLE: x\n001  R1 V C 1 2 999999999999999999 1000000000000000000\n",
        2,
        "past 23:59:59",
    ),
    "edl-backwards": (
        "back.edl",
        lambda: "TITLE: x\n001  R1 V C 01:00:01:00 01:00:00:00 01:00:01:00 01:00:00:00\n",
        2,
        "record out is before record in",
    ),
    "edl-seven-fields": (
        "short.edl",
        lambda: "TITLE: x\n001  R1 V C 01:00:00:00 01:00:01:00 01:00:00:00\n",
        2,
        "event line with 7 fields",
    ),
    "edl-path-escapes": (
        "escape.edl",
        lambda: (
            "TITLE: x\n001  R1 V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
            "* FROM CLIP NAME: passwd\n* FROM CLIP: ../../../../etc/passwd\n"
        ),
        2,
        "leaves the delivery",
    ),
    "edl-binary": ("png.edl", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary data"),
    "edl-empty": ("empty.edl", lambda: "", None, "holds no event"),
    "xml-billion-laughs": (
        "bomb.xml",
        lambda: _xmeml(
            CLIP.format(n=1, start=0, end=24, url="&l9;"), f"<!DOCTYPE xmeml [\n{LAUGHS}]>\n"
        ),
        3,
        "refused",
    ),
    "xml-external-entity": (
        "xxe.xml",
        lambda: _xmeml(
            CLIP.format(n=1, start=0, end=24, url="&x;"),
            '<!DOCTYPE xmeml [\n<!ENTITY x SYSTEM "file:///etc/hostname">\n]>\n',
        ),
        3,
        "refused",
    ),
    "xml-deep": (
        "deep.xml",
        lambda: _xmeml("<clipitem>" + "<a>\n" * 2000 + "</a>" * 2000 + "</clipitem>"),
        61,
        "nested deeper than 64",
    ),
    "xml-too-many-clips": (
        "many.xml",
        lambda: _xmeml("<clipitem/>\n" * 100_001),
        100_003,
        "more than 100000 clip items",
    ),
    "xml-absurd-start": (
        "start.xml",
        lambda: _xmeml("\n" + CLIP.format(n=1, start="1e9", end=24, url="a.mov")),
        4,
        "holds '1e9' where a frame number goes",
    ),
    "xml-past-100-hours": (
        "long.xml",
        lambda: _xmeml(CLIP.format(n=1, start=0, end=10**10, url="a.mov")),
        3,
        "past 100 hours",
    ),
    "xml-path-escapes": (
        "escape.xml",
        lambda: _xmeml(CLIP.format(n=1, start=0, end=24, url="../../etc/passwd")),
        3,
        "leaves the delivery",
    ),
    "xml-not-well-formed": ("broken.xml", lambda: _xmeml("<clipitem>"), 4, "not well-formed XML"),
    "otio-deep": ("deep.otio", lambda: '{"a":' * 5000 + "1" + "}" * 5000, None, "nested"),
    "otio-path-escapes": (
        "escape.otio",
        lambda: _otio("../outside.mov"),
        "../outside.mov",
        "leaves the delivery",
    ),
    "otio-not-json": ("bad.otio", lambda: '{\n  "OTIO_SCHEMA": ,\n}', 2, "not JSON"),
    "aaf-garbage": (
        "bad.aaf",
        lambda: bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(3000),
        None,
        "the adapter refused it",
    ),
    "imf-composition": (
        "cpl.xml",
        lambda: '<CompositionPlaylist xmlns="x"/>',
        None,
        "IMF packages are read from the delivery itself",
    ),
}


def _otio(url: str) -> str:
    import opentimelineio as otio

    timeline = otio.schema.Timeline(name="t")
    track = otio.schema.Track(name="V1")
    rt = otio.opentime.RationalTime
    track.append(
        otio.schema.Clip(
            name="outside",
            media_reference=otio.schema.ExternalReference(target_url=url),
            source_range=otio.opentime.TimeRange(rt(0, 24), rt(24, 24)),
        )
    )
    timeline.tracks.append(track)
    return str(otio.adapters.write_to_string(timeline, "otio_json"))


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-timelines") / "delivery"
    factory.plain_jpeg(root / "final/stills/plain.jpg", 3)
    return root


def _scan(delivery: Path, *args: str) -> tuple[int, str]:
    out = delivery.parent / "out"
    result = CliRunner().invoke(
        cli, ["scan", str(delivery), "--no-cache", "-q", "--format", "json", "-o", str(out), *args]
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_timeline_is_a_usage_error_naming_file_and_line(
    case: str, delivery: Path, tmp_path: Path
) -> None:
    name, contents, line, message = CASES[case]
    made = contents()
    path = tmp_path / name
    if isinstance(made, bytes):
        path.write_bytes(made)
    else:
        path.write_text(made, encoding="utf-8")
    code, output = _scan(delivery, "--timeline", str(path), "--timeline-rate", "24")
    assert code == 2, output
    assert "internal error" not in output and "Traceback" not in output
    if isinstance(line, str):
        line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if line in text)
    where = f"{path}, line {line}:" if line else f"{path}:"
    assert where in output, output
    assert message in output, output
    assert not (delivery.parent / "out" / "provscan.json").exists()


def test_an_edl_needs_a_rate(delivery: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.edl"
    path.write_text(_edl(2), encoding="utf-8")
    code, output = _scan(delivery, "--timeline", str(path))
    assert code == 2 and "an EDL holds no frame rate" in output and str(path) in output
    code, output = _scan(delivery, "--timeline", str(path), "--timeline-rate", "fast")
    assert code == 2 and "not a frame rate" in output


def test_a_timeline_inside_the_delivery_or_linked_out_of_its_folder_is_refused(
    delivery: Path, tmp_path: Path
) -> None:
    inside = delivery / "cut.edl"
    inside.write_text(_edl(2), encoding="utf-8")
    try:
        code, output = _scan(delivery, "--timeline", str(inside), "--timeline-rate", "24")
        assert code == 2 and "the timeline is inside the delivery" in output
    finally:
        inside.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real.edl").write_text(_edl(2), encoding="utf-8")
    gatekeeper = tmp_path / "gatekeeper"
    gatekeeper.mkdir()
    (gatekeeper / "cut.edl").symlink_to(elsewhere / "real.edl")
    code, output = _scan(
        delivery, "--timeline", str(gatekeeper / "cut.edl"), "--timeline-rate", "24"
    )
    assert code == 2 and "outside its folder: refused" in output


def test_a_clean_timeline_passes_the_same_checks(delivery: Path, tmp_path: Path) -> None:
    """The control: the same kind of file, well-formed, scans (so the cases above fail for
    what they hold, not for how they are given)."""
    path = tmp_path / "fine.edl"
    path.write_text(_edl(3) + "* FROM CLIP: final/stills/plain.jpg\n", encoding="utf-8")
    code, output = _scan(delivery, "--timeline", str(path), "--timeline-rate", "24")
    assert code == 0, output  # two events' media is missing: review, no violation
    doc = json.loads((delivery.parent / "out" / "provscan.json").read_text(encoding="utf-8"))
    events = doc["timelines"][0]["events"]
    assert [(e["resolved_by"], e["status"]) for e in events] == [
        ("", "review"),
        ("", "review"),
        ("path", "clean"),
    ]


def _aaf_with_a_lost_clip(path: Path) -> None:
    """Two clips of one master mob; the second names a slot the mob does not have, so the AAF
    adapter prints "Unable find slot_id ... creating Gap" and drops it."""
    import aaf2

    with aaf2.open(str(path), "w") as f:
        comp = f.create.CompositionMob("lost clip")
        f.content.mobs.append(comp)
        code = comp.create_timeline_slot(24)
        code.segment = f.create.Timecode(24, False)
        code.segment.start, code.segment.length = 86400, 48
        code["PhysicalTrackNumber"].value = 1
        video = comp.create_empty_sequence_slot(24, media_kind="picture")
        video["PhysicalTrackNumber"].value = 1
        source = f.create.SourceMob("plate")
        descriptor = f.create.CDCIDescriptor()
        for key, value in (
            ("ComponentWidth", 8),
            ("HorizontalSubsampling", 2),
            ("ImageAspectRatio", "16/9"),
            ("StoredWidth", 64),
            ("StoredHeight", 64),
            ("FrameLayout", "FullFrame"),
            ("VideoLineMap", [42, 0]),
            ("SampleRate", 24),
            ("Length", 100),
        ):
            descriptor[key].value = value
        source.descriptor = descriptor
        f.content.mobs.append(source)
        slot = source.create_empty_sequence_slot(24, media_kind="picture")
        slot.segment.components.append(f.create.Filler("picture", 100))
        master = f.create.MasterMob("plain")
        f.content.mobs.append(master)
        master.create_timeline_slot(24).segment = source.create_source_clip(1, 0, 100)
        video.segment.components.append(master.create_source_clip(1, 0, 24))
        lost = master.create_source_clip(1, 0, 24)
        lost["SourceMobSlotID"].value = 9
        video.segment.components.append(lost)


def test_an_aaf_clip_the_adapter_drops_is_a_problem_and_nothing_reaches_stdout(
    delivery: Path, tmp_path: Path
) -> None:
    path = tmp_path / "lost.aaf"
    _aaf_with_a_lost_clip(path)
    result = CliRunner().invoke(
        cli,
        ["scan", str(delivery), "--timeline", str(path), "--no-cache", "-q", "--format", "json"],
    )
    assert result.exit_code == 3, result.output  # the cut is not wholly read: error
    doc = json.loads(result.stdout)  # the adapter's print went to the report, not to stdout
    [timeline] = doc["timelines"]
    assert [e["clip"] for e in timeline["events"]] == ["plain"]
    assert timeline["problems"] == [
        'the adapter lost a clip: Unable find slot_id: 9 in mob <aaf2.mobs.MasterMob "plain" '
        + timeline["problems"][0].split('"plain" ', 1)[1]
    ]
    assert "creating Gap" in timeline["problems"][0]


REEL = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"


@pytest.mark.parametrize("name", ["reel1.edl", "reel2.xml", "reel3.otio"])
def test_mutated_timelines_read_or_refuse_never_crash(name: str) -> None:
    """Bytes flipped, cut and repeated anywhere in a real timeline: a ParsedTimeline or a
    TimelineProblem, never another exception (in this process; the scan reads in a worker)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from scanner.timeline.otio_clips import TimelineProblem
    from scanner.timeline.read import ReadRequest, read_timeline

    original = (REEL / name).read_bytes()

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), max_size=6),
        st.integers(0, len(original)),
        st.integers(0, 3),
    )
    def check(flips: list[tuple[int, int]], cut: int, repeat: int) -> None:
        data = bytearray(original)
        for at, value in flips:
            data[at] = value
        mutated = bytes(data[:cut]) + bytes(data[cut:]) * (1 + repeat)
        with contextlib.suppress(TimelineProblem):
            read_timeline(ReadRequest(name, mutated, Fraction(24), "option"))

    check()
