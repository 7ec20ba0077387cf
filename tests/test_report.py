"""The main job: Form SD and CMR from the demo workspace, checked against the data and EDGAR's rules."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conflict_minerals import demo
from conflict_minerals.cli import cli
from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.report.render import edgar_problems
from tests.conftest import cmrt_template

SNAPSHOTS = Path(__file__).parent / "snapshots"
EDGAR_NAME = re.compile(r"^[a-z][a-z0-9]*_?[a-z0-9]*\.htm$")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo program, once for this module."""
    out = tmp_path_factory.mktemp("demo")
    assert demo.main(["demo", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def report(demo_run: Path) -> dict[str, Any]:
    return json.loads((demo_run / "reports" / "report.json").read_text(encoding="utf-8"))


def in_workspace(demo_run: Path, *args: object) -> Any:
    result = CliRunner().invoke(
        cli, ["--workspace", str(demo_run / "workspace"), *map(str, args)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def test_every_output_is_written(demo_run: Path) -> None:
    names = sorted(p.name for p in (demo_run / "reports").iterdir() if not p.name.startswith("."))
    assert names == sorted(
        [
            "conflict-minerals-report.docx",
            "conflict-minerals-report.md",
            "form-sd.docx",
            "form-sd.md",
            "northwind-cmrt-2025.xlsx",
            "extended-minerals-2025.md",
            "northwindex101_2025.htm",
            "northwindsd_2025.htm",
            "pre-filing-check.txt",
            "report.json",
            "working-papers.md",
        ]
    )


@pytest.mark.parametrize("name", ["northwindsd_2025.htm", "northwindex101_2025.htm"])
def test_html_uses_only_what_edgar_permits(demo_run: Path, name: str) -> None:
    html = (demo_run / "reports" / name).read_text(encoding="ascii")
    assert EDGAR_NAME.match(name) and len(name) <= 32
    assert edgar_problems(html) == []
    assert "<script" not in html.lower() and "http" not in html.replace("https://www.northwind.example", "")


def test_edgar_check_catches_what_edgar_refuses() -> None:
    bad = '<html><body><script>x</script><img src="http://x/a.gif"><table><tr><td><table></table></td></tr></table>&copy;</body></html>'
    problems = edgar_problems(bad + "é")
    assert {
        "tag <script> is not permitted",
        "tag <img> is not permitted",
        "nested table",
        "entity &copy; is not permitted",
    } <= set(problems)
    assert any("non-ASCII" in p for p in problems) and any("external reference" in p for p in problems)


def test_report_json_shape(report: dict[str, Any]) -> None:
    assert report["period"] == 2025 and report["as_of"] == "2026-04-30"
    assert set(report["suppliers"]) >= {
        "surveyed",
        "responded",
        "response_rate",
        "no_3tg",
        "no_covered_country_sourcing",
        "company_level",
        "product_level",
    }
    assert report["suppliers"]["surveyed"] == 8 and report["suppliers"]["responded"] == 7
    assert report["suppliers"]["no_3tg"] == 1 and report["suppliers"]["product_level"] == 1
    facilities = report["facilities"]
    assert facilities["total"] == len(report["annex"])
    assert facilities["total"] == sum(facilities[k] for k in ("conformant", "active", "not_conformant", "not_listed"))
    assert sum(m["total"] for m in facilities["by_metal"].values()) == facilities["total"]
    assert set(report["annex"][0]) >= {"metal", "smelter_id", "name", "country", "status"}
    # the evidence itself is in the database, behind `report explain`; report.json says where and how much
    assert report["evidence"]["report_run"] >= 1
    assert report["evidence"]["records"]["facilities.conformant"] >= facilities["conformant"]


def test_figures_agree_with_smelters_json(demo_run: Path, report: dict[str, Any]) -> None:
    current = [
        demo_run / "supplier-cmrts" / row["current_file"]
        for row in report["working_papers"]["suppliers"]
        if row["current_file"]
    ]
    status_list = demo_run / "example-status-list-ILLUSTRATIVE.csv"
    result = CliRunner().invoke(
        cli, ["smelters", *map(str, current), "--status-list", str(status_list), "--as-of", "2026-04-30", "--json"]
    )
    smelters = json.loads(result.output)
    # the files alone know nothing of the reviewers' decisions: the demo maps one name to a Smelter ID
    mapped = {
        d["decision"].split()[-1] for d in report["working_papers"]["facility_decisions"] if "mapped" in d["decision"]
    }
    assert mapped == {"CID001105"}
    annex = {(row["smelter_id"], row["status"]) for row in report["annex"]}
    from_files = {(f["smelter_id"], f["status"]) for f in smelters["facilities"]}
    assert {a for a in annex if a[0] not in mapped} == {f for f in from_files if f[0] not in mapped}
    added = {a for a in annex if a[0] in mapped} - from_files
    counts, facilities = smelters["counts"], report["facilities"]
    assert counts["total"] + len(added) == facilities["total"]
    assert counts["by_metal"]["Gold"] == facilities["by_metal"]["Gold"]["total"]


def test_every_number_in_the_text_is_the_model_figure(demo_run: Path, report: dict[str, Any]) -> None:
    text = (demo_run / "reports" / "conflict-minerals-report.md").read_text(encoding="utf-8")
    s, f = report["suppliers"], report["facilities"]
    expected = [
        f"each of its {s['surveyed']} direct suppliers in scope",
        f"{s['responded']} of them responded, a response rate of {round(s['response_rate'] * 100)}%",
        f"{s['no_3tg']} supplier declared that no 3TG",
        f"{s['no_covered_country_sourcing']} suppliers declared that none of their 3TG comes from the Covered",
        f"although {s['denial_contradicted']} of them named smelters or refiners located there",
        f"{s['company_level']} were given at company level",
        f"and {s['product_level']} was given at product level",
        f"include the {f['total']} smelters and refiners its suppliers named",
        f"{f['conformant']} of them were conformant",
        f"{f['active']} were active",
        f"and {f['not_conformant'] + f['not_listed']} were neither",
        f"{f['in_covered_countries']} {'is' if f['in_covered_countries'] == 1 else 'are'} located in the Covered",
        f"| Total | {f['total']} | {f['conformant']} | {f['active']} | {f['not_conformant']} | {f['not_listed']} |",
    ]
    for fragment in expected:
        assert fragment in text, fragment
    annex_rows = [
        line for line in text.split("## Annex I")[1].splitlines() if line.startswith("| ") and "Smelter ID" not in line
    ]
    assert len(annex_rows) == f["total"]


def normalised(text: str) -> str:
    return re.sub(r"Date: [A-Z][a-z]+ \d{1,2}, \d{4}", "Date: <generated>", text)


@pytest.mark.parametrize("name", ["conflict-minerals-report.md", "form-sd.md"])
def test_rendered_report_matches_snapshot(demo_run: Path, name: str) -> None:
    rendered = normalised((demo_run / "reports" / name).read_text(encoding="utf-8"))
    snapshot = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert rendered == snapshot.read_text(encoding="utf-8")


def test_docx_for_counsel(demo_run: Path, report: dict[str, Any]) -> None:
    from docx import Document

    document = Document(str(demo_run / "reports" / "conflict-minerals-report.docx"))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert "Annex I - Smelters and refiners" in headings and "Findings and conclusion" in headings
    annex = document.tables[-1]
    assert len(annex.rows) == report["facilities"]["total"] + 1
    assert annex.rows[1].cells[1].text == (report["annex"][0]["smelter_id"] or "-")


def test_explain_a_figure(demo_run: Path, report: dict[str, Any]) -> None:
    result = in_workspace(
        demo_run,
        "report",
        "explain",
        "facilities.by_metal.Tin.active",
        "--period",
        "2025",
        "--as-of",
        "2026-04-30",
        "--rows",
        "--json",
    )
    data = json.loads(result.output)
    assert data["value"] == report["facilities"]["by_metal"]["Tin"]["active"]
    ids = {record["smelter_id"] for record in data["evidence"]}
    assert len(ids) == data["value"] == len(data["facilities"])
    assert sum(f["rows"] for f in data["facilities"]) == len(data["evidence"])
    summary = in_workspace(demo_run, "report", "explain", "facilities.by_metal.Tin.active", "--period", "2025").output
    assert all(f["smelter_id"] in summary for f in data["facilities"]) and "supplier(s)" in summary
    assert all(record["file"].endswith(".xlsx") and record["row"] >= 5 for record in data["evidence"])
    text = in_workspace(demo_run, "report", "explain", "suppliers.no_3tg", "--period", "2025").output
    assert "Bluewater Precision Molding Inc." in text


def test_unknown_figure_is_a_clear_error(demo_run: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--workspace", str(demo_run / "workspace"), "report", "explain", "facilities.magic", "--period", "2025"]
    )
    assert result.exit_code == 2 and "no figure 'facilities.magic'" in result.stderr


def test_company_cmrt_in_rmi_template(demo_run: Path, report: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "company.xlsx"
    in_workspace(
        demo_run,
        "export-cmrt",
        "--period",
        "2025",
        "--as-of",
        "2026-04-30",
        "--template",
        cmrt_template("6.5"),
        "--out",
        out,
    )
    document = read_cmrt(out)
    assert {row.smelter_id for row in document.smelters if row.smelter_id} == {
        row["smelter_id"] for row in report["annex"] if row["smelter_id"]
    }
    assert {row.name for row in document.smelters if row.not_listed} == {
        row["name"] for row in report["annex"] if not row["smelter_id"]
    }
    checker_errors = [f for f in document.findings if f.code.startswith("CMRT-C") and f.severity.value == "error"]
    assert checker_errors == []
    assert document.company.name == "Northwind Instruments, Inc."
    not_listed = sum(1 for row in document.smelters if row.not_listed)
    template, written = zipfile.ZipFile(cmrt_template("6.5")), zipfile.ZipFile(out)
    for part in ("xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml"):
        before, after = template.read(part), written.read(part)
        for marker in (b"<dataValidation ", b"<x14:dataValidation "):
            assert after.count(marker) == before.count(marker), (part, marker)
        # a "not listed" row holds typed values in B, C and E, as a supplier's drop-down choice would
        replaced = 3 * not_listed if part.endswith("sheet5.xml") else 0
        assert after.count(b"<f") == before.count(b"<f") - replaced, part
    assert b'fullCalcOnLoad="1"' in written.read("xl/workbook.xml")


def test_company_cmrt_without_template_warns(demo_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--workspace",
            str(demo_run / "workspace"),
            "export-cmrt",
            "--period",
            "2025",
            "--out",
            str(tmp_path / "own.xlsx"),
        ],
    )
    assert result.exit_code == 0
    assert "customers may expect RMI's workbook" in result.stderr
    assert read_cmrt(tmp_path / "own.xlsx").template.version == "6.5"


def test_companies_override_text_blocks(demo_run: Path, tmp_path: Path) -> None:
    templates = demo_run / "workspace" / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "future_steps.txt.j2").write_text(
        "In {{ period + 1 }} we will visit {{ f['facilities.total'] }} sites."
    )
    try:
        in_workspace(
            demo_run,
            "report",
            "--period",
            "2025",
            "--as-of",
            "2026-04-30",
            "--signature-date",
            "2026-05-20",
            "--out",
            tmp_path,
        )
    finally:
        (templates / "future_steps.txt.j2").unlink()
    text = (tmp_path / "conflict-minerals-report.md").read_text(encoding="utf-8")
    total = json.loads((tmp_path / "report.json").read_text())["facilities"]["total"]
    assert f"In 2026 we will visit {total} sites." in text
