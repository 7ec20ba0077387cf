"""Read many CMRTs at once, using both cores: the spreadsheet parser releases the GIL."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.cmrt.extended import read_extended
from conflict_minerals.cmrt.reader import read_cmrt
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import CmrtDocument, ExtendedDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The outcome of reading one file: a document, or the error that stopped it."""

    path: str
    document: CmrtDocument | ExtendedDocument | None
    error: UnreadableFileError | None


def _read_one(path: str | Path) -> ReadResult:
    try:
        return ReadResult(str(path), read_cmrt(path), None)
    except UnreadableFileError as exc:
        if exc.kind is UnreadableKind.UNSUPPORTED_TEMPLATE:  # an EMRT, CRT or AMRT: read by its own layout
            return _read_extended(path)
        return ReadResult(str(path), None, exc)
    except Exception as exc:  # a bug of ours must not cost the rest of the batch, nor show a traceback
        log.debug("unexpected failure reading %s", path, exc_info=True)
        message = f"could not be read because of an internal error ({type(exc).__name__}); please report this file."
        return ReadResult(str(path), None, UnreadableFileError(str(path), UnreadableKind.CORRUPT, message))


def _read_extended(path: str | Path) -> ReadResult:
    try:
        return ReadResult(str(path), read_extended(path), None)
    except UnreadableFileError as exc:
        return ReadResult(str(path), None, exc)


def read_many(paths: Sequence[str | Path], workers: int | None = None) -> Iterator[ReadResult]:
    """Read files in parallel and yield results in input order."""
    workers = workers or min(len(paths), os.cpu_count() or 1)
    if workers <= 1 or len(paths) <= 1:
        yield from (_read_one(path) for path in paths)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_read_one, paths)
