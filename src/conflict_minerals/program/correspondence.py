"""The outbox: messages to suppliers recorded, then written as files or sent.

A message is first recorded in the database (with the decision it belongs to) in one short
transaction; only after that commit are its files written and, when asked, is it sent by SMTP,
and each send is marked in its own transaction. A retry sends only what is still pending, so
no message goes out twice because of a failure.
"""

from __future__ import annotations

import os
import re
import smtplib
import tempfile
import unicodedata
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import Campaign, request_of
from conflict_minerals.program.schema import campaigns, inserted_id, messages, requests, trusted_templates
from conflict_minerals.program.settings import EmailSettings
from conflict_minerals.program.suppliers import SupplierRecord
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
    """A file-name part: accents folded ('Grüns' -> 'gruns'), anything else a dash."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")[:60] or "supplier"


def sender_address(workspace: Workspace) -> str:
    """The address messages come from; none set is an error a person can fix, never 'localhost'."""
    address = workspace.settings.email.from_address or workspace.settings.company.contact_email
    if not address:
        raise MessageError(
            "messages to suppliers need a sender address: set [email] from_address or [company] contact_email "
            "in conflict-minerals.toml.",
            "message.no_sender",
        )
    return address


def signature(workspace: Workspace) -> str:
    """The letter's closing lines: contact name, company, e-mail."""
    company = workspace.settings.company
    return "\n".join(part for part in (company.contact_name, company.legal_name, company.contact_email) if part)


def check_sending(workspace: Workspace) -> None:
    """Refuse before anything is recorded when the messages could not be sent (suppliers without an address
    are left out when the letters are planned)."""
    if workspace.settings.email.mode != "smtp":
        raise MessageError("sending needs SMTP set up in the settings.", "message.not_smtp")


@dataclass(frozen=True, slots=True)
class Draft:
    """A message to record: who, what kind, subject, body, copies and the template to attach."""

    supplier: SupplierRecord
    kind: str
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    attachment: str | None = None  # sha256 of a trusted template
    template: str = "CMRT"  # the request it answers to


def record_message(
    workspace: Workspace, connection: Connection, campaign: Campaign, draft: Draft, send: bool
) -> Written:
    """Record a message with proper headers under a unique file name (the file is written after the commit)."""
    sender = sender_address(workspace)
    supplier = draft.supplier
    if not supplier.emails:  # planning leaves such suppliers out; a message to nobody is never recorded
        raise MessageError(f"{supplier.name} has no contact e-mail; add one first.", "message.no_address")
    to = ", ".join(supplier.emails)
    cc = ", ".join(draft.cc)
    message_id = make_msgid(domain=sender.rpartition("@")[2] or None)
    message = EmailMessage()
    message["Subject"] = draft.subject
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Date"] = format_datetime(now())
    message["Message-ID"] = message_id
    message.set_content(draft.body)
    request_id = connection.execute(
        select(requests.c.id).where(request_of(campaign, supplier.id, draft.template))
    ).scalar_one()
    via = "smtp" if send else "file"
    row_id = inserted_id(
        connection.execute(
            insert(messages).values(
                request_id=request_id,
                kind=draft.kind,
                path="",
                sent_via=via,
                created_at=now(),
                status=PENDING if send else WRITTEN,
                subject=draft.subject,
                recipients=", ".join(filter(None, (to, cc))),
                content=message.as_string(policy=policy.SMTP),
                message_id=message_id,
                attempts=0,
                attachment=draft.attachment,
            )
        )
    )
    # The message's own number makes the file name unique, whatever the supplier is called.
    kind = draft.kind if draft.template == "CMRT" else f"{draft.template.lower()}-{draft.kind}"
    relative = f"outbox/{campaign.year}/{row_id:06d}-{_slug(supplier.name)}-{kind}.eml"
    connection.execute(update(messages).where(messages.c.id == row_id).values(path=relative))
    connection.execute(update(requests).where(requests.c.id == request_id).values(last_contact_at=now()))
    return Written(row_id, supplier.name, draft.kind, workspace.root / relative, via)


def _composed(
    connection: Connection,
    content: str,
    attachment: str | None,
    cache: dict[str, tuple[str, bytes]],
    note_only: bool = False,
) -> str:
    """The full message: the stored text plus the trusted template it names, attached.

    With `note_only` the template is named in a header instead: the file copy of a message sent by
    SMTP is a record, and 10,000 copies of a 2 MB template would fill a disk.
    """
    if not attachment:
        return content
    if attachment not in cache:
        row = connection.execute(
            select(trusted_templates.c.file_name, trusted_templates.c.content).where(
                trusted_templates.c.sha256 == attachment
            )
        ).first()
        cache[attachment] = (row.file_name, bytes(row.content)) if row else ("", b"")
    name, data = cache[attachment]
    if not data:
        return content  # the template was removed since; the letter still names where to get it
    message = message_from_string(content, policy=policy.default)
    if note_only:
        message["X-Conflict-Minerals-Attached"] = f"{name} (sha256 {attachment})"
        return message.as_string(policy=policy.SMTP)
    message.add_attachment(  # type: ignore[attr-defined]
        data,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=name,
    )
    return message.as_string(policy=policy.SMTP)


def write_files(workspace: Workspace, written: list[Written]) -> None:
    """Write the recorded messages as .eml and .txt copies in the outbox folder (after the commit).

    A message to be sent by hand (files mode) carries the template; the copy of one sent by SMTP names it.
    """
    cache: dict[str, tuple[str, bytes]] = {}
    ids = [w.id for w in written]
    for start in range(0, len(ids), 500):
        with workspace.read() as connection:
            query = select(messages.c.path, messages.c.content, messages.c.attachment, messages.c.sent_via)
            rows = connection.execute(query.where(messages.c.id.in_(ids[start : start + 500]))).all()
            full = [
                (
                    row.path,
                    row.content,
                    _composed(connection, row.content, row.attachment, cache, row.sent_via == "smtp"),
                )
                for row in rows
            ]
        for path, content, composed in full:
            target = workspace.root / path
            body = message_from_string(content, policy=policy.default).get_body(("plain",))
            _write_atomically(target, composed.encode("utf-8"))
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
            about = connection.execute(
                select(messages.c.kind, messages.c.path, requests.c.supplier_id, campaigns.c.year)
                .join(requests, requests.c.id == messages.c.request_id)
                .join(campaigns, campaigns.c.id == requests.c.campaign_id)
                .where(messages.c.id == message_id)
            ).one()
            detail = {"message": message_id, "kind": about.kind, "file": about.path.rpartition("/")[2]}
            record(connection, actor, "message.sent", detail, campaign_year=about.year, supplier_id=about.supplier_id)
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
        row = connection.execute(
            select(messages.c.content, messages.c.attachment).where(messages.c.id == message_id)
        ).one()
        return _composed(connection, row.content, row.attachment, {})


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
