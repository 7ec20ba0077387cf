"""Reading an EMRT, CRT or AMRT against reading a CMRT: RMI's blank workbooks, same run, best of 5.

    python benchmarks/bench_extended.py

The baseline is the CMRT 6.5 read by `read_cmrt`; each extended template is read by
`read_extended`. Target (issue): as fast as a CMRT (ratio <= 1.0).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from conflict_minerals.cmrt.extended import read_extended
from conflict_minerals.cmrt.reader import read_cmrt

TEMPLATES = Path(__file__).resolve().parents[2] / "shared" / "rmi-templates"
EXTENDED = ("RMI_EMRT_1.3.xlsx", "RMI_EMRT_2.1.xlsx", "RMI_CRT_2.21.xlsx", "RMI_AMRT_1.3.xlsx")


def best(read: Callable[[Path], object], path: Path, rounds: int = 5) -> float:
    """The fastest of several reads of one file (from memory after the first)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        read(path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    """Print each template's read time beside the CMRT baseline."""
    baseline_path = TEMPLATES / "RMI_CMRT_6.5.xlsx"
    if not baseline_path.exists():
        print(f"no RMI templates in {TEMPLATES}", file=sys.stderr)
        return 1
    baseline = best(read_cmrt, baseline_path)
    print("Extended templates against a CMRT (blank RMI workbooks, best of 5; target ratio <= 1.00)")
    print(f"  {'CMRT 6.5 (baseline)':<24} {baseline * 1000:7.1f} ms")
    for name in EXTENDED:
        took = best(read_extended, TEMPLATES / name)
        verdict = "met" if took <= baseline else "MISSED"
        print(f"  {name.removesuffix('.xlsx'):<24} {took * 1000:7.1f} ms  ratio {took / baseline:5.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
