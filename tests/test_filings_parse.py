"""Reading filed Form SD / Conflict Minerals Reports: text extraction, the annex table, stated facts, errors.

The real examples live in ../shared (skipped when absent); every other filing here is synthetic,
with invented company and facility names.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest

from conflict_minerals.filings.parse import AnnexLine, ParsedFiling, parse_filing, read_filing
from conflict_minerals.filings.text import FilingError, filing_lines, filing_text

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples" / "filings"
METAL_ROW = re.compile(r"^(?:Gold|Tin|Tantalum|Tungsten)\t")


def example(name: str) -> bytes:
    """The bytes of a real filing in ../shared, skipping the test when it is absent."""
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"example filing {name} not found in {EXAMPLES} (../shared must sit beside the repo)")
    return path.read_bytes()


def row_named(parsed: ParsedFiling, start: str) -> AnnexLine:
    """The only annex row whose name starts with `start`."""
    found = [row for row in parsed.annex if row.name.startswith(start)]
    assert len(found) == 1, found
    return found[0]


def no_controls(lines: tuple[str, ...] | list[str]) -> bool:
    """Tell whether no line holds a control or format character other than TAB."""
    return all(char == "\t" or unicodedata.category(char)[0] != "C" for line in lines for char in line)


# --- The real examples ---------------------------------------------------------------------------------


def test_2015_example_reads_every_tab_separated_row() -> None:
    data = example("form-sd-2015.txt")
    parsed = read_filing(data, "form-sd-2015.txt")
    # Counted independently: the lines that start with a metal and a TAB.
    expected = [n for n, line in enumerate(data.decode("utf-8").split("\n"), 1) if METAL_ROW.match(line)]
    assert len(parsed.annex) == len(expected) == 215
    assert [row.line for row in parsed.annex] == expected
    assert parsed.registrant == "QUALYS, INC."
    assert parsed.period == 2015
    assert parsed.unread_lines == ()
    first = parsed.annex[0]
    assert (first.metal, first.name, first.country, first.status) == (
        "Gold",
        "Atasay Kuyumculuk Sanayi Ve Ticaret A.S.",
        "TURKEY",
        "Compliant",
    )
    nadir = row_named(parsed, "Nadir Metal Rafineri")
    assert (nadir.metal, nadir.country, nadir.status) == ("Gold", "TURKEY", "Audit expired in 2016")
    assert parsed.lines[nadir.line - 1].startswith("Gold\tNadir Metal Rafineri")
    korea = row_named(parsed, "LS-NIKKO")
    assert korea.country == "KOREA, REPUBLIC OF"
    last = parsed.annex[-1]
    assert (last.metal, last.name, last.status) == ("Tungsten", "Ganzhou Yatai Tungsten Co., Ltd.", "In Progress")
    assert {row.metal for row in parsed.annex} == {"Gold", "Tin", "Tantalum", "Tungsten"}
    assert all(row.smelter_id is None and row.repairs == () for row in parsed.annex)
    assert parsed.legend == ("Compliant", "In Process", "Audit expired in early 2016", "Unknown")
    assert parsed.figures == {
        "suppliers_surveyed": 8,
        "suppliers_responded": 8,
        "facilities_total": 215,
        # "17 of these facilities believed to be sourcing from the Covered Countries" is a subset: not read
    }


def test_2013_example_reads_metal_lines_and_headers_split_over_lines() -> None:
    parsed = read_filing(example("form-sd-2013.txt"), "form-sd-2013.txt")
    # Counted by hand: 93 gold, 44 tin, 21 tantalum and 20 tungsten rows on five pages (the Shandong
    # Zhaojin row is printed twice and counts twice).
    assert len(parsed.annex) == 178
    counts = {metal: sum(1 for row in parsed.annex if row.metal == metal) for metal in ("Gold", "Tin", "Tantalum")}
    assert counts == {"Gold": 93, "Tin": 44, "Tantalum": 21}
    assert parsed.registrant == "QUALYS, INC."
    assert parsed.period == 2013
    nadir = row_named(parsed, "Nadir Metal Rafineri")
    assert (nadir.metal, nadir.name, nadir.country, nadir.status) == (
        "Gold",
        "Nadir Metal Rafineri San. Ve Tic. A.Ş.",
        "Turkey",
        "No",
    )
    assert "Nadir Metal Rafineri" in parsed.lines[nadir.line - 1]
    daejin = row_named(parsed, "Daejin Indus")
    assert daejin.country == "Korea, Republic of"  # printed with no-break spaces, read as spaces
    first, last = parsed.annex[0], parsed.annex[-1]
    assert (first.name, first.country, first.status) == ("Aida Chemical Industries Co. Ltd.", "Japan", "No")
    assert (last.metal, last.name) == ("Tungsten", "Zhuzhou Cemented Carbide Group Co Ltd")
    # The repeated column headers ("Metal", "Location", "“Conflict Free”", "Designation") are not rows or unread.
    assert parsed.unread_lines == ()
    assert not any(row.name in ("Metal", "Location", "Designation") for row in parsed.annex)
    assert all(row.status in ("Yes", "No") for row in parsed.annex)
    assert parsed.legend == ("Yes", "No")
    assert parsed.figures == {"suppliers_surveyed": 9, "suppliers_responded": 4}


# --- Synthetic filings ------------------------------------------------------------------------------------

HTML_EXHIBIT = """<html><head><title>EX-1.01</title><style>p { margin: 0 }</style>
<script>document.write("Gold\\tScript Refinery\\tJapan\\tConformant")</script></head><body>
<p align="center">FORM SD</p>
<p>NORTHWIND GADGETS,&nbsp;INC.</p>
<p>(Exact name of registrant as specified in its charter)</p>
<p>for the reporting period from January&nbsp;1 to December&nbsp;31, 2019.</p>
<p>We surveyed 120 suppliers and received responses from ninety-five of them. Our suppliers identified
6 smelters and refiners. 4 of these smelters were RMAP conformant. One of the facilities is located in
the Covered Countries.</p>
<p>A &#8220;Conformant&#8221; status means the facility completed an RMAP assessment.</p>
<h2>Annex I &ndash; Smelters and Refiners</h2>
<table border="1">
<thead><tr><th>Metal</th><th>Smelter Name</th><th>Smelter ID</th><th>Country</th><th>RMAP Status</th></tr></thead>
<tr><td>Gold</td><td>Aurum &amp; Fils   Affinage</td><td>CID 1234</td><td>France</td><td>Conformant</td></tr>
<tr><td><p>Gold</p></td><td>Minera&ccedil;&atilde;o Sol Dourado</td><td>CID-77</td><td>Brazil</td><td>Active</td></tr>
<tr><td>Tin</td><td>&#8220;Estanho&#8221; Norte Ltda.</td><td>CID000501</td>
<td>Bolivia (Plurinational State of)</td><td>Conformant</td></tr>
</table>
<div style="page-break-before: always"></div>
<p style="text-align:center">- 7 -</p>
<table>
<tr><th>Metal</th><th>Smelter Name</th><th>Smelter ID</th><th>Country</th><th>RMAP Status</th></tr>
<tr><td>Tantalum</td><td>Tantal Werk<br/>Nord GmbH</td><td>CID002001</td><td>Germany</td><td>Not Conformant</td></tr>
<tr><td>Tungsten</td><td>Wolfram Hill Mining Co.</td><td>CID002002</td><td>Viet Nam</td><td>In Progress</td></tr>
<tr><td>Tungsten</td><td>Kivu Lake Metals</td><td></td><td>Rwanda</td><td>Conformant</td></tr>
</table>
<p><b>Future Steps</b></p>
<p>We will continue to engage our suppliers and we expect that their responses will improve next year.</p>
</body></html>
"""


def test_html_exhibit_table_cells_become_tab_fields() -> None:
    lines = filing_lines(HTML_EXHIBIT.encode("utf-8"), "ex1-01.htm")
    assert "Metal\tSmelter Name\tSmelter ID\tCountry\tRMAP Status" in lines
    assert "Gold\tAurum & Fils Affinage\tCID 1234\tFrance\tConformant" in lines  # entity decoded, spaces collapsed
    assert "Tantalum\tTantal Werk Nord GmbH\tCID002001\tGermany\tNot Conformant" in lines
    assert "NORTHWIND GADGETS, INC." in lines  # &nbsp; is a space
    assert not any("Script Refinery" in line or "margin" in line for line in lines)
    assert no_controls(lines)


def test_html_exhibit_annex_over_two_chunks() -> None:
    parsed = read_filing(HTML_EXHIBIT.encode("utf-8"), "ex1-01.htm")
    assert [(row.metal, row.name, row.smelter_id, row.country, row.status) for row in parsed.annex] == [
        ("Gold", "Aurum & Fils Affinage", "CID001234", "France", "Conformant"),
        ("Gold", "Mineração Sol Dourado", "CID000077", "Brazil", "Active"),
        ("Tin", "“Estanho” Norte Ltda.", "CID000501", "Bolivia (Plurinational State of)", "Conformant"),
        ("Tantalum", "Tantal Werk Nord GmbH", "CID002001", "Germany", "Not Conformant"),
        ("Tungsten", "Wolfram Hill Mining Co.", "CID002002", "Viet Nam", "In Progress"),
        ("Tungsten", "Kivu Lake Metals", None, "Rwanda", "Conformant"),
    ]
    assert all(parsed.lines[row.line - 1].startswith(row.metal + "\t") for row in parsed.annex)
    assert parsed.unread_lines == ()
    assert parsed.registrant == "NORTHWIND GADGETS, INC."
    assert parsed.period == 2019
    assert parsed.legend == ("Conformant",)
    assert parsed.figures == {
        "suppliers_surveyed": 120,
        "suppliers_responded": 95,
        "facilities_total": 6,
        "facilities_conformant": 4,
        "facilities_in_covered_countries": 1,
    }


UUENCODED = "begin 644 logo.jpg\nM_]C_X``02D9)1@`!`0$`8`!@``#_VP!#``@&!@<&!0@'!P<)\"0@*#!0-#`L+\n`\nend\n"
SUBMISSION = f"""<SEC-DOCUMENT>0000000000-19-000001.txt : 20190530
<SEC-HEADER>0000000000-19-000001.hdr.sgml : 20190530
ACCESSION NUMBER:\t\t0000000000-19-000001
CONFORMED SUBMISSION TYPE:\tSD
PUBLIC DOCUMENT COUNT:\t\t3
CONFORMED PERIOD OF REPORT:\t20181231
FILER:
\tCOMPANY DATA:
\t\tCOMPANY CONFORMED NAME:\t\t\tZEPHYR DEVICES INC
\t\tCENTRAL INDEX KEY:\t\t\t0000000000
</SEC-HEADER>
<DOCUMENT>
<TYPE>SD
<SEQUENCE>1
<FILENAME>zephyr-sd.htm
<DESCRIPTION>FORM SD
<TEXT>
<html><body><p>SPECIALIZED DISCLOSURE REPORT</p><p>Zephyr Devices Inc.</p>
<p>(Exact name of registrant as specified in its charter)</p></body></html>
</TEXT>
</DOCUMENT>
<DOCUMENT>
<TYPE>EX-1.01
<SEQUENCE>2
<FILENAME>zephyr-ex101.htm
<DESCRIPTION>CONFLICT MINERALS REPORT
<TEXT>
<html><body><p>Conflict Minerals Report</p><p>Smelter List</p>
<table><tr><td>Metal</td><td>Facility Name</td><td>Location</td><td>Status</td></tr>
<tr><td>Gold</td><td>Cobalt Bay Refining</td><td>Canada</td><td>Conformant</td></tr>
<tr><td></td><td>Pacific Dore Works</td><td>Taiwan</td><td>Active</td></tr>
<tr><td>Tin</td><td>Kaleido Tin Works</td><td>Peru</td><td>Conformant</td></tr>
</table></body></html>
</TEXT>
</DOCUMENT>
<DOCUMENT>
<TYPE>GRAPHIC
<SEQUENCE>3
<FILENAME>logo.jpg
<TEXT>
{UUENCODED}</TEXT>
</DOCUMENT>
</SEC-DOCUMENT>
"""


def test_full_submission_keeps_the_form_and_exhibit_and_skips_the_graphic() -> None:
    text = filing_text(SUBMISSION.encode("ascii"), "0000000000-19-000001.txt")
    assert text.header["COMPANY CONFORMED NAME"] == "ZEPHYR DEVICES INC"
    assert text.header["CONFORMED PERIOD OF REPORT"] == "20181231"
    assert "SPECIALIZED DISCLOSURE REPORT" in text.lines
    assert text.lines.index("SPECIALIZED DISCLOSURE REPORT") < text.lines.index("Conflict Minerals Report")
    assert not any("begin 644" in line or line.startswith("M_]C") or "ACCESSION" in line for line in text.lines)
    parsed = read_filing(SUBMISSION.encode("ascii"), "0000000000-19-000001.txt")
    assert parsed.registrant == "ZEPHYR DEVICES INC"  # the header wins over the text's "Zephyr Devices Inc."
    assert parsed.period == 2018
    assert [(row.metal, row.name, row.country) for row in parsed.annex] == [
        ("Gold", "Cobalt Bay Refining", "Canada"),
        ("Gold", "Pacific Dore Works", "Taiwan"),  # empty metal cell: carried over
        ("Tin", "Kaleido Tin Works", "Peru"),
    ]


MARKDOWN = """# Conflict Minerals Report of Lumen Optics plc

This Conflict Minerals Report is filed with Form SD for calendar year 2021. We identified 3 smelters and refiners.
“Not Listed” refers to a facility that RMI does not list.

## Annex A: Smelter List

| Metal | Smelter or Refiner Name | Smelter Identification | Country Location | Status as of May 2, 2022 |
|---|---|---|:---:|---|
| Gold | Alpine Gold Works AG | CID000901 | Switzerland | Conformant |
|  | Lakeside Refining LLC | CID 902 | United States of America | Active |
| Tin | Selat Timah Mandiri | cid-903 | Indonesia | Not Listed |

Smelters are listed as reported by suppliers; we have not verified each of them ourselves.
"""


def test_markdown_pipe_table_with_carried_metal_and_cid_forms() -> None:
    parsed = read_filing(MARKDOWN.encode("utf-8"), "cmr.md")
    assert [(row.metal, row.name, row.smelter_id, row.country, row.status) for row in parsed.annex] == [
        ("Gold", "Alpine Gold Works AG", "CID000901", "Switzerland", "Conformant"),
        ("Gold", "Lakeside Refining LLC", "CID000902", "United States of America", "Active"),
        ("Tin", "Selat Timah Mandiri", "CID000903", "Indonesia", "Not Listed"),
    ]
    assert [row.line for row in parsed.annex] == [10, 11, 12]
    assert parsed.period == 2021
    assert parsed.figures == {"facilities_total": 3}
    assert parsed.legend == ("Not Listed",)
    assert parsed.unread_lines == ()


SPACED = """Harbor Instruments Corp. - Conflict Minerals Report 2020
FORM SD - Exhibit 1.01
Harbor Instruments Corp.
(Exact name of registrant as specified in its charter)

Appendix B

Metal      Smelter Name                          Country                Status
Gold       Northern Star Refinery                Canada                 Conformant
           Harbor Precious Metals                Korea, Republic of     Active
Tin        Jiangxi Example Tin Smelting Company  China                  Conformant
           Limited
Tin        Riverside Solder Works                UNITED STATES          In Progress

Page 2 of 5
Harbor Instruments Corp. - Conflict Minerals Report 2020

Metal      Smelter Name                          Country                Status
Tantalum   Ridgeback Tantalum Works              Japan                  Conformant
Tungsten   Valley Wolfram Processing Co.,        Russian Federation     Not Conformant
           Ltd.
Tungsten   Highland Tungsten                     Austria                Conformant

Page 3 of 5
Harbor Instruments Corp. - Conflict Minerals Report 2020

Future Steps

We will keep asking our suppliers for smelter information and we expect that this will improve the list.
"""


def test_space_aligned_table_across_pages_with_wrapped_names() -> None:
    parsed = read_filing(SPACED.encode("utf-8"), "harbor.txt")
    assert [(row.metal, row.name, row.country, row.status) for row in parsed.annex] == [
        ("Gold", "Northern Star Refinery", "Canada", "Conformant"),
        ("Gold", "Harbor Precious Metals", "Korea, Republic of", "Active"),
        ("Tin", "Jiangxi Example Tin Smelting Company Limited", "China", "Conformant"),
        ("Tin", "Riverside Solder Works", "UNITED STATES", "In Progress"),
        ("Tantalum", "Ridgeback Tantalum Works", "Japan", "Conformant"),
        ("Tungsten", "Valley Wolfram Processing Co., Ltd.", "Russian Federation", "Not Conformant"),
        ("Tungsten", "Highland Tungsten", "Austria", "Conformant"),
    ]
    wrapped = row_named(parsed, "Jiangxi Example")
    assert parsed.lines[wrapped.line - 1].startswith("Tin        Jiangxi Example")  # the row's first line
    assert parsed.unread_lines == ()  # page numbers, running header and repeated header are skipped
    assert parsed.registrant == "Harbor Instruments Corp."


OCR = """FORM SD
Conflict Minerals Report of Quarry Light Ltd for calendar year 2022
SMELTER LIST
Metal Smelter Name Country Status
Tung sten   Eastbay Tungsten Ltd.   China   Conformant
Tln | Riverbend Tin Smelter | Malaysia | Active
G old Sunrise Pretec Corporation Japan Conformant
• Gold ¦ Delta Bullion Refiners ¦ South Africa ¦ Conformant
x#@ ~~ 1l1l ;; qq
Tantalun   Coastal Tantalum Co.   Estonia   Conformant l
Tin Harbor Tin Co CID 4567 Peru Compliant
Gold   Unreadable Refinery   Qzxland   Conformant
We are not aware of any further smelters in our supply chain and we have reported all of them above.
"""


def test_ocr_damage_is_repaired_and_garbage_reported() -> None:
    parsed = read_filing(OCR.encode("utf-8"), "scan.txt")
    read = [(row.metal, row.name, row.country, row.status, row.smelter_id) for row in parsed.annex]
    assert read == [
        ("Tungsten", "Eastbay Tungsten Ltd.", "China", "Conformant", None),
        ("Tin", "Riverbend Tin Smelter", "Malaysia", "Active", None),
        ("Gold", "Sunrise Pretec Corporation", "Japan", "Conformant", None),
        ("Gold", "Delta Bullion Refiners", "South Africa", "Conformant", None),
        ("Tantalum", "Coastal Tantalum Co.", "Estonia", "Conformant", None),
        ("Tin", "Harbor Tin Co", "Peru", "Compliant", "CID004567"),
        ("Gold", "Unreadable Refinery", "Qzxland", "Conformant", None),  # by the header's column order
    ]
    repaired = {row.name: row.repairs for row in parsed.annex}
    assert repaired["Eastbay Tungsten Ltd."] and repaired["Riverbend Tin Smelter"]  # metal words repaired
    assert repaired["Sunrise Pretec Corporation"] and repaired["Coastal Tantalum Co."]
    assert repaired["Delta Bullion Refiners"] == ()
    assert parsed.unread_lines == ((9, "x#@ ~~ 1l1l ;; qq"),)


def test_lines_that_cannot_be_read_inside_the_table_are_reported_not_dropped() -> None:
    lines = [
        "Conflict Minerals Report",
        "Metal\tSmelter Name\tCountry\tStatus",
        "Gold\tFirst Refinery\tJapan\tConformant",
        "Gold\t@@##\t!!",  # no name to read
        "\tSecond Refinery\tJapan\tAwaiting audit\textra",  # read, with what was guessed stated
        "Total: 2 smelters",
        "Tin\tThird Smelter\tPeru\tActive",
        "Notes",  # after the last row: not a piece of its name
    ]
    parsed = parse_filing(lines)
    assert [(row.metal, row.name, row.status) for row in parsed.annex] == [
        ("Gold", "First Refinery", "Conformant"),
        ("Gold", "Second Refinery", "Awaiting audit"),
        ("Tin", "Third Smelter", "Active"),
    ]
    assert parsed.annex[0].repairs == ()
    assert parsed.annex[1].repairs == ("status “Awaiting audit” not recognised", "text ignored: extra")
    assert parsed.unread_lines == ((4, "Gold\t@@##\t!!"), (6, "Total: 2 smelters"))


def test_a_row_wrapped_before_its_country_joins_its_first_line() -> None:
    lines = [
        "Form SD",
        "Metal     Smelter Name                  Country    Status",
        "Gold      Jiangxi Example Copper Company",
        "          Limited                       China      No",
        "Gold      Beta Refinery                 Japan      Yes",
        "Tin       Orphan Head Smelter",
        "",
        "Tin       Gamma Works                   Peru       Yes",
    ]
    parsed = parse_filing(lines)
    assert [(row.metal, row.name, row.country, row.status, row.line) for row in parsed.annex] == [
        ("Gold", "Jiangxi Example Copper Company Limited", "China", "No", 3),
        ("Gold", "Beta Refinery", "Japan", "Yes", 5),
        ("Tin", "Gamma Works", "Peru", "Yes", 8),
    ]
    assert parsed.unread_lines == ((6, "Tin       Orphan Head Smelter"),)  # its rest never came


def test_html_rowspan_column_order_and_row_numbers() -> None:
    html = """<p>Form SD</p><table>
    <tr><th>#</th><th>Smelter Name</th><th>Metal</th><th>Country</th><th>Conformant (Y/N)</th></tr>
    <tr><td>1</td><td>Alpha Refinery</td><td rowspan="2">Gold</td><td>Jiangxi, China</td><td>Y</td></tr>
    <tr><td>2</td><td>Beta Refinery</td><td>Chile</td><td>N</td></tr>
    </table>"""
    parsed = parse_filing(filing_lines(html.encode("utf-8"), "annex.html"))
    assert [(row.metal, row.name, row.country, row.status, row.smelter_id) for row in parsed.annex] == [
        ("Gold", "Alpha Refinery", "Jiangxi, China", "Y", None),  # "#" numbers rows; it is no Smelter ID
        ("Gold", "Beta Refinery", "Chile", "N", None),
    ]


def test_metal_group_headings_and_a_running_header_naming_the_registrant() -> None:
    lines = [
        "Pebble Corp.",
        "(Exact name of registrant as specified in its charter)",
        "Conflict Minerals Report",
        "Gold Refiners",
        "Smelter Name   Country   Status",
        "Alpha Refinery   Japan   Conformant",
        "Pebble Corp.",  # the page header, straight after a row
        "Tin smelters (continued)",
        "Beta Smelting Co.   Peru   Active",
        "Pebble Corp.",
    ]
    parsed = parse_filing(lines)
    assert [(row.metal, row.name) for row in parsed.annex] == [("Gold", "Alpha Refinery"), ("Tin", "Beta Smelting Co.")]
    assert parsed.registrant == "Pebble Corp."
    assert parsed.unread_lines == ()


@pytest.mark.parametrize(
    ("printed", "expected"),
    [("CID000123", "CID000123"), ("CID 123", "CID000123"), ("CID-123", "CID000123"), ("cid#45", "CID000045")],
)
def test_smelter_id_forms(printed: str, expected: str) -> None:
    lines = ["Form SD", "Metal\tSmelter ID\tSmelter Name\tCountry", f"Gold\t{printed}\tSome Refinery\tItaly"]
    (row,) = parse_filing(lines).annex
    assert (row.smelter_id, row.name, row.country, row.status) == (expected, "Some Refinery", "Italy", "")


def test_metal_lines_and_rows_without_a_metal() -> None:
    lines = [
        "Annex I",
        "Gold",
        "   Ridge Assay Office    Switzerland    Yes",
        "   Fjord Metals AS    Norway    No",
        "Tin",
        "",
        "   Cassiterite Works    Bolivia    Yes",
    ]
    parsed = parse_filing(lines)
    assert [(row.metal, row.name, row.line) for row in parsed.annex] == [
        ("Gold", "Ridge Assay Office", 3),
        ("Gold", "Fjord Metals AS", 4),
        ("Tin", "Cassiterite Works", 7),
    ]


# --- Text extraction ----------------------------------------------------------------------------------------


def test_plain_text_decodings_and_control_characters() -> None:
    text = "Form SD\r\n\x1b[1mAnnex\x07\r\nGold\tA\u00a0B Refinery\tJapan\tYes\x0cPage 2\r\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16")):
        lines = filing_lines(data, "filing.txt")
        assert lines[:5] == ["Form SD", "[1mAnnex", "Gold\tA B Refinery\tJapan\tYes", "Page 2", ""]
        assert no_controls(lines)
    cp1252 = filing_lines(b"Form SD \x93Conformant\x94 means audited", "old.txt")
    assert cp1252 == ["Form SD “Conformant” means audited"]


# --- Errors -------------------------------------------------------------------------------------------------

RECIPE = b"Lemon cake\n\nIngredients\n200 g flour\n3 eggs\n\nMix the flour and eggs, bake for 40 minutes.\n"
NO_ANNEX = b"""FORM SD
SPECIALIZED DISCLOSURE REPORT
ACME LTD
(Exact name of registrant as specified in its charter)
We determined that we do not manufacture products that contain conflict minerals, so there is no report.
"""


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "is empty"),
        (b"  \n\n ", "is empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Font /Subtype /Type1>> endobj\n", "is a PDF; export its text"),
        (b"%PDF-1.4\n1 0 obj <</Type /XObject /Subtype /Image>> stream\n\xff\xd8\xff\xe0 endstream", "scanned image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "scanned image without text"),
        (b"\x00\x01" + random.Random(7).randbytes(4096), "binary file"),
        (b"1234 5678 -- 90 / 12", "no readable words"),
        (RECIPE, "does not look like a Form SD or Conflict Minerals Report"),
        (NO_ANNEX, "has no smelter or refiner table"),
    ],
)
def test_unreadable_filings_raise_a_clear_error(data: bytes, fragment: str) -> None:
    with pytest.raises(FilingError, match=re.escape(fragment)) as caught:
        read_filing(data, "upload.bin")
    message = str(caught.value)
    assert message.startswith("upload.bin ") and "\n" not in message and "--" not in message
    assert caught.value.code.startswith("filing.")


def test_oversized_filing_is_refused() -> None:
    with pytest.raises(FilingError, match="larger than 10 MB"):
        filing_lines(b"a" * (10 * 1024 * 1024 + 1), "huge.txt")


HEAD = "FORM SD\nConflict Minerals Report\nMetal\tSmelter Name\tCountry\tStatus\n"


def test_an_annex_longer_than_any_real_one_is_refused_before_matching() -> None:
    rows = "".join(f"Gold\tAurubis AG {i}\tGERMANY\tCompliant\n" for i in range(3001))
    with pytest.raises(FilingError, match="more than 3,000 smelter or refiner rows"):
        read_filing((HEAD + rows).encode(), "big.txt")
    with pytest.raises(FilingError, match="more than 200,000 lines"):
        read_filing((HEAD + "Gold\tAurubis AG\tGERMANY\tCompliant\n" + "a\n" * 200_001).encode(), "lines.txt")


def test_a_pipe_inside_a_tab_separated_cell_is_text() -> None:
    parsed = read_filing((HEAD + "Gold\tFoo | Bar Refining Co\tJAPAN\tCompliant\n").encode(), "pipe.txt")
    assert parsed.annex[0].name == "Foo | Bar Refining Co" and parsed.annex[0].country == "JAPAN"


def test_a_declared_charset_is_honoured_and_a_period_must_be_plausible() -> None:
    page = (
        '<html><head><meta charset="Shift_JIS"></head><body><p>FORM SD</p><p>Conflict Minerals Report for the '
        "calendar year 9999</p><table><tr><td>Metal</td><td>Smelter Name</td><td>Country</td><td>Status</td></tr>"
        "<tr><td>Gold</td><td>日本マテリアル株式会社</td><td>JAPAN</td><td>Compliant</td></tr></table></body></html>"
    )
    parsed = read_filing(page.encode("shift_jis"), "jp.htm")
    assert parsed.annex[0].name == "日本マテリアル株式会社" and parsed.period is None


def test_the_edgar_header_name_is_neutral() -> None:
    submission = (
        "<SEC-HEADER>\nCONFORMED SUBMISSION TYPE:\tSD\nCOMPANY CONFORMED NAME:\t\u202eACME\x1b[31m CORP\n"
        "CONFORMED PERIOD OF REPORT:\t20251231\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>EX-1.01\n<TEXT>\n"
        + HEAD
        + "Gold\tAurubis AG\tGERMANY\tCompliant\n</TEXT>\n</DOCUMENT>\n"
    )
    parsed = read_filing(submission.encode(), "full.txt")
    assert parsed.registrant == "ACME[31m CORP" and parsed.period == 2025
