"""Measure smelter matching: precision and recall on realistic supplier spellings, and speed.

The reference is every CMRT revision in ../shared (6.01-6.5) merged, as a workspace that
has imported them would have; the cases are built from it (see smelters/evaluation.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.smelters.evaluation import build_cases, by_kind, evaluate
from conflict_minerals.smelters.matching import Matcher

TEMPLATES = Path(__file__).resolve().parents[1].parent / "shared" / "rmi-templates"


def main() -> int:
    """Print precision, recall, per-kind misses and rows per second."""
    paths = sorted(TEMPLATES.glob("RMI_CMRT_*.xlsx"))
    if not paths:
        print(f"no CMRT templates in {TEMPLATES}", file=sys.stderr)
        return 2
    revisions = []
    for path in paths:
        sheet = read_lookup_sheet(path)
        revisions.append(ReferenceRevision(f"{sheet.template} {sheet.version}", sheet.list_date, sheet.entries))
    reference = SmelterReference.build(revisions)
    matcher = Matcher(reference)
    cases = build_cases(reference)
    started = time.perf_counter()
    result = evaluate(matcher, cases)
    elapsed = time.perf_counter() - started
    facilities = len(reference.facilities)
    print(f"Smelter matching: {facilities} facilities from {len(revisions)} revisions, {result.cases} cases")
    print(f"  precision {result.precision:.4f} (target >= 0.99)   recall {result.recall:.4f} (target >= 0.95)")
    print(f"  speed     {result.cases / elapsed:,.0f} rows/s")
    for kind, (total, wrong) in by_kind(result, cases).items():
        print(f"  {kind:<20} {total:>5} cases  {wrong:>3} missed or wrong")
    return 0


if __name__ == "__main__":
    sys.exit(main())
