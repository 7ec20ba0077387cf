"""Build the bundled smelter reference snapshot from the newest public CMRT template.

Usage: python scripts/build_reference_snapshot.py ../shared/rmi-templates/RMI_CMRT_6.5.xlsx

Only facts are kept (ID, metal, names, country, city, state); the workbook itself is never
copied into the project.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.reference.snapshot import SNAPSHOT_DIR, write_snapshot


def main(argv: list[str]) -> int:
    """Read the template given on the command line and write the snapshot files."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sheet = read_lookup_sheet(Path(argv[1]))
    write_snapshot(sheet.entries, f"{sheet.template} {sheet.version}", sheet.list_date, SNAPSHOT_DIR)
    print(f"wrote {len(sheet.entries)} look-up rows of {sheet.template} {sheet.version} to {SNAPSHOT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
