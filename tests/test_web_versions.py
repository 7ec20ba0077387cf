"""The supplier page says what changed between a supplier's versions of a template."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import demo_suppliers
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.web.app import create_app
from tests.web_helpers import make_program, run, sign_in


def test_a_second_version_shows_what_changed_from_the_first(tmp_path: Path) -> None:
    root = tmp_path / "program"
    make_program(root)
    reference = bundled_snapshot().entries
    cedar = next(s for s in demo_suppliers(reference) if len(s.files) > 1)
    run(root, "suppliers", "add", cedar.name, "--unique-id", cedar.unique_id, "--email", cedar.email)
    for name, data in cedar.files[:2]:
        write_cmrt(tmp_path / name, data, reference)
        run(root, "ingest", str(tmp_path / name), "--supplier", cedar.name)
    app = create_app(root)
    with TestClient(app) as client:
        sign_in(client, "vic")
        listing = client.get("/suppliers?q=cedar").text
        supplier = re.search(r'href="/suppliers/(\d+)">Cedar', listing)
        assert supplier
        page = client.get(f"/suppliers/{supplier.group(1)}").text
    app.state.workspace.close()
    changed = page.split("What changed from v1", 1)
    assert len(changed) == 2, "the second version is not compared with the first"
    section = changed[1].split("</details>", 1)[0]
    assert "nothing it declares" not in changed[1][:60]  # the demo's v2 does change something
    # the demo's v2 drops a trader and an unnamed smelter, and with them the findings about those rows
    assert "2 no longer named</strong>: Gold · Shenzhen Precious Metals Trading; Tin · Unnamed tin smelter" in section
    assert "Findings gone: " in section and "REV-011 at D21" in section
