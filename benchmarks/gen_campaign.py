"""Generate a campaign's worth of distinct supplier CMRTs for the program benchmarks, quickly.

    python benchmarks/gen_campaign.py --n 10000 [--seed 2025] [--workers J] [--force]

Writes under build/bench/campaign-v<G>-n<N>-seed<S>/ (reused when it is already there):

- inbox/*.xlsx      N supplier CMRTs, one per supplier, each with its own company name,
                    DUNS-like unique ID, contact, effective date and sha256;
- suppliers.csv     the supplier list for `suppliers import` (name, unique_id,
                    unique_id_authority, contact_name, contact_email);
- status-list.csv   an invented facility status list (Smelter ID, Metal, Smelter Name, Country,
                    Status) over part of the bundled reference, for `refdata import-status`;
- manifest.json     what was generated and how long it took (written last: a set without it
                    is incomplete and is generated again).

Only the project's public writing functions are used: the CMRT writer (`write_cmrt`, which
writes the 6.5 layout only, so every file is revision 6.5) writes a few dozen base workbooks,
one per smelter-list variant; every supplier file is then a copy of one base with the
Declaration (company, unique ID, contact, date) and the names of its "Smelter not listed" rows
patched in place by `patch_workbook`, which is about ten times cheaper than writing a workbook.
Smelters come from the bundled reference snapshot; companies, people and "not listed" smelters
are invented.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.patcher import patch_workbook
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import ALL_YES, NOT_USED, POLICY_ANSWERS
from conflict_minerals.model import LookupEntry, Metal
from conflict_minerals.reference.snapshot import bundled_snapshot

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "bench"
GENERATOR_VERSION = 1  # bump when the generated content changes, so cached sets are not reused
DEFAULT_SEED = 2025
DEFAULT_BASES = 60
WRITER_REVISION = "6.5"

_PREFIXES = (
    "Apex", "Northgate", "Evergreen", "Horizon", "Delta", "Fairmont", "Bluewater", "Cedar", "Granite", "Summit",
    "Riverside", "Pacific", "Atlas", "Meridian", "Silverline", "Redwood", "Harbor", "Keystone", "Lakeshore", "Pinnacle",
    "Orion", "Vanguard", "Crescent", "Falcon", "Sterling", "Beacon", "Cobalt", "Aurora", "Highland", "Westfield",
    "Ironbridge", "Maple", "Oakridge", "Sapphire", "Tidewater", "Union", "Vertex", "Windsor", "Yellowstone", "Zenith",
    "Kestrel", "Lumen", "Mistral", "Nordic", "Oasis", "Prairie", "Quarry", "Sunrise", "Trident", "Valley",
)  # fmt: skip
_CORES = (
    "Circuit", "Cable", "Sensor", "Harbor", "Power", "Precision", "Metal", "Plastics", "Connector", "Display",
    "Battery", "Motion", "Optical", "Thermal", "Acoustic", "Magnet", "Switch", "Relay", "Antenna", "Fastener",
    "Housing", "Board", "Coil", "Crystal", "Diode", "Filter", "Gear", "Harness", "Inverter", "Keypad",
    "Laser", "Module", "Panel", "Pump", "Resistor", "Signal", "Spring", "Stamping", "Tooling", "Transformer",
    "Valve", "Wire", "Casting", "Coating", "Die", "Enclosure", "Foundry", "Lens", "Mold", "Solder",
)  # fmt: skip
_KINDS = (
    "Assembly", "Systems", "Technologies", "Manufacturing", "Components", "Industries", "Electronics", "Works",
    "Solutions", "Devices", "Products", "Engineering", "Instruments", "Labs", "Fabrication", "Group",
    "Supply", "Controls", "Dynamics", "Interconnect", "Materials", "Automation", "Micro", "Integration", "Partners",
)  # fmt: skip
_LEGAL = ("Inc.", "LLC", "Co., Ltd.", "Ltd.", "GmbH", "S.A.", "Sdn. Bhd.", "Pte. Ltd.", "Corp.", "AG", "S.r.l.", "B.V.")
_FIRST = ("Dana", "Alex", "Mei", "Ravi", "Sofia", "Jonas", "Amara", "Kenji", "Lucia", "Omar", "Priya", "Tomasz")
_LAST = ("Whitfield", "Chen", "Okafor", "Schmidt", "Nakamura", "Silva", "Haddad", "Kowalski", "Larsen", "Patel")
_PLACES = (
    "Kivu", "Maniema", "Ituri", "Katanga", "Bukavu", "Goma", "Kigali", "Kampala", "Mwanza", "Bujumbura", "Lubumbashi",
    "Kisangani", "Dodoma", "Arusha", "Ndola", "Kolwezi", "Uvira", "Walikale", "Shabunda", "Punia",
)  # fmt: skip
_WORKS = ("Refinery", "Smelting Works", "Metals Trading", "Mineral Processing", "Gold Buyers", "Tin Smelter")
_NOT_LISTED_COUNTRIES = ("CONGO, DEMOCRATIC REPUBLIC OF THE", "RWANDA", "UGANDA", "TANZANIA", "BURUNDI", "ZAMBIA")
_METAL_WEIGHTS = {Metal.GOLD: 0.45, Metal.TIN: 0.30, Metal.TANTALUM: 0.12, Metal.TUNGSTEN: 0.13}
_COVERAGE = ("100%", "Greater than 90%", "Greater than 90%", "Greater than 75%", "Greater than 50%")


@dataclass(frozen=True, slots=True)
class Campaign:
    """A generated (or cached) set of supplier files."""

    folder: Path
    inbox: Path
    suppliers_csv: Path
    status_csv: Path
    manifest: dict[str, Any]

    @property
    def files(self) -> list[Path]:
        """Every supplier CMRT, sorted by name."""
        return sorted(self.inbox.glob("*.xlsx"))


def campaign_folder(n: int, seed: int, root: Path = CACHE) -> Path:
    """Where the set for N suppliers and this seed lives."""
    return root / f"campaign-v{GENERATOR_VERSION}-n{n}-seed{seed}"


def ensure_campaign(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    root: Path = CACHE,
    force: bool = False,
    workers: int | None = None,
    bases: int = DEFAULT_BASES,
    quiet: bool = False,
) -> Campaign:
    """Return the set for N suppliers, generating it first unless it is cached."""
    folder = campaign_folder(n, seed, root)
    manifest_path = folder / "manifest.json"
    if manifest_path.exists() and not force:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["cached"] = True
        return _campaign(folder, manifest)
    if folder.exists():
        shutil.rmtree(folder)
    staging = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    manifest = generate(staging, n, seed, workers=workers, bases=bases, quiet=quiet)
    if (folder / "manifest.json").exists():  # another run generated the same set meanwhile: use it
        shutil.rmtree(staging)
        return ensure_campaign(n, seed, root=root, quiet=True)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    manifest["cached"] = False
    return _campaign(folder, manifest)


def _campaign(folder: Path, manifest: dict[str, Any]) -> Campaign:
    return Campaign(folder, folder / "inbox", folder / "suppliers.csv", folder / "status-list.csv", manifest)


def generate(
    folder: Path, n: int, seed: int, *, workers: int | None = None, bases: int = DEFAULT_BASES, quiet: bool = False
) -> dict[str, Any]:
    """Write base workbooks, N patched supplier files, the supplier list and a status list into `folder`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    reference = bundled_snapshot().entries
    workers = workers or os.cpu_count() or 1
    (folder / "bases").mkdir(parents=True)
    (folder / "inbox").mkdir()

    base_specs = [_base_spec(rng, reference, number) for number in range(min(n, bases))]
    companies = _companies(rng, n)
    pool = _not_listed_pool(rng, max(20, n // 25))
    jobs = []
    for index, company in enumerate(companies):
        base = base_specs[rng.randrange(len(base_specs))]
        jobs.append(_file_job(rng, folder, index, company, base, pool))

    with ProcessPoolExecutor(max_workers=workers) as executor:
        t0 = time.perf_counter()
        list(executor.map(_write_base, [(folder / "bases" / f"{b['key']}.xlsx", b["data"]) for b in base_specs]))
        base_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        chunk = max(1, min(200, len(jobs) // (4 * workers) or 1))
        list(executor.map(_patch_chunk, [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]))
        patch_seconds = time.perf_counter() - t0

    _write_suppliers_csv(folder / "suppliers.csv", companies)
    status_counts = _write_status_list(folder / "status-list.csv", rng, reference)
    total = time.perf_counter() - started
    rows = [len(b["data"]["smelters"]) for b in base_specs]
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "n": n,
        "seed": seed,
        "template_revisions": [WRITER_REVISION],
        "bases": len(base_specs),
        "bases_no_3tg": sum(1 for b in base_specs if not b["data"]["smelters"]),
        "base_smelter_rows": {"min": min(rows), "max": max(rows), "mean": round(sum(rows) / len(rows), 1)},
        "files_no_3tg": sum(1 for job in jobs if job["no_3tg"]),
        "files_without_unique_id": sum(1 for job in jobs if job["cells"][layout.DECLARATION]["D12"] is None),
        "files_with_not_listed_rows": sum(1 for job in jobs if layout.SMELTER_LIST in job["cells"]),
        "status_list": status_counts,
        "workers": workers,
        "seconds": {"bases": round(base_seconds, 3), "patch": round(patch_seconds, 3), "total": round(total, 3)},
        "ms_per_base_workbook": round(1000 * base_seconds * workers / max(1, len(base_specs)), 1),
        "ms_per_patched_file": round(1000 * patch_seconds * workers / max(1, n), 1),
        "ms_per_file_wall": round(1000 * total / max(1, n), 2),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    if not quiet:
        print(
            f"generated {n} CMRTs from {len(base_specs)} bases in {total:.1f} s "
            f"({manifest['ms_per_file_wall']} ms/file wall with {workers} workers; "
            f"write_cmrt {manifest['ms_per_base_workbook']} ms/workbook, "
            f"patch {manifest['ms_per_patched_file']} ms/file per worker)",
            file=sys.stderr,
        )
    return manifest


def _companies(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """N distinct invented companies with distinct 9-digit (DUNS-like) IDs and contacts."""
    space = len(_PREFIXES) * len(_CORES) * len(_KINDS)
    picks = rng.sample(range(space), min(n, space))
    picks += [space + i for i in range(n - len(picks))]  # beyond the space: numbered names
    ids = rng.sample(range(100_000_000, 1_000_000_000), n)
    companies = []
    for number, (pick, duns) in enumerate(zip(picks, ids, strict=True)):
        prefix = _PREFIXES[pick % len(_PREFIXES)]
        core = _CORES[(pick // len(_PREFIXES)) % len(_CORES)]
        kind = _KINDS[(pick // (len(_PREFIXES) * len(_CORES))) % len(_KINDS)]
        numbered = f" {pick // space + 1}" if pick >= space else ""
        stem = f"{prefix} {core} {kind}{numbered}"
        slug = "".join(ch for ch in stem.lower() if ch.isalnum())
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        companies.append(
            {
                "number": number,
                "name": f"{stem} {rng.choice(_LEGAL)}",
                "slug": slug,
                "unique_id": str(duns),
                "unique_id_authority": "DUNS",
                "contact_name": f"{first} {last}",
                "contact_email": f"{first.lower()}.{last.lower()}@{slug}.example.com",
            }
        )
    return companies


def _not_listed_pool(rng: random.Random, size: int) -> list[tuple[str, str]]:
    """Invented smelter names (and countries) for "Smelter not listed" rows; repeated across suppliers."""
    names = {f"{rng.choice(_PLACES)} {rng.choice(_WORKS)}" for _ in range(size * 3)}
    chosen = sorted(names)[: max(1, size)]
    return [(name, rng.choice(_NOT_LISTED_COUNTRIES)) for name in chosen]


def _base_spec(rng: random.Random, reference: Sequence[LookupEntry], number: int) -> dict[str, Any]:
    """One smelter-list variant: which metals are used, 5-80 rows, entered by ID, by name or both."""
    company = {
        "name": f"Base {number}",
        "declaration_scope": "A",
        "unique_id": "000000000",
        "unique_id_authority": "DUNS",
        "address": f"{rng.randint(1, 300)} Industrial Park Road",
        "contact_name": "Supply Chain Desk",
        "contact_email": "cmrt@base.example.com",
        "contact_phone": "+1 555 0100",
        "authorizer_name": "Compliance Director",
        "authorizer_title": "Director, Quality & Compliance",
        "authorizer_email": "compliance@base.example.com",
        "effective_date": dt.date(2026, 1, 15),
    }
    data: dict[str, Any] = {
        "language": "English",
        "company": company,
        "questions": {},
        "company_questions": dict(POLICY_ANSWERS),
        "company_question_comments": {"B": "https://www.example.com/minerals-policy"},
        "smelters": [],
        "products": [],
    }
    if number % 14 == 13:  # about 7% declare no 3TG at all
        data["questions"] = {metal.value.lower(): dict(NOT_USED) for metal in Metal}
        data["company_questions"], data["company_question_comments"] = {}, {}
        return {"key": f"base-{number:03d}-no3tg", "data": data, "not_listed_rows": []}

    used = [metal for metal in Metal if rng.random() < 0.85 or metal is Metal.GOLD]
    total = rng.randint(5, 80)  # rows in all, "not listed" and "not yet identified" rows included
    not_listed = rng.randint(1, min(3, total - 4)) if rng.random() < 0.4 else 0
    not_yet_identified = 1 if rng.random() < 0.08 and total - not_listed > 5 else 0
    total -= not_listed + not_yet_identified
    weights = [_METAL_WEIGHTS[m] for m in used]
    counts = dict.fromkeys(used, 0)
    for metal in rng.choices(used, weights, k=total):
        counts[metal] += 1
    rows: list[dict[str, Any]] = []
    for metal in used:
        entries = [e for e in reference if e.metal is metal]
        ids = sorted({e.smelter_id for e in entries})
        for smelter_id in rng.sample(ids, min(counts[metal], len(ids))):
            aliases = [e for e in entries if e.smelter_id == smelter_id]
            entry = rng.choice(aliases)  # a standard name or one of its aliases
            way = rng.random()
            if way < 0.4:
                rows.append({"smelter_id": smelter_id})
            elif way < 0.9:
                rows.append({"metal": metal.value, "lookup_name": entry.lookup_name})
            else:  # both: with the standard name (an alias next to an ID is flagged CMRT-S-007 today)
                rows.append({"smelter_id": smelter_id, "metal": metal.value, "lookup_name": entry.standard_name})
    rng.shuffle(rows)
    not_listed_rows = []
    if not_listed:
        for _ in range(not_listed):
            not_listed_rows.append(layout.SMELTER_HEADER_ROW + 1 + len(rows))
            rows.append(
                {
                    "metal": rng.choice(used).value,
                    "lookup_name": layout.NOT_LISTED,
                    "name": "Placeholder Smelter",
                    "country": "RWANDA",
                }
            )
    questions = {}
    for metal in Metal:
        answers = dict(ALL_YES) if metal in used else dict(NOT_USED)
        if metal in used:
            answers["Q6"] = rng.choice(_COVERAGE)
        questions[metal.value.lower()] = answers
    if not_yet_identified:
        rows.append({"metal": used[0].value, "not_yet_identified": True})
        questions[used[0].value.lower()]["Q7"] = "No"
    if rng.random() < 0.05:
        company["declaration_scope"] = "B"
        data["products"] = [{"number": f"P-{number}-{k}", "name": f"Product {k}"} for k in range(1, 4)]
    data["questions"], data["smelters"] = questions, rows
    return {"key": f"base-{number:03d}", "data": data, "not_listed_rows": not_listed_rows}


def _file_job(
    rng: random.Random,
    folder: Path,
    index: int,
    company: dict[str, Any],
    base: dict[str, Any],
    pool: list[tuple[str, str]],
) -> dict[str, Any]:
    """What to patch into a copy of `base` so the file is this company's CMRT."""
    declaration: dict[str, Any] = {
        layout.COMPANY_CELLS["name"]: company["name"],
        layout.COMPANY_CELLS["unique_id"]: company["unique_id"] if rng.random() >= 0.03 else None,
        layout.COMPANY_CELLS["unique_id_authority"]: company["unique_id_authority"],
        layout.COMPANY_CELLS["contact_name"]: company["contact_name"],
        layout.COMPANY_CELLS["contact_email"]: company["contact_email"],
        layout.COMPANY_CELLS["authorizer_email"]: f"compliance@{company['slug']}.example.com",
        layout.COMPANY_CELLS["effective_date"]: dt.date(2025, 6, 1) + dt.timedelta(days=rng.randrange(240)),
    }
    cells: dict[str, dict[str, Any]] = {layout.DECLARATION: declaration}
    if base["not_listed_rows"]:
        smelter_cells: dict[str, Any] = {}
        for row in base["not_listed_rows"]:
            name, country = rng.choice(pool)
            smelter_cells[f"D{row}"], smelter_cells[f"E{row}"] = name, country
        cells[layout.SMELTER_LIST] = smelter_cells
    return {
        "base": str(folder / "bases" / f"{base['key']}.xlsx"),
        "out": str(folder / "inbox" / f"{index:05d}-{company['slug']}-cmrt-2025.xlsx"),
        "cells": cells,
        "no_3tg": not base["data"]["smelters"],
    }


def _write_base(job: tuple[Path, dict[str, Any]]) -> None:
    write_cmrt(job[0], job[1], bundled_snapshot().entries)


def _patch_chunk(jobs: list[dict[str, Any]]) -> None:
    for job in jobs:
        patch_workbook(Path(job["base"]), Path(job["out"]), job["cells"])


def _write_suppliers_csv(path: Path, companies: list[dict[str, Any]]) -> None:
    fields = ("name", "unique_id", "unique_id_authority", "contact_name", "contact_email")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for company in companies:
            writer.writerow([company[field] for field in fields])


def _write_status_list(path: Path, rng: random.Random, reference: Sequence[LookupEntry]) -> dict[str, int]:
    """An invented (not RMI) status list: most reference facilities Conformant, some Active, some absent."""
    facilities = {e.smelter_id: e for e in reference if e.standard_name == e.lookup_name}
    facilities.update({e.smelter_id: e for e in reference if e.smelter_id not in facilities})
    counts = {"Conformant": 0, "Active": 0, "Non Conformant": 0, "left off": 0}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Smelter ID", "Metal", "Smelter Name", "Country", "Status"])
        for smelter_id in sorted(facilities):
            entry = facilities[smelter_id]
            draw = rng.random()
            status = (
                "Conformant" if draw < 0.6 else "Active" if draw < 0.75 else "Non Conformant" if draw < 0.8 else None
            )
            if status is None:
                counts["left off"] += 1
                continue
            counts[status] += 1
            writer.writerow([smelter_id, entry.metal.value, entry.standard_name, entry.country, status])
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Generate (or reuse) a set and print where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of suppliers / CMRT files")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--bases", type=int, default=DEFAULT_BASES, help="distinct smelter-list variants")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: CPU count)")
    parser.add_argument("--force", action="store_true", help="generate again even if cached")
    args = parser.parse_args(argv)
    campaign = ensure_campaign(args.n, args.seed, force=args.force, workers=args.workers, bases=args.bases)
    print(json.dumps({"folder": str(campaign.folder), **campaign.manifest}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
