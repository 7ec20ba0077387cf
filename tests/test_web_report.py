"""The Report page: a stored run's documents, each figure's evidence, the bundle and the company CMRT."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from conflict_minerals.web.app import create_app
from tests.web_helpers import HOSTILE, make_program, run, sign_in


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with three ingested suppliers and a hostile-named one that never answered."""
    root = tmp_path_factory.mktemp("web-report") / "program"
    files = make_program(root)
    run(root, "ingest", *map(str, files))
    return root


@pytest.fixture
def client(program: Path) -> Iterator[TestClient]:
    app = create_app(program)
    with TestClient(app) as made:
        yield made
    app.state.workspace.close()


def _computed(client: TestClient) -> str:
    """Compute a draft as the reviewer; return the report page."""
    token = sign_in(client, "rita")
    response = client.post("/report/compute", data={"csrf_token": token, "as_of": "2026-01-31"})
    assert response.status_code == 200 and "Draft report run" in response.text, response.text[:800]
    return response.text


def test_a_reviewer_computes_the_draft_and_sees_both_documents(client: TestClient) -> None:
    page = _computed(client)
    assert "FORM SD" in page and "Conflict Minerals Report" in page and "Annex I" in page
    assert "DRAFT" in page and "as of <strong>2026-01-31</strong>" in page
    assert 'href="/report/evidence?run=' in page and "figure=facilities.by_metal.Tin.total" in page


def test_a_viewer_sees_the_latest_run_and_cannot_compute(client: TestClient) -> None:
    _computed(client)
    client.post("/logout", data={"csrf_token": re.search(r'csrf_token" value="([^"]+)', client.get("/").text)[1]})  # type: ignore[index]
    token = sign_in(client, "vic")
    page = client.get("/report").text
    assert "FORM SD" in page and 'action="/report/compute"' not in page
    refused = client.post("/report/compute", data={"csrf_token": token, "as_of": "2026-01-31"})
    assert refused.status_code == 403 and "Nothing was changed" in refused.text


def test_a_figure_leads_to_its_suppliers_files_and_rows(client: TestClient) -> None:
    page = _computed(client)
    link = re.search(r'href="(/report/evidence\?run=\d+&amp;figure=suppliers\.responded)"', page)
    assert link
    evidence = client.get(link.group(1).replace("&amp;", "&")).text
    assert "Apex" in evidence and ".xlsx" in evidence
    facilities = client.get(link.group(1).replace("&amp;", "&").replace("suppliers.responded", "facilities.total"))
    rows_link = re.search(r'href="(/report/evidence\?[^"]*facility=[^"]+)"', facilities.text)
    assert rows_link
    rows = client.get(rows_link.group(1).replace("&amp;", "&")).text
    assert "Supplier rows naming" in rows and ".xlsx" in rows and re.search(r'class="num">\d+</td>', rows)
    unknown = client.get("/report/evidence?figure=no.such.figure")
    assert unknown.status_code == 404 and "there is no figure" in unknown.text
    assert client.get("/report/evidence?figure=facilities.total&facility=nope").status_code == 404


def test_supplier_text_is_escaped_on_the_evidence_page(client: TestClient) -> None:
    _computed(client)
    page = client.get("/report/evidence?figure=suppliers.surveyed").text
    assert "<script>alert" not in page and HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in page


def test_the_bundle_is_a_zip_of_the_four_formats(client: TestClient) -> None:
    _computed(client)
    response = client.get("/report/bundle")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {Path(n).suffix for n in names} == {".htm", ".docx", ".md", ".json"}
    assert "form-sd.docx" in names and "conflict-minerals-report.md" in names and "report.json" in names
    assert all("/" not in n and ".." not in n for n in names)


def test_the_company_cmrt_opens_with_openpyxl(client: TestClient) -> None:
    sign_in(client, "vic")
    workspace = client.app.state.workspace  # type: ignore[attr-defined]
    before = workspace.change_count()
    response = client.get("/report/company-cmrt")
    assert response.status_code == 200 and "company-cmrt-2025.xlsx" in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert "Smelter List" in workbook.sheetnames
    assert workspace.change_count() == before  # a download keeps every worker's kept pages
    assert "export.company_cmrt" in client.get("/audit?kind=export").text  # and is still in the audit trail


def test_every_stored_run_stays_reachable_and_the_check_says_what_is_missing(client: TestClient) -> None:
    first = re.search(r"Report run (\d+)", _computed(client))
    token = sign_in(client, "rita")
    second = client.post("/report/compute", data={"csrf_token": token, "as_of": "2026-01-31"}).text
    assert first and f'href="/report?run={first.group(1)}&amp;campaign=2025"' in second and "(shown)" in second
    assert "Pre-filing check:" in second  # each error named, not only counted (a draft has no signature date)
    assert "more error(s); `conflict-minerals filings check --period 2025` lists them all" in second
    older = client.get(f"/report?run={first.group(1)}").text
    assert f"Report run {first.group(1)}" in older
    missing = client.get("/report/evidence?run=999999&figure=suppliers.responded")
    assert missing.status_code == 404 and "no report run 999999" in missing.text
