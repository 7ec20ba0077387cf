"""Outreach through the season: initial requests, due dates and extensions, reminders, escalation, corrections."""

from __future__ import annotations

import datetime as dt
import email
import json
from email import policy
from pathlib import Path

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, cmrt_template, declaration
from tests.workspace_fixtures import Program

GRANITE = "Granite Peak Metalworks LLC"
CEDAR = "Cedar Valley Electronics Corp."


def _settings(program: Program, *pairs: tuple[str, str]) -> None:
    path = program.root / "conflict-minerals.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _messages(program: Program, kind: str) -> list[email.message.EmailMessage]:
    paths = sorted((program.root / "outbox").rglob(f"*-{kind}.eml"))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]  # type: ignore[misc]


def _status(program: Program) -> dict[str, dict[str, object]]:
    return {row["supplier"]: row for row in json.loads(program("status", "--json").output)["suppliers"]}


def test_start_writes_one_request_each_with_the_trusted_template_attached(program: Program) -> None:
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    program("refdata", "import-template", cmrt_template("6.5"))
    started = program("campaign", "start", "2025", "--due", "2026-05-15")
    assert f"{GRANITE}: request written to" in started.output
    assert "RMI_CMRT_6.5.xlsx is attached" in started.output
    [message] = _messages(program, "request")
    assert message["From"] == "compliance@acme.example" and message["To"] == "sales@granite.example"
    assert message["Date"] and message["Message-ID"]
    assert "2025" in message["Subject"] and "15 May 2026" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "RMI_CMRT_6.5.xlsx"
    assert attachment.get_content() == cmrt_template("6.5").read_bytes()
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    again = program("campaign", "start", "2025")
    assert "1 new request(s)" in again.output and f"{CEDAR}: request written" in again.output
    assert GRANITE not in again.output  # nobody is asked twice
    assert len(_messages(program, "request")) == 2
    kinds = [e["kind"] for e in json.loads(program("log", "--json").output)]
    assert kinds.count("request.sent") == 2


def test_without_a_trusted_template_the_letter_links_to_rmi_and_says_so(program: Program) -> None:
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    started = program("campaign", "start", "2025")
    assert "link to RMI's download page" in started.stderr
    [message] = _messages(program, "request")
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "responsiblemineralsinitiative.org" in body and "not attached" in body
    assert not list(message.iter_attachments())


def test_no_sender_address_writes_no_letter_and_says_what_to_set(program: Program) -> None:
    _settings(program, ('contact_email = "compliance@acme.example"', 'contact_email = ""'))
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    started = program("campaign", "start", "2025")
    assert "1 new request(s)" in started.output
    assert "from_address or [company] contact_email" in started.stderr
    assert not (program.root / "outbox").exists() or not _messages(program, "request")
    _settings(program, ('contact_email = ""', 'contact_email = "cm@acme.example"'))
    assert f"{GRANITE}: request written" in program("campaign", "start", "2025").output


def test_reminders_follow_the_due_date_grace_and_interval_then_escalate(program: Program) -> None:
    _settings(
        program,
        ("reminder_interval_days = 14", "reminder_interval_days = 0"),
        ('escalate_to = ""', 'escalate_to = "buyer@acme.example"'),
        ("max_reminders = 2", "max_reminders = 1"),
    )
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    program("campaign", "start", "2025", "--due", future)
    early = program("remind")
    assert "0 reminder(s), 0 escalation(s)" in early.output  # nobody is late before the due date
    assert _status(program)[GRANITE]["state"] == "requested"
    later = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    program("campaign", "extend", CEDAR, "--until", later, "--reason", "new ERP system")  # keeps its own date
    same = program("campaign", "extend", CEDAR, "--until", future, "--reason", "x", ok=False)
    assert same.exit_code == 2 and "not later than" in same.stderr

    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    program("campaign", "extend", GRANITE, "--until", past, "--reason", "test", ok=False)  # not into the past
    _move_due(program, GRANITE, dt.date.today() - dt.timedelta(days=3))
    within_grace = program("remind")
    assert "1 request(s) set to no_response" in within_grace.output
    assert "0 reminder(s)" in within_grace.output  # 3 days late, grace is 7
    assert _status(program)[GRANITE]["state"] == "no_response"

    _move_due(program, GRANITE, dt.date.today() - dt.timedelta(days=10))
    dry = program("remind", "--dry-run")
    assert "Dry run: 1" in dry.output and "reminder 1 of 1" in dry.output
    assert "1 reminder(s)" in program("remind").output
    escalated = program("remind")
    assert "1 escalation(s)" in escalated.output
    [message] = _messages(program, "escalation")
    assert message["Cc"] == "buyer@acme.example"
    assert "0 reminder(s), 0 escalation(s)" in program("remind").output  # escalated once, then left to people
    assert CEDAR not in program("remind").output
    events = json.loads(program("log", "--json").output)
    extended = next(e for e in events if e["kind"] == "request.extended")
    assert extended["reason"] == "new ERP system" and extended["detail"]["to"] == later
    assert {"request.no_response", "reminder.sent", "request.escalated"} <= {e["kind"] for e in events}


def test_one_supplier_is_reminded_now_once_its_due_date_has_passed(program: Program) -> None:
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    program("campaign", "start", "2025", "--due", future)
    early = program("remind", "--supplier", GRANITE)
    assert "0 reminder(s)" in early.output  # the letter says it was due: not before it was
    for supplier in (GRANITE, CEDAR):
        _move_due(program, supplier, dt.date.today() - dt.timedelta(days=2))
    assert "reminder 1" not in program("remind", "--dry-run").output  # the schedule waits out the grace period
    now = program("remind", "--supplier", GRANITE)
    assert "1 reminder(s)" in now.output and "1 request(s) set to no_response" in now.output
    [reminder] = _messages(program, "reminder")
    assert reminder["To"] == "sales@granite.example"
    assert _status(program)[GRANITE]["state"] == "no_response"
    assert _status(program)[CEDAR]["state"] == "requested"  # the other supplier is left alone
    unknown = program("remind", "--supplier", "Nobody Ltd", ok=False)
    assert unknown.exit_code == 2 and "Nobody Ltd" in unknown.stderr


def _move_due(program: Program, supplier: str, due: dt.date) -> None:
    """Set a request's due date in the store directly (extensions refuse past dates, time does not)."""
    from sqlalchemy import select, update

    from conflict_minerals.program.schema import requests, suppliers
    from conflict_minerals.program.workspace import open_workspace

    workspace = open_workspace(program.root)
    try:
        with workspace.transaction() as connection:
            sid = connection.execute(select(suppliers.c.id).where(suppliers.c.name == supplier)).scalar_one()
            connection.execute(update(requests).where(requests.c.supplier_id == sid).values(due_date=due))
    finally:
        workspace.close()


def _ingest(program: Program, tmp_path: Path, name: str, **company: object) -> None:
    path = tmp_path / f"{len(list(tmp_path.glob('*.xlsx')))}.xlsx"
    values = dict(FULL_DECLARATION["company"], name=name, **company)
    write_cmrt(path, declaration(company=values), bundled_snapshot().entries)
    program("ingest", path, "--supplier", name)


def test_corrections_ask_for_errors_only_with_a_new_due_date_and_a_dry_run(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    program("campaign", "start", "2025")
    _ingest(program, tmp_path, CEDAR, contact_email="none")  # an error: CMRT-C-005 at D16
    _ingest(program, tmp_path, GRANITE, effective_date=dt.date(2099, 1, 1))  # a warning (REV-013)
    program("waive", GRANITE, "REV-003", "--reason", "smelters listed for reference only")  # its one error
    review = json.loads(program("review", "--json", ok=False).output)
    severities = {i["supplier"]: {f["severity"] for f in i["findings"] if not f["waived"]} for i in review}
    assert "error" not in severities[GRANITE]

    dry = program("corrections", "--dry-run", "--due", "2027-06-30")
    assert f"{CEDAR}: correction, due 2027-06-30" in dry.output and "CMRT-C-005" in dry.output
    assert f"{GRANITE}: nothing to correct" in dry.output
    assert not list((program.root / "outbox").rglob("*-correction.eml"))  # a dry run writes nothing
    assert _status(program)[CEDAR]["state"] == "under_review"

    done = json.loads(program("corrections", "--json").output)
    assert [w["supplier"] for w in done["written"]] == [CEDAR]
    default_due = (dt.date.today() + dt.timedelta(days=21)).isoformat()
    assert done["planned"][0]["due"] == default_due
    [message] = _messages(program, "correction")
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "cell D16" in body and "[warning]" not in body
    assert _status(program)[CEDAR]["state"] == "correction_requested"

    with_warnings = program("corrections", GRANITE, "--warnings", "--dry-run")
    assert f"{GRANITE}: correction" in with_warnings.output and "warning" in with_warnings.output
    program("campaign", "extend", CEDAR, "--until", "2027-09-30", "--reason", "plant shutdown")
    assert f"{CEDAR}: correction, due 2027-09-30" in program("corrections", CEDAR, "--dry-run").output  # never earlier
    refused = program("corrections", CEDAR, "--due", "2020-01-01", ok=False)
    assert refused.exit_code == 2 and "not in the future" in refused.stderr


def test_letters_in_the_suppliers_language_when_a_translation_exists(program: Program) -> None:
    folder = program.root / "letters" / "de"
    folder.mkdir(parents=True)
    (folder / "request.txt.j2").write_text(
        "Subject: Konfliktmineralien {{ year }}: Ihr CMRT bis {{ due_iso }}\n"
        "Sehr geehrte Damen und Herren von {{ supplier }},\n\nbitte senden Sie uns Ihr CMRT.\n\n{{ sender }}\n",
        encoding="utf-8",
    )
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example", "--language", "de")
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    program("campaign", "start", "2025", "--due", "2026-04-30")
    subjects = {m["To"]: m["Subject"] for m in _messages(program, "request")}
    assert subjects["sales@granite.example"] == "Konfliktmineralien 2025: Ihr CMRT bis 2026-04-30"
    assert subjects["dana@cedar.example"].startswith("Conflict minerals survey 2025")
    (folder / "request.txt.j2").write_text("Subject: {{ nonsense.attr }}\n", encoding="utf-8")
    program("suppliers", "add", "Third GmbH", "--email", "a@third.example", "--language", "de")
    broken = program("campaign", "start", "2025")
    assert "letters/de/request.txt.j2 cannot be used" in broken.stderr


def test_nobody_without_an_address_or_a_request_is_written_to(program: Program) -> None:
    _settings(program, ("reminder_interval_days = 14", "reminder_interval_days = 0"))
    program("suppliers", "add", GRANITE)  # no e-mail
    program("suppliers", "add", CEDAR, "--email", "dana@cedar.example")
    early = program("campaign", "start", "2025", "--due", "2025-12-31", ok=False)
    assert early.exit_code == 2 and "not after the 2025 reporting period" in early.stderr
    program("campaign", "start", "2025", "--due", "2026-01-31", "--no-letters")
    assert "0 reminder(s)" in program("remind").output  # no request was ever sent: nothing to remind of
    started = program("campaign", "start", "2025")  # writes the missing requests, to those it can
    assert f"{CEDAR}: request written" in started.output
    assert f"{GRANITE}: no contact e-mail, no request written" in started.stderr
    assert len(_messages(program, "request")) == 1
    nothing = program("campaign", "start", "2025", "--send")  # nothing left to send (Granite has no address)
    assert "0 new request(s)" in nothing.output and f"{GRANITE}: no contact e-mail" in nothing.stderr
    program("suppliers", "add", "Third Metals Inc.", "--email", "a@third.example")
    refused = program("campaign", "start", "2025", "--send", ok=False)
    assert refused.exit_code == 2 and "sending needs SMTP" in refused.stderr


def test_a_reviewer_s_escalation_lets_reminders_run_out_without_a_second_escalation(program: Program) -> None:
    _settings(
        program,
        ("reminder_interval_days = 14", "reminder_interval_days = 0"),
        ("max_reminders = 2", "max_reminders = 1"),
    )
    program("suppliers", "add", GRANITE, "--email", "sales@granite.example")
    program("campaign", "start", "2025", "--due", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    _move_due(program, GRANITE, dt.date.today() - dt.timedelta(days=10))
    program("escalate", GRANITE, "--reason", "management asked for it")
    assert _status(program)[GRANITE]["escalated"] is True  # counted at once, as the report counts it
    assert "1 reminder(s), 0 escalation(s)" in program("remind").output  # reminders go on to the last one
    assert "0 reminder(s), 0 escalation(s)" in program("remind").output  # and no escalation letter after it
    assert not _messages(program, "escalation")
