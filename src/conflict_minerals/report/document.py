"""The Form SD and the Conflict Minerals Report as a list of simple blocks, shared by every renderer."""

from __future__ import annotations

from dataclasses import dataclass

from conflict_minerals.report.model import ReportModel
from conflict_minerals.report.texts import long_date


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


Block = Heading | Paragraph | Table


def _name(model: ReportModel) -> str:
    return model.company.legal_name or "The Company"


def form_sd(model: ReportModel) -> list[Block]:
    """The Form SD: cover, Item 1.01, Item 1.02, Item 2.01 and the signature."""
    c = model.company
    blocks: list[Block] = [
        Paragraph("UNITED STATES SECURITIES AND EXCHANGE COMMISSION", centered=True, bold=True),
        Paragraph("Washington, D.C. 20549", centered=True),
        Heading("FORM SD", 1),
        Paragraph("SPECIALIZED DISCLOSURE REPORT", centered=True, bold=True),
        Paragraph(_name(model), centered=True, bold=True),
        Paragraph("(Exact name of registrant as specified in its charter)", centered=True),
        Table(
            (
                "State or other jurisdiction of incorporation",
                "Commission File Number",
                "IRS Employer Identification No.",
            ),
            ((c.state_of_incorporation or "[state]", c.sec_file_number or "[file number]", c.irs_ein or "[EIN]"),),
        ),
        Paragraph(c.address or "[address of principal executive offices]", centered=True),
        Paragraph("(Address of principal executive offices)", centered=True),
        Paragraph(f"{c.contact_name or '[contact]'}, {c.phone or '[telephone]'}", centered=True),
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
        Heading("Section 1 - Conflict Minerals Disclosure"),
        Heading("Item 1.01 Conflict Minerals Disclosure and Report", 3),
    ]
    blocks += [Paragraph(text) for text in model.texts["form_sd_item_101"]]
    blocks += [
        Heading("Item 1.02 Exhibit", 3),
        Paragraph("The Conflict Minerals Report required by Item 1.01 is filed as Exhibit 1.01 to this Form SD."),
        Heading("Section 2 - Exhibits"),
        Heading("Item 2.01 Exhibits", 3),
        Table(
            ("Exhibit No.", "Description"),
            (("1.01", f"Conflict Minerals Report of {_name(model)} for {model.period}"),),
        ),
        Heading("SIGNATURES"),
        Paragraph(
            "Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused "
            "this report to be signed on its behalf by the duly authorized undersigned."
        ),
        Paragraph(_name(model), bold=True),
        Paragraph(f"By: /s/ {c.signer_name or '[signer]'}"),
        Paragraph(f"Name: {c.signer_name or '[signer]'}"),
        Paragraph(f"Title: {c.signer_title or '[title]'}"),
        Paragraph(f"Date: {long_date(model.generated)}"),
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
        ("Covered products", ("covered_products",)),
        ("Reasonable country of origin inquiry", ("rcoi",)),
        ("Due diligence", ()),
        ("Step 1: Strong company management systems", ("dd_step1",)),
        ("Step 2: Identify and assess risk in the supply chain", ("dd_step2",)),
        ("Step 3: Design and implement a strategy to respond to identified risks", ("dd_step3",)),
        ("Step 4: Independent third-party audit of smelter and refiner due diligence", ("dd_step4",)),
        ("Step 5: Report annually on supply chain due diligence", ("dd_step5",)),
        ("Smelters and refiners identified", ("facilities",)),
        ("Findings and conclusion", ("conclusion",)),
        ("Risk factors", ("risk_factors",)),
        ("Future steps", ("future_steps",)),
    )
    for title, keys in sections:
        blocks.append(Heading(title, 3 if title.startswith("Step") else 2))
        blocks += [Paragraph(text) for key in keys for text in t[key]]
    blocks.append(_summary_table(model))
    if model.risk_notes:
        blocks.append(Heading("Facilities not on any RMI list", 3))
        blocks.append(
            Table(
                ("Metal", "Facility", "Country", "Risk", "Why"),
                tuple((n.metal, n.name, n.country, n.risk, n.reason) for n in model.risk_notes),
            )
        )
    blocks.append(Heading("Annex I - Smelters and refiners", 2))
    blocks += [Paragraph(text) for text in t["annex_note"]]
    blocks.append(
        Table(
            ("Metal", "Smelter ID", "Smelter or refiner", "Country", f"Status as of {long_date(model.as_of)}"),
            tuple((r.metal, r.smelter_id or "-", r.name, r.country, r.status_label) for r in model.annex),
        )
    )
    return blocks


def _summary_table(model: ReportModel) -> Table:
    f = model.figures
    rows = []
    for metal in ("Tantalum", "Tin", "Gold", "Tungsten", None):
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
        ("Supplier rows matching no known facility", "unmatched_rows", ("supplier", "file", "row", "name", "reason")),
        ("Supplier rows that are not facilities", "rejected_rows", ("supplier", "file", "row", "name", "reason")),
    ):
        blocks.append(Heading(title))
        items = wp[key]
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
        return [Heading("Year over year"), Paragraph("No earlier period in this workspace.")]
    c = model.comparison
    lines = [
        ("Suppliers added", c.suppliers_added),
        ("Suppliers dropped", c.suppliers_dropped),
        ("Facilities added", c.facilities_added),
        ("Facilities removed", c.facilities_removed),
    ]
    blocks: list[Block] = [Heading(f"Year over year: {model.period} compared with {c.previous}")]
    blocks += [Paragraph(f"{title}: {', '.join(items) if items else 'none'}.") for title, items in lines]
    changes = tuple((name, before, after) for name, before, after in c.status_changes)
    blocks.append(
        Table(("Facility", f"Status {c.previous}", f"Status {model.period}"), changes)
        if changes
        else Paragraph("Status changes: none.")
    )
    return blocks
