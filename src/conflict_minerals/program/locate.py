"""Finding a workspace folder, without touching its database (cheap enough for every command)."""

from __future__ import annotations

from pathlib import Path

SETTINGS_FILE = "conflict-minerals.toml"
WORKSPACE_VARIABLE = "CONFLICT_MINERALS_WORKSPACE"


def find_workspace(start: Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds a settings file."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None
