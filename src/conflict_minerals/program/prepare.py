"""Read and review supplier files, in parallel worker processes: everything ingest does before the database.

A worker builds the trusted reference and its matcher once, then reads, reviews and matches
file after file. Any exception a file causes becomes that file's error; the others go on.
Results come back in input order, with at most a few files in flight (bounded memory).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import CmrtDocument, ExtendedDocument, Finding
from conflict_minerals.program.extended_store import MineralMatch, MineralMatcher
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.smelters.consolidate import Ruling, match_row
from conflict_minerals.smelters.matching import Matcher, SmelterMatch

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReviewSetup:
    """What reviewing needs besides the file: the trusted reference and the campaign's terms."""

    revisions: tuple[ReferenceRevision, ...]
    reference_label: str
    cahra: frozenset[str]
    reporting_year: int
    require_product_level: bool
    today: dt.date
    templates: tuple[str, ...] = ("CMRT",)  # what the campaign asks suppliers for
    mineral_revisions: tuple[ReferenceRevision, ...] = ()  # every trusted look-up, other minerals included
    rulings: Mapping[str, Ruling] = field(default_factory=dict)  # reviewers' decisions on names, this campaign


@dataclass(frozen=True, slots=True)
class Prepared:
    """One file read and reviewed: the document, its findings and row matches, or the error that stopped it."""

    name: str
    document: CmrtDocument | None
    findings: tuple[Finding, ...]
    matches: tuple[SmelterMatch, ...]
    error: str | None = None
    error_kind: str | None = None
    extended: ExtendedDocument | None = None  # an EMRT, CRT or AMRT (then `document` is None)
    extended_matches: tuple[MineralMatch, ...] = ()

    @property
    def template(self) -> str | None:
        """The type of template read, or None when the file could not be read."""
        if self.document is not None:
            return self.document.template.type
        return self.extended.template.type if self.extended is not None else None


_built: list[tuple[ReviewSetup, Matcher]] = []  # the matcher of the run in progress, built once


def _matcher(setup: ReviewSetup) -> Matcher:
    if not _built or _built[0][0] is not setup:
        _built[:] = [(setup, Matcher(SmelterReference.build(setup.revisions)))]
    return _built[0][1]


def prepare(name: str, data: bytes, setup: ReviewSetup) -> Prepared:
    """Read, review and match one file; never raises."""
    from conflict_minerals.cmrt import read_cmrt

    try:
        document = read_cmrt(name, data)
    except UnreadableFileError as exc:
        if exc.kind is UnreadableKind.UNSUPPORTED_TEMPLATE:  # an EMRT, CRT or AMRT: read by its own layout
            return _prepare_extended(name, data, setup)
        return Prepared(name, None, (), (), exc.message, exc.kind.value)
    except Exception as exc:  # a bug of ours or a file nobody foresaw: this file's error, not the batch's
        log.debug("unexpected failure reading %s", name, exc_info=True)
        return Prepared(name, None, (), (), _internal(exc, "read"), UnreadableKind.INTERNAL.value)
    document = dataclasses.replace(document, lookup=())  # the file's own look-up served to read it, nothing more
    try:
        return review_document_once(name, document, setup)
    except Exception as exc:
        log.debug("unexpected failure reviewing %s", name, exc_info=True)
        return Prepared(name, None, (), (), _internal(exc, "review"), UnreadableKind.INTERNAL.value)


def _prepare_extended(name: str, data: bytes, setup: ReviewSetup) -> Prepared:
    from conflict_minerals.cmrt.extended import read_extended
    from conflict_minerals.review.extended import review_extended

    try:
        document = read_extended(name, data)
    except UnreadableFileError as exc:
        return Prepared(name, None, (), (), exc.message, exc.kind.value)
    except Exception as exc:
        log.debug("unexpected failure reading %s", name, exc_info=True)
        return Prepared(name, None, (), (), _internal(exc, "read"), UnreadableKind.INTERNAL.value)
    try:
        matcher = _mineral_matcher(setup)
        findings, matches = review_extended(document, setup.templates, setup.reporting_year, setup.today, matcher)
    except Exception as exc:
        log.debug("unexpected failure reviewing %s", name, exc_info=True)
        return Prepared(name, None, (), (), _internal(exc, "review"), UnreadableKind.INTERNAL.value)
    return Prepared(name, None, tuple(findings), (), extended=document, extended_matches=tuple(matches))


_minerals_built: list[tuple[ReviewSetup, MineralMatcher]] = []


def _mineral_matcher(setup: ReviewSetup) -> MineralMatcher:
    """Match extended rows by Smelter ID and name against the trusted look-ups of other minerals (built once)."""
    from conflict_minerals.smelters.minerals import MineralReference

    if not _minerals_built or _minerals_built[0][0] is not setup:
        reference = MineralReference.build(setup.mineral_revisions)

        def match(mineral: str, smelter_id: str | None, name: str | None, country: str | None) -> MineralMatch:
            found = reference.match(mineral, smelter_id, name, country)
            reason = "; ".join(found.problems) or None
            return MineralMatch(
                found.smelter_id,
                found.standard_name,
                found.country,
                found.method.value,
                1.0 if found.matched else 0.0,
                reason,
            )

        _minerals_built[:] = [(setup, match)]
    return _minerals_built[0][1]


def _internal(exc: Exception, step: str) -> str:
    return (
        f"could not be {step}ed because of an internal error ({type(exc).__name__}); the original is kept "
        "for debugging; please report this file."
    )


def review_document_once(name: str, document: CmrtDocument, setup: ReviewSetup) -> Prepared:
    """Review and match an already-read document (a stored one, for a recheck)."""
    from conflict_minerals.review.rules import ReviewContext, one_per_cell, review_document

    context = ReviewContext(
        document,
        _matcher(setup),
        setup.reporting_year,
        setup.require_product_level,
        today=setup.today,
        cahra=setup.cahra,
        rulings=setup.rulings,
    )
    findings = tuple(one_per_cell([*document.findings, *review_document(context)]))
    matches = tuple(
        match_row(context.matcher, row) if row.not_yet_identified and not row.smelter_id else context.match(row)
        for row in document.smelters
    )
    return Prepared(name, document, findings, matches)


_worker_setup: ReviewSetup | None = None


def _init_worker(setup: ReviewSetup) -> None:
    global _worker_setup
    _worker_setup = setup


def prepare_in_worker(name: str, data: bytes) -> Prepared:
    """Prepare one file in a worker process, with the setup the pool started it with."""
    assert _worker_setup is not None
    return prepare(name, data, _worker_setup)


def default_jobs() -> int:
    """The number of worker processes by default: one per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class Preparer:
    """Prepare files with `jobs` processes, in submission order, holding at most 2 x jobs files at once.

    A worker that dies (out of memory, a crash in a native library) costs the file it was reading,
    recorded as that file's error; a fresh pool takes the files still in flight.
    """

    work: Callable[[str, bytes], Prepared] = staticmethod(prepare_in_worker)  # runs in the worker processes

    def __init__(self, setup: ReviewSetup, jobs: int) -> None:
        self.setup = setup
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[object, str, bytes, Future[Prepared]]] = deque()
        self._ready: deque[tuple[object, Prepared]] = deque()  # read again after a worker died, in order

    def __enter__(self) -> Preparer:
        if self.jobs > 1:
            self._pool = self._new_pool()
        return self

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # never fork a process that holds database connections
        return ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_init_worker, initargs=(self.setup,))

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, token: object, name: str, data: bytes) -> Iterator[tuple[object, Prepared]]:
        """Queue a file; yield the files that are done once the window is full."""
        if self._pool is None:
            yield token, prepare(name, data, self.setup)
            return
        self._pending.append((token, name, data, self._start(name, data)))
        while len(self._pending) + len(self._ready) >= 2 * self.jobs:
            yield self._next()

    def _start(self, name: str, data: bytes) -> Future[Prepared]:
        """Hand a file to the pool; a pool a worker already broke gives a failed future, handled like the rest."""
        assert self._pool is not None
        try:
            return self._pool.submit(self.work, name, data)
        except BrokenProcessPool as exc:
            failed: Future[Prepared] = Future()
            failed.set_exception(exc)
            return failed

    def drain(self) -> Iterator[tuple[object, Prepared]]:
        """Yield every file still in flight."""
        while self._pending or self._ready:
            yield self._next()

    def _next(self) -> tuple[object, Prepared]:
        if self._ready:
            return self._ready.popleft()
        token, name, data, future = self._pending.popleft()
        try:
            return token, future.result()
        except BrokenProcessPool:
            # Every file in flight failed with the pool; read them again one at a time to find the one to blame.
            suspects = [(token, name, data), *((t, n, d) for t, n, d, _ in self._pending)]
            self._pending.clear()
            self._replace_pool()
            for held in suspects:
                self._ready.append(self._alone(*held))
            return self._ready.popleft()

    def _alone(self, token: object, name: str, data: bytes) -> tuple[object, Prepared]:
        assert self._pool is not None
        try:
            return token, self._pool.submit(self.work, name, data).result()
        except BrokenProcessPool:
            log.debug("a reader process died while reading %s", name)
            self._replace_pool()
            message = "the reader process stopped while reading this file; the original is kept for debugging"
            return token, Prepared(name, None, (), (), message, UnreadableKind.INTERNAL.value)

    def _replace_pool(self) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
