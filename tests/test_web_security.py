"""The web app's promises: CSRF on every POST, roles, escaping, headers, throttling, downloads, hostile uploads."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.routing import Route
from starlette.testclient import TestClient

from conflict_minerals.cli import cli
from conflict_minerals.web.app import create_app
from tests.web_helpers import HOSTILE, PASSWORD, csrf_of, make_program, run, sign_in


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """One SQLite workspace for the module (the tests only read or add)."""
    root = tmp_path_factory.mktemp("web") / "program"
    return root, make_program(root)


@pytest.fixture
def client(program: tuple[Path, list[Path]]) -> Iterator[TestClient]:
    app = create_app(program[0])
    with TestClient(app) as made:
        yield made
    app.state.workspace.close()


def _post_routes(client: TestClient) -> list[str]:
    routes = [r for r in client.app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]  # type: ignore[attr-defined]
    assert len(routes) >= 8
    return [re.sub(r"\{[^}]+:int\}", "1", r.path) for r in routes]


def test_every_post_refuses_a_missing_or_wrong_csrf_token(client: TestClient) -> None:
    sign_in(client, "ada")
    for path in _post_routes(client):
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data)
    assert "Sign out" in client.get("/").text  # still signed in: nothing was done


def test_a_viewer_can_change_nothing(client: TestClient, program: tuple[Path, list[Path]]) -> None:
    token = sign_in(client, "vic")
    for path in _post_routes(client):
        if path in ("/login", "/logout", "/setup"):
            continue
        response = client.post(path, data={"csrf_token": token, "decision": "accept", "reason": "x"})
        assert response.status_code == 403, path
        assert "Nothing was changed" in response.text
    assert client.get("/audit.csv?actor=vic").text.count("\n") == 1  # only the header: nothing done as vic
    upload = client.get("/upload").text
    assert 'action="/upload"' not in upload and "needs the reviewer role" in upload


def test_every_route_is_guarded() -> None:
    from conflict_minerals.web.app import check_routes, routes

    check_routes(routes())

    async def naked(request):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(RuntimeError, match="not guarded"):
        check_routes([*routes(), Route("/new", naked, methods=["POST"])])


def test_supplier_controlled_text_is_escaped(client: TestClient) -> None:
    sign_in(client, "rita")
    page = client.get("/suppliers").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    hostile_id = re.search(r'href="/suppliers/(\d+)">&lt;script', page)
    assert hostile_id
    detail = client.get(f"/suppliers/{hostile_id.group(1)}").text
    assert "<script>alert" not in detail and HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in detail


def test_security_headers_on_pages_and_files(client: TestClient) -> None:
    login = client.get("/login")
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    for path in ("/login", "/static/app.css"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in login.text.replace('<script src="/static/app.js" defer></script>', "")


def test_login_is_throttled_in_every_worker(program: tuple[Path, list[Path]], client: TestClient) -> None:
    run(program[0], "users", "add", "tess", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"csrf_token": token, "name": "tess", "password": "wrong password!"})
        assert wrong.status_code == 401
    other = create_app(program[0])  # a second worker process: the failures are in the database
    with TestClient(other) as second:
        token = csrf_of(second.get("/login").text)
        blocked = second.post("/login", data={"csrf_token": token, "name": "tess", "password": PASSWORD})
    other.state.workspace.close()
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    with sqlite3.connect(program[0] / "workspace.db") as db:
        kept = {row[0] for row in db.execute("SELECT key_hash FROM sign_in_failures")}
    assert len(kept) == 2 and all(re.fullmatch("[0-9a-f]{64}", k) for k in kept)  # the name's and the address's


def test_a_deactivated_user_is_out_at_the_next_click(program: tuple[Path, list[Path]], client: TestClient) -> None:
    run(program[0], "users", "add", "dora", "--role", "reviewer", "--password-stdin", stdin=PASSWORD + "\n")
    sign_in(client, "dora")
    assert client.get("/suppliers").status_code == 200
    admin = TestClient(client.app)
    token = sign_in(admin, "ada")
    changed = admin.post("/users/change", data={"csrf_token": token, "name": "dora", "role": "viewer", "active": "no"})
    assert changed.status_code == 200 and "now viewer, deactivated" in changed.text
    gone = client.get("/suppliers", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    back = admin.post("/users/change", data={"csrf_token": token, "name": "dora", "role": "viewer", "active": "yes"})
    assert "now viewer, active" in back.text
    assert client.get("/suppliers", follow_redirects=False).status_code == 303  # an old session stays over
    last = admin.post("/users/change", data={"csrf_token": token, "name": "ada", "role": "viewer", "active": "yes"})
    assert "last active administrator" in last.text
    assert "user.changed" in run(program[0], "log", "--kind", "user", "--limit", "5")
    assert "dora                           viewer    active" in run(program[0], "users", "list")
    run(program[0], "users", "deactivate", "dora")
    assert "dora                           viewer    inactive" in run(program[0], "users", "list")


def test_pages_need_a_session_and_admin_pages_a_role(client: TestClient) -> None:
    response = client.get("/suppliers", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    sign_in(client, "rita")
    assert client.get("/users").status_code == 403


def test_downloads_only_by_submission_id(client: TestClient, program: tuple[Path, list[Path]]) -> None:
    token = sign_in(client, "rita")
    first = program[1][0]
    client.post("/upload", data={"csrf_token": token}, files=[("files", (first.name, first.read_bytes()))])
    page = client.get("/suppliers?q=apex").text
    supplier = re.search(r'href="/suppliers/(\d+)">Apex', page)
    assert supplier
    detail = client.get(f"/suppliers/{supplier.group(1)}").text
    link = re.search(r'href="(/submissions/\d+/original)"', detail)
    assert link
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == first.read_bytes()
    assert "attachment" in download.headers["content-disposition"]
    for path in ("/submissions/99999/original", "/submissions/..%2F..%2Fconflict-minerals.toml/original",
                 "/files/../conflict-minerals.toml", "/static/../../program/users.py"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (200 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


def test_hostile_uploads_end_in_a_clear_message(client: TestClient) -> None:
    token = sign_in(client, "rita")
    files = [
        ("files", ("bomb.xlsx", _zip_bomb())),
        ("files", ("notes.xlsx", b"this is not a spreadsheet at all")),
        ("files", ("../../evil.xlsx", b"PK\x03\x04 broken")),
    ]
    response = client.post("/upload", data={"csrf_token": token}, files=files)
    assert response.status_code == 200
    outcomes = re.findall(r'<tr class="outcome-(\w+)"><td>([^<]*)</td>', response.text)
    assert [name for _, name in outcomes] == ["bomb.xlsx", "notes.xlsx", "evil.xlsx"]
    assert {status for status, _ in outcomes} == {"unreadable"}
    assert client.get("/").status_code == 200  # still serving
    too_many = [("files", (f"f{i}.xlsx", b"x")) for i in range(60)]
    refused = client.post("/upload", data={"csrf_token": token}, files=too_many)
    assert refused.status_code == 400


def test_a_web_decision_is_audited_with_the_user_as_actor(client: TestClient, program: tuple[Path, list[Path]]) -> None:
    token = sign_in(client, "rita")
    page = client.get("/suppliers").text
    supplier = re.search(r'href="/suppliers/(\d+)">&lt;script', page)
    assert supplier
    response = client.post(
        f"/suppliers/{supplier.group(1)}/decide",
        data={"csrf_token": token, "decision": "not-applicable", "reason": "supplies no 3TG"},
    )
    assert "not-applicable recorded" in response.text
    csv_text = client.get("/audit.csv?actor=rita").text
    assert "supplies no 3TG" in csv_text and ",rita," in csv_text


def test_first_run_link_creates_one_admin_once(tmp_path: Path, database_url: str) -> None:
    from conflict_minerals.service.users import prepare_secrets
    from conflict_minerals.web.account import first_run_token

    root = tmp_path / "fresh"
    make_program(root, database_url, users=False)
    app = create_app(root)
    with TestClient(app) as client:
        assert client.get("/setup?token=forged").status_code == 403
        link = f"/setup?token={first_run_token(prepare_secrets(app.state.workspace))}"
        form = client.get(link)
        data = {"csrf_token": csrf_of(form.text), "token": link.split("=", 1)[1], "name": "Ada", "password": PASSWORD,
                "confirm": PASSWORD}  # fmt: skip
        created = client.post("/setup", data=data)
        assert "You are the administrator" in created.text and client.get("/users").status_code == 200
        assert client.get(link).status_code == 403  # used once
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)
        again = client.post("/setup", data={**data, "csrf_token": token, "name": "Mallory"})
        assert "Sign in" in again.text and "Mallory" not in again.text
    app.state.workspace.close()


def test_a_reviewer_reminds_one_supplier_only_after_its_due_date(client: TestClient) -> None:
    token = sign_in(client, "rita")
    page = client.get("/suppliers?q=apex").text
    supplier = re.search(r'href="/suppliers/(\d+)">Apex', page)
    assert (
        supplier
        and 'action="/suppliers/' + supplier.group(1) + '/remind"' in client.get(f"/suppliers/{supplier.group(1)}").text
    )
    early = client.post(f"/suppliers/{supplier.group(1)}/remind", data={"csrf_token": token})
    assert early.status_code == 200 and "nothing outstanding is past its due date" in early.text


def test_parallel_guesses_are_counted_before_any_password_is_checked(program: tuple[Path, list[Path]]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from conflict_minerals.program.workspace import open_workspace
    from conflict_minerals.service.users import sign_in_attempt

    workspace = open_workspace(program[0])
    try:
        with ThreadPoolExecutor(8) as pool:
            attempts = list(pool.map(lambda _: sign_in_attempt(workspace, "zed", "10.0.0.9"), range(12)))
    finally:
        workspace.close()
    assert sum(a is not None for a in attempts) == 5  # the rest are refused without reaching argon2


def test_accept_takes_only_the_version_the_reviewer_saw(client: TestClient, program: tuple[Path, list[Path]]) -> None:
    token = sign_in(client, "rita")
    first = program[1][0]
    client.post("/upload", data={"csrf_token": token}, files=[("files", (first.name, first.read_bytes()))])
    supplier = re.search(r'href="/suppliers/(\d+)">Apex', client.get("/suppliers?q=apex").text)
    assert supplier
    page = client.get(f"/suppliers/{supplier.group(1)}").text
    shown = re.search(r'name="version_CMRT" value="(\d+)"', page)
    assert shown
    form = {"csrf_token": token, "decision": "accept", "template": "CMRT", "despite": "yes", "reason": "checked"}
    stale = client.post(f"/suppliers/{supplier.group(1)}/decide", data={**form, "version_CMRT": "99"})
    assert f"is version {shown.group(1)}, not 99; review it before accepting" in stale.text
    assert "accept recorded" not in stale.text


def test_names_are_one_account_in_any_case_and_weak_passwords_are_refused(
    program: tuple[Path, list[Path]], client: TestClient
) -> None:
    root = program[0]
    twin = CliRunner().invoke(cli, ["--workspace", str(root), "users", "add", "RITA", "--role", "admin",
                                    "--password-stdin"], input=PASSWORD + "\n")  # fmt: skip
    assert twin.exit_code == 2 and "already a user" in twin.output
    for weak in ("aaaaaaaaaaaaaaaa", "my name is gus, ok"):
        refused = CliRunner().invoke(cli, ["--workspace", str(root), "users", "add", "gus", "--role", "viewer",
                                           "--password-stdin"], input=weak + "\n")  # fmt: skip
        assert refused.exit_code == 2 and "too easy to guess" in refused.output
    token = sign_in(client, "Vic")  # any case signs in
    assert "Sign out" in client.get("/suppliers").text
    admin = TestClient(client.app)
    admin_token = sign_in(admin, "ada")
    reset = admin.post(
        "/users/password", data={"csrf_token": admin_token, "name": "vic", "password": "a new secret phrase"}
    )
    assert "has a new password" in reset.text
    assert client.get("/suppliers", follow_redirects=False).status_code == 303  # the old session is over
    trail = run(root, "log", "--kind", "user", "--limit", "5")
    assert "user.password_set" in trail and "a new secret phrase" not in trail
    run(root, "users", "set-password", "vic", "--password-stdin", stdin=PASSWORD + "\n")  # for the other tests
    assert token


def test_a_letter_written_to_a_supplier_can_be_read_on_its_page(
    client: TestClient, program: tuple[Path, list[Path]]
) -> None:
    token = sign_in(client, "rita")
    first = program[1][0]
    client.post("/upload", data={"csrf_token": token}, files=[("files", (first.name, first.read_bytes()))])
    supplier = re.search(r'href="/suppliers/(\d+)">Apex', client.get("/suppliers?q=apex").text)
    assert supplier
    written = client.post(f"/suppliers/{supplier.group(1)}/correction", data={"csrf_token": token, "warnings": "yes"})
    link = re.search(rf'href="(/suppliers/{supplier.group(1)}/messages/(\d+))"', written.text)
    assert link, written.text[:2000]
    letter = client.get(link.group(1))
    assert letter.status_code == 200 and "Dear" in letter.text and '<pre class="letter">' in letter.text
    other = int(supplier.group(1)) + 1
    assert client.get(f"/suppliers/{other}/messages/{link.group(2)}").status_code == 404  # not that supplier's


def test_an_unassigned_file_opens_and_is_set_aside_with_a_reason(client: TestClient) -> None:
    token = sign_in(client, "rita")
    garbage = ("mystery-cmrt.xlsx", b"PK\x03\x04 this is not a workbook")
    client.post("/upload", data={"csrf_token": token}, files=[("files", garbage)])
    page = client.get("/upload").text
    found = re.search(r'<td>(\d+)</td><td><a href="(/submissions/\d+/original)">mystery-cmrt.xlsx', page)
    assert found, page[-3000:]
    assert client.get(found.group(2)).content == garbage[1]
    refused = client.post(f"/submissions/{found.group(1)}/discard", data={"csrf_token": token, "reason": " "})
    assert "needs a reason" in refused.text
    kept = client.post(
        f"/submissions/{found.group(1)}/discard", data={"csrf_token": token, "reason": "sent by mistake"}
    )
    assert "set aside" in kept.text and "mystery-cmrt.xlsx</a>" not in kept.text.split("Unassigned files", 1)[1]


def test_campaign_reminders_are_previewed_before_anything_is_written(program: tuple[Path, list[Path]]) -> None:
    app = create_app(program[0])
    with TestClient(app) as client:
        token = sign_in(client, "rita")
        before = run(program[0], "log", "--limit", "1")
        preview = client.post("/suppliers/remind", data={"csrf_token": token})
        assert preview.status_code == 200 and "Nothing has been written yet" in preview.text
        assert run(program[0], "log", "--limit", "1") == before  # a preview records nothing
        done = client.post("/suppliers/remind", data={"csrf_token": token, "confirm": "yes"})
        assert "letter(s) written" in done.text
    app.state.workspace.close()


def test_a_name_with_accents_is_one_account_in_any_case(program: tuple[Path, list[Path]], client: TestClient) -> None:
    run(program[0], "users", "add", "ÉMILE Zola", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    twin = CliRunner().invoke(cli, ["--workspace", str(program[0]), "users", "add", "émile zola", "--role", "admin",
                                    "--password-stdin"], input=PASSWORD + "\n")  # fmt: skip
    assert twin.exit_code == 2 and "already a user" in twin.output
    sign_in(client, "émile ZOLA")
    assert "ÉMILE Zola" in client.get("/suppliers").text
    run(program[0], "users", "set-role", "émile zola", "reviewer")
    assert "ÉMILE Zola                     reviewer  active" in run(program[0], "users", "list")


def test_a_file_past_the_reader_s_limit_is_refused_alone(
    client: TestClient, program: tuple[Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflict_minerals.web import upload

    monkeypatch.setattr(upload, "MAX_FILE_BYTES", 1024)  # as if 64 MB: the real limit is not posted in a test
    token = sign_in(client, "rita")
    first = program[1][0]
    small = ("small.xlsx", b"PK\x03\x04 tiny")
    done = client.post("/upload", data={"csrf_token": token}, files=[("files", (first.name, first.read_bytes())),
                                                                     ("files", small)])  # fmt: skip
    assert done.status_code == 200 and "larger than 0 MB; not read or kept" in done.text
    assert "small.xlsx" in done.text  # the other file was still read
