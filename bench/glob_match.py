"""Path globs at studio scale and at their worst: index build, matching, hostile patterns.

Run:  .venv/bin/python bench/glob_match.py [--patterns 10000] [--paths 20000]
      (about a minute on a 2-core machine)

What it does:
  1. Studio scale: a register of `patterns` path globs in one approval each (folder globs
     `final/vfx/ep1/sh0042/**`, file globs `final/stills/ai_still_00042*.jpg`, `?` and classes,
     and 20 with no literal prefix such as `**/*_aigen.png`, which every path must try) and
     `paths` delivery paths, a third of them covered. Times loading the register (validation
     compiles every pattern), building the index, matching every path through the index
     (PatternSet alone, and `match_asset` with the ApprovalIndex as the scan does), and, on a
     sample, matching every pattern one by one, which is what the index saves.
  2. The policy: `area_for` with a 12-pattern policy over the same paths.
  3. At their worst: patterns within `problem_with`'s bounds built to be slow, and the
     unbounded ones of issue 12, each against a path of about 5,000 characters (median of 5);
     then 10,000 slow patterns that every path must try, stopped by the deadline.
  4. The cap: building the index of 100,000 patterns (MAX_PATH_PATTERNS), time and memory.

Prints: Markdown tables of those timings.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.approvals import ApprovalIndex, load_register, match_asset  # noqa: E402
from scanner.common import pathglob  # noqa: E402
from scanner.common.globset import DEFAULT_MATCH_SECONDS, Deadline, PatternSet  # noqa: E402
from scanner.errors import GlobTimeBound  # noqa: E402
from scanner.model import Assessment, AssetAnalysis  # noqa: E402
from scanner.policy.areas import Policy, area_for  # noqa: E402

SEED = 12


def studio_patterns(count: int, rng: random.Random) -> list[str]:
    unanchored = [f"**/*_aigen{n}.png" for n in range(10)] + [f"**/previs{n}/**" for n in range(10)]
    patterns = list(unanchored)
    while len(patterns) < count:
        n = len(patterns)
        kind = rng.random()
        if kind < 0.4:
            patterns.append(f"final/vfx/ep{n % 10}/sh{n:05d}/**")
        elif kind < 0.7:
            patterns.append(f"final/stills/ai_still_{n:05d}*.jpg")
        elif kind < 0.85:
            patterns.append(f"final/vfx/ep{n % 10}/sh{n:05d}/comp_v[0-9]?.*.exr")
        else:
            patterns.append(f"temp/previs/ep{n % 10}/seq{n:05d}/")
    return patterns


def studio_paths(count: int, patterns: int, rng: random.Random) -> list[str]:
    paths: list[str] = []
    for i in range(count):
        n = rng.randrange(patterns * 3)  # about a third name a shot or still that has a glob
        kind = i % 4
        if kind == 0:
            paths.append(f"final/vfx/ep{n % 10}/sh{n:05d}/comp_v{n % 9}1.{i:04d}.exr")
        elif kind == 1:
            paths.append(f"final/stills/ai_still_{n:05d}_v2.jpg")
        elif kind == 2:
            paths.append(f"temp/previs/ep{n % 10}/seq{n:05d}/shot_{i}_aigen{n % 12}.png")
        else:
            paths.append(f"final/audio/reel{n % 7}/mix_{i}.wav")
    return paths


def write_register(folder: Path, patterns: list[str]) -> Path:
    path = folder / "register.csv"
    rows = ["request_id,status,scope,paths"]
    rows += [f"GENAI-{n:05d},pending,final,{p}" for n, p in enumerate(patterns)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def asset(path: str) -> AssetAnalysis:
    return AssetAnalysis(path, 1, "0" * 64, "image/png", "image", "PNG", Assessment(ai="generated"))


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def median_of(runs: int, run: Callable[[], object]) -> float:
    return statistics.median(timed(run) for _ in range(runs))


def studio(count: int, path_count: int) -> None:
    rng = random.Random(SEED)
    patterns = studio_patterns(count, rng)
    paths = studio_paths(path_count, count, rng)
    with tempfile.TemporaryDirectory() as folder:
        register_file = write_register(Path(folder), patterns)
        pathglob.compiled.cache_clear()
        started = time.perf_counter()
        register = load_register(register_file)
        load_s = time.perf_counter() - started
    pathglob.compiled.cache_clear()  # the index compiles its patterns itself, as after a big load
    started = time.perf_counter()
    index = ApprovalIndex.of(register.approvals)
    build_s = time.perf_counter() - started
    matched = 0

    def through_set() -> None:
        nonlocal matched
        matched = sum(1 for p in paths if index.paths.matching(p))

    set_s = timed(through_set)
    assets = [asset(p) for p in paths]
    match_s = timed(lambda: [match_asset(a, index) for a in assets])
    sample = paths[:: max(1, len(paths) // 200)]
    globs = [pathglob.compiled(g) for g in patterns]  # compiled once, as the index holds them
    one_by_one_s = timed(lambda: [[g.matches(p) for g in globs] for p in sample])
    one_by_one_all = one_by_one_s / len(sample) * len(paths)
    per_path = 1e6 / len(paths)
    print(f"## {count:,} register patterns x {len(paths):,} paths ({matched:,} paths covered)\n")
    print("| step | total | per path |")
    print("| --- | --- | --- |")
    print(f"| load the register (validate, compile every pattern) | {load_s:.2f} s | |")
    print(f"| build the ApprovalIndex (PatternSet of every path glob) | {build_s:.2f} s | |")
    print(f"| PatternSet.matching, every path | {set_s:.2f} s | {set_s * per_path:.1f} µs |")
    print(f"| match_asset with the index | {match_s:.2f} s | {match_s * per_path:.1f} µs |")
    print(
        f"| every pattern one by one, no index ({len(sample)} paths, scaled) | "
        f"{one_by_one_all:.0f} s | {one_by_one_all * per_path:.0f} µs |"
    )
    policy = Policy(
        final=("**", "final/**", "final/vfx/**/*.exr"),
        temporary=("temp/**", "**/previs/**", "final/vfx/*/sh0000?/**", "**/*_wip.*"),
        archival=("archival/**", "final/stills/archive_*", "**/news/**", "final/ref/", "a/"),
    )
    area_s = timed(lambda: [area_for(p, policy) for p in paths])
    print(
        f"| area_for, 12-pattern policy, every path | {area_s:.2f} s | {area_s * per_path:.1f} µs |"
    )
    print()


HOSTILE = [
    # (what, pattern, path): each path about 5,000 characters
    (
        "issue 12: `final/*a*a...*c` (15 stars)",
        "final/" + "*a" * 15 + "*c",
        "final/" + "a" * 5000 + ".png",
    ),
    ("issue 12: the same, matching", "final/" + "*a" * 15 + "*c", "final/" + "a" * 5000 + "c"),
    ("32 stars, one long name", "final/" + "*a" * 31 + "*c", "final/" + "a" * 5000 + "b"),
    ("30 classes and stars", "final/*" + "[a-z]*" * 15 + "[!a]c", "final/" + "a" * 5000 + "c"),
    ("issue 12: `**/` x 20 (refused at load)", "**/" * 20 + "x.png", "a/" * 2500 + "b.png"),
    ("8 `**`, 2,500 segments", "/".join(["**", "a"] * 8) + "/c", "a/" * 2500 + "b"),
    ("`**/` + 300 literal segments + `/**/b`", "**/" + "a/" * 300 + "c/**/b", "a/" * 2500 + "c/b"),
    (
        "`**/` + 250 + 28 `?` segments",
        "**/" + "a/" * 250 + "?/" * 27 + "[!a]/**/b",
        "a/" * 2500 + "b",
    ),
    ("27 `*` segments between `**`", "**/" + "*/" * 27 + "*[!a]*/**/b", "a/" * 2500 + "b"),
]


def hostile() -> None:
    print("## Worst cases: one pattern against one ~5,000-character path (median of 5)\n")
    print("| pattern | chars | `problem_with` | match | time |")
    print("| --- | --- | --- | --- | --- |")
    for what, pattern, path in HOSTILE:
        problem = pathglob.problem_with(pattern) or "accepted"
        result = pathglob.matches(pattern, path)
        seconds = median_of(5, lambda pattern=pattern, path=path: pathglob.matches(pattern, path))
        print(f"| {what} | {len(pattern)} | {problem} | {result} | {seconds * 1e3:.2f} ms |")
    # A register of 10,000 patterns like the slowest above, all distinct, none with a literal
    # prefix (so every path tries them all) or literal text the path lacks: only the deadline
    # stops them.
    slow = PatternSet.of(
        (f"**/{'*/' * (n % 27)}*[!a{chr(0x4E00 + n)}]*/**/b", n) for n in range(10_000)
    )
    long_path = "a/" * 2500 + "b"
    started = time.perf_counter()
    try:
        slow.matching(long_path, Deadline.after(DEFAULT_MATCH_SECONDS))
        outcome = "finished"
    except GlobTimeBound:
        outcome = "GlobTimeBound"
    seconds = time.perf_counter() - started
    print(
        f"\n10,000 slow patterns with no literal prefix against one {len(long_path):,}-character "
        f"path, default deadline ({DEFAULT_MATCH_SECONDS:g} s): {outcome} after {seconds:.2f} s\n"
    )


def cap(count: int = 100_000) -> None:
    patterns = studio_patterns(count, random.Random(SEED))
    pathglob.compiled.cache_clear()
    started = time.perf_counter()
    PatternSet.of((p, n) for n, p in enumerate(patterns))
    seconds = time.perf_counter() - started
    pathglob.compiled.cache_clear()
    tracemalloc.start()
    index = PatternSet.of((p, n) for n, p in enumerate(patterns))
    pathglob.compiled.cache_clear()  # count what the index holds, not the module's cache
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"## The cap: a PatternSet of {len(index.entries):,} patterns\n")
    print(f"built in {seconds:.1f} s; holds {size / 1e6:.0f} MB (tracemalloc)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patterns", type=int, default=10_000)
    parser.add_argument("--paths", type=int, default=20_000)
    args = parser.parse_args()
    studio(args.patterns, args.paths)
    hostile()
    cap()


if __name__ == "__main__":
    main()
