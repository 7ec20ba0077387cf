"""Rendering speed of the report's Annex table, at 100, 1,000 and 6,000 rows, per format.

Every renderer must stay linear in rows: the per-row cost printed for each size should stay flat.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from conflict_minerals.report.document import Heading, Table
from conflict_minerals.report.render import to_docx, to_edgar_html, to_markdown

HEADERS = ("Metal", "Smelter ID", "Facility", "Country", "Status")


def annex(rows: int) -> list[Heading | Table]:
    """A report body with an Annex of `rows` facilities."""
    body = tuple(
        ("Tin", f"CID{i:06d}", f"Example Smelter No. {i} Sdn. Bhd.", "MALAYSIA", "Conformant") for i in range(rows)
    )
    return [Heading("Annex I", 2), Table(HEADERS, body)]


def main() -> None:
    """Print seconds and microseconds per row for each renderer and size."""
    print("Annex rendering (linear when us/row stays flat)")
    with tempfile.TemporaryDirectory() as folder:
        for rows in (100, 1000, 6000):
            blocks = annex(rows)
            for name, render in (
                ("docx", lambda b: to_docx(b, Path(folder) / "annex.docx")),
                ("edgar-html", lambda b: to_edgar_html("Annex", b)),
                ("markdown", to_markdown),
            ):
                start = time.perf_counter()
                render(blocks)
                seconds = time.perf_counter() - start
                print(f"  {name:<10} {rows:>5} rows  {seconds:7.3f} s  {1e6 * seconds / rows:8.1f} us/row")


if __name__ == "__main__":
    main()
