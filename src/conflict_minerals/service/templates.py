"""The company's own CMRT: which workbook it is written into, and the export itself.

Only trusted workbooks are ever filled: one the operator names, or a blank RMI template the
operator imported as trusted; otherwise our own writer. Never a supplier's workbook, which may
carry formulas that call out, hidden sheets, comments or properties.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from conflict_minerals.cmrt import layout
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import MineralSmelterRow
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import trusted_templates
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.company_cmrt import DerivedAnswer, company_declaration, derive_answers, write_company_cmrt
from conflict_minerals.service.consolidated import kept_gather


class TemplateError(ConflictMineralsError):
    """A workbook that cannot serve as a trusted template."""

    default_code = "template.untrusted"


@dataclass(frozen=True, slots=True)
class TrustedTemplate:
    """A blank RMI template imported as trusted."""

    template_type: str
    version: str
    file_name: str
    sha256: str


def require_blank_rmi(
    path: Path, data: bytes, template_type: str | None = None, links_allowed: bool = False
) -> tuple[str, str]:
    """Check a workbook is RMI's own, unfilled template (a CMRT, or the type named); return (type, revision).

    A supplier's file fails: its look-up could be forged, and reference data never comes from one.
    `links_allowed` accepts external links for a look-up import, which reads cached values and never
    follows a link: RMI's own AMRT 1.3 ships two leftover links to its author's files. A link that could
    reach another machine is refused whatever the template.
    """
    from conflict_minerals.cmrt import read_cmrt
    from conflict_minerals.cmrt.extended import read_extended
    from conflict_minerals.cmrt.extended_writer import template_of
    from conflict_minerals.cmrt.patcher import is_rmi_workbook

    if not is_rmi_workbook(path):
        raise TemplateError(f"{path.name} is not RMI's own workbook (its Checker sheet is missing).", file=path.name)
    kind = template_of(path)[0]
    if template_type is not None and kind != template_type:
        raise TemplateError(f"{path.name} is RMI's {kind}, not its {template_type}.", file=path.name)
    _require_no_links(path, lenient=kind == "AMRT" or links_allowed)
    document = read_cmrt(path, data) if kind == "CMRT" else read_extended(path, data)
    company = document.company
    # RMI's own blank templates ship stray answers and smelter rows (6.31, 6.4): only a declaring company counts.
    filled = (
        company.name
        or company.unique_id
        or company.contact_email
        or company.authorizer_name
        or company.effective_date
        or document.products
    )
    if filled:
        raise TemplateError(
            f"{path.name} is filled in (a supplier's or the company's file); use RMI's blank template as downloaded.",
            file=path.name,
        )
    return document.template.type, document.template.version


# A link that can reach another machine: a URL, a UNC path (\\host\share) or //host.
_REMOTE = re.compile(r"^(?:\\\\|//|[A-Za-z][A-Za-z0-9+.-]+:)")


def _require_no_links(path: Path, lenient: bool) -> None:
    """Refuse macros and external links; RMI's AMRT blanks (`lenient`) carry stray links to local files only."""
    from conflict_minerals.cmrt.patcher import external_targets

    targets = external_targets(path)
    if targets is None or any(_REMOTE.match(target) or not lenient for target in targets):
        raise TemplateError(f"{path.name} carries macros or external links; RMI's templates have none.", file=path.name)


def import_template(workspace: Workspace, path: Path, actor: str) -> tuple[TrustedTemplate, bool]:
    """Keep a blank RMI template as trusted, after checking it is RMI's unfilled workbook; False if known."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the file ({exc.strerror}).", "template.unreadable") from None
    template_type, version = require_blank_rmi(path, data)
    sha = hashlib.sha256(data).hexdigest()
    found = TrustedTemplate(template_type, version, path.name, sha)
    with workspace.transaction() as connection:
        if connection.execute(select(trusted_templates.c.id).where(trusted_templates.c.sha256 == sha)).first():
            return found, False
        connection.execute(
            insert(trusted_templates).values(
                template_type=found.template_type,
                version=found.version,
                sha256=sha,
                file_name=path.name[:300],
                content=data,
                imported_at=now(),
                imported_by=actor,
            )
        )
        record(
            connection,
            actor,
            "reference.template_imported",
            {"template": found.template_type, "version": found.version, "file": path.name, "sha256": sha},
        )
    return found, True


def newest_trusted(workspace: Workspace, template_type: str = "CMRT") -> tuple[TrustedTemplate, bytes] | None:
    """Return the newest revision of a trusted template type, by the real version order."""
    with workspace.read() as connection:
        rows = connection.execute(
            select(trusted_templates).where(trusted_templates.c.template_type == template_type)
        ).all()
    if not rows:
        return None
    row = max(rows, key=lambda r: layout.version_key(r.version))
    return TrustedTemplate(row.template_type, row.version, row.file_name, row.sha256), bytes(row.content)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """The company CMRT written: where, into which workbook, and each derived answer with its rule."""

    path: Path
    used: str
    own_layout: bool
    smelter_rows: int
    answers: tuple[DerivedAnswer, ...]


def export_company_cmrt(
    workspace: Workspace,
    period: int,
    out: Path,
    as_of: dt.date | None = None,
    template: Path | None = None,
    actor: str | None = None,
) -> ExportResult:
    """Write the company's own CMRT for its customers, atomically (from the kept consolidation, in a server)."""
    gathered = kept_gather(workspace, period, as_of)
    derived = derive_answers(gathered, workspace.settings.company, workspace.settings.due_diligence)
    data = company_declaration(
        workspace.settings.company, derived, gathered.run.consolidation.facilities, dt.date.today()
    )
    with _template_file(workspace, template) as chosen, atomic_output(out) as staging:
        used = write_company_cmrt(data, staging, chosen)
    with workspace.transaction(bookkeeping=True) as connection:  # an export changes nothing a page keeps
        detail = {"file": out.name, "template": used, "as_of": gathered.as_of, "smelters": len(data["smelters"])}
        record(connection, actor or workspace.actor, "export.company_cmrt", detail, campaign_year=period)
    return ExportResult(out, used, chosen is None, len(data["smelters"]), tuple(derived))


@dataclass(frozen=True, slots=True)
class ExtendedExportResult:
    """The company EMRT, CRT or AMRT written: where, into which workbook, its minerals and derived answers."""

    path: Path
    used: str
    minerals: tuple[str, ...]
    smelter_rows: int
    answers: tuple[DerivedAnswer, ...]


def export_company_extended(
    workspace: Workspace,
    template_type: str,
    year: int,
    out: Path,
    minerals: Sequence[str] = (),
    smelters: Sequence[MineralSmelterRow] | None = None,
    template: Path | None = None,
) -> ExtendedExportResult:
    """Write the company's own EMRT, CRT or AMRT into RMI's blank workbook, atomically.

    The workbook is `template`, else the newest trusted blank of the type; `smelters` are the
    facilities the suppliers named (default: the rows of their current submissions of the type
    in the year's campaign); rows of minerals not declared are left out.
    """
    from conflict_minerals.program.named_facilities import named_facilities

    if smelters is None:
        with workspace.read() as connection:
            smelters = named_facilities(connection, year, template_type)
    from conflict_minerals.cmrt.extended_writer import template_of, write_extended
    from conflict_minerals.cmrt.templates import layout_for
    from conflict_minerals.report.company_extended import declared_minerals, derive_extended, extended_fill

    with _template_file(workspace, template, template_type, required=True) as chosen:
        assert chosen is not None  # required: a missing template raised
        kind, version = template_of(chosen)
        if kind != template_type:
            raise TemplateError(f"{chosen.name} is an RMI {kind} template, not an {template_type}.", file=chosen.name)
        spec, _ = layout_for(kind, version)
        settings = workspace.settings
        declared = declared_minerals(spec, minerals, smelters)
        derived = derive_extended(spec, declared, smelters, settings.company, settings.due_diligence)
        fill = extended_fill(spec, settings.company, declared, derived, smelters, dt.date.today())
        with atomic_output(out) as staging:
            write_extended(chosen, staging, fill)
        used = f"RMI {kind} {version} template {chosen.name}"
    with workspace.transaction() as connection:
        detail = {"file": out.name, "template": used, "minerals": list(declared), "smelters": len(fill.smelters)}
        record(connection, workspace.actor, f"export.company_{template_type.lower()}", detail, campaign_year=year)
    return ExtendedExportResult(out, used, declared, len(fill.smelters), tuple(derived))


@contextmanager
def _template_file(
    workspace: Workspace, given: Path | None, template_type: str = "CMRT", required: bool = False
) -> Iterator[Path | None]:
    if given is not None:
        yield given
        return
    trusted = newest_trusted(workspace, template_type)
    if trusted is None and required:
        raise TemplateError(
            f"No blank RMI {template_type} template is trusted in this workspace.",
            "template.missing",
            template_type=template_type,
        )
    if trusted is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="cm-template-") as folder:
        path = Path(folder) / trusted[0].file_name.replace("/", "_")
        path.write_bytes(trusted[1])
        yield path


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a temporary path beside `out`; it replaces `out` only when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial.xlsx", dir=out.parent)
    os.close(handle)
    staging = Path(name)
    try:
        yield staging
        os.replace(staging, out)
    finally:
        staging.unlink(missing_ok=True)
