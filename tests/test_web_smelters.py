"""The Smelters, Reference and minerals pages: escaping, decisions, a status list kept only when confirmed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conflict_minerals.web.app import create_app
from tests.web_helpers import COVERED_SMELTER, HOSTILE, HOSTILE_SMELTER, csrf_of, make_program, sign_in, smelter_cmrt

STATUS_CSV = (
    "Smelter ID,Metal,Standard Smelter Name,Country,Status\nCID003185,Gold,African Gold Refinery,Uganda,Conformant\n"
)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where Apex's CMRT names a Covered Country refiner and a hostile unknown name."""
    root = tmp_path_factory.mktemp("web-smelters") / "program"
    make_program(root)
    cmrt = smelter_cmrt(root)
    app = create_app(root)
    with TestClient(app) as client:
        token = sign_in(client, "rita")
        client.post("/upload", data={"csrf_token": token}, files=[("files", (cmrt.name, cmrt.read_bytes()))])
    app.state.workspace.close()
    return root


@pytest.fixture
def client(program: Path) -> Iterator[TestClient]:
    app = create_app(program)
    with TestClient(app) as made:
        yield made
    app.state.workspace.close()


def test_smelter_names_from_suppliers_are_escaped(client: TestClient) -> None:
    sign_in(client, "vic")
    page = client.get("/smelters").text
    assert HOSTILE_SMELTER not in page and "&lt;img src=x onerror=alert(2)&gt; Tin Works" in page
    assert "Unmatched rows to resolve (1)" in page and "Smelter List</td><td>" in page
    assert 'action="/smelters/resolve"' not in page  # a viewer sees no form


def test_filters_and_a_facility_s_evidence(client: TestClient) -> None:
    sign_in(client, "vic")
    covered = client.get("/smelters?covered=yes").text
    links = re.findall(r'href="(/smelters/facility\?key=[^"]+)"', covered)
    assert f"/smelters/facility?key={COVERED_SMELTER}" in links and "African Gold Refinery" in covered
    assert len(links) == covered.count(">Covered Country<") and len(links) < client.get("/smelters").text.count("?key=")
    evidence = client.get(f"/smelters/facility?key={COVERED_SMELTER}").text
    assert COVERED_SMELTER in evidence and "Apex Circuit Assembly" in evidence and "Covered Country" in evidence
    assert re.search(r"<td>Smelter List</td><td>\d+</td>", evidence)
    assert client.get("/smelters/facility?key=nothing").status_code == 404
    assert "No facility matches" in client.get("/smelters?metal=Gold&status=conformant&as_of=2000-01-01").text


def _apex_asks_about_the_name(client: TestClient) -> bool:
    """Whether Apex's current CMRT still has the finding that asks about the hostile smelter name."""
    supplier = re.search(r'href="/suppliers/(\d+)">Apex', client.get("/suppliers?q=apex").text)
    assert supplier
    page = client.get(f"/suppliers/{supplier.group(1)}").text
    current = page.split("Versions received", 1)[1].split("</section>", 1)[0]
    return "REV-011" in current and "Tin Works" in current


def test_a_reviewer_resolves_and_withdraws_a_name(client: TestClient) -> None:
    token = sign_in(client, "rita")
    assert _apex_asks_about_the_name(client)
    form = {"csrf_token": token, "name": HOSTILE_SMELTER, "metal": "Tin", "country": "BOLIVIA", "action": "exclude",
            "exclusion": "trader", "reason": "a trading house, per its website"}  # fmt: skip
    done = client.post("/smelters/resolve", data=form).text
    assert "excluded: a trader" in done and "Unmatched rows to resolve (0)" in done
    assert not _apex_asks_about_the_name(client)  # decided: the supplier's file is reviewed again
    number = re.search(r'action="/smelters/decisions/(\d+)/withdraw"', done)
    assert number
    refused = client.post(f"/smelters/decisions/{number.group(1)}/withdraw", data={"csrf_token": token}).text
    assert "needs a reason" in refused
    back = client.post(f"/smelters/decisions/{number.group(1)}/withdraw", data={"csrf_token": token, "reason": "wrong"})
    assert "Unmatched rows to resolve (1)" in back.text
    assert _apex_asks_about_the_name(client)  # withdrawn: asked about again
    audit = client.get("/audit.csv?actor=rita").text
    assert "facility.exclude" in audit and "facility.withdrawn" in audit
    assert "a trading house, per its website" in audit


def test_a_status_list_is_kept_only_when_confirmed(client: TestClient) -> None:
    token = sign_in(client, "ada")
    upload = {"file": ("rmi-conformant-2025-03-01.csv", STATUS_CSV.encode())}
    preview = client.post("/reference/status", data={"csrf_token": token}, files=upload).text
    assert "as of 2025-03-01" in preview and "1 conformant" in preview
    assert "No status list imported" in client.get("/reference").text  # nothing stored yet
    staged = re.search(r'name="token" value="([^"]+)"', preview)
    assert staged
    forged = client.post("/reference/status/confirm", data={"csrf_token": token, "token": "x", "decision": "store"})
    assert "no status list waiting" in forged.text and "No status list imported" in forged.text
    preview = client.post("/reference/status", data={"csrf_token": token}, files=upload).text
    staged = re.search(r'name="token" value="([^"]+)"', preview)
    assert staged
    kept = client.post("/reference/status/confirm",
                       data={"csrf_token": token, "token": staged.group(1), "decision": "store"}).text  # fmt: skip
    assert "kept, used as of 2025-03-01" in kept and "rmi-conformant-2025-03-01.csv" in kept
    assert "reference.status_imported" in client.get("/audit.csv?actor=ada").text
    smelters = client.get("/smelters?covered=yes").text
    assert "status-conformant" in smelters
    item = re.search(r'<option value="(status:\d+)">', kept)
    assert item
    removed = client.post("/reference/remove", data={"csrf_token": token, "item": item.group(1), "reason": "test"})
    assert "Removed status" in removed.text and "No status list imported" in removed.text


def test_reference_imports_need_an_admin_and_rmi_s_own_files(client: TestClient) -> None:
    token = sign_in(client, "rita")
    page = client.get("/reference").text
    assert "CMRT" in page and 'action="/reference/status"' not in page and "needs the admin role" in page
    upload = {"file": ("list.csv", STATUS_CSV.encode())}
    assert client.post("/reference/status", data={"csrf_token": token}, files=upload).status_code == 403
    client.cookies.clear()
    token = sign_in(client, "ada")
    forged = client.post("/reference/lookup", data={"csrf_token": token}, files={"file": ("x.xlsx", b"not excel")})
    assert "flash error" in forged.text and "look-up rows" not in forged.text
    big = client.post("/reference/status", data={"csrf_token": token}, files={"file": ("a.csv", b"x" * (21 << 20))})
    assert big.status_code == 200 and "larger than 20 MB" in big.text  # within the body limit: refused per file


def test_dashboard_rate_chart_and_extended_minerals(client: TestClient) -> None:
    sign_in(client, "vic")
    board = client.get("/").text
    assert "Response rate by week" in board and "<polyline" in board and "The figures by week" in board
    assert 'href="/minerals"' in board
    minerals = client.get("/minerals").text
    assert "Extended minerals" in minerals and csrf_of(minerals)


def test_supplier_fields_suggest_names_instead_of_listing_every_supplier(client: TestClient) -> None:
    sign_in(client, "vic")
    assert client.get("/suppliers/names?q=circuit%20ASS").json() == ["Apex Circuit Assembly Sdn. Bhd."]
    assert client.get("/suppliers/names?q=%25").json() == []  # '%' is a character, not a wildcard
    hostile = client.get("/suppliers/names?q=script")
    assert hostile.headers["content-type"] == "application/json" and hostile.json() == [HOSTILE]
    page = client.get("/smelters").text
    assert "<option>Apex" not in page and 'data-suggest="/suppliers/names"' in page  # no list of every supplier
    by_part = client.get("/smelters?supplier=apex circuit").text
    assert f"/smelters/facility?key={COVERED_SMELTER}" in by_part
    assert "No facility matches" in client.get("/smelters?supplier=nobody+of+that+name").text


def test_facilities_and_names_come_a_page_at_a_time(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from conflict_minerals.service import smelters

    sign_in(client, "vic")
    every = re.findall(r'href="/smelters/facility\?key=([^"&]+)', client.get("/smelters").text)
    monkeypatch.setattr(smelters, "PER_PAGE", 2)
    first, second = (client.get(f"/smelters?page={n}").text for n in (1, 2))
    on_first = re.findall(r'href="/smelters/facility\?key=([^"&]+)', first)
    assert len(on_first) == 2 and f"page 1 of {-(-len(every) // 2)}" in first and "page=2" in first
    assert set(on_first).isdisjoint(re.findall(r'href="/smelters/facility\?key=([^"&]+)', second))
    assert on_first == every[:2]  # the same order, cut into pages
    assert "No facility matches" in client.get("/smelters?page=999999").text  # past the end: an empty page
    assert on_first[0] in client.get("/smelters?page=99999999999").text  # absurd: the first page


def test_countries_read_as_in_the_report_and_a_map_needs_its_smelter_id(client: TestClient) -> None:
    token = sign_in(client, "rita")
    page = client.get("/smelters").text
    assert re.search(r"<td>[A-Z ,]{6,}</td>", page) is None  # no 'KOREA, REPUBLIC OF' in capitals
    name = re.search(r'name="name" value="([^"]+)"', page)
    assert name
    data = {"csrf_token": token, "action": "map", "name": html.unescape(name.group(1)), "reason": "checked"}
    mapped = client.post("/smelters/resolve", data={**data, "smelter_id": ""})
    assert "Give the Smelter ID" in mapped.text and "None is not" not in mapped.text
