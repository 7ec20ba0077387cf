"""Parse once: what a CMRT declares, stored as rows at ingest and read back by every later command.

A stored document is rebuilt as the same `CmrtDocument` the reader produced (without the
template's look-up, which only served to read the file), together with the match of each
smelter row against the trusted reference at ingest time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from conflict_minerals.model import Answer, CmrtDocument, Company, Metal, Product, SmelterRow, SourceRef, TemplateInfo
from conflict_minerals.program.audit import now
from conflict_minerals.program.schema import (
    BULK_CHUNK,
    answers,
    bulk_insert,
    products,
    requests,
    smelter_rows,
    submissions,
)
from conflict_minerals.smelters.consolidate import RowFacts, RowSource, facility_key
from conflict_minerals.smelters.matching import Method, SmelterMatch

# Bump when the reader changes what it derives; `reprocess` re-derives stored rows, and `migrate` re-derives the
# extended files of an older reader ("3": their facilities keyed by the lowercased mineral, name-only rows too).
READER_VERSION = "3"
COMPANY_FIELDS = tuple(f for f in Company.__slots__ if f != "effective_date")  # type: ignore[attr-defined]
_COMPANY_FIELDS = COMPANY_FIELDS
_ROW_FIELDS = tuple(f for f in SmelterRow.__slots__ if f not in ("row", "metal"))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A submission's parsed CMRT and the match of each smelter row, as stored."""

    submission_id: int
    document: CmrtDocument
    matches: tuple[SmelterMatch, ...]  # aligned with document.smelters


def save_parsed(
    connection: Connection,
    submission_id: int,
    document: CmrtDocument,
    matches: Sequence[SmelterMatch],
    reference_version: str,
    fresh: bool = False,
) -> None:
    """Store what the document declares, in bulk, with the reader and reference versions used.

    `fresh`: the submission row was just inserted with `parsed_fields` and has no rows yet.
    """
    if not fresh:
        _clear(connection, submission_id)
        connection.execute(
            update(submissions)
            .where(submissions.c.id == submission_id)
            .values(**parsed_fields(document, reference_version))
        )
    bulk_insert(
        connection, answers, [_answer_row(submission_id, a) for a in (*document.answers, *document.company_answers)]
    )
    bulk_insert(
        connection,
        smelter_rows,
        [_smelter_row(submission_id, r, m) for r, m in zip(document.smelters, matches, strict=True)],
    )
    bulk_insert(connection, products, product_rows(submission_id, document.products))


def product_rows(submission_id: int, listed: Sequence[Product]) -> list[dict[str, Any]]:
    """The database rows of a Product List, the requester's own number and name included."""
    return [
        {
            "submission_id": submission_id,
            "row": p.row,
            "number": p.number,
            "name": p.name,
            "comments": p.comments,
            "requester_number": p.requester_number,
            "requester_name": p.requester_name,
        }
        for p in listed
    ]


def parsed_fields(document: CmrtDocument, reference_version: str) -> dict[str, Any]:
    """The submission's own columns for what the document declares and how it was read."""
    company = {f: getattr(document.company, f) for f in _COMPANY_FIELDS}
    return {
        "template_type": document.template.type,
        "template_version": document.template.version,
        "language": document.template.language,
        "declared_company": _cap(document.company.name, 300),
        "declared_unique_id": _cap(document.company.unique_id, 100),
        "declaration_scope": document.company.declaration_scope,
        "effective_date": document.company.effective_date,
        "company_json": json.dumps({**company, "layout_version": document.template.layout_version}),
        "reader_version": READER_VERSION,
        "reference_version": _cap(reference_version, 200),
        "parsed_at": now(),
    }


def _cap(text: str | None, length: int) -> str | None:
    return text[:length] if text else text


def _clear(connection: Connection, submission_id: int) -> None:
    for table in (answers, smelter_rows, products):
        connection.execute(table.delete().where(table.c.submission_id == submission_id))


def _answer_row(submission_id: int, answer: Answer) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "question": answer.question,
        "metal": answer.metal.value if answer.metal else None,
        "value": answer.value,
        "comment": answer.comment,
        "cell": answer.cell,
        "comment_cell": answer.comment_cell,
        "recognized": answer.recognized,
    }


def _smelter_row(submission_id: int, row: SmelterRow, match: SmelterMatch) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "row": row.row,
        "metal": row.metal.value if row.metal else None,
        **{f: getattr(row, f) for f in _ROW_FIELDS},
        "match_smelter_id": match.smelter_id,
        "match_name": match.standard_name,
        "match_metal": match.metal.value if match.metal else None,
        "match_country": match.country,
        "match_method": match.method.value,
        "match_confidence": match.confidence,
        "match_reason": match.reason,
        "match_problems": json.dumps(list(match.problems)) if match.problems else None,
        "facility_key": None if match.method is Method.REJECTED else facility_key(row, match),
    }


def load_documents(
    connection: Connection, submission_ids: Iterable[int], with_products: bool = True
) -> dict[int, StoredDocument]:
    """Rebuild the stored documents of the given submissions (parsed rows only, never the workbook)."""
    ids = sorted(set(submission_ids))
    found: dict[int, StoredDocument] = {}
    for start in range(0, len(ids), BULK_CHUNK):
        found.update(_load_chunk(connection, ids[start : start + BULK_CHUNK], with_products))
    return found


def _load_chunk(connection: Connection, ids: list[int], with_products: bool) -> dict[int, StoredDocument]:
    heads = connection.execute(
        select(submissions).where(submissions.c.id.in_(ids), submissions.c.parsed_at.is_not(None))
    )
    by_id = {row.id: row for row in heads}
    answer_rows: dict[int, list[Answer]] = {i: [] for i in by_id}
    for a in connection.execute(select(answers).where(answers.c.submission_id.in_(list(by_id))).order_by(answers.c.id)):
        answer_rows[a.submission_id].append(
            Answer(
                a.question,
                Metal(a.metal) if a.metal else None,
                a.value,
                a.comment,
                a.cell,
                a.comment_cell,
                a.recognized,
            )
        )
    rows: dict[int, list[tuple[SmelterRow, SmelterMatch]]] = {i: [] for i in by_id}
    query = select(smelter_rows).where(smelter_rows.c.submission_id.in_(list(by_id))).order_by(smelter_rows.c.id)
    for r in connection.execute(query):
        rows[r.submission_id].append(_row_and_match(r))
    listed: dict[int, list[Product]] = {i: [] for i in by_id}
    if with_products:
        query = select(products).where(products.c.submission_id.in_(list(by_id))).order_by(products.c.id)
        for p in connection.execute(query):
            listed[p.submission_id].append(
                Product(p.row, p.number, p.name, p.comments, p.requester_number, p.requester_name)
            )
    return {i: _document(head, answer_rows[i], rows[i], listed[i]) for i, head in by_id.items()}


def _row_and_match(r: Any) -> tuple[SmelterRow, SmelterMatch]:
    row = SmelterRow(row=r.row, metal=Metal(r.metal) if r.metal else None, **{f: getattr(r, f) for f in _ROW_FIELDS})
    match = SmelterMatch(
        r.match_smelter_id,
        r.match_name,
        Metal(r.match_metal) if r.match_metal else None,
        r.match_country,
        Method(r.match_method),
        r.match_confidence,
        r.match_reason,
        tuple(json.loads(r.match_problems)) if r.match_problems else (),
    )
    return row, match


def _document(
    head: Any, answer_list: list[Answer], rows: list[tuple[SmelterRow, SmelterMatch]], product_list: list[Product]
) -> StoredDocument:
    company = json.loads(head.company_json or "{}")
    layout_version = company.pop("layout_version", head.template_version)
    effective = head.effective_date if isinstance(head.effective_date, dt.date) else None
    document = CmrtDocument(
        source=SourceRef(head.file_name),
        sha256=head.file_sha256,
        template=TemplateInfo(head.template_type or "CMRT", head.template_version or "", head.language, layout_version),
        company=Company(**{k: v for k, v in company.items() if k in _COMPANY_FIELDS}, effective_date=effective),
        answers=tuple(a for a in answer_list if a.metal is not None),
        company_answers=tuple(a for a in answer_list if a.metal is None),
        smelters=tuple(row for row, _ in rows),
        products=tuple(product_list),
    )
    return StoredDocument(head.id, document, tuple(match for _, match in rows))


@dataclass(frozen=True, slots=True)
class Declared:
    """What a report needs of a stored CMRT: its file, its company block and its per-metal answers."""

    submission_id: int
    sha256: str
    source: SourceRef
    company: Company
    answers: dict[tuple[Metal, str], str | None]
    reference_version: str | None = None  # the reference its rows were matched against

    def answer(self, metal: Metal, question: str) -> Answer | None:
        """Return a per-metal answer (only its value is kept), or None when the question is absent."""
        if (metal, question) not in self.answers:
            return None
        return Answer(question, metal, self.answers[(metal, question)], None, "", "")


def load_declared(
    connection: Connection, submission_ids: Iterable[int], questions: Sequence[str] | None = None
) -> dict[int, Declared]:
    """Read the company block and per-metal answers (only `questions`, when given) of many submissions."""
    ids = sorted(set(submission_ids))
    heads: dict[int, Any] = {}
    answer_sets: dict[int, dict[tuple[Metal, str], str | None]] = {}
    metals = {metal.value: metal for metal in Metal}
    for start in range(0, len(ids), BULK_CHUNK):
        chunk = ids[start : start + BULK_CHUNK]
        query = select(
            submissions.c.id,
            submissions.c.file_sha256,
            submissions.c.file_name,
            submissions.c.declared_company,
            submissions.c.declaration_scope,
            submissions.c.reference_version,
        ).where(submissions.c.id.in_(chunk), submissions.c.parsed_at.is_not(None))
        for row in connection.execute(query):
            heads[row.id] = row
            answer_sets[row.id] = {}
        wanted = [answers.c.submission_id.in_(chunk), answers.c.metal.is_not(None)]
        if questions is not None:
            wanted.append(answers.c.question.in_(list(questions)))
        chosen = select(answers.c.submission_id, answers.c.metal, answers.c.question, answers.c.value).where(*wanted)
        for found in connection.execute(chosen):
            if found[0] in answer_sets:
                answer_sets[found[0]][(metals[found[1]], found[2])] = found[3]
    return {
        i: Declared(
            i,
            head.file_sha256,
            SourceRef(head.file_name),
            Company(name=head.declared_company, declaration_scope=head.declaration_scope),
            answer_sets[i],
            head.reference_version,
        )
        for i, head in heads.items()
    }


def stored_rows(
    connection: Connection, submissions_of: dict[int, tuple[str, str]], campaign_id: int | None = None
) -> Iterator[tuple[RowSource, RowFacts, SmelterMatch, str | None]]:
    """Yield the stored smelter rows of submissions (id -> (file, supplier of record)) ready to merge.

    With `campaign_id` the rows come in one query joined to the campaign's current submissions (the
    fast way for a whole campaign); rows of submissions not in `submissions_of` are skipped.
    """
    metals = {metal.value: metal for metal in Metal}
    matches: dict[tuple[object, ...], SmelterMatch] = {}  # many rows name the same facility: one match object
    ids = sorted(submissions_of)
    columns = (
        smelter_rows.c.submission_id,
        smelter_rows.c.row,
        smelter_rows.c.metal,
        smelter_rows.c.smelter_id,
        smelter_rows.c.name,
        smelter_rows.c.country,
        smelter_rows.c.lookup_name,
        smelter_rows.c.entered_name,
        smelter_rows.c.not_listed,
        smelter_rows.c.not_yet_identified,
        smelter_rows.c.match_smelter_id,
        smelter_rows.c.match_name,
        smelter_rows.c.match_metal,
        smelter_rows.c.match_country,
        smelter_rows.c.match_method,
        smelter_rows.c.match_confidence,
        smelter_rows.c.match_reason,
        smelter_rows.c.match_problems,
        smelter_rows.c.facility_key,
    )
    current, file, supplier = -1, "", ""
    for query in _row_queries(columns, ids, campaign_id):
        for (
            sid,
            number,
            metal,
            smelter_id,
            name,
            country,
            lookup,
            entered,
            not_listed,
            not_yet,
            *found,
            key,
        ) in connection.execute(_streamed(query)):
            if sid != current:
                current = sid
                file, supplier = submissions_of.get(sid, ("", ""))
            if not file:
                continue
            reported = entered if not_listed else (name or lookup or entered)
            facts = RowFacts(number, metals.get(metal) if metal else None, smelter_id, reported, country, bool(not_yet))
            signature = tuple(found)
            match = matches.get(signature)
            if match is None:
                match = matches[signature] = _stored_match(found, metals)
            yield RowSource(file, number, supplier), facts, match, key


def _stored_match(found: list[Any], metals: dict[str, Metal]) -> SmelterMatch:
    smelter_id, name, metal, country, method, confidence, reason, problems = found
    return SmelterMatch(
        smelter_id,
        name,
        metals.get(metal) if metal else None,
        country,
        Method(method),
        confidence,
        reason,
        tuple(json.loads(problems)) if problems else (),
    )


def _streamed(query: Any) -> Any:
    """Order a campaign's rows and stream them in batches (a server-side cursor on PostgreSQL)."""
    ordered = query.order_by(smelter_rows.c.submission_id, smelter_rows.c.row)
    return ordered.execution_options(stream_results=True, yield_per=5000)


def _row_queries(columns: tuple[Any, ...], ids: list[int], campaign_id: int | None) -> Iterator[Any]:
    if campaign_id is not None:
        yield (
            select(*columns)
            .join(requests, requests.c.current_submission_id == smelter_rows.c.submission_id)
            .where(requests.c.campaign_id == campaign_id, requests.c.template_type == "CMRT")
        )
        return
    for start in range(0, len(ids), BULK_CHUNK):
        yield select(*columns).where(smelter_rows.c.submission_id.in_(ids[start : start + BULK_CHUNK]))


def declared_mine_countries(
    connection: Connection, campaign_id: int, submission_ids: Collection[int]
) -> tuple[dict[str, dict[str, int]], int]:
    """Count the mine countries suppliers declared per metal (Smelter List mine columns) in the counted
    submissions; also return how many facility rows there were in all."""
    counted = set(submission_ids)
    by_metal: dict[str, dict[str, int]] = {}
    total = 0
    columns = (smelter_rows.c.submission_id, smelter_rows.c.metal, smelter_rows.c.mine_country)
    for query in _row_queries(columns, sorted(counted), campaign_id):
        for submission_id, metal, mine_country in connection.execute(
            query.where(smelter_rows.c.facility_key.isnot(None))
        ):
            if submission_id not in counted:
                continue
            total += 1
            if metal and mine_country and mine_country.strip():
                places = by_metal.setdefault(metal, {})
                places[mine_country.strip()] = places.get(mine_country.strip(), 0) + 1
    return by_metal, total
