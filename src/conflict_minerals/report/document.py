"""The Form SD and the Conflict Minerals Report as a list of simple blocks, shared by every renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conflict_minerals.report.model import METALS, STATUS_WORDS, ReportModel
from conflict_minerals.report.texts import confirm, long_date


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading; level 1 is a document title."""

    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of plain text; `centered` for cover-page lines, `bold` for emphasis."""

    text: str
    centered: bool = False
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    cover: bool = False  # the cover page's label-under-value layout, without a grid


Block = Heading | Paragraph | Table


def _name(model: ReportModel) -> str:
    return model.company.legal_name or "The Company"


def _given(value: str, what: str) -> str:
    return value or confirm(what)


def form_sd(model: ReportModel) -> list[Block]:
    """The Form SD as in force: cover, Section 1 (Items 1.01, 1.02), Section 2, Section 3 (Item 3.01), signature."""
    c = model.company
    blocks: list[Block] = [
        Paragraph("UNITED STATES", centered=True, bold=True),
        Paragraph("SECURITIES AND EXCHANGE COMMISSION", centered=True, bold=True),
        Paragraph("Washington, D.C. 20549", centered=True),
        Heading("FORM SD", 1),
        Paragraph("SPECIALIZED DISCLOSURE REPORT", centered=True, bold=True),
        Paragraph(_given(c.legal_name, "exact name of the registrant (company.legal_name)"), centered=True, bold=True),
        Paragraph("(Exact name of the registrant as specified in its charter)", centered=True),
        Table(
            (
                "(State or other jurisdiction of incorporation or organization)",
                "(Commission File Number)",
                "(I.R.S. Employer Identification No.)",
            ),
            (
                (
                    _given(c.state_of_incorporation, "state of incorporation (company.state_of_incorporation)"),
                    _given(c.sec_file_number, "Commission file number (company.sec_file_number)"),
                    _given(c.irs_ein, "I.R.S. employer identification number (company.irs_ein)"),
                ),
            ),
            cover=True,
        ),
        Paragraph(
            _given(c.address, "address of principal executive offices and zip code (company.address)"), centered=True
        ),
        Paragraph("(Address of principal executive offices) (Zip code)", centered=True),
        Paragraph(
            _given(c.contact_name, "name of the person to contact (company.contact_name)")
            + ", "
            + _given(c.phone, "telephone number (company.phone)"),
            centered=True,
        ),
        Paragraph(
            "(Name and telephone number, including area code, of the person to contact in connection with this report)",
            centered=True,
        ),
        Paragraph(
            "Check the appropriate box to indicate the rule pursuant to which this form is being filed, and "
            "provide the period to which the information in this form applies:"
        ),
        Paragraph(
            f"[X] Rule 13p-1 under the Securities Exchange Act (17 CFR 240.13p-1) for the reporting period from "
            f"January 1 to December 31, {model.period}."
        ),
        Paragraph(
            "[ ] Rule 13q-1 under the Securities Exchange Act (17 CFR 240.13q-1) for the fiscal year ended ______."
        ),
        Heading("Section 1 - Conflict Minerals Disclosure"),
        Heading("Item 1.01 Conflict Minerals Disclosure and Report", 3),
    ]
    blocks += [Paragraph(text) for text in model.texts["form_sd_item_101"]]
    blocks += [
        Heading("Item 1.02 Exhibit", 3),
        Paragraph(
            "The Conflict Minerals Report required by Item 1.01 is filed as Exhibit 1.01 to this Form SD, as "
            "provided in Item 3.01."
        ),
        Heading("Section 2 - Resource Extraction Issuer Disclosure"),
        Heading("Item 2.01 Resource Extraction Issuer Disclosure and Report", 3),
        Paragraph("Not applicable."),
        Heading("Section 3 - Exhibits"),
        Heading("Item 3.01 Exhibits", 3),
        Paragraph("The following exhibit is filed as part of this report."),
        Table(
            ("Exhibit No.", "Description"),
            (("1.01", f"Conflict Minerals Report of {_name(model)} for the calendar year {model.period}"),),
        ),
        Heading("SIGNATURES"),
        Paragraph(
            "Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused "
            "this report to be signed on its behalf by the duly authorized undersigned."
        ),
        Paragraph(_given(c.legal_name, "exact name of the registrant (company.legal_name)"), bold=True),
        Paragraph(f"By: /s/ {_given(c.signer_name, 'name of the signer (company.signer_name)')}"),
        Paragraph(f"Name: {_given(c.signer_name, 'name of the signer (company.signer_name)')}"),
        Paragraph(f"Title: {_given(c.signer_title, 'title of the signer (company.signer_title)')}"),
        Paragraph(f"Date: {_signature_date(model)}"),
    ]
    return blocks


def conflict_minerals_report(model: ReportModel) -> list[Block]:
    """Exhibit 1.01: the Conflict Minerals Report with Annex I."""
    t = model.texts
    blocks: list[Block] = [
        Paragraph("Exhibit 1.01", bold=True),
        Heading(f"{_name(model)} - Conflict Minerals Report", 1),
        Paragraph(
            f"For the reporting period from {long_date(model.period_start)} to {long_date(model.period_end)}",
            centered=True,
        ),
    ]
    sections = (
        ("Introduction", ("cmr_introduction",)),
        ("Company overview", ("company_overview",)),
        ("Products covered", ("covered_products",)),
        ("Due diligence framework", ("framework",)),
        ("Reasonable country of origin inquiry", ("rcoi",)),
        ("Due diligence measures", ()),
        ("Step 1: Strong company management systems", ("dd_step1",)),
        ("Step 2: Identify and assess risk in the supply chain", ("dd_step2",)),
        ("Step 3: Design and implement a strategy to respond to identified risks", ("dd_step3",)),
        ("Step 4: Independent third-party audit of smelter and refiner due diligence", ("dd_step4",)),
        ("Step 5: Report annually on supply chain due diligence", ("dd_step5",)),
        ("Facilities used to process the 3TG", ("facilities",)),
        ("Countries of origin", ("origin",)),
        ("Efforts to determine the mine or location of origin", ("mine_efforts",)),
        ("Findings and conclusion", ("conclusion",)),
        ("Independent private sector audit", ("audit",)),
        ("Risk factors", ("risk_factors",)),
        ("Future steps", ("future_steps",)),
    )
    for title, keys in sections:
        paragraphs = [text for key in keys for text in t[key]]
        if keys and not paragraphs:
            continue  # an optional block the company left empty (future steps)
        blocks.append(Heading(title, 3 if title.startswith("Step") else 2))
        blocks += [Paragraph(text) for text in paragraphs]
        if "facilities" in keys:
            blocks += _facility_tables(model)
    blocks.append(Heading("Annex I - Smelters and refiners", 2))
    blocks += [Paragraph(text) for text in t["annex_note"]]
    blocks.append(
        Table(
            ("Metal", "Smelter ID", "Smelter or refiner", "Country", f"Status as of {long_date(model.as_of)}"),
            tuple((r.metal, r.smelter_id or "-", r.name, r.country, r.status_label) for r in model.annex),
        )
    )
    return blocks


def _facility_tables(model: ReportModel) -> list[Block]:
    blocks: list[Block] = [_summary_table(model)]
    if model.risk_notes:
        blocks.append(Heading("Facilities on none of the status lists consulted", 3))
        blocks.append(
            Table(
                ("Metal", "Facility", "Country", "Risk", "Why"),
                tuple((n.metal, n.name, n.country, n.risk, n.reason) for n in model.risk_notes),
            )
        )
    return blocks


def _summary_table(model: ReportModel) -> Table:
    f = model.figures
    rows = []
    for metal in (*METALS, None):
        prefix = f"facilities.by_metal.{metal}" if metal else "facilities"
        rows.append(
            (
                metal or "Total",
                *(
                    str(f[f"{prefix}.{key}"])
                    for key in ("total", "conformant", "active", "not_conformant", "not_listed")
                ),
            )
        )
    return Table(("Metal", "Facilities", "Conformant", "Active", "Not conformant", "Not listed"), tuple(rows))


def working_papers(model: ReportModel) -> list[Block]:
    """Internal working papers: what the figures rest on, open items and year over year."""
    wp = model.working_papers
    blocks: list[Block] = [Heading(f"Working papers - {model.period} (as of {model.as_of.isoformat()})", 1)]
    blocks.append(Heading("Suppliers"))
    blocks.append(
        Table(
            ("Supplier", "State", "Current file", "Version"),
            tuple(
                (s["supplier"], s["state"], s["current_file"] or "-", str(s["version"] or "-")) for s in wp["suppliers"]
            ),
        )
    )
    for title, key, columns in (
        ("Responses still under review (counted in the figures)", "under_review", ("supplier", "file", "state")),
        ("Incomplete or unreliable responses", "incomplete", ("supplier", "open_errors")),
        ("Escalations to management", "escalations", ("supplier", "date", "reason")),
        (
            "Names awaiting a reviewer's decision (not in the Annex or the figures)",
            "unmatched_rows",
            ("supplier", "file", "row", "name", "reason"),
        ),
        ("Supplier rows that are not facilities", "rejected_rows", ("supplier", "file", "row", "name", "reason")),
        (
            "Facility decisions by reviewers",
            "facility_decisions",
            ("name", "metal", "country", "decision", "reason", "by", "on", "rows"),
        ),
        ("Supplier rows excluded by a decision", "excluded_rows", ("supplier", "file", "row", "name", "reason")),
    ):
        blocks.append(Heading(title))
        items = wp.get(key, [])
        if not items:
            blocks.append(Paragraph("None."))
            continue
        blocks.append(
            Table(
                tuple(c.replace("_", " ").capitalize() for c in columns),
                tuple(tuple(_text(item[c]) for c in columns) for item in items),
            )
        )
    blocks += _comparison(model)
    return blocks


def _text(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else ("-" if value is None else str(value))


def _comparison(model: ReportModel) -> list[Block]:
    if model.comparison is None:
        return [
            Heading("Year over year"),
            Paragraph("No report run or imported filing for an earlier period in this workspace."),
        ]
    c = model.comparison
    lines = [("Facilities added", c.facilities_added), ("Facilities removed", c.facilities_removed)]
    if c.suppliers_known:
        lines = [("Suppliers added", c.suppliers_added), ("Suppliers dropped", c.suppliers_dropped), *lines]
    blocks: list[Block] = [
        Heading(f"Year over year: {model.period} compared with {c.previous}"),
        Paragraph(f"The {c.previous} figures are those of {c.source}, as reported then."),
    ]
    long = [(title, items) for title, items in lines if len(items) > 10]
    blocks += [
        Paragraph(f"{title}: {', '.join(items) if items else 'none'}.") for title, items in lines if len(items) <= 10
    ]
    if long:  # hundreds of names read better as a table than as one paragraph
        blocks.append(Table(("Change", "Facility"), tuple((title, item) for title, items in long for item in items)))
    if c.statuses_compared and not c.suppliers_known:  # an imported filing: its printed words, mapped
        blocks.append(
            Paragraph(
                f"The {c.previous} statuses are the words that filing printed, mapped to today's statuses; "
                "the audit programs and their names have changed over the years, so read changes with care."
            )
        )
    if not c.statuses_compared:
        blocks.append(Paragraph("Status changes: not compared, because one of the two periods had no status list."))
    elif c.status_changes:
        changes = tuple((name, STATUS_WORDS[old], STATUS_WORDS[new]) for name, old, new in c.status_changes)
        blocks.append(Table(("Facility", f"Status {c.previous}", f"Status {model.period}"), changes))
    else:
        blocks.append(Paragraph("Status changes: none."))
    return blocks


def _signature_date(model: ReportModel) -> str:
    if model.signature_date is None:
        return confirm("date of signature (--signature-date)")
    return long_date(model.signature_date)


def blocks_json(blocks: list[Block]) -> list[dict[str, object]]:
    """Blocks as JSON, to keep them with a stored report run."""
    out: list[dict[str, object]] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append({"heading": block.text, "level": block.level})
        elif isinstance(block, Paragraph):
            out.append({"paragraph": block.text, "centered": block.centered, "bold": block.bold})
        else:
            out.append({"headers": list(block.headers), "rows": [list(r) for r in block.rows], "cover": block.cover})
    return out


def blocks_from_json(items: list[dict[str, Any]]) -> list[Block]:
    """Blocks back from their JSON (see `blocks_json`)."""
    blocks: list[Block] = []
    for item in items:
        if "heading" in item:
            blocks.append(Heading(str(item["heading"]), int(item["level"])))
        elif "paragraph" in item:
            blocks.append(Paragraph(str(item["paragraph"]), bool(item["centered"]), bool(item["bold"])))
        else:
            rows = tuple(tuple(str(cell) for cell in row) for row in item["rows"])
            blocks.append(Table(tuple(str(h) for h in item["headers"]), rows, bool(item["cover"])))
    return blocks
