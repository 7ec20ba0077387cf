"""Benchmark: files per second reading real CMRT 6.5 workbooks, against the merge-script baseline.

The baseline is what merge scripts do today: pandas `read_excel` of the "Declaration" and
"Smelter List" sheets with openpyxl. Both run in this same invocation, on the same files,
each in a fresh subprocess so peak memory (max RSS) is measured per side.

Inputs: the real blank CMRT 6.5 from ../shared, filled with openpyxl and, when LibreOffice
is installed, recalculated and saved by it (cached values, as in files saved by Excel).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT.parent / "shared" / "rmi-templates" / "RMI_CMRT_6.5.xlsx"
FILES = 48
BASELINE_FILES = 8


def make_inputs(folder: Path) -> tuple[list[Path], str]:
    """Fill the template with the demo suppliers' data; recalculate with LibreOffice if present."""
    # Imported here so that each measured side loads only what it uses.
    from conflict_minerals.cmrt.template_filler import fill_template
    from conflict_minerals.demo_data import demo_suppliers
    from conflict_minerals.reference.snapshot import bundled_snapshot

    filled = []
    for supplier in demo_suppliers(bundled_snapshot().entries):
        for name, data in supplier.files:
            filled.append(folder / name)
            fill_template(TEMPLATE, filled[-1], data, engine="openpyxl")
    soffice = shutil.which("soffice")
    kind = "filled with openpyxl (no cached values)"
    if soffice:
        out = folder / "recalculated"
        command = [soffice, f"-env:UserInstallation=file://{folder}/lo", "--headless", "--calc"]
        subprocess.run(
            [*command, "--convert-to", "xlsx", "--outdir", str(out), *map(str, filled)], check=True, capture_output=True
        )
        filled = [out / path.name for path in filled]
        kind = "recalculated and saved by LibreOffice (cached values, like Excel)"
    copies = []
    for number in range(FILES):
        source = filled[number % len(filled)]
        copies.append(folder / f"cmrt-{number:03d}.xlsx")
        shutil.copyfile(source, copies[-1])
    return copies, kind


def run_side(side: str, paths: list[Path]) -> dict[str, float]:
    """Run one side in a fresh interpreter and return its timings and peak memory."""
    command = [sys.executable, __file__, "--side", side, *map(str, paths)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def side_ours(paths: list[str]) -> dict[str, float]:
    """Read every file with our reader (both cores), then one file at a time for latency."""
    from conflict_minerals.cmrt import read_cmrt
    from conflict_minerals.cmrt.batch import read_many

    read_cmrt(paths[0])  # import and first-use costs are not part of throughput
    started = time.perf_counter()
    results = list(read_many(paths))
    elapsed = time.perf_counter() - started
    assert all(r.document is not None for r in results)
    assert sum(len(r.document.smelters) for r in results if r.document) > 10 * len(results)
    latencies = []
    for path in paths[:12]:
        one = time.perf_counter()
        read_cmrt(path)
        latencies.append(time.perf_counter() - one)
    return {
        "seconds": elapsed,
        "files": len(paths),
        "latency_ms": 1000 * sorted(latencies)[len(latencies) // 2],
        **_rss(),
    }


def side_baseline(paths: list[str]) -> dict[str, float]:
    """Read both sheets of every file with pandas + openpyxl, as merge scripts do."""
    import pandas as pd

    started = time.perf_counter()
    for path in paths:
        frames = pd.read_excel(path, sheet_name=["Declaration", "Smelter List"], engine="openpyxl", header=None)
        assert len(frames["Smelter List"]) > 4
    return {"seconds": time.perf_counter() - started, "files": len(paths), **_rss()}


def _rss() -> dict[str, float]:
    """Peak memory of this process: VmHWM (ru_maxrss would carry over the parent's peak across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return {"peak_mb": int(line.split()[1]) / 1024}
    except OSError:
        pass
    return {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    """Build the inputs, run both sides and print the comparison."""
    if not TEMPLATE.exists():
        print(f"missing {TEMPLATE}: ../shared must sit beside the repository", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        paths, kind = make_inputs(Path(tmp))
        ours = run_side("ours", paths)
        baseline = run_side("baseline", paths[:BASELINE_FILES])
    ours_rate = ours["files"] / ours["seconds"]
    base_rate = baseline["files"] / baseline["seconds"]
    print(f"CMRT reader benchmark: CMRT 6.5 workbooks {kind}")
    print(
        f"  conflict-minerals  {ours['files']:>3} files  {ours_rate:7.1f} files/s  "
        f"median {ours['latency_ms']:.1f} ms/file single-threaded  peak {ours['peak_mb']:.0f} MB"
    )
    print(
        f"  pandas+openpyxl    {baseline['files']:>3} files  {base_rate:7.1f} files/s  "
        f"{1000 / base_rate:.0f} ms/file  peak {baseline['peak_mb']:.0f} MB"
    )
    print(f"  ratio              {ours_rate / base_rate:.1f}x (target >= 20x; latency target < 60 ms)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--side":
        side = side_ours if sys.argv[2] == "ours" else side_baseline
        print(json.dumps(side(sys.argv[3:])))
        sys.exit(0)
    sys.exit(main())
