"""Settings are typed and documented; correction requests go out through SMTP when configured."""

from __future__ import annotations

import json
import re
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.program.settings import documented_keys, load_settings, settings_from_dict
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

DOCS = Path(__file__).resolve().parents[1] / "src" / "conflict_minerals" / "program" / "settings.md"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^- `([a-z_]+\.[a-z_0-9]+)`", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    assert documented_keys() - documented == set()
    assert documented - documented_keys() == set()


def test_settings_problems_are_collected_not_raised() -> None:
    settings, problems = settings_from_dict(
        {"company": {"legal_name": 3, "irs_ein": "12"}, "email": {"mode": "pigeon"}, "colour": "blue"}
    )
    assert settings.company.legal_name == ""
    assert sorted(problems) == [
        "settings: [company] 'legal_name' must be str, not int",
        "settings: [company] irs_ein must look like 12-3456789",
        "settings: [email] mode must be 'files' or 'smtp'",
        "settings: unknown section or key 'colour'",
    ]


def test_broken_settings_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "conflict-minerals.toml"
    path.write_text("[company\nlegal_name = 'x'", encoding="utf-8")
    _, problems = load_settings(path)
    assert problems and "not valid TOML" in problems[0]


class _SmtpHandler(socketserver.StreamRequestHandler):
    received: ClassVar[list[str]] = []

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline().decode():
            command = line.strip().upper()
            if command.startswith("EHLO") or command.startswith("HELO"):
                self.reply("250 test")
            elif command == "DATA":
                self.reply("354 end with .")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(data)
                _SmtpHandler.received.append("".join(body))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[str]]]:
    """A local SMTP server (the one thing outside we stand in for)."""
    _SmtpHandler.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _SmtpHandler.received
    server.shutdown()
    server.server_close()


CEDAR = "Cedar Valley Electronics Corp."


def flawed_cmrt_under_smtp(program: Program, tmp_path: Path, port: int) -> None:
    """Configure SMTP on localhost:port and ingest a CMRT with a bad contact e-mail (CMRT-C-005 at D16)."""
    settings = program.root / "conflict-minerals.toml"
    text = settings.read_text(encoding="utf-8").replace('mode = "files"', 'mode = "smtp"')
    text = text.replace('smtp_host = ""', 'smtp_host = "127.0.0.1"').replace("smtp_port = 587", f"smtp_port = {port}")
    text = text.replace("smtp_starttls = true", "smtp_starttls = false")
    settings.write_text(text.replace('from_address = ""', 'from_address = "cm@acme.example"'), encoding="utf-8")
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    program("campaign", "start", "2025")
    flawed = tmp_path / "cedar.xlsx"
    company = dict(FULL_DECLARATION["company"], name=CEDAR, contact_email="none")
    write_cmrt(flawed, declaration(company=company), bundled_snapshot().entries)
    program("ingest", flawed)


def test_correction_request_sent_by_smtp(program: Program, tmp_path: Path, smtp_server: tuple[int, list[str]]) -> None:
    port, received = smtp_server
    flawed_cmrt_under_smtp(program, tmp_path, port)

    sent = program("corrections", CEDAR, "--send")
    assert "(smtp)" in sent.output
    for _ in range(50):
        if received:
            break
        time.sleep(0.05)
    assert len(received) == 1
    assert "To: dana@cedar.example" in received[0]
    assert "cell D16" in received[0]


def test_smtp_failure_is_clear_and_a_retry_sends_once(
    program: Program, tmp_path: Path, smtp_server: tuple[int, list[str]]
) -> None:
    import socket

    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    flawed_cmrt_under_smtp(program, tmp_path, port)

    failed = program("corrections", CEDAR, "--send", ok=False)
    assert failed.exit_code == 2
    assert "could not send through 127.0.0.1" in failed.stderr and "Traceback" not in failed.output
    assert "dana@" not in failed.stderr  # no contact data in errors
    state = json.loads(program("status", "--json").output)["suppliers"][0]["state"]
    assert state == "correction_requested"  # the request is recorded, its message waits in the outbox

    settings = program.root / "conflict-minerals.toml"
    live, received = smtp_server
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(f"smtp_port = {port}", f"smtp_port = {live}"), encoding="utf-8"
    )
    assert "1 message(s) sent" in program("outbox", "send").output
    assert "0 message(s) sent" in program("outbox", "send").output  # never twice
    for _ in range(50):
        if received:
            break
        time.sleep(0.05)
    assert len(received) == 1 and "Message-ID:" in received[0] and "Date:" in received[0]


class _HangingSmtpHandler(socketserver.StreamRequestHandler):
    """A server that greets and then never answers: the sender hangs until it is killed."""

    def handle(self) -> None:
        self.wfile.write(b"220 slow ESMTP\r\n")
        self.rfile.readline()
        time.sleep(20)


def test_a_send_killed_midway_is_never_sent_twice(
    program: Program, tmp_path: Path, smtp_server: tuple[int, list[str]]
) -> None:
    import signal
    import subprocess
    import sys

    hanging = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _HangingSmtpHandler)
    hanging.daemon_threads = True
    threading.Thread(target=hanging.serve_forever, daemon=True).start()
    try:
        flawed_cmrt_under_smtp(program, tmp_path, hanging.server_address[1])
        command = [sys.executable, "-m", "conflict_minerals", "--workspace", str(program.root), "corrections"]
        process = subprocess.Popen([*command, CEDAR, "--send"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(3)  # recorded and committed, now waiting on the server
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        hanging.shutdown()
        hanging.server_close()
    state = json.loads(program("status", "--json").output)["suppliers"][0]["state"]
    assert state == "correction_requested"  # the decision stands; its message was being sent
    live, received = smtp_server
    settings = program.root / "conflict-minerals.toml"
    text = re.sub(r"smtp_port = \d+", f"smtp_port = {live}", settings.read_text(encoding="utf-8"))
    settings.write_text(text, encoding="utf-8")
    unsure = program("outbox", "send", ok=False)  # may have arrived: at most once, a person decides
    assert "0 message(s) sent" in unsure.output and "interrupted" in unsure.stderr
    assert "1 message(s) sent" in program("outbox", "send", "--resend-interrupted").output
    assert "0 message(s) sent" in program("outbox", "send").output
    for _ in range(50):
        if received:
            break
        time.sleep(0.05)
    assert len(received) == 1


def test_settings_are_validated_fully_on_load() -> None:
    _, problems = settings_from_dict(
        {
            "campaign": {"due_month_day": "02-30", "reminder_interval_days": -3},
            "email": {"smtp_port": 70000, "from_address": "not-an-email"},
            "company": {"policy_url": "javascript:alert(1)"},
        }
    )
    assert sorted(problems) == [
        "settings: [campaign] due_month_day must be a real month and day, like 03-31",
        "settings: [campaign] reminder_interval_days must be between 0 and 365",
        "settings: [email] smtp_port must be between 1 and 65535",
        "settings: from_address must be an e-mail address",
        "settings: policy_url must be a web address starting with https:// or http://",
    ]


def test_the_settings_file_names_the_installed_documentation() -> None:
    from conflict_minerals.program.settings import SETTINGS_DOC, Settings, render_settings

    assert SETTINGS_DOC.is_file() and SETTINGS_DOC.resolve() == DOCS.resolve()
    assert str(SETTINGS_DOC) in render_settings(Settings()).splitlines()[0]


def test_requests_sent_by_smtp_carry_the_template_and_the_copy_names_it(
    program: Program, tmp_path: Path, smtp_server: tuple[int, list[str]]
) -> None:
    from tests.conftest import cmrt_template

    port, received = smtp_server
    settings = program.root / "conflict-minerals.toml"
    text = settings.read_text(encoding="utf-8").replace('mode = "files"', 'mode = "smtp"')
    text = text.replace('smtp_host = ""', 'smtp_host = "127.0.0.1"').replace("smtp_port = 587", f"smtp_port = {port}")
    settings.write_text(text.replace("smtp_starttls = true", "smtp_starttls = false"), encoding="utf-8")
    program("refdata", "import-template", cmrt_template("6.5"))
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    started = program("campaign", "start", "2025", "--send")
    assert "(smtp)" in started.output
    for _ in range(50):
        if received:
            break
        time.sleep(0.05)
    assert len(received) == 1 and 'filename="RMI_CMRT_6.5.xlsx"' in received[0]
    [copy] = (program.root / "outbox" / "2025").glob("*-request.eml")
    kept = copy.read_text(encoding="utf-8")
    assert "X-Conflict-Minerals-Attached: RMI_CMRT_6.5.xlsx" in kept and copy.stat().st_size < 20_000
