"""`make demo`: run the whole program on example data the project generates itself.

A fictitious company surveys eight contract manufacturers (one declares no 3TG, one sends a
flawed CMRT and then a corrected one, one never answers), reviews and accepts the answers,
checks smelter status against an example status list clearly marked as illustrative (not
RMI data), and writes the Form SD, the Conflict Minerals Report and its own CMRT.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from conflict_minerals.cmrt.own_extended import write_own_extended
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import demo_emrt, demo_suppliers
from conflict_minerals.filings.check import location_text
from conflict_minerals.model import Finding, LookupEntry, Metal, Severity
from conflict_minerals.program import decisions
from conflict_minerals.program.campaign import require_campaign, start_campaign
from conflict_minerals.program.facilities import EXCLUDE, MAP, DecisionRequest
from conflict_minerals.program.ingest import ingest_files
from conflict_minerals.program.settings import CompanySettings, DueDiligenceSettings, Settings
from conflict_minerals.program.suppliers import add_supplier, find_supplier
from conflict_minerals.program.workspace import Workspace, init_workspace, open_workspace
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.reference.status import read_status_list
from conflict_minerals.report.texts import plural
from conflict_minerals.service.facilities import names_to_decide, resolve_name
from conflict_minerals.service.minerals import extended_summary, write_summary
from conflict_minerals.service.outreach import request_corrections, send_reminders, send_requests
from conflict_minerals.service.reports import ReportResult, run_report
from conflict_minerals.service.templates import export_company_cmrt

PERIOD = 2025
AS_OF = dt.date(2026, 4, 30)
DEMO_COMPANY = CompanySettings(
    legal_name="Northwind Instruments, Inc.",
    state_of_incorporation="Delaware",
    sec_file_number="001-99999",
    irs_ein="12-3456789",
    address="100 Example Parkway, Springfield, Ohio 45501",
    phone="(555) 010-0100",
    contact_name="Morgan Reyes, Director of Compliance",
    contact_email="compliance@northwind.example",
    signer_name="Alex Chen",
    signer_title="General Counsel",
    policy_url="https://www.northwind.example/responsible-minerals",
    business_description=(
        "Northwind Instruments designs and sells test and measurement instruments that contract manufacturers "
        "build for it. It does not buy ore or metal directly and is several tiers removed from the mines, "
        "smelters and refiners."
    ),
    covered_products="test and measurement instruments and their accessories.",
    unique_id="000000001",
    unique_id_authority="DUNS",
)
DEMO_DUE_DILIGENCE = DueDiligenceSettings(
    policy_adopted=True,
    sourcing_policy="The policy asks suppliers to source 3TG responsibly and to survey their own supply chains.",
    management_team="A team from supply chain, legal and quality runs the program and reports to the General Counsel.",
    internal_controls="Supplier files, reviews and decisions are kept for at least five years.",
    supplier_engagement="Suppliers receive the policy and the request to complete the CMRT each year.",
    supplier_contracts="New supplier agreements require suppliers to support the Company's due diligence.",
    grievance_mechanism="Concerns can be raised through the ethics line listed on the Company's website.",
    risk_response="Risks found are reported to the General Counsel, who decides on follow-up with the supplier.",
    audits_relied_on=(
        "The Company does not audit smelters or refiners itself; it relies on the RMAP and the programs RMI recognizes."
    ),
    report_url="https://www.northwind.example/conflict-minerals",
    requires_validated_smelters=True,
    due_diligence_measures=True,
    reviews_supplier_information=True,
    corrective_action_management=True,
)
SIGNATURE_DATE = dt.date(2026, 5, 20)
ILLUSTRATIVE = "ILLUSTRATIVE EXAMPLE - NOT RMI DATA. Facility statuses invented for the conflict-minerals demo."


def write_supplier_files(folder: Path, reference: tuple[LookupEntry, ...]) -> list[Path]:
    """Write every demo supplier's CMRTs, oldest first (file times), and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    stamp = time.time() - 100_000
    for supplier in demo_suppliers(reference):
        for name, data in supplier.files:
            path = folder / name
            write_cmrt(path, data, reference)
            stamp += 10
            os.utime(path, (stamp, stamp))
            paths.append(path)
    name, data = demo_emrt()
    write_own_extended(folder / name, "EMRT", "2.1", data)
    paths.append(folder / name)
    return paths


def write_status_list(path: Path, paths: list[Path]) -> Path:
    """An example status list over the demo's facilities, marked as illustrative in the file itself."""
    from conflict_minerals.cmrt import read_cmrt

    cmrts = [p for p in paths if "-cmrt-" in p.name]
    ids = sorted({row.smelter_id for p in cmrts for row in read_cmrt(p).smelters if row.smelter_id})
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([ILLUSTRATIVE])
        writer.writerow([f"List as of: {AS_OF.isoformat()}"])
        writer.writerow(["Smelter ID", "Metal", "Assessment Status"])
        for index, smelter_id in enumerate(ids):
            if index % 5 == 4:
                continue  # leave some facilities off the list
            label = "Non-Conformant" if index % 11 == 3 else "Active" if index % 7 == 2 else "Conformant"
            writer.writerow([smelter_id, "", label])
    return path


def run_program(workspace: Workspace, paths: list[Path], status_list: Path) -> None:
    """Suppliers, campaign, ingest, review, corrections, decisions and status lists, as a team would."""
    actor = workspace.actor
    suppliers = demo_suppliers(bundled_snapshot().entries)
    with workspace.transaction() as connection:
        for supplier in suppliers:
            add_supplier(connection, actor, supplier.name, supplier.unique_id, "DUNS", supplier.contact, supplier.email)
        start_campaign(connection, actor, PERIOD, dt.date(PERIOD + 1, 3, 31), templates=("CMRT", "EMRT"))
    requests = send_requests(workspace, actor, PERIOD)
    print(f"Initial requests: {len(requests.written)} letters in {workspace.root / 'outbox' / str(PERIOD)}")
    corrected = next(p for p in paths if p.name == "cedarvalley-cmrt-2025-v2.xlsx")
    ingest_files(workspace, [p for p in paths if p != corrected])
    dry = request_corrections(workspace, actor, PERIOD, dry_run=True)
    print("Corrections, dry run (errors only; nothing recorded):")
    for item in dry.planned:
        print(f"  {item.supplier}: due {item.due.isoformat()}, {item.detail}")
    for line in dry.skipped:
        print(f"  {line}")
    request_corrections(workspace, actor, PERIOD, "Cedar Valley Electronics Corp.")
    overdue = send_reminders(workspace, actor, PERIOD).overdue
    print(f"Past the due date: {plural(overdue, 'request')} set to no_response")
    ingest_files(workspace, [corrected])
    decide_facilities(workspace)
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, PERIOD)
        for supplier in suppliers:
            record = find_supplier(connection, supplier.name)
            assert record is not None
            if not supplier.files:
                decisions.escalate(connection, actor, campaign, record, "no answer after a reminder")
            elif decisions.current_submission(connection, campaign, record) is not None:
                decisions.accept(connection, actor, campaign, record, "reviewed", despite_findings=True)
    workspace.reference.add_status(read_status_list(status_list, as_of=AS_OF))


def decide_facilities(workspace: Workspace) -> None:
    """A reviewer settles the names no single facility matched: one mapped, one excluded."""
    year, names = names_to_decide(workspace, PERIOD)
    print(f"Names awaiting a reviewer ({len(names)}):")
    for item in names:
        could_be = ", ".join(c.smelter_id for c in item.candidates) or "no candidate"
        print(f"  {item.metal} '{item.name}' ({item.country}): {could_be}")
    mapped = resolve_name(
        workspace,
        workspace.actor,
        DecisionRequest(
            "Malaysia Smelting Corp",
            Metal.TIN,
            "MALAYSIA",
            MAP,
            "Delta Harbor confirmed by e-mail that it means the Butterworth smelter",
            "CID001105",
        ),
        year,
    )
    excluded = resolve_name(
        workspace,
        workspace.actor,
        DecisionRequest(
            "Kigali Gold Refinery",
            Metal.GOLD,
            "RWANDA",
            EXCLUDE,
            "Fairmont confirmed the refinery supplies only its jewellery line, none of our parts",
            exclusion="not-in-supply-chain",
        ),
        year,
    )
    for decision in (mapped, excluded):
        print(f"  decided: '{decision.name}' {decision.describe()}")


def main(argv: list[str]) -> int:
    """Build the demo in the folder given (default build/demo) and print where the reports are."""
    out = Path(argv[1] if len(argv) > 1 else "build/demo").resolve()
    shutil.rmtree(out, ignore_errors=True)
    reference = bundled_snapshot().entries
    paths = write_supplier_files(out / "supplier-cmrts", reference)
    status_list = write_status_list(out / "example-status-list-ILLUSTRATIVE.csv", paths)
    init_workspace(out / "workspace", Settings(company=DEMO_COMPANY, due_diligence=DEMO_DUE_DILIGENCE))
    workspace = open_workspace(out / "workspace", actor="demo", upgrade=True)
    try:
        run_program(workspace, paths, status_list)
        flawed = flawed_draft(workspace, out / "reports-draft")
        result = run_report(workspace, PERIOD, "demo", AS_OF, out / "reports", signature_date=SIGNATURE_DATE)
        model, written = result.model, result.written
        used = export_company_cmrt(workspace, PERIOD, out / "reports" / f"northwind-cmrt-{PERIOD}.xlsx", AS_OF).used
        minerals = extended_summary(workspace, PERIOD, AS_OF)
        write_summary(minerals, out / "reports" / f"extended-minerals-{PERIOD}.md")
    finally:
        workspace.close()
    f = model.figures
    print(f"Demo company: {DEMO_COMPANY.legal_name}; {len(paths)} supplier files in {out / 'supplier-cmrts'}")
    responded, surveyed, no_3tg = f["suppliers.responded"], f["suppliers.surveyed"], f["suppliers.no_3tg"]
    print(f"Suppliers: {responded} of {surveyed} responded, {no_3tg} declare no 3TG")
    neither = f["facilities.not_conformant"] + f["facilities.not_listed"]
    print(
        f"Facilities: {f['facilities.total']} ({f['facilities.conformant']} conformant, "
        f"{f['facilities.active']} active, {neither} neither) as of {AS_OF.isoformat()}"
    )
    print(f"Status list used is illustrative, not RMI data: {status_list.name}")
    print(f"Company CMRT written in {used.split(' (')[0]}")
    for path in written.files:
        print(f"  {path.name}")
    print(f"Reports written to {written.folder}")
    for template, figures in minerals.templates.items():
        print(f"Extended minerals ({template}): {figures['answered']} of {figures['asked']} suppliers answered")
    for item in minerals.minerals:
        countries = ", ".join(item.countries) or "none named"
        print(f"  {item.mineral}: declared used by {item.declared_used}, {item.facilities} facilities ({countries})")
    print(f"  summary in extended-minerals-{PERIOD}.md")
    print(f"Pre-filing check of the final report: {summary(result.findings)}")
    print(f"Pre-filing check of a deliberately flawed draft ({flawed.written.folder}): {summary(flawed.findings)}")
    for finding in flawed.findings[:12]:
        print(
            f"  {finding.severity.value.upper():<8} {finding.code}  {location_text(finding.source)}: {finding.message}"
        )
    if len(flawed.findings) > 12:
        print(f"  ... and {len(flawed.findings) - 12} more (see pre-filing-check.txt)")
    command = f"conflict-minerals --workspace {shlex.quote(str(out / 'workspace'))}"
    print("Open the demo workspace in the browser (.venv/bin/conflict-minerals when it is not on your PATH):")
    print(f"  {command} serve --port 8000")
    print("  then open the one-time link it prints to create the first administrator, and sign in;")
    print(f"  or create a user first: {command} users add admin --role admin")
    return 0


def flawed_draft(workspace: Workspace, folder: Path) -> ReportResult:
    """The report as it would come out with nothing confirmed and a date without a status list, as a draft."""
    confirmed = workspace.settings
    company = dataclasses.replace(DEMO_COMPANY, sec_file_number="", policy_url="")
    workspace.settings = dataclasses.replace(confirmed, company=company, due_diligence=DueDiligenceSettings())
    try:
        return run_report(workspace, PERIOD, "demo", AS_OF - dt.timedelta(days=400), folder, draft=True)
    finally:
        workspace.settings = confirmed


def summary(findings: list[Finding]) -> str:
    """'0 errors, 0 warnings' for a list of check findings."""
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    return f"{plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
