"""Write every output of the main job into a folder: Form SD and CMR (HTML, DOCX, Markdown), report.json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.model import Finding
from conflict_minerals.report.build import report_json_text
from conflict_minerals.report.document import Paragraph, conflict_minerals_report, form_sd, working_papers
from conflict_minerals.report.model import ReportModel
from conflict_minerals.report.render import edgar_file_name, to_docx, to_edgar_html, to_markdown


@dataclass(frozen=True, slots=True)
class WrittenReport:
    """The files a report run wrote."""

    folder: Path
    files: tuple[Path, ...]


DRAFT = "DRAFT - NOT FOR FILING"


def write_report(model: ReportModel, folder: Path, findings: Sequence[Finding] = ()) -> WrittenReport:
    """Render the model in every format into `folder`, with the pre-filing check's findings."""
    folder.mkdir(parents=True, exist_ok=True)
    name = model.company.legal_name or "registrant"
    sd_blocks, cmr_blocks, wp_blocks = form_sd(model), conflict_minerals_report(model), working_papers(model)
    if model.draft:  # marked at the top and the end of each document; DOCX repeats it on every page
        mark = Paragraph(DRAFT, centered=True, bold=True)
        sd_blocks, cmr_blocks = [mark, *sd_blocks, mark], [mark, *cmr_blocks, mark]
    outputs = {
        edgar_file_name(name, "sd", model.period): to_edgar_html(f"Form SD {model.period}", sd_blocks),
        edgar_file_name(name, "ex101", model.period): to_edgar_html(f"Exhibit 1.01 {model.period}", cmr_blocks),
        "form-sd.md": to_markdown(sd_blocks),
        "conflict-minerals-report.md": to_markdown(cmr_blocks),
        "working-papers.md": to_markdown(wp_blocks),
        "report.json": report_json_text(model),
        "pre-filing-check.txt": check_text(findings, model.draft),
    }
    written = []
    for file_name, text in outputs.items():
        path = folder / file_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for file_name, blocks in (("form-sd.docx", sd_blocks), ("conflict-minerals-report.docx", cmr_blocks)):
        to_docx(blocks, folder / file_name, header=DRAFT if model.draft else None)
        written.append(folder / file_name)
    return WrittenReport(folder, tuple(written))


def check_text(findings: Sequence[Finding], draft: bool) -> str:
    """The pre-filing check's findings as a plain-text list (one per line), written beside the filing."""
    errors = sum(1 for f in findings if f.severity.value == "error")
    head = f"Pre-filing check: {errors} error(s), {len(findings) - errors} warning(s)"
    lines = [head + (" - written as a DRAFT" if draft else ""), ""]
    for f in findings:
        where = ", ".join(part for part in (f.source.file, f.source.sheet, f.source.cell) if part)
        lines.append(f"{f.severity.value.upper():<8} {f.code}  {where}: {f.message}")
    return "\n".join(lines) + "\n"
