"""Typed errors for input we cannot read at all; bad data inside a file becomes findings instead.

Every error carries a stable `code` and its `params`, and a message that names no command-line
flag: the CLI adds a hint for the code, a web page adds a link.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


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
    INTERNAL = "internal"


class ConflictMineralsError(Exception):
    """Base class of every error this package raises on purpose: a code, its parameters and a message."""

    default_code = "error"

    def __init__(self, message: str, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.params = params


class UnreadableFileError(ConflictMineralsError):
    """A supplier file we cannot read at all; the message tells a compliance officer what to do."""

    def __init__(self, path: str, kind: UnreadableKind, message: str) -> None:
        super().__init__(f"{path}: {message}", f"unreadable.{kind.value}", path=path)
        self.path = path
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        """Travel between processes whole (a reader process hands its errors back)."""
        return (UnreadableFileError, (self.path, self.kind, self.message))
