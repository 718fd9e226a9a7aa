"""The long fuzz run (issue 7 item 5): the checks of tests/test_fuzz.py, for minutes or hours.

    .venv/bin/python bench/fuzz_long.py --minutes 30 --seed 1 --out fuzz-findings/

Each input is a seed file with 1..6 random mutations (`fixtures.mutate`); media inputs go
through every extractor, the fingerprint, sniff and walk (`check_media`), one in ten inputs is
a mutated register (`check_register`). A failure does not stop the run: its input and a replay
line (seed name + mutations) are written to --out and counted. The input about to run is
always at OUT/current.bin first, so a native crash (which would end this process) leaves the
file that caused it. Prints the counts at the end; exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures import mutate  # noqa: E402
from fixtures.fuzz_targets import (  # noqa: E402
    REGISTER_FRAGMENTS,
    check_media,
    check_register,
    media_seeds,
    register_seeds,
)

REGISTER_SHARE = 0.1


def _register_mutations(rng: random.Random) -> list[tuple]:
    out: list[tuple] = []
    for _ in range(rng.randrange(1, 5)):
        kind = rng.choice(("flip", "truncate", "insert", "insert", "repeat"))
        if kind == "flip":
            out.append(("flip", rng.random(), rng.randrange(1, 256)))
        elif kind == "truncate":
            out.append(("truncate", rng.random()))
        elif kind == "insert":
            out.append(("insert", rng.random(), rng.choice(REGISTER_FRAGMENTS)))
        else:
            out.append(("repeat", rng.random(), rng.randrange(1, 64), rng.randrange(2, 64)))
    return out


def _signature(exc: BaseException) -> str:
    """Where it failed and how, without the input-specific text: groups findings."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/scanner/" in f.filename or "/fixtures/" in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    return f"{type(exc).__name__} at {place}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--inputs", type=int, default=0, help="stop after this many (0: no cap)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seed-bytes", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()

    warnings.simplefilter("ignore")  # Pillow warns on every corrupt EXIF: not a finding
    rng = random.Random(args.seed)
    seeds = media_seeds(args.max_seed_bytes)
    seed_bytes = [data for _, data in seeds]
    registers = register_seeds()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="provscan-fuzz-long-"))
    deadline = time.monotonic() + args.minutes * 60
    counts: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    started = time.monotonic()

    while time.monotonic() < deadline and not (args.inputs and counts["inputs"] >= args.inputs):
        counts["inputs"] += 1
        if rng.random() < REGISTER_SHARE:
            name, base = registers[rng.randrange(len(registers))]
            mutations = _register_mutations(rng)
            data = mutate.apply(base, mutations)
            run, kind = (lambda n=name, d=data: check_register(n, d, work / "r")), "register"
        else:
            index = rng.randrange(len(seeds))
            name, base = seeds[index]
            mutations = mutate.random_mutations(rng, rng.randrange(1, 7), len(seeds))
            data = mutate.apply(base, mutations, seed_bytes)
            target = "input" + Path(name).suffix
            run, kind = (lambda d=data, t=target: check_media(d, work / "m", t)), "media"
        counts[kind] += 1
        (args.out / "current.bin").write_bytes(data)
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every escape is a finding, recorded
            signature = _signature(exc)
            findings[signature] += 1
            number = sum(findings.values())
            (args.out / f"finding-{number:04d}{Path(name).suffix}").write_bytes(data)
            with open(args.out / "findings.jsonl", "a", encoding="utf-8") as log:
                line = {"n": number, "seed": name, "mutations": mutations, "kind": kind,
                        "signature": signature, "error": str(exc)[:300]}  # fmt: skip
                log.write(json.dumps(line, default=repr) + "\n")
        if counts["inputs"] % 500 == 0:
            rate = counts["inputs"] / (time.monotonic() - started)
            print(f"{counts['inputs']} inputs, {sum(findings.values())} findings, "
                  f"{rate:.0f}/s", file=sys.stderr)  # fmt: skip

    (args.out / "current.bin").unlink(missing_ok=True)
    elapsed = time.monotonic() - started
    print(json.dumps({
        "inputs": counts["inputs"], "media": counts["media"], "registers": counts["register"],
        "seconds": round(elapsed, 1), "seeds": len(seeds), "findings": dict(findings),
    }, indent=2))  # fmt: skip
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
