"""Build the bundled smelter reference from RMI's public templates: facts only, one folder per revision.

Usage: python scripts/build_reference_snapshot.py ../shared/rmi-templates/RMI_CMRT_*.xlsx  (CMRT only for now)

The newest revision becomes the package's main snapshot (`data/smelter-reference.csv`); every
revision is kept under `data/revisions/`, so IDs RMI has since retired stay known without ever
trusting a supplier's look-up. Only facts are kept (ID, metal, names, country, city, state);
no workbook is copied into the project.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.reference.snapshot import REVISIONS_DIR, SNAPSHOT_DIR, revision_slug, write_snapshot


def main(argv: list[str]) -> int:
    """Read the templates given on the command line and write the snapshot files."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sheets = sorted(
        (read_lookup_sheet(Path(arg)) for arg in argv[1:]), key=lambda s: (s.list_date or dt.date.min, s.version)
    )
    newest = [s for s in sheets if s.template == "CMRT"][-1]
    for sheet in sheets:
        label = f"{sheet.template} {sheet.version}"
        if sheet is not newest and sheet.entries:
            write_snapshot(sheet.entries, label, sheet.list_date, REVISIONS_DIR / revision_slug(label))
            print(f"wrote {len(sheet.entries)} look-up rows of {label} ({sheet.list_date})")
    write_snapshot(newest.entries, f"{newest.template} {newest.version}", newest.list_date, SNAPSHOT_DIR)
    print(f"main snapshot: {newest.template} {newest.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
