"""Globs a vendor or a careless register can write: none may hang the gate or change a result.

Issue 12: globs used to become backtracking regexes, so `final/*a*a*...*c` or `**/**/.../x.png`
against a long name ran for ever, and a YAML register aliasing one long list of paths in every
row ran for hours. The hang cases run in a fresh interpreter, through the API the old code had
too: a runaway match shows as that interpreter still running after HANG_GUARD seconds, a
failure, instead of a hung suite. Then the new matcher is held to a plain reference
implementation, the pattern index to trying every pattern, and the policy and register
matching to the loops they replaced.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.approvals import ApprovalIndex, load_register, match_asset, tools_covered
from scanner.approvals.coverage import SPECIFICITY, has_identifiers
from scanner.common import pathglob
from scanner.common.globset import Deadline, PatternSet
from scanner.errors import ConfigError, GlobTimeBound, RegisterError, ScannerError
from scanner.model import Approval, ApprovalMatch, Assessment, AssetAnalysis
from scanner.policy.areas import Policy, area_for
from scanner.policy.load import parse_policy

REPO = Path(__file__).resolve().parents[1]
# Each guarded case finishes in well under a second; the guard only separates "finished" from
# "backtracking for ever" (the old code on these inputs: hours or more).
HANG_GUARD = 60

STARS_GLOB = "final/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c"  # 37 characters, 16 wildcards: a valid glob
LONG_NAME = "final/" + "a" * 5000 + ".png"
GLOBSTARS_GLOB = "**/" * 20 + "x.png"
DEEP_PATH = "a/" * 40 + "b.png"

REGISTER_HEADER = "request_id,status,scope,paths,written_approval_ref"


def finishes(code: str, *args: str) -> str:
    """Run `code` in a fresh interpreter (argv: `args`) and return what it printed."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {HANG_GUARD} s: a glob backtracks")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def ai_asset(path: str, sha256: str = "0" * 64, generators: tuple[str, ...] = ()) -> AssetAnalysis:
    return AssetAnalysis(
        path=path,
        size=1,
        sha256=sha256,
        media_type="image/png",
        kind="image",
        format="PNG",
        assessment=Assessment(ai="generated", generators=generators),
    )


# --- the hangs of issue 12, each in a fresh interpreter ---------------------------------------


def test_star_glob_in_the_policy_file_against_a_long_name(tmp_path: Path) -> None:
    policy_file = tmp_path / "provscan.toml"
    policy_file.write_text(f'[areas]\ntemporary = ["{STARS_GLOB}"]\n', encoding="utf-8")
    code = """if True:
        import sys
        from pathlib import Path
        from scanner.policy.areas import area_for
        from scanner.policy.load import parse_policy
        policy = parse_policy(Path(sys.argv[1]).read_text(), sys.argv[1])
        name = "final/" + "a" * 5000
        print(area_for(name + ".png", policy), area_for(name + "c", policy))
    """
    assert finishes(code, str(policy_file)) == "final temporary"


def test_star_glob_in_a_register_against_a_long_name(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(f"{REGISTER_HEADER}\nGENAI-1,pending,final,{STARS_GLOB},\n")
    code = """if True:
        import sys
        from scanner.approvals import load_register, match_asset
        from scanner.model import Assessment, AssetAnalysis
        register = load_register(sys.argv[1])
        def matched(path):
            asset = AssetAnalysis(path, 1, "0" * 64, "image/png", "image", "PNG",
                                  Assessment(ai="generated"))
            return [m.request_id for m in match_asset(asset, register.approvals)]
        name = "final/" + "a" * 5000
        print(matched(name + ".png"), matched(name + "c"))
    """
    assert finishes(code, str(register)) == "[] ['GENAI-1']"


def test_repeated_globstars_are_refused_and_never_hang() -> None:
    code = """if True:
        import sys
        from scanner.common import pathglob
        pattern, path = sys.argv[1], sys.argv[2]
        print(pathglob.matches(pattern, path), pathglob.matches(pattern, path[:-5] + "x.png"))
        print(pathglob.problem_with(pattern))
    """
    matched, problem = finishes(code, GLOBSTARS_GLOB, DEEP_PATH).splitlines()
    assert matched == "False True"
    assert problem == "more than 8 '**' segments: 20"


def aliased_register(rows: int = 30, paths: int = 10_000) -> str:
    """Every row's `paths` is an alias of one 10,000-pattern list: 242 KB, 300,000 patterns."""
    listed = "".join(f"  - final/sh{i:05d}/*.exr\n" for i in range(paths))
    head = f"- request_id: GENAI-0\n  status: pending\n  scope: final\n  paths: &shots\n{listed}"
    return head + "".join(
        f"- request_id: GENAI-{row}\n  status: pending\n  scope: final\n  paths: *shots\n"
        for row in range(1, rows)
    )


def test_yaml_register_aliasing_one_long_path_list_is_refused(tmp_path: Path) -> None:
    register = tmp_path / "register.yaml"
    register.write_text(aliased_register(), encoding="utf-8")
    assert register.stat().st_size < 250_000
    code = """if True:
        import sys
        from scanner.approvals import load_register
        from scanner.errors import RegisterError
        try:
            register = load_register(sys.argv[1])
        except RegisterError as exc:
            print(exc)
        else:
            print(len(register.approvals), "approvals loaded")
    """
    assert finishes(code, str(register)) == (
        f"{register}: YAML anchors and aliases are not allowed in a register: "
        "write each value out (line 4)"
    )


# --- the bounds problem_with sets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("final/" + "*x" * 32, ""),
        ("final/" + "*x" * 33, "more than 32 wildcards (*, ?, [...]): 33"),
        ("final/" + "?[ab]" * 16 + "*", "more than 32 wildcards (*, ?, [...]): 33"),
        ("final/" + "***x" * 32, ""),  # a run of stars is one wildcard
        ("/".join(["**", "a"] * 8), ""),
        ("/".join(["**", "a"] * 9), "more than 8 '**' segments: 9"),
        ("a/" * 500 + "b", ""),  # many literal segments cost nothing
    ],
)
def test_wildcard_and_globstar_bounds(pattern: str, problem: str) -> None:
    assert pathglob.problem_with(pattern).startswith(problem)
    assert bool(pathglob.problem_with(pattern)) == bool(problem)


def test_policy_file_refuses_an_absurd_glob() -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy(f'[areas]\nfinal = ["{GLOBSTARS_GLOB}"]\n', "deliv/provscan.toml")
    assert str(info.value) == (
        f"deliv/provscan.toml: 'areas.final' pattern '{GLOBSTARS_GLOB}': "
        "more than 8 '**' segments: 20"
    )


def test_register_refuses_an_absurd_glob(tmp_path: Path) -> None:
    pattern = "final/" + "*?" * 17
    register = tmp_path / "register.csv"
    register.write_text(f"{REGISTER_HEADER}\nGENAI-1,pending,final,{pattern},\n")
    with pytest.raises(RegisterError) as info:
        load_register(register)
    assert (info.value.file, info.value.row, info.value.field) == (str(register), 2, "paths")
    assert "more than 32 wildcards" in str(info.value)


# --- the time bound --------------------------------------------------------------------------


def past() -> Deadline:
    return Deadline(at=time.monotonic() - 1, seconds=10)


def test_matching_past_the_deadline_raises_glob_time_bound() -> None:
    patterns = PatternSet.of([("final/**", 0)])
    with pytest.raises(GlobTimeBound) as info:
        patterns.matching("final/a.png", past())
    assert info.value.path == "final/a.png"
    assert str(info.value) == "matching 'final/a.png' against the globs took more than 10 s"
    assert not isinstance(info.value, ScannerError)  # one asset's trouble, not a usage error


def test_area_and_register_matching_take_the_deadline() -> None:
    policy = Policy(final=("final/**",), temporary=("temp/**",))
    index = ApprovalIndex.of([Approval("G-1", "pending", "final", paths=("final/*.png",))])
    with pytest.raises(GlobTimeBound):
        area_for("final/a.png", policy, past())
    with pytest.raises(GlobTimeBound):
        match_asset(ai_asset("final/a.png"), index, deadline=past())
    assert area_for("temp/a.png", policy, Deadline.after()) == "temporary"
    assert [m.request_id for m in match_asset(ai_asset("final/a.png"), index)] == ["G-1"]


def test_the_time_bound_message_does_not_repeat_a_huge_path() -> None:
    with pytest.raises(GlobTimeBound) as info:
        PatternSet.of([("**", 0)]).matching(LONG_NAME, past())
    assert info.value.path == LONG_NAME
    assert len(str(info.value)) < 300


# --- the matcher against a reference ------------------------------------------------------------


def reference_regex(pattern: str) -> re.Pattern[str]:
    """The regex translation the matcher replaced: right, but backtracking (fine on these
    small inputs). One fix: a class never matches '/', as the module docstring says (the old
    translation let `[!-a]` and ranges such as `[*-c]` match it)."""
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        parts.append(reference_segment(segment))
        if not last:
            parts.append("/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible set difference": `[--x]`
        return re.compile("".join(parts) + r"\Z", re.DOTALL)


def reference_segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := reference_class_end(segment, i)) > 0:
            body = segment[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            escaped = "".join(c if c == "-" else re.escape(c) for c in body)
            out.append(f"(?!/)[{'^' if negate else ''}{escaped}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def reference_class_end(segment: str, start: int) -> int:
    j = start + 1
    if j < len(segment) and segment[j] == "!":
        j += 1
    if j < len(segment) and segment[j] == "]":
        j += 1
    return segment.find("]", j)


PATTERN_PARTS = ["a", "b", "c", "/", "*", "?", "[", "]", "!", "-", "**", "**/", "/**", "a-c", "."]
PATH_CHARS = ["a", "b", "c", "/", "-", "!", "[", "]", ".", "\n"]
patterns = st.lists(st.sampled_from(PATTERN_PARTS), min_size=1, max_size=10).map("".join)
paths = st.lists(st.sampled_from(PATH_CHARS), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(pattern=patterns, path_list=st.lists(paths, min_size=1, max_size=8))
def test_matcher_agrees_with_the_reference(pattern: str, path_list: list[str]) -> None:
    cleaned = pathglob.clean(pattern)
    try:
        reference = reference_regex(cleaned)
    except re.error:
        assert pathglob.problem_with(cleaned).startswith("not a valid pattern")
        assert not any(pathglob.matches(cleaned, path) for path in path_list)
        return
    for path in path_list:
        assert pathglob.matches(pattern, path) is (reference.match(path) is not None), path


def test_reference_cases_the_old_translation_got_wrong() -> None:
    assert not pathglob.matches("[*-c]", "/")  # the range holds '/', a class never does
    assert not pathglob.matches("a[!-x]b", "a/b")
    assert pathglob.matches("a[!-x]b", "a.b")  # `-` first in a class is itself
    assert not pathglob.matches("a[!-x]b", "a-b")


# --- the index against trying every pattern -----------------------------------------------------

prefixed = st.tuples(st.sampled_from(["", "final/", "final/a", "temp/", "fin"]), patterns).map(
    "".join
)
prefixed_paths = st.tuples(st.sampled_from(["", "final/", "final/ab", "temp/", "fi"]), paths).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(
    pattern_list=st.lists(prefixed, max_size=12),
    path_list=st.lists(prefixed_paths, min_size=1, max_size=6),
)
def test_pattern_set_finds_what_trying_every_pattern_finds(
    pattern_list: list[str], path_list: list[str]
) -> None:
    index = PatternSet.of((pattern, n) for n, pattern in enumerate(pattern_list))
    for path in path_list:
        expected = [(p, n) for n, p in enumerate(pattern_list) if pathglob.matches(p, path)]
        assert [(hit.pattern, hit.value) for hit in index.matching(path)] == expected
        assert all(h.specificity == pathglob.specificity(h.pattern) for h in index.matching(path))


def test_pattern_set_tries_a_repeated_pattern_once_and_reports_every_entry() -> None:
    index = PatternSet.of([("final/*.png", "A"), ("temp/**", "B"), ("final/*.png", "C")])
    assert len(index.distinct) == 2
    assert [hit.value for hit in index.matching("final/x.png")] == ["A", "C"]


def test_pattern_set_skips_an_invalid_pattern_as_matches_does() -> None:
    index = PatternSet.of([("final/[z-a]", 0), ("final/*", 1)])
    assert [hit.value for hit in index.matching("final/z")] == [1]


def reference_area(path: str, policy: Policy) -> str:
    """area_for before the index: every pattern of every area, in tie order."""
    best: tuple[int, int] | None = None
    best_area = "final"
    for tie, area in enumerate(("archival", "final", "temporary")):
        for pattern in getattr(policy, area):
            if pathglob.matches(pattern, path):
                key = (pathglob.specificity(pattern), -tie)
                if best is None or key > best:
                    best, best_area = key, area
    return best_area


area_lists = st.lists(prefixed, max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(
    final=area_lists,
    temporary=area_lists,
    archival=area_lists,
    path_list=st.lists(prefixed_paths, min_size=1, max_size=6),
)
def test_area_for_chooses_as_before(
    final: tuple[str, ...],
    temporary: tuple[str, ...],
    archival: tuple[str, ...],
    path_list: list[str],
) -> None:
    policy = Policy(final=final, temporary=temporary, archival=archival)
    for path in path_list:
        assert area_for(path, policy) == reference_area(path, policy)


def reference_matches(asset: AssetAnalysis, approvals: Sequence[Approval]) -> list[ApprovalMatch]:
    """match_asset before the index, for sha256, path and tool: every approval, every glob."""
    ranked: list[tuple[tuple[int, int, int], ApprovalMatch]] = []
    for approval in approvals:
        rid = approval.request_id
        globs = [p for p in approval.paths if pathglob.matches(p, asset.path)]
        if asset.sha256 in approval.sha256:
            found = (ApprovalMatch(rid, "sha256", f"{asset.sha256[:16]}…"), 0)
        elif globs:
            narrowest = max(globs, key=pathglob.specificity)
            found = (ApprovalMatch(rid, "path", narrowest), pathglob.specificity(narrowest))
        elif approval.tools and not has_identifiers(approval):
            covered = tools_covered(approval.tools, asset.assessment.generators)
            if not covered:
                continue
            found = (ApprovalMatch(rid, "tool", covered[0]), 0)
        else:
            continue
        match, narrowness = found
        ranked.append(((-SPECIFICITY[match.matched_by], -narrowness, approval.row), match))
    ranked.sort(key=lambda item: item[0])
    return [match for _key, match in ranked]


approval_specs = st.lists(
    st.tuples(
        st.lists(prefixed, max_size=3).map(tuple),
        st.sampled_from([(), ("a" * 64,), ("b" * 64, "a" * 64)]),
        st.sampled_from([(), ("Midjourney",), ("Adobe Firefly",)]),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    specs=approval_specs,
    path=prefixed_paths,
    sha256=st.sampled_from(["a" * 64, "c" * 64]),
    generators=st.sampled_from([(), ("Midjourney",)]),
)
def test_match_asset_ranks_as_before(
    specs: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]],
    path: str,
    sha256: str,
    generators: tuple[str, ...],
) -> None:
    approvals = [
        Approval(f"G-{row}", "approved", "final", paths=p, sha256=s, tools=t, row=row)
        for row, (p, s, t) in enumerate(specs, start=2)
    ]
    asset = ai_asset(path, sha256=sha256, generators=generators)
    expected = reference_matches(asset, approvals)
    assert list(match_asset(asset, approvals)) == expected
    assert list(match_asset(asset, ApprovalIndex.of(approvals))) == expected
