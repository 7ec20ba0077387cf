"""Typed errors for input we cannot read at all; bad data inside a file becomes findings instead."""

from __future__ import annotations

from enum import StrEnum


class UnreadableKind(StrEnum):
    """Why a file could not be read, as a stable machine-readable word."""

    EMPTY = "empty"
    NOT_EXCEL = "not-excel"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too-large"
    HOSTILE = "hostile"
    NOT_CMRT = "not-cmrt"
    UNSUPPORTED_TEMPLATE = "unsupported-template"
    UNSUPPORTED_REVISION = "unsupported-revision"
    NOT_FOUND = "not-found"


class ConflictMineralsError(Exception):
    """Base class of every error this package raises on purpose."""


class UnreadableFileError(ConflictMineralsError):
    """A supplier file we cannot read at all; the message tells a compliance officer what to do."""

    def __init__(self, path: str, kind: UnreadableKind, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.kind = kind
        self.message = message
