"""`make demo`: write the example suppliers' CMRTs and run the main job on them."""

from __future__ import annotations

import sys
from pathlib import Path

from conflict_minerals.cmrt.batch import read_many
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import demo_suppliers
from conflict_minerals.inspection import summary_lines
from conflict_minerals.reference.snapshot import bundled_snapshot


def write_demo_files(folder: Path) -> list[Path]:
    """Write every demo supplier's CMRT files into `folder` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = bundled_snapshot().entries
    paths = []
    for supplier in demo_suppliers(reference):
        for name, data in supplier.files:
            write_cmrt(folder / name, data, reference)
            paths.append(folder / name)
    return paths


def main(argv: list[str]) -> int:
    """Build the example data in the folder given (default build/demo) and inspect it."""
    out = Path(argv[1] if len(argv) > 1 else "build/demo")
    paths = write_demo_files(out / "supplier-cmrts")
    for result in read_many(paths):
        if result.document is not None:
            print("\n".join(summary_lines(result.document)) + "\n")
        else:
            print(f"error: {result.error}")
    print(f"Demo: {len(paths)} example supplier CMRTs read from {out / 'supplier-cmrts'}")
    print("(Example data is fictitious; smelter facts are from RMI's public Smelter Look-up.)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
