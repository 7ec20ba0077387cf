"""The corrections loop through an outbox: correction requests and reminders, recorded, then written or sent.

A message is first recorded in the database (with the decision it belongs to) in one short
transaction; only after that commit are its files written and, when asked, is it sent by SMTP,
and each send is marked in its own transaction. A retry sends only what is still pending, so
no message goes out twice because of a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
import tempfile
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import Connection, and_, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import OUTSTANDING, Campaign, RequestState, overview, set_state
from conflict_minerals.program.decisions import StoredFinding, current_submission, submission_findings
from conflict_minerals.program.schema import inserted_id, messages, requests, submissions
from conflict_minerals.program.settings import EmailSettings
from conflict_minerals.program.suppliers import SupplierRecord, get_supplier
from conflict_minerals.program.workspace import Workspace

PENDING, SENDING, SENT, FAILED, WRITTEN = "pending", "sending", "sent", "failed", "written"


class MessageError(ConflictMineralsError):
    """A message that could not be written or sent."""

    default_code = "message.failed"


@dataclass(frozen=True, slots=True)
class Written:
    """A message recorded for a supplier (and perhaps sent)."""

    id: int
    supplier: str
    kind: str
    path: Path
    sent_via: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "supplier"


def correction_text(
    supplier: SupplierRecord, campaign: Campaign, file_name: str, open_findings: list[StoredFinding], sender: str
) -> str:
    """Write the body of a correction request in the supplier's terms: sheet, cell, what to fix."""
    lines = [
        f"Dear {supplier.name} team,",
        "",
        f"Thank you for your Conflict Minerals Reporting Template (CMRT) for {campaign.year}, file '{file_name}'.",
        "Our review found the points below. Please correct them in the same workbook and send it back",
        f"by {campaign.due_date.strftime('%d %B %Y')}.",
        "",
    ]
    for number, finding in enumerate(open_findings, start=1):
        where = f"sheet '{finding.sheet}', cell {finding.cell}" if finding.cell else f"sheet '{finding.sheet}'"
        lines.append(f"{number}. [{finding.severity}] {where}: {finding.message} ({finding.code})")
    lines += [
        "",
        "Please use the current RMI CMRT revision and keep the file in Excel format.",
        "",
        "Kind regards,",
        sender,
    ]
    return "\n".join(lines) + "\n"


def reminder_text(supplier: SupplierRecord, campaign: Campaign, sender: str) -> str:
    """Write the body of a reminder to a supplier that has not answered."""
    lines = [
        f"Dear {supplier.name} team,",
        "",
        f"We have not yet received your Conflict Minerals Reporting Template (CMRT) for {campaign.year}.",
        f"Please complete the current RMI CMRT and send it to us by {campaign.due_date.strftime('%d %B %Y')}.",
        "If none of the products you supply us contain tin, tantalum, tungsten or gold, please tell us so.",
        "",
        "Kind regards,",
        sender,
    ]
    return "\n".join(lines) + "\n"


def check_sending(workspace: Workspace, targets: list[SupplierRecord]) -> None:
    """Refuse before anything is recorded when the messages could not be sent."""
    if workspace.settings.email.mode != "smtp":
        raise MessageError("sending needs SMTP set up in the settings.", "message.not_smtp")
    for supplier in targets:
        if not supplier.emails:
            raise MessageError(
                f"{supplier.name} has no contact e-mail; add one first.", "message.no_address", supplier=supplier.name
            )


def queue_correction(
    workspace: Workspace,
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    send: bool = False,
) -> Written:
    """Record a correction request for the supplier's open findings (files and sending come after the commit)."""
    submission = current_submission(connection, campaign, supplier)
    if submission is None:
        raise MessageError(
            f"{supplier.name} has no CMRT to correct in the {campaign.year} campaign.", "message.no_cmrt"
        )
    open_findings = [
        f for f in submission_findings(connection, submission, include_waived=False) if f.severity != "info"
    ]
    if not open_findings:
        raise MessageError(f"{supplier.name}'s current CMRT has no open findings to correct.", "message.nothing")
    file_name = connection.execute(select(submissions.c.file_name).where(submissions.c.id == submission)).scalar_one()
    body = correction_text(supplier, campaign, file_name, open_findings, _sender(workspace))
    plural = "point" if len(open_findings) == 1 else "points"
    subject = f"CMRT {campaign.year}: corrections needed ({len(open_findings)} {plural})"
    written = _record_message(workspace, connection, campaign, supplier, "correction", subject, body, send)
    set_state(
        connection,
        actor,
        campaign,
        supplier.id,
        RequestState.CORRECTION_REQUESTED,
        "correction.requested",
        None,
        {"findings": len(open_findings), "message": written.path.name, "sent_via": written.sent_via},
    )
    return written


def queue_reminders(
    workspace: Workspace, connection: Connection, actor: str, campaign: Campaign, send: bool = False
) -> list[Written]:
    """Record a reminder to every supplier that has not answered and was not contacted lately.

    A supplier contacted less than `reminder_interval_days` ago (settings) is left alone.
    """
    written = []
    quiet_since = now() - dt.timedelta(days=workspace.settings.campaign.reminder_interval_days)
    for view in overview(connection, campaign):
        if view.state not in OUTSTANDING or _utc(view.last_contact_at) > quiet_since:
            continue
        supplier = get_supplier(connection, view.supplier_id)
        if send:
            check_sending(workspace, [supplier])
        body = reminder_text(supplier, campaign, _sender(workspace))
        message = _record_message(
            workspace, connection, campaign, supplier, "reminder", f"Reminder: CMRT {campaign.year}", body, send
        )
        connection.execute(
            update(requests).where(requests.c.id == view.id).values(reminders_sent=view.reminders_sent + 1)
        )
        record(
            connection,
            actor,
            "reminder.sent",
            {"number": view.reminders_sent + 1, "sent_via": message.sent_via},
            campaign_year=campaign.year,
            supplier_id=supplier.id,
        )
        written.append(message)
    return written


def _utc(moment: dt.datetime | None) -> dt.datetime:
    """Stored times are UTC; SQLite hands them back without a zone."""
    if moment is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sender(workspace: Workspace) -> str:
    company = workspace.settings.company
    return "\n".join(part for part in (company.contact_name, company.legal_name, company.contact_email) if part)


def _record_message(
    workspace: Workspace,
    connection: Connection,
    campaign: Campaign,
    supplier: SupplierRecord,
    kind: str,
    subject: str,
    body: str,
    send: bool,
) -> Written:
    settings = workspace.settings.email
    sender = settings.from_address or workspace.settings.company.contact_email or "compliance@localhost"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(supplier.emails) or "unknown-recipient@invalid"
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    request_id = connection.execute(
        select(requests.c.id).where(and_(requests.c.campaign_id == campaign.id, requests.c.supplier_id == supplier.id))
    ).scalar_one()
    message_id = inserted_id(
        connection.execute(
            insert(messages).values(
                request_id=request_id,
                kind=kind,
                path="",
                sent_via="smtp" if send else "file",
                created_at=now(),
                status=PENDING if send else WRITTEN,
                subject=subject,
                recipients=message["To"],
                content=message.as_string(policy=policy.SMTP),
                message_id=message["Message-ID"],
                attempts=0,
            )
        )
    )
    # The message's own number makes the file name unique, whatever the supplier is called.
    relative = f"outbox/{campaign.year}/{message_id:06d}-{_slug(supplier.name)}-{kind}.eml"
    connection.execute(update(messages).where(messages.c.id == message_id).values(path=relative))
    connection.execute(update(requests).where(requests.c.id == request_id).values(last_contact_at=now()))
    return Written(message_id, supplier.name, kind, workspace.root / relative, "smtp" if send else "file")


def write_files(workspace: Workspace, written: list[Written]) -> None:
    """Write the recorded messages as .eml and .txt copies in the outbox folder (after the commit)."""
    with workspace.read() as connection:
        rows = connection.execute(
            select(messages.c.path, messages.c.content).where(messages.c.id.in_([w.id for w in written]))
        ).all()
    for row in rows:
        target = workspace.root / row.path
        parsed = message_from_string(row.content, policy=policy.default)
        body = parsed.get_body(("plain",))
        _write_atomically(target, row.content.encode("utf-8"))
        _write_atomically(target.with_suffix(".txt"), (body.get_content() if body else "").encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(name, path)


def send_pending(workspace: Workspace, actor: str, resend_interrupted: bool = False) -> tuple[int, list[str]]:
    """Send every pending message, each claimed and marked in its own short transaction; return (sent, problems).

    Delivery is at most once: a message is claimed ("sending") before it goes out, so two senders never
    send it both, and a send interrupted midway is left for a person to check rather than sent again.
    """
    settings = workspace.settings.email
    with workspace.transaction() as connection:
        if resend_interrupted:
            connection.execute(update(messages).where(messages.c.status == SENDING).values(status=PENDING))
        pending = [r.id for r in connection.execute(select(messages.c.id).where(messages.c.status == PENDING))]
        interrupted = connection.execute(select(messages.c.id).where(messages.c.status == SENDING)).all()
    problems = []
    if interrupted:
        problems.append(
            f"{len(interrupted)} message(s) were interrupted while being sent and may or may not have arrived; "
            "check with the supplier, then resend them if needed."
        )
    if pending and settings.mode != "smtp":
        raise MessageError("sending needs SMTP set up in the settings.", "message.not_smtp")
    sent = 0
    for message_id in sorted(pending):
        content = _claim(workspace, message_id)
        if content is None:
            continue  # another sender took it
        try:
            _send_smtp(settings, message_from_string(content, policy=policy.SMTP))
        except MessageRefused as exc:
            _mark(workspace, message_id, FAILED, exc.message)
            problems.append(exc.message)
            continue
        except MessageError as exc:
            _mark(workspace, message_id, PENDING, exc.message)
            problems.append(exc.message)
            break  # the server cannot be reached: the rest would fail the same way
        _mark(workspace, message_id, SENT, None)
        with workspace.transaction() as connection:
            record(connection, actor, "message.sent", {"message": message_id})
        sent += 1
    return sent, problems


def _claim(workspace: Workspace, message_id: int) -> str | None:
    with workspace.transaction() as connection:
        claimed = connection.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == PENDING)
            .values(status=SENDING, attempts=messages.c.attempts + 1)
        )
        if claimed.rowcount != 1:
            return None
        content: str = connection.execute(select(messages.c.content).where(messages.c.id == message_id)).scalar_one()
    return content


def _mark(workspace: Workspace, message_id: int, status: str, error: str | None) -> None:
    with workspace.transaction() as connection:
        values: dict[str, object] = {"status": status, "error": error[:500] if error else None}
        if status == SENT:
            values["sent_at"] = now()
        connection.execute(update(messages).where(messages.c.id == message_id).values(**values))


class MessageRefused(MessageError):
    """The mail server refused this message for good (a 5xx answer); others may still go out."""

    default_code = "message.refused"


def _send_smtp(settings: EmailSettings, message: object) -> None:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as server:
            if settings.smtp_starttls:
                server.starttls()
            if settings.smtp_username:
                server.login(settings.smtp_username, os.environ.get(settings.smtp_password_env, ""))
            server.send_message(message)  # type: ignore[arg-type]
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        code = getattr(exc, "smtp_code", 0) or 0
        if 500 <= code < 600 or isinstance(exc, smtplib.SMTPRecipientsRefused):
            raise MessageRefused(
                f"the mail server {where} refused a message for good ({type(exc).__name__}); it is marked failed.",
            ) from None
        raise _unreachable(where, exc) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise _unreachable(where, exc) from None


def _unreachable(where: str, exc: Exception) -> MessageError:
    return MessageError(
        f"could not send through {where} ({type(exc).__name__}); the message stays in the outbox and is sent on "
        "the next try.",
        "message.smtp_failed",
    )
