"""Issue 7 item 5: fuzz every reader, the sniffer, the walker and the register loader.

Inputs are real files (`fixtures.fuzz_targets.media_seeds`: the hostile fixtures' seeds, the
sample delivery and, when present, the shared corpus) mutated the ways files break and lie:
bit flips, truncation, splices from other files, lying box/chunk/segment sizes, repeats
(`fixtures.mutate`). Hypothesis draws the mutations with a fixed seed (`derandomize`), so every
run is the same run and a failure prints the mutation list that replays it:
`mutate.apply(SEED_BYTES[seed], mutations, SEED_BYTES)`.

Each input must not raise out of any extractor, must return the contract types with capped
values, finish within a time bound, and sniff and walk cleanly (`check_media`). Registers
must load or raise RegisterError naming the file (`check_register`). Budget: about a minute
on two cores. `bench/fuzz_long.py` runs the same checks for as long as you like.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixtures import mutate, past_caps
from fixtures.fuzz_targets import (
    REGISTER_FRAGMENTS,
    analyse_bytes,
    check_media,
    check_register,
    media_seeds,
    register_seeds,
)
from scanner.approvals import load_register
from scanner.errors import RegisterError

MAX_SEED_BYTES = 450_000  # keeps one input's work to tens of milliseconds
MEDIA_EXAMPLES = 2500
REGISTER_EXAMPLES = 1000

SEEDS = media_seeds(MAX_SEED_BYTES)
SEED_BYTES = [data for _, data in SEEDS]
REGISTERS = register_seeds()

FRACTION = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
MUTATION = st.one_of(
    st.tuples(st.just("flip"), FRACTION, st.integers(1, 255)),
    st.tuples(st.just("truncate"), FRACTION),
    st.tuples(
        st.just("size"),
        st.integers(0, 63),
        st.one_of(st.sampled_from(mutate.EXTREME_SIZES), st.integers(0, 2**32 - 1)),
    ),
    st.tuples(st.just("splice"), st.integers(0, len(SEEDS) - 1), FRACTION, st.integers(1, 4096)),
    st.tuples(st.just("insert"), FRACTION, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("repeat"), FRACTION, st.integers(1, 64), st.integers(2, 64)),
    st.tuples(st.just("zero"), FRACTION, st.integers(1, 256)),
)
REGISTER_MUTATION = st.one_of(
    st.tuples(st.just("flip"), FRACTION, st.integers(1, 255)),
    st.tuples(st.just("truncate"), FRACTION),
    st.tuples(st.just("insert"), FRACTION, st.sampled_from(REGISTER_FRAGMENTS)),
    st.tuples(st.just("repeat"), FRACTION, st.integers(1, 64), st.integers(2, 64)),
)
FUZZ_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="provscan-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@settings(FUZZ_SETTINGS, max_examples=MEDIA_EXAMPLES)
@given(
    seed=st.integers(0, len(SEEDS) - 1),
    mutations=st.lists(MUTATION, min_size=1, max_size=4),
)
# found by this test: an EXR whose OpenImageIO error message quotes bytes that are not UTF-8
@example(seed=53, mutations=[("splice", 20, 0.002543026766126833, 3)])
def test_readers_survive_mutated_media(workdir: Path, seed: int, mutations: list) -> None:
    data = mutate.apply(SEED_BYTES[seed], mutations, SEED_BYTES)
    check_media(data, workdir / "media", "input" + Path(SEEDS[seed][0]).suffix)


def test_every_seed_passes_unmutated(workdir: Path) -> None:
    """The seeds themselves (the hostile fixtures included) hold the same contract."""
    assert len(SEEDS) >= 10
    for name, data in SEEDS:
        check_media(data, workdir / "seeds", name)


# --- the register loader ------------------------------------------------------------------------


@settings(FUZZ_SETTINGS, max_examples=REGISTER_EXAMPLES)
@given(
    seed=st.integers(0, len(REGISTERS) - 1),
    mutations=st.lists(REGISTER_MUTATION, min_size=1, max_size=4),
)
def test_register_loader_survives_mutated_registers(
    workdir: Path, seed: int, mutations: list
) -> None:
    name, data = REGISTERS[seed]
    check_register(name, mutate.apply(data, mutations), workdir / "registers")


def yaml_alias_bomb(levels: int = 9) -> bytes:
    lines = [
        "- request_id: GENAI-1",
        "  status: approved",
        "  scope: temporary",
        "  notes: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    fields = ["paths", "sha256", "c2pa_manifest", "reference", "tools", "approved_by",
              "written_approval_ref", "expires_on"]  # fmt: skip
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"  {fields[level - 1]}: &l{level} [{refs}]")
    lines.append(f"  talent_likeness: *l{levels - 1}")  # yes/no field given 10^9 strings
    return ("\n".join(lines) + "\n").encode()


HOSTILE_REGISTERS = {
    "alias_bomb.yaml": yaml_alias_bomb(),
    "huge_int.yaml": b"- request_id: " + b"9" * 5000 + b"\n",
    "huge_int.json": b'[{"request_id": ' + b"9" * 5000 + b"}]",
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "deep.yaml": b"- " * 50_000 + b"x\n",
    "python_tag.yaml": b"- !!python/object/apply:os.mkdir ['{canary}']\n",
    "nul.csv": b"request_id,status\x00,scope\nGENAI-1,approved,final\n",
    "latin1.csv": b"request_id,status,scope,notes\nGENAI-1,approved,final,caf\xe9\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_REGISTERS))
def test_hostile_register_is_a_register_error(workdir: Path, name: str) -> None:
    """Each of these once crashed or blew memory (alias bomb, huge ints) or must never run code."""
    path = workdir / "hostile_registers" / name
    path.parent.mkdir(exist_ok=True)
    canary = path.parent / f"{name}.ran"  # a YAML tag that ran code would create it
    path.write_bytes(HOSTILE_REGISTERS[name].replace(b"{canary}", str(canary).encode()))
    started = time.perf_counter()
    with pytest.raises(RegisterError) as raised:
        load_register(path)
    assert time.perf_counter() - started < 5
    assert str(raised.value).startswith(str(path))
    assert not canary.exists()


# --- markers placed around every limit (issue 12) ----------------------------------------------

# Junk counts around each builder's limits: none, a little, past the old cap, at and past the
# current one. Hypothesis also draws counts in between.
AROUND_LIMITS = st.one_of(
    st.sampled_from([0, 1, 499, 500, 501, 4_095, 4_096, 4_097]),
    st.integers(min_value=0, max_value=2_000),
)


@pytest.mark.parametrize(
    "name, build", [(name, build) for name, build, _old, _past in past_caps.PLACEMENTS]
)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(junk=AROUND_LIMITS)
def test_a_marker_behind_junk_is_never_missed_silently(
    name: str, build: Callable[[int], bytes], junk: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever comes before the marker, the asset is AI material or not-inspected."""
    folder = tmp_path_factory.mktemp("past-caps")
    analysis = analyse_bytes(folder, name, build(min(junk, 64) if "budget" in name else junk))
    assert analysis.assessment.ai != "none" or analysis.not_inspected, (name, junk)


@pytest.mark.parametrize("name, build, _old, past", past_caps.PLACEMENTS)
def test_a_marker_past_every_current_limit_is_not_silent(
    tmp_path: Path, name: str, build: Callable[[int], bytes], _old: int, past: int
) -> None:
    analysis = analyse_bytes(tmp_path, name, build(past))
    assert analysis.not_inspected or analysis.assessment.ai != "none", name
