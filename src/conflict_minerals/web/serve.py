"""The app as uvicorn's worker processes build it, from the environment `serve` set."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from conflict_minerals.service.kept import settle_kept_values
from conflict_minerals.web.app import create_app


def app() -> Starlette:
    """Build the app on the workspace `serve` named (each worker process opens its own engine)."""
    root = Path(os.environ["CONFLICT_MINERALS_WORKSPACE"])
    settle_kept_values()  # a worker lives long and keeps large values: keep the collector's pauses short
    return create_app(root, secure_cookies=bool(os.environ.get("CONFLICT_MINERALS_SECURE_COOKIES")), warm=True)
