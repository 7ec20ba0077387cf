"""Write every output of the main job into a folder: Form SD and CMR (HTML, DOCX, Markdown), report.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.report.build import report_json_text
from conflict_minerals.report.document import conflict_minerals_report, form_sd, working_papers
from conflict_minerals.report.model import ReportModel
from conflict_minerals.report.render import edgar_file_name, to_docx, to_edgar_html, to_markdown


@dataclass(frozen=True, slots=True)
class WrittenReport:
    """The files a report run wrote."""

    folder: Path
    files: tuple[Path, ...]


def write_report(model: ReportModel, folder: Path) -> WrittenReport:
    """Render the model in every format into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    name = model.company.legal_name or "registrant"
    sd_blocks, cmr_blocks, wp_blocks = form_sd(model), conflict_minerals_report(model), working_papers(model)
    outputs = {
        edgar_file_name(name, "sd", model.period): to_edgar_html(f"Form SD {model.period}", sd_blocks),
        edgar_file_name(name, "ex101", model.period): to_edgar_html(f"Exhibit 1.01 {model.period}", cmr_blocks),
        "form-sd.md": to_markdown(sd_blocks),
        "conflict-minerals-report.md": to_markdown(cmr_blocks),
        "working-papers.md": to_markdown(wp_blocks),
        "report.json": report_json_text(model),
    }
    written = []
    for file_name, text in outputs.items():
        path = folder / file_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for file_name, blocks in (("form-sd.docx", sd_blocks), ("conflict-minerals-report.docx", cmr_blocks)):
        to_docx(blocks, folder / file_name)
        written.append(folder / file_name)
    return WrittenReport(folder, tuple(written))
