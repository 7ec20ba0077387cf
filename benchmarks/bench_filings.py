"""Reading, matching and checking a filed Conflict Minerals Report, at a real filing's size and larger.

The baseline is a real filing (`../shared/examples/filings/form-sd-2015.txt`, 215 annex rows); the
same filing with its annex grown to 2,000 and 6,000 rows (names varied) must cost about the same
per row, as plain text and as an EDGAR HTML table.
"""

from __future__ import annotations

import html
import tempfile
import time
from pathlib import Path

from conflict_minerals.filings.check import Filing, check_filing, sections_of
from conflict_minerals.filings.parse import read_filing
from conflict_minerals.model import Metal
from conflict_minerals.reference.store import ReferenceStore
from conflict_minerals.smelters.matching import Matcher

REAL = Path(__file__).resolve().parents[2] / "shared" / "examples" / "filings" / "form-sd-2015.txt"
METALS = {metal.value: metal for metal in Metal}


def grown(text: str, rows: int) -> str:
    """The filing with its tab-separated annex rows repeated (names numbered) up to `rows`."""
    lines = text.splitlines()
    annex = [i for i, line in enumerate(lines) if line.count("\t") >= 3 and line.split("\t")[0] in METALS]
    body = [lines[i] for i in annex]
    extra = []
    for n in range(rows - len(body)):
        metal, name, *rest = body[n % len(body)].split("\t")
        extra.append("\t".join([metal, f"{name} Plant {n}", *rest]))
    return "\n".join(lines[: annex[-1] + 1] + extra + lines[annex[-1] + 1 :])


def as_html(text: str) -> str:
    """The text as an EDGAR exhibit: paragraphs, and the annex as one HTML table."""
    parts = ["<html><body>"]
    in_table = False
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) >= 4:
            if not in_table:
                parts.append("<table>")
                in_table = True
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            parts.append("</table>")
            in_table = False
        parts.append(f"<p>{html.escape(line)}</p>")
    parts.append("</table></body></html>" if in_table else "</body></html>")
    return "\n".join(parts)


def measure(label: str, data: bytes, name: str, matcher: Matcher) -> float:
    """Print the seconds to read, match and check one filing, and return microseconds per annex row."""
    start = time.perf_counter()
    parsed = read_filing(data, name)
    read = time.perf_counter()
    for row in parsed.annex:
        matcher.match(row.name, METALS.get(row.metal), row.country, row.smelter_id)
    matched = time.perf_counter()
    check_filing(Filing(name, parsed, sections_of(parsed.lines, ())))
    done = time.perf_counter()
    rows = len(parsed.annex)
    per_row = 1e6 * (done - start) / rows
    print(
        f"  {label:<22} {rows:>5} rows  read {read - start:6.3f} s  match {matched - read:6.3f} s  "
        f"check {done - matched:6.3f} s  {per_row:7.1f} us/row"
    )
    return per_row


def main() -> None:
    """Print read, match and check times per size and format, beside the real filing's per-row cost."""
    if not REAL.is_file():
        print(f"filings: skipped ({REAL} is not beside the checkout)")
        return
    text = REAL.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:  # the bundled reference only, as a first-time user has it
        matcher = Matcher(ReferenceStore(Path(folder)).reference())
    print("Filings import and check (flat us/row = linear; baseline: the real 215-row filing)")
    baseline = measure("real filing (text)", text.encode(), "real.txt", matcher)
    for rows in (2000, 6000):
        big = grown(text, rows)
        for label, data, name in (
            (f"grown to {rows} (text)", big.encode(), "big.txt"),
            (f"grown to {rows} (html)", as_html(big).encode(), "big.htm"),
        ):
            per_row = measure(label, data, name, matcher)
            print(f"    {per_row / baseline:5.2f} x the baseline per row")


if __name__ == "__main__":
    main()
