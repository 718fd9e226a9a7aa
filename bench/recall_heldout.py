"""Recall on the held-out generator layouts (fixtures/heldout.py), per class, and false AI.

Builds the held-out set in a temporary folder, scans it as a delivery with the real pipeline
(`scan_delivery`, no cache) and prints, per class, how many AI files came out `generated` or
`composite`, and every trap that did (false AI). Run it against another provscan to compare,
e.g. main's code unpacked into /tmp/provscan-main (the fixtures come from this checkout). Run it
from outside the checkout: the worker processes put their working folder first on sys.path.

    git archive main scanner | tar -x -C /tmp/provscan-main
    cd /tmp && PYTHONPATH=/tmp/provscan-main $REPO/.venv/bin/python $REPO/bench/recall_heldout.py
    cd /tmp && $REPO/.venv/bin/python $REPO/bench/recall_heldout.py      # this checkout
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: its scanner wins

from fixtures.ca import make_ca  # noqa: E402
from fixtures.heldout import build_heldout  # noqa: E402


def main() -> int:
    import scanner
    from scanner.policy.areas import DEFAULT_POLICY
    from scanner.scan import ScanConfig, scan_delivery

    verbose = "-v" in sys.argv
    ca = make_ca()
    with tempfile.TemporaryDirectory() as tmp:
        items = build_heldout(Path(tmp) / "delivery", ca)
        config = ScanConfig(
            policy=DEFAULT_POLICY,
            as_of=date(2026, 12, 1),
            trust_anchors_pem=ca.root_pem.decode(),
            fingerprints=False,
            jobs=2,
        )
        with scan_delivery(Path(tmp) / "delivery", config) as result:
            found = {a.analysis.path: a for a in result.assets}
    print(f"provscan {scanner.__version__} from {Path(scanner.__file__).parent}")
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_ai = []
    for item in items:
        asset = found.get(item.name)
        ai = asset.analysis.assessment.ai if asset else "not scanned"
        is_ai = ai in ("generated", "composite")
        if item.ai:
            per_class[item.cls][1] += 1
            per_class[item.cls][0] += is_ai
        elif is_ai:
            false_ai.append(item.name)
        if verbose:
            status = asset.finding.status if asset else "-"
            gens = ", ".join(asset.analysis.assessment.generators) if asset else ""
            print(
                f"  {item.name:40} expected {'AI' if item.ai else 'no AI':6} got {ai:11} "
                f"{status:9} {gens}"
            )
    total = [0, 0]
    for cls in sorted(per_class):
        hit, count = per_class[cls]
        total[0] += hit
        total[1] += count
        print(f"{cls:15} {hit:2}/{count:2}")
    print(f"{'all':15} {total[0]:2}/{total[1]:2}")
    print(f"false AI among {sum(1 for i in items if not i.ai)} traps: {false_ai or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
