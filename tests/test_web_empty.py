"""A workspace with users but no campaign yet: every page says so, and no action fails with a server error."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from starlette.routing import Route
from starlette.testclient import TestClient

from conflict_minerals.cli import cli
from conflict_minerals.web.app import create_app
from tests.web_helpers import PASSWORD, run, sign_in


def test_without_a_campaign_every_page_answers_and_compute_says_why(tmp_path: Path) -> None:
    root = tmp_path / "program"
    assert CliRunner().invoke(cli, ["init", str(root), "--company", "Acme Devices Inc."]).exit_code == 0
    run(root, "users", "add", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    app = create_app(root)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = sign_in(client, "ada")
        pages = [
            r.path for r in app.routes if isinstance(r, Route) and "{" not in r.path and "GET" in (r.methods or ())
        ]
        for path in pages:
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
        computed = client.post("/report/compute", data={"csrf_token": token, "as_of": "2026-01-31"})
        assert computed.status_code == 200 and "no campaign" in computed.text.lower()
    app.state.workspace.close()
