"""A program workspace for the web tests: three suppliers, a campaign, users of each role, demo CMRTs."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from starlette.testclient import TestClient

from conflict_minerals.cli import cli
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import demo_suppliers
from conflict_minerals.reference.snapshot import bundled_snapshot

CHROMIUM = Path("/usr/bin/chromium")
# Chromium on this closed network: no background connections (refused by the machine, many at a time)
CHROMIUM_ARGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
]
PASSWORD = "correct horse battery staple"
HOSTILE = "<script>alert(1)</script> Hostile Parts"


def run(root: Path, *args: str, stdin: str | None = None) -> str:
    """Run a command on the workspace; it must succeed."""
    result = CliRunner().invoke(cli, ["--workspace", str(root), *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def make_program(root: Path, database_url: str = "", users: bool = True) -> list[Path]:
    """A workspace with three demo suppliers and a hostile-named one, a 2025 campaign; return their CMRTs."""
    args = ["init", str(root), "--company", "Acme Devices Inc."]
    result = CliRunner().invoke(cli, [*args, *(["--db", database_url] if database_url else [])])
    assert result.exit_code == 0, result.output
    settings = root / "conflict-minerals.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('contact_email = ""', 'contact_email = "compliance@acme.example"'),
        encoding="utf-8",
    )
    reference = bundled_snapshot().entries
    chosen = [s for s in demo_suppliers(reference) if s.files][:3]
    files = []
    for supplier in chosen:
        run(root, "suppliers", "add", supplier.name, "--unique-id", supplier.unique_id, "--contact", supplier.contact,
            "--email", supplier.email)  # fmt: skip
        name, data = supplier.files[0]
        target = root.parent / name
        write_cmrt(target, data, reference)
        files.append(target)
    run(root, "suppliers", "add", HOSTILE, "--email", "x@hostile.example")
    run(root, "campaign", "start", "2025", "--no-letters")
    if users:
        for name, role in (("ada", "admin"), ("rita", "reviewer"), ("vic", "viewer")):
            run(root, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    return files


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, name: str) -> str:
    """Sign in as `name`; return the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert response.status_code == 200 and "Sign out" in response.text, response.text[:500]
    return token


HOSTILE_SMELTER = "<img src=x onerror=alert(2)> Tin Works"
COVERED_SMELTER = "CID003185"  # African Gold Refinery, Uganda: in a Covered Country


def smelter_cmrt(root: Path) -> Path:
    """Apex's CMRT with a facility in a Covered Country and a name matching no facility (hostile text)."""
    reference = bundled_snapshot().entries
    apex = next(s for s in demo_suppliers(reference) if s.files)
    name, data = apex.files[0]
    unknown = {"metal": "Tin", "lookup_name": "Smelter not listed", "name": HOSTILE_SMELTER, "country": "BOLIVIA"}
    rows = [*data["smelters"], {"smelter_id": COVERED_SMELTER}, unknown]
    target = root.parent / f"smelters-{name}"
    write_cmrt(target, {**data, "smelters": rows}, reference)
    return target


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an app with uvicorn in a thread on a free port; yield its base URL, stop it afterwards."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
