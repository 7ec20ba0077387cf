"""The Report page in a real browser: compute the draft, follow a figure to its evidence, download the bundle.

Leaves screenshots of the report preview and of the evidence page in build/screenshots/.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.web.app import create_app
from tests.web_helpers import CHROMIUM, CHROMIUM_ARGS, PASSWORD, make_program, run, served

SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip("chromium is not installed at /usr/bin/chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three ingested suppliers and users of each role, served by uvicorn in a thread."""
    root = tmp_path_factory.mktemp("browser-report") / "program"
    files = make_program(root)
    run(root, "ingest", *map(str, files))
    app = create_app(root)
    with served(app) as url:
        yield url
    app.state.workspace.close()


def test_report_preview_evidence_and_bundle(server: str, tmp_path: Path) -> None:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page: Any = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{server}/login")
        page.fill("input[name=name]", "rita")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.click("nav >> text=Report")
        page.fill("input[name=as_of]", "2026-01-31")
        page.click("button:has-text('Compute the draft report')")
        assert "Draft report run" in page.text_content(".flash.ok")
        assert page.locator("article[aria-label='Form SD']").is_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report_preview.png"), full_page=False)
        page.click(".figures-panel a[href*='figure=suppliers.responded']")
        assert "Evidence" in page.text_content("h1") and ".xlsx" in page.text_content("main table")
        page.go_back()
        page.click(".paper a.fig[href*='figure=facilities.total']")
        page.click("main table a >> nth=0")
        assert "Supplier rows naming" in page.text_content("h2")
        page.screenshot(path=str(SHOTS / "report_evidence.png"), full_page=True)
        page.click("text=← Report run")
        with page.expect_download() as download_info:
            page.click("text=Download the filing bundle")
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)
        names = zipfile.ZipFile(saved).namelist()
        assert {Path(n).suffix for n in names} == {".htm", ".docx", ".md", ".json"}
        context.close()
        browser.close()
    assert errors == [], errors  # no CSP violation, no script error
