"""The program in a real browser (Debian's chromium driven by Playwright): first run, upload, review, roles.

One server for the module; each test leaves a screenshot of its last page in build/screenshots/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.service.users import prepare_secrets
from conflict_minerals.web.account import first_run_token
from conflict_minerals.web.app import create_app
from tests.web_helpers import CHROMIUM, CHROMIUM_ARGS, COVERED_SMELTER, PASSWORD, make_program, served, smelter_cmrt

SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
if not CHROMIUM.exists():
    pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A workspace with three suppliers and a campaign, served by uvicorn in a thread."""
    root = tmp_path_factory.mktemp("browser") / "program"
    files = make_program(root, users=False)
    app = create_app(root)
    token = first_run_token(prepare_secrets(app.state.workspace))
    with served(app) as url:
        yield {"url": url, "files": files, "setup": f"/setup?token={token}"}
    app.state.workspace.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    SHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert [e for e in errors if "status of 403" not in e] == [], errors  # no CSP violation, no script error


def _sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")


def test_first_run_admin_adds_colleagues(server: dict[str, Any], page: Any) -> None:
    page.goto(server["url"] + server["setup"])
    page.fill("input[name=name]", "Ada Admin")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button:has-text('Create administrator')")
    page.wait_for_selector("text=You are the administrator")
    page.click("nav >> text=Users")
    for name, role in (("Rita Reviewer", "reviewer"), ("Vic Viewer", "viewer")):
        page.fill("form[action='/users'] input[name=name]", name)
        page.select_option("form[action='/users'] select[name=role]", role)
        page.fill("form[action='/users'] input[name=password]", PASSWORD)
        page.click("button:has-text('Add user')")
        page.wait_for_selector(f"text=User {name} added as {role}")
    assert page.locator("table >> text=Vic Viewer").count() == 1


def test_reviewer_uploads_reviews_and_decides(server: dict[str, Any], page: Any, tmp_path: Path) -> None:
    _sign_in(page, server["url"], "Rita Reviewer")
    page.click("nav >> text=Upload")
    page.set_input_files("#files", [str(f) for f in server["files"]])
    page.click("button:has-text('Upload and review')")
    page.wait_for_selector("text=What happened")
    assert page.locator("tr.outcome-added").count() == 3
    page.click("nav >> text=Suppliers")
    page.click("text=Apex Circuit Assembly")
    page.wait_for_selector("table.findings")
    warning = page.locator("tr.sev-warning").first
    code = warning.locator("code").inner_text()
    page.check("form[action$='/correction'] input[name=warnings]")
    page.click("button:has-text('Request a correction')")
    page.wait_for_selector("text=Correction request written")
    assert page.locator("text=correction").count() >= 1
    warning = page.locator("tr.sev-warning").first
    warning.locator("input[name=reason]").fill("Known template quirk; confirmed with the supplier by phone")
    warning.locator("button:has-text('Waive')").click()
    page.wait_for_selector(f"text=finding(s) {code} waived")
    page.select_option("form[action$='/decide'] select[name=decision]", "accept")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=accept recorded")
    assert page.locator(".state-accepted").count() >= 1
    with page.expect_download() as download_info:
        page.click("text=download the original")
    saved = tmp_path / "original.xlsx"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == server["files"][0].read_bytes()
    page.click("nav >> text=Dashboard")
    page.wait_for_selector("figure.chart svg")
    assert "Facilities by metal and status" in page.content()


def test_viewer_reads_but_cannot_act(server: dict[str, Any], page: Any) -> None:
    _sign_in(page, server["url"], "Vic Viewer")
    page.click("nav >> text=Suppliers")
    page.click("text=Apex Circuit Assembly")
    page.wait_for_selector("text=Versions received")
    assert page.locator("form[action$='/decide']").count() == 0
    assert page.locator("button:has-text('Waive')").count() == 0
    status = page.evaluate(
        """async () => {
            const token = document.querySelector('input[name=csrf_token]').value;
            const body = new URLSearchParams({csrf_token: token, decision: 'reject', reason: 'viewer tries'});
            const answer = await fetch(location.pathname + '/decide', {method: 'POST', body});
            return answer.status;
        }"""
    )
    assert status == 403
    page.click("nav >> text=Audit trail")
    page.fill("input[name=actor]", "Rita Reviewer")
    page.click("button:has-text('Filter')")
    page.wait_for_selector("text=decision")
    text = page.content()
    assert re.search(r"waive", text) and "viewer tries" not in text
    shutil.rmtree(SHOTS / "unused", ignore_errors=True)


def test_reviewer_filters_smelters_opens_evidence_and_resolves_a_name(server: dict[str, Any], page: Any) -> None:
    _sign_in(page, server["url"], "Rita Reviewer")
    cmrt = smelter_cmrt(server["files"][0].parent / "program")
    page.click("nav >> text=Upload")
    page.set_input_files("#files", [str(cmrt)])
    page.click("button:has-text('Upload and review')")
    page.wait_for_selector("text=What happened")
    page.click("nav >> text=Smelters")
    page.check("input[name=covered]")
    page.click("form.filters button:has-text('Filter')")
    page.wait_for_selector("input[name=covered]:checked")
    assert (
        page.locator("#facilities tbody tr").count()
        == page.locator("#facilities .tag:has-text('Covered Country')").count()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "smelters-covered-countries.png"), full_page=True)
    page.click(f"#facilities tr:has(code:has-text('{COVERED_SMELTER}')) a")
    page.wait_for_selector("#evidence")
    assert page.locator("#evidence tbody tr:has-text('Apex Circuit Assembly')").count() >= 1
    page.screenshot(path=str(SHOTS / "smelters-facility-evidence.png"), full_page=True)
    page.click(".crumbs a")
    page.wait_for_selector("#unmatched")
    card = page.locator(".name-card").first
    assert "<img" in card.locator("h3").inner_text()  # shown as text, never as an element
    assert page.locator(".name-card h3 img").count() == 0
    card.locator("select[name=action]").select_option("confirm")
    card.locator("input[name=reason]").fill("A tin smelter in Oruro; not yet on RMI's list, confirmed by site visit")
    card.locator("button:has-text('Record decision')").click()
    page.wait_for_selector("text=confirmed as a facility not on RMI's list")
    assert page.locator("#decisions").count() == 1
    assert "Unmatched rows to resolve (0)" in page.content()
