"""The corrections loop: correction requests and reminders, written to files or sent by SMTP."""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Connection, and_, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import OUTSTANDING, Campaign, RequestState, overview, set_state
from conflict_minerals.program.decisions import StoredFinding, current_submission, submission_findings
from conflict_minerals.program.schema import messages, requests, submissions
from conflict_minerals.program.settings import EmailSettings
from conflict_minerals.program.suppliers import SupplierRecord, get_supplier
from conflict_minerals.program.workspace import Workspace


class MessageError(ConflictMineralsError):
    """A message that could not be written or sent."""


@dataclass(frozen=True, slots=True)
class Written:
    """A message written (and perhaps sent) to a supplier."""

    supplier: str
    kind: str
    path: Path
    sent_via: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60]


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
    return (
        "\n".join(
            [
                f"Dear {supplier.name} team,",
                "",
                f"We have not yet received your Conflict Minerals Reporting Template (CMRT) for {campaign.year}.",
                f"Please complete the current RMI CMRT and send it to us by {campaign.due_date.strftime('%d %B %Y')}.",
                "If none of the products you supply us contain tin, tantalum, tungsten or gold, please tell us so.",
                "",
                "Kind regards,",
                sender,
            ]
        )
        + "\n"
    )


def request_corrections(
    workspace: Workspace, connection: Connection, campaign: Campaign, supplier: SupplierRecord, send: bool = False
) -> Written:
    """Write (and optionally send) a correction request for the supplier's open findings."""
    submission = current_submission(connection, campaign, supplier)
    if submission is None:
        raise MessageError(f"{supplier.name} has no CMRT to correct in the {campaign.year} campaign.")
    open_findings = [
        f for f in submission_findings(connection, submission, include_waived=False) if f.severity != "info"
    ]
    if not open_findings:
        raise MessageError(f"{supplier.name}'s current CMRT has no open findings to correct.")
    file_name = connection.execute(select(submissions.c.file_name).where(submissions.c.id == submission)).scalar_one()
    body = correction_text(supplier, campaign, file_name, open_findings, _sender(workspace))
    subject = f"CMRT {campaign.year}: corrections needed ({len(open_findings)} point(s))"
    written = _deliver(workspace, connection, campaign, supplier, "correction", subject, body, send)
    set_state(
        connection,
        workspace.actor,
        campaign,
        supplier.id,
        RequestState.CORRECTION_REQUESTED,
        "correction.requested",
        None,
        {"findings": len(open_findings), "message": str(written.path.name), "sent_via": written.sent_via},
    )
    return written


def send_reminders(
    workspace: Workspace, connection: Connection, campaign: Campaign, send: bool = False
) -> list[Written]:
    """Write (and optionally send) a reminder to every supplier that has not answered.

    A supplier contacted less than `reminder_interval_days` ago (settings) is left alone.
    """
    written = []
    quiet_since = now() - dt.timedelta(days=workspace.settings.campaign.reminder_interval_days)
    for view in overview(connection, campaign):
        if view.state not in OUTSTANDING or _utc(view.last_contact_at) > quiet_since:
            continue
        supplier = get_supplier(connection, view.supplier_id)
        body = reminder_text(supplier, campaign, _sender(workspace))
        message = _deliver(
            workspace, connection, campaign, supplier, "reminder", f"Reminder: CMRT {campaign.year}", body, send
        )
        connection.execute(
            update(requests).where(requests.c.id == view.id).values(reminders_sent=view.reminders_sent + 1)
        )
        record(
            connection,
            workspace.actor,
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


def _deliver(
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
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.from_address or workspace.settings.company.contact_email or "compliance@localhost"
    message["To"] = ", ".join(supplier.emails) or "unknown-recipient@invalid"
    message.set_content(body)
    folder = workspace.outbox / str(campaign.year)
    folder.mkdir(parents=True, exist_ok=True)
    request_id = connection.execute(
        select(requests.c.id).where(and_(requests.c.campaign_id == campaign.id, requests.c.supplier_id == supplier.id))
    ).scalar_one()
    count = len(connection.execute(select(messages.c.id).where(messages.c.request_id == request_id)).all())
    path = folder / f"{_slug(supplier.name)}-{kind}-{count + 1}.eml"
    path.write_bytes(bytes(message))
    path.with_suffix(".txt").write_text(body, encoding="utf-8")
    sent_via = "file"
    if send:
        if settings.mode != "smtp":
            raise MessageError('sending needs [email] mode = "smtp" and smtp_host in the settings.')
        if not supplier.emails:
            raise MessageError(f"{supplier.name} has no contact e-mail; add one with `suppliers add` or an import.")
        _send_smtp(settings, message)
        sent_via = "smtp"
    connection.execute(
        insert(messages).values(
            request_id=request_id,
            kind=kind,
            path=str(path.relative_to(workspace.root)),
            sent_via=sent_via,
            created_at=now(),
        )
    )
    connection.execute(update(requests).where(requests.c.id == request_id).values(last_contact_at=now()))
    return Written(supplier.name, kind, path, sent_via)


def _send_smtp(settings: EmailSettings, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as server:
            if settings.smtp_starttls:
                server.starttls()
            if settings.smtp_username:
                server.login(settings.smtp_username, os.environ.get(settings.smtp_password_env, ""))
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MessageError(
            f"could not send through {settings.smtp_host}:{settings.smtp_port} ({exc}); "
            "the message was written to the outbox."
        ) from None
