"""A filing counsel would file: nothing unconfirmed, the pre-filing check, drafts, scope, origin, baselines."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from conflict_minerals import demo
from conflict_minerals.cli import cli
from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.program.schema import report_runs
from conflict_minerals.program.settings import load_settings, render_settings
from conflict_minerals.program.workspace import open_workspace
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

FILINGS = Path(__file__).resolve().parents[2] / "shared" / "examples" / "filings"
RWANDAN = [{"metal": "Tin", "lookup_name": "Minsur", "mine_name": "Rubaya", "mine_country": "RWANDA"}]


def _supplier(program: Program, build_cmrt, name: str, unique_id: str, **changes: object) -> None:  # type: ignore[no-untyped-def]
    company = dict(FULL_DECLARATION["company"], name=name, unique_id=unique_id)
    program("suppliers", "add", name, "--unique-id", unique_id)
    program("ingest", build_cmrt("6.5", declaration(company=company, **changes), f"{unique_id}.xlsx"))


def _status_list(program: Program, tmp_path: Path) -> None:
    listed = tmp_path / "status.csv"
    listed.write_text("Smelter ID,Status\nCID000015,Conformant\nCID001182,Active\n", encoding="utf-8")
    program("refdata", "import-status", listed, "--as-of", "2026-04-30")


def _confirm_everything(program: Program) -> None:
    """Fill the settings as the demo company did (every statement confirmed)."""
    path = program.root / "conflict-minerals.toml"
    settings, problems = load_settings(path)
    assert problems == []
    company = dataclasses.replace(demo.DEMO_COMPANY, legal_name="Acme Devices Inc.")
    confirmed = dataclasses.replace(settings, company=company, due_diligence=demo.DEMO_DUE_DILIGENCE)
    path.write_text(render_settings(confirmed), encoding="utf-8")


def _runs(program: Program) -> int:
    workspace = open_workspace(program.root)
    try:
        with workspace.read() as connection:
            return int(connection.execute(select(func.count()).select_from(report_runs)).scalar_one())
    finally:
        workspace.close()


@pytest.fixture
def season(program: Program, build_cmrt, tmp_path: Path) -> Program:  # type: ignore[no-untyped-def]
    program("campaign", "start", "2025")
    _supplier(program, build_cmrt, "Acme Components Ltd.", "123456789")
    _supplier(program, build_cmrt, "Kivu Boards Ltd.", "987654321", smelters=RWANDAN)
    _status_list(program, tmp_path)
    return program


def test_nothing_unconfirmed_reaches_a_final_filing(season: Program, tmp_path: Path) -> None:
    out = tmp_path / "final"
    refused = season("report", "--period", "2025", "--out", out, ok=False)
    assert refused.exit_code == 1 and "not ready to file" in refused.stderr
    assert (
        "[CONFIRM: Commission file number (company.sec_file_number)]" in refused.stderr
        and "Traceback" not in refused.output
    )
    assert not out.exists() and _runs(season) == 0  # nothing written, nothing stored

    checked = season("filings", "check", "--period", "2025", "--json", ok=False)
    assert checked.exit_code == 1
    findings = json.loads(checked.stdout)["findings"]
    assert {"code", "severity", "message", "location"} == set(findings[0])
    assert {"FIL-T-001", "FIL-T-002"} <= {f["code"] for f in findings}

    draft = tmp_path / "draft"
    season("report", "--period", "2025", "--out", draft, "--draft")
    cmr = (draft / "conflict-minerals-report.md").read_text(encoding="utf-8")
    form = (draft / "form-sd.md").read_text(encoding="utf-8")
    for text in (cmr, form):
        assert text.startswith("**DRAFT - NOT FOR FILING**") and text.rstrip().endswith("**DRAFT - NOT FOR FILING**")
    htm = next(p for p in draft.glob("*.htm") if "ex101" in p.name).read_text(encoding="ascii")
    assert htm.count("DRAFT - NOT FOR FILING") >= 2
    from docx import Document

    header = Document(str(draft / "form-sd.docx")).sections[0].header
    assert "DRAFT - NOT FOR FILING" in " ".join(p.text for p in header.paragraphs)
    assert "The Company has adopted" not in cmr and "[CONFIRM: whether the Company has adopted" in cmr
    assert (
        "/s/ [CONFIRM: name of the signer (company.signer_name)]" in form
        and "Date: [CONFIRM: date of signature" in form
    )
    assert "FIL-T-001" in (draft / "pre-filing-check.txt").read_text(encoding="utf-8")

    company = tmp_path / "company.xlsx"
    season("export-cmrt", "--period", "2025", "--as-of", "2026-04-30", "--out", company)
    answers = {a.question: a.value for a in read_cmrt(company).company_answers}
    assert answers.get("A") is None and answers.get("C") is None  # nobody confirmed a policy or a team

    _confirm_everything(season)
    final = tmp_path / "final2"
    done = season("report", "--period", "2025", "--out", final, "--signature-date", "2026-05-20")
    assert "Pre-filing check: 0 error(s)" in done.stdout
    form = (final / "form-sd.md").read_text(encoding="utf-8")
    assert "Date: May 20, 2026" in form and "DRAFT" not in form and "[CONFIRM" not in form
    season("export-cmrt", "--period", "2025", "--as-of", "2026-04-30", "--out", company)
    answers = {a.question: a.value for a in read_cmrt(company).company_answers}
    assert answers["A"] == "Yes" and answers["C"] == "Yes"


def test_the_form_in_force_and_every_element(season: Program, tmp_path: Path) -> None:
    _confirm_everything(season)
    out = tmp_path / "r"
    season("report", "--period", "2025", "--out", out, "--signature-date", "2026-05-20")
    form = (out / "form-sd.md").read_text(encoding="utf-8")
    for words in (
        "(State or other jurisdiction of incorporation or organization)",
        "(Address of principal executive offices) (Zip code)",
        "[X] Rule 13p-1",
        "[ ] Rule 13q-1",
        "Section 2 - Resource Extraction Issuer Disclosure",
        "Section 3 - Exhibits",
        "Item 3.01 Exhibits",
    ):
        assert words in form, words
    assert "Item 2.01 Exhibits" not in form
    cmr = (out / "conflict-minerals-report.md").read_text(encoding="utf-8")
    for heading in (
        "Due diligence framework",
        "Products covered",
        "Facilities used to process the 3TG",
        "Countries of origin",
        "Efforts to determine the mine or location of origin",
        "Independent private sector audit",
    ):
        assert f"## {heading}" in cmr, heading
    assert "OECD Due Diligence Guidance for Responsible Supply Chains" in cmr and "Third Edition" in cmr
    # the mine country a supplier declared, said as what suppliers stated
    origin = cmr.split("## Countries of origin")[1].split("##")[0]
    assert "Tin: Rwanda" in origin and "Suppliers declared mines in the Covered Countries: Rwanda" in origin
    assert "not a determination by the Company" in origin
    # two suppliers deny Covered Country sourcing; Minsur is in Peru, so none is contradicted
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["origin"]["countries"] == {"Tin": ["Rwanda"]}
    assert data["signature_date"] == "2026-05-20" and data["draft"] is False


def test_out_of_scope_suppliers_leave_every_figure(season: Program, tmp_path: Path) -> None:
    before = tmp_path / "before"
    season("report", "--period", "2025", "--out", before, "--draft")
    season("not-applicable", "Kivu Boards Ltd.", "--reason", "supplies packaging only", "--campaign", "2025")
    after = tmp_path / "after"
    season("report", "--period", "2025", "--out", after, "--draft")
    b = json.loads((before / "report.json").read_text(encoding="utf-8"))
    a = json.loads((after / "report.json").read_text(encoding="utf-8"))
    assert b["suppliers"]["surveyed"] == 2 and a["suppliers"]["surveyed"] == 1
    assert a["suppliers"]["responded"] == 1 and a["suppliers"]["out_of_scope"] == 1
    assert a["origin"]["countries"] == {}  # its mine countries left with it
    cmr = (after / "conflict-minerals-report.md").read_text(encoding="utf-8")
    assert "1 further supplier was found not to supply products in scope and is not counted" in cmr
    assert "The Company asked its one direct supplier in scope" in cmr and "The supplier responded." in cmr


def test_user_defined_scope_is_counted(program: Program, build_cmrt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    program("campaign", "start", "2025")
    company = dict(FULL_DECLARATION["company"], declaration_scope="C", scope_description="Our sensor line")
    program("suppliers", "add", "Acme Components Ltd.", "--unique-id", "123456789")
    program("ingest", build_cmrt("6.5", declaration(company=company), "c.xlsx"))
    out = tmp_path / "r"
    program("report", "--period", "2025", "--out", out, "--draft")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["suppliers"]["user_defined"] == 1
    cmr = (out / "conflict-minerals-report.md").read_text(encoding="utf-8")
    assert "Of the responses that concern 3TG, 1 was given for a scope the supplier defined." in cmr
    assert "1 suppliers" not in cmr and "(s)" not in cmr


@pytest.mark.skipif(not FILINGS.is_dir(), reason="../shared/examples/filings is not beside the checkout")
def test_last_years_filing_is_the_baseline(season: Program, tmp_path: Path) -> None:
    filing = FILINGS / "form-sd-2015.txt"
    imported = season("filings", "import", filing, "--period", "2024")
    assert "Kept as the 2024 baseline" in imported.stdout
    again = season("filings", "import", filing, "--period", "2024")
    assert "Already kept as the 2024 baseline" in again.stdout
    out = tmp_path / "r"
    result = season("report", "--period", "2025", "--out", out, "--draft")
    assert "Compared with 2024 (imported filing form-sd-2015.txt)" in result.stdout
    comparison = json.loads((out / "report.json").read_text(encoding="utf-8"))["comparison"]
    assert comparison["baseline"] == "imported filing form-sd-2015.txt" and comparison["suppliers_known"] is False
    assert "Minsur (CID001182)" not in comparison["facilities_added"]  # Minsur was in the 2015 annex too
    assert len(comparison["facilities_removed"]) > 100 and comparison["status_changes"] is not None
    assert "imported filing form-sd-2015.txt" in (out / "working-papers.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not FILINGS.is_dir(), reason="../shared/examples/filings is not beside the checkout")
def test_filings_import_outside_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONFLICT_MINERALS_WORKSPACE", raising=False)
    runner = CliRunner()
    printed = runner.invoke(cli, ["filings", "import", str(FILINGS / "form-sd-2015.txt"), "--json"])
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.stdout)
    assert set(data) == {"registrant", "period", "figures", "annex", "unread_lines"}
    assert data["registrant"] == "QUALYS, INC." and data["period"] == 2015
    assert data["figures"]["facilities_total"] == len(data["annex"]) == 215
    row = data["annex"][0]
    assert {"metal", "name", "country", "status", "smelter_id", "match_method", "confidence", "line"} <= set(row)
    assert row["country"] == "TURKEY" and row["status"] == "Compliant"  # as printed
    assert sum(1 for r in data["annex"] if r["smelter_id"]) > 180
    table = runner.invoke(cli, ["filings", "import", str(FILINGS / "form-sd-2013.txt"), "--csv"])
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(rows) == 178 and rows[0]["metal"] == "Gold" and rows[0]["status"] == "No"
    checked = runner.invoke(cli, ["filings", "check", str(FILINGS / "form-sd-2013.txt"), "--json"])
    assert checked.exit_code == 1
    findings = json.loads(checked.stdout)["findings"]
    duplicate = [f for f in findings if f["code"] == "FIL-X-005"]
    assert len(duplicate) == 1 and "Shandong Zhaojin" in duplicate[0]["message"]
    assert "annex row 74" in duplicate[0]["location"]
    assert any(f["code"] == "FIL-T-003" and "DRC conflict undeterminable" in f["message"] for f in findings)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n" + b"\x00" * 200, "scanned image"),
        (b"It was a dark and stormy night.\n" * 50, "does not look like a Form SD"),
        (
            b"FORM SD\nSPECIALIZED DISCLOSURE REPORT\nConflict Minerals Report\nWe have no table here.\n",
            "no smelter or refiner table",
        ),
    ],
)
def test_a_bad_filing_is_one_line(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "filing.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["filings", "import", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says.lower() in lines[0].lower(), lines


def test_docx_is_counsel_ready(tmp_path: Path) -> None:
    from docx import Document
    from docx.oxml.ns import qn

    out = tmp_path / "demo"
    assert demo.main(["demo", str(out)]) == 0
    document = Document(str(out / "reports" / "conflict-minerals-report.docx"))
    for style in ("Heading 1", "Heading 2", "Heading 3"):
        color = document.styles[style].font.color
        assert color.rgb is not None and str(color.rgb) == "000000", style
    annex = document.tables[-1]
    header = annex.rows[0]._tr
    assert header.find(qn("w:trPr")) is not None and header.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert all(row._tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for row in annex.rows[1:5])
    widths = [cell.width for cell in annex.rows[0].cells]
    assert len(set(widths)) > 2  # sized to content, not equal shares
    name_column = max(range(len(widths)), key=lambda i: widths[i])
    assert annex.rows[0].cells[name_column].text == "Smelter or refiner"
    shutil.rmtree(out)


def test_import_refuses_impossible_years_and_keeps_errors_neutral(tmp_path: Path) -> None:
    path = tmp_path / "good.txt"
    path.write_text("FORM SD\nMetal\tSmelter Name\tCountry\tStatus\nGold\tAurubis AG\tGERMANY\tYes\n", encoding="utf-8")
    runner = CliRunner()
    for year in ("0", "99999", "-5"):
        refused = runner.invoke(cli, ["filings", "import", str(path), "--period", year])
        assert refused.exit_code == 2 and "Traceback" not in refused.output, year
    hostile = tmp_path / "e\x1b[31mvil\nname.txt"
    hostile.write_bytes(b"")
    result = runner.invoke(cli, ["filings", "import", str(hostile)])
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\\x1b" in result.stderr


def test_signature_and_comparison_dates_must_make_sense(season: Program, tmp_path: Path) -> None:
    early = season("report", "--period", "2025", "--out", tmp_path / "r", "--signature-date", "2025-06-30", ok=False)
    assert early.exit_code == 2 and "is not after the reporting period 2025" in early.stderr
    same = season("report", "--period", "2025", "--out", tmp_path / "r", "--compare", "2025", "--draft", ok=False)
    assert same.exit_code == 2 and "compare with an earlier period" in same.stderr
    _confirm_everything(season)
    season("report", "--period", "2025", "--out", tmp_path / "r", "--signature-date", "2026-05-20")
    checked = season("filings", "check", "--period", "2025")  # signed as the stored run was: clean
    assert "0 error(s)" in checked.stdout


def test_the_baseline_is_the_final_run_not_a_later_draft(season: Program, tmp_path: Path) -> None:
    from conflict_minerals.report.runs import find_filed_run

    _confirm_everything(season)
    season("report", "--period", "2025", "--out", tmp_path / "final", "--signature-date", "2026-05-20")
    final = json.loads((tmp_path / "final" / "report.json").read_text(encoding="utf-8"))["evidence"]["report_run"]
    season("report", "--period", "2025", "--out", tmp_path / "draft", "--draft", "--as-of", "2026-04-30")
    workspace = open_workspace(season.root)
    try:
        with workspace.read() as connection:
            found = find_filed_run(connection, 2025)
    finally:
        workspace.close()
    assert found is not None and found.id == final and found.data["signature_date"] == "2026-05-20"


def test_reports_and_exports_are_in_the_audit_trail(season: Program, tmp_path: Path) -> None:
    season("report", "--period", "2025", "--out", tmp_path / "r", "--draft")
    season("export-cmrt", "--period", "2025", "--as-of", "2026-04-30", "--out", tmp_path / "c.xlsx")
    events = json.loads(season("log", "--json").stdout)
    written = [e for e in events if e["kind"] == "report.written"]
    exported = [e for e in events if e["kind"] == "export.company_cmrt"]
    assert len(written) == 1 and len(exported) == 1
    assert written[0]["detail"]["draft"] is True and written[0]["detail"]["errors"] > 0
    assert exported[0]["detail"]["file"] == "c.xlsx"
