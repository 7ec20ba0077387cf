"""Where imported reference data lives: look-up revisions, status snapshots and the CAHRA list.

Inside a workspace it is the workspace's `reference/` folder; otherwise a per-user data
folder (override with CONFLICT_MINERALS_DATA_DIR). Every import is kept, so a past
reporting year can be re-run with the lists it used.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import platformdirs

from conflict_minerals.model import Metal
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.snapshot import bundled_revisions, read_mineral_entries, read_snapshot, write_snapshot
from conflict_minerals.reference.status import StatusBucket, StatusEntry, StatusSnapshot, mineral_lists, three_tg_lists

DATA_DIR_VARIABLE = "CONFLICT_MINERALS_DATA_DIR"


class ReferenceSource(Protocol):
    """What consolidation reads from a reference store (a folder, or a workspace's database)."""

    def reference(self) -> SmelterReference:
        """Return every trusted revision merged."""
        ...

    def status_snapshots(self) -> list[StatusSnapshot]:
        """Return every status list, oldest first."""
        ...

    def cahra(self) -> frozenset[str] | None:
        """Return the CAHRA countries, or None."""
        ...


def default_store_dir() -> Path:
    """Return the per-user reference folder, or the one CONFLICT_MINERALS_DATA_DIR names."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    base = Path(configured) if configured else Path(platformdirs.user_data_dir("conflict-minerals"))
    return base / "reference"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()


def _write_atomically(path: Path, text: str) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as handle:
        handle.write(text)
        temporary = Path(handle.name)
    temporary.replace(path)


class ReferenceStore:
    """Imported reference data in one folder."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_store_dir()

    # Look-up revisions -------------------------------------------------------------
    def add_revision(self, revision: ReferenceRevision, source: str = "") -> bool:
        """Keep a look-up revision; return False when that revision was already known."""
        folder = self.root / "lookups" / _slug(revision.label)
        if (folder / "smelter-reference.meta.json").exists() or revision.label in {
            s.revision for s in bundled_revisions()
        }:
            return False
        staging = folder.with_name(folder.name + ".partial")
        write_snapshot(revision.entries, revision.label, revision.list_date, staging, revision.minerals)
        staging.replace(folder)
        return True

    def revisions(self) -> list[ReferenceRevision]:
        """Return the 3TG revisions, bundled and imported, oldest first (EMRT, CRT, AMRT look-ups left out)."""
        return [r for r in self.all_revisions() if r.is_3tg]

    def all_revisions(self) -> list[ReferenceRevision]:
        """Return the bundled snapshot and every imported revision, of any template, oldest first."""
        found = {s.revision: ReferenceRevision(s.revision, s.list_date, s.entries) for s in bundled_revisions()}
        for meta in sorted((self.root / "lookups").glob("*/smelter-reference.meta.json")):
            snapshot = read_snapshot(meta.parent)
            revision = ReferenceRevision(
                snapshot.revision, snapshot.list_date, snapshot.entries, read_mineral_entries(meta.parent)
            )
            found.setdefault(snapshot.revision, revision)
        return sorted(found.values(), key=lambda r: r.sort_key)

    def reference(self) -> SmelterReference:
        """Return every trusted revision merged (bundled and imported; never a supplier's look-up)."""
        return SmelterReference.build(self.revisions())

    # Status snapshots --------------------------------------------------------------
    def add_status(self, snapshot: StatusSnapshot) -> Path:
        """Keep a status snapshot; the same file imported for the same date is stored once."""
        name = f"{snapshot.as_of.isoformat()}-{snapshot.list_kind or 'status'}-{snapshot.sha256[:12]}.json"
        path = self.root / "status" / name
        payload = {
            "as_of": snapshot.as_of.isoformat(),
            "source": snapshot.source,
            "sha256": snapshot.sha256,
            "list_kind": snapshot.list_kind,
            "entries": [{**asdict(e), "metal": e.metal.value if e.metal else None} for e in snapshot.entries],
        }
        _write_atomically(path, json.dumps(payload, ensure_ascii=False, indent=1))
        return path

    def status_snapshots(self) -> list[StatusSnapshot]:
        """Return every stored 3TG status snapshot, oldest first (rows of other minerals left out)."""
        return three_tg_lists(self._all_status())

    def mineral_status_snapshots(self) -> list[StatusSnapshot]:
        """Return the stored status snapshots of other minerals (cobalt refiners, ...), oldest first."""
        return mineral_lists(self._all_status())

    def _all_status(self) -> list[StatusSnapshot]:
        snapshots = [_load_status(path) for path in sorted((self.root / "status").glob("*.json"))]
        return sorted(snapshots, key=lambda s: (s.as_of, s.source))

    # CAHRA list --------------------------------------------------------------------
    def set_cahra(self, codes: list[str], source: str) -> None:
        """Replace the CAHRA list (ISO alpha-2 codes of countries with high-risk areas)."""
        payload = {"source": source, "imported": dt.date.today().isoformat(), "countries": sorted(set(codes))}
        _write_atomically(self.root / "cahra.json", json.dumps(payload, indent=1))

    def cahra(self) -> frozenset[str] | None:
        """Return the imported CAHRA countries, or None when no list was imported."""
        path = self.root / "cahra.json"
        if not path.exists():
            return None
        return frozenset(json.loads(path.read_text(encoding="utf-8"))["countries"])


def _load_status(path: Path) -> StatusSnapshot:
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = tuple(
        StatusEntry(
            **{
                **entry,
                "metal": Metal(entry["metal"]) if entry["metal"] else None,
                "bucket": StatusBucket(entry["bucket"]),
            }
        )
        for entry in data["entries"]
    )
    return StatusSnapshot(
        dt.date.fromisoformat(data["as_of"]), data["source"], data["sha256"], data["list_kind"], entries
    )
