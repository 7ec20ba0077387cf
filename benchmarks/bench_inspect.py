"""Benchmark: `conflict-minerals inspect --json` of 18 mixed CMRTs, whole process, against the merge-script baseline.

The 18 files are RMI's real blank templates of every CMRT revision we read (6.01 to 6.5),
three of each, filled with the demo suppliers' data. The baseline is a whole Python process
doing what merge scripts do: pandas `read_excel` of the Declaration and Smelter List sheets of
each file with openpyxl. Both are timed as complete processes, in this same run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT.parent / "shared" / "rmi-templates"
VERSIONS = ("6.01", "6.1", "6.22", "6.31", "6.4", "6.5")
TARGET = 25.0
BASELINE = """
import sys
import pandas as pd
for path in sys.argv[1:]:
    pd.read_excel(path, sheet_name=["Declaration", "Smelter List"], engine="openpyxl", header=None)
"""


def make_inputs(folder: Path) -> list[Path]:
    """Three filled workbooks of each revision, with different suppliers' data."""
    from conflict_minerals.cmrt.template_filler import fill_template
    from conflict_minerals.demo_data import demo_suppliers
    from conflict_minerals.reference.snapshot import bundled_snapshot

    data = [d for supplier in demo_suppliers(bundled_snapshot().entries) for _, d in supplier.files]
    paths = []
    for number in range(18):
        version = VERSIONS[number % len(VERSIONS)]
        paths.append(folder / f"cmrt-{version}-{number:02d}.xlsx")
        fill_template(TEMPLATES / f"RMI_CMRT_{version}.xlsx", paths[-1], data[number % len(data)])
    return paths


def timed(command: list[str], runs: int) -> float:
    """The median wall time of a whole process over `runs` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print both sides and the ratio."""
    if not TEMPLATES.is_dir():
        print(f"skipped: RMI templates not found in {TEMPLATES}")
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(p) for p in make_inputs(Path(folder))]
        ours = timed([str(Path(sys.executable).with_name("conflict-minerals")), "inspect", "--json", *paths], 5)
        baseline = timed([sys.executable, "-c", BASELINE, *paths], 3)
    ratio = baseline / ours
    verdict = "met" if ratio >= TARGET else "MISSED"
    print("inspect --json of 18 mixed CMRTs (6.01-6.5), whole process, median wall time")
    print(f"  conflict-minerals inspect --json   {ours:7.2f} s")
    print(f"  pandas + openpyxl merge script     {baseline:7.2f} s")
    print(f"  ratio                              {ratio:7.1f}x   (target >= {TARGET:.0f}x -> {verdict})")


if __name__ == "__main__":
    main()
