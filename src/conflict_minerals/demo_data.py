"""Example supplier data for the demo and the benchmarks: a fictitious company and its suppliers.

Everything here is invented except the smelter facts, which come from the bundled
reference snapshot. The suppliers' CMRTs are written by our own CMRT-layout writer.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conflict_minerals.model import LookupEntry, Metal

ALL_YES = {
    "Q1": "Yes",
    "Q2": "Yes",
    "Q3": "No",
    "Q4": "No",
    "Q5": "No",
    "Q6": "Greater than 90%",
    "Q7": "Yes",
    "Q8": "Yes",
}
NOT_USED = {"Q1": "No", "Q2": None, "Q3": None, "Q4": None, "Q5": None, "Q6": None, "Q7": None, "Q8": None}
POLICY_ANSWERS = {
    "A": "Yes",
    "B": "Yes",
    "C": "Yes",
    "D": "Yes",
    "E": "Yes, in conformance with IPC1755 (e.g., CMRT)",
    "F": "Yes",
    "G": "Yes",
    "H": "No",
}


@dataclass(frozen=True, slots=True)
class DemoSupplier:
    """One fictitious first-tier supplier and the CMRT files it sends (none when it never answers)."""

    name: str
    unique_id: str
    contact: str
    email: str
    files: tuple[tuple[str, dict[str, Any]], ...]


def _company(name: str, unique_id: str, contact: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "declaration_scope": "A",
        "unique_id": unique_id,
        "unique_id_authority": "DUNS",
        "address": "Industrial Park Road 8",
        "contact_name": contact,
        "contact_email": email,
        "contact_phone": "+1 555 0100",
        "authorizer_name": "Compliance Director",
        "authorizer_title": "Director, Quality & Compliance",
        "authorizer_email": email.replace(email.split("@")[0], "compliance"),
        "effective_date": dt.date(2026, 2, 15),
        **extra,
    }


def _smelters(reference: Sequence[LookupEntry], seed: int, per_metal: dict[Metal, int]) -> list[dict[str, Any]]:
    """Pick facilities from the reference, entered the three ways suppliers enter them."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for metal, count in per_metal.items():
        standard = sorted({e.smelter_id: e for e in reference if e.metal is metal}.values(), key=lambda e: e.smelter_id)
        for position, entry in enumerate(rng.sample(standard, min(count, len(standard)))):
            if position % 3 == 0:
                rows.append({"smelter_id": entry.smelter_id})
            else:
                rows.append({"metal": metal.value, "lookup_name": entry.lookup_name})
    return rows


def _declaration(
    company: dict[str, Any], questions: dict[str, dict[str, Any]], smelters: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "language": "English",
        "company": company,
        "questions": questions,
        "company_questions": dict(POLICY_ANSWERS),
        "company_question_comments": {"B": f"https://www.example.com/{company['unique_id']}/minerals-policy"},
        "smelters": smelters,
        "products": [],
    }


def demo_suppliers(reference: Sequence[LookupEntry]) -> list[DemoSupplier]:
    """Return the eight contract manufacturers of the demo company, with their CMRT contents."""
    all_metals = {metal.value.lower(): dict(ALL_YES) for metal in Metal}
    suppliers = []
    specs = [
        (
            "Apex Circuit Assembly Sdn. Bhd.",
            "650012345",
            11,
            {Metal.GOLD: 14, Metal.TIN: 9, Metal.TANTALUM: 4, Metal.TUNGSTEN: 5},
        ),
        (
            "Evergreen Cable Systems Co., Ltd.",
            "650023456",
            12,
            {Metal.GOLD: 10, Metal.TIN: 12, Metal.TANTALUM: 3, Metal.TUNGSTEN: 4},
        ),
        (
            "Horizon Sensor Technologies Inc.",
            "650034567",
            13,
            {Metal.GOLD: 8, Metal.TIN: 6, Metal.TANTALUM: 5, Metal.TUNGSTEN: 3},
        ),
        (
            "Delta Harbor Manufacturing Ltd.",
            "650045678",
            14,
            {Metal.GOLD: 6, Metal.TIN: 5, Metal.TANTALUM: 2, Metal.TUNGSTEN: 2},
        ),
        (
            "Fairmont Power Modules GmbH",
            "650056789",
            15,
            {Metal.GOLD: 5, Metal.TIN: 4, Metal.TANTALUM: 2, Metal.TUNGSTEN: 2},
        ),
    ]
    for name, duns, seed, counts in specs:
        slug = name.split()[0].lower()
        company = _company(name, duns, "Supply Chain Desk", f"cmrt@{slug}.example.com")
        smelters = _smelters(reference, seed, counts)
        if slug == "fairmont":
            smelters.append(
                {
                    "metal": "Gold",
                    "lookup_name": "Smelter not listed",
                    "name": "Kigali Gold Refinery",
                    "country": "RWANDA",
                }
            )
            smelters.append({"metal": "Tin", "not_yet_identified": True})
        if slug == "delta":  # a short name that fits two tin smelters: a reviewer decides
            smelters.append(
                {
                    "metal": "Tin",
                    "lookup_name": "Smelter not listed",
                    "name": "Malaysia Smelting Corp",
                    "country": "MALAYSIA",
                }
            )
        data = _declaration(company, all_metals, smelters)
        if slug == "delta":
            data["company"]["declaration_scope"] = "B"
            data["products"] = [
                {"number": "DH-4410", "name": "Motor drive board"},
                {"number": "DH-4420", "name": "Power harness"},
            ]
        suppliers.append(
            DemoSupplier(name, duns, "Supply Chain Desk", company["contact_email"], ((f"{slug}-cmrt-2025.xlsx", data),))
        )
    suppliers.append(_no_3tg_supplier())
    suppliers.append(_flawed_supplier(reference))
    suppliers.append(
        DemoSupplier("Granite Peak Metalworks LLC", "650078901", "Sales Office", "sales@granitepeak.example.com", ())
    )
    return suppliers


def _no_3tg_supplier() -> DemoSupplier:
    company = _company("Bluewater Precision Molding Inc.", "650067890", "Quality Team", "quality@bluewater.example.com")
    questions = {metal.value.lower(): dict(NOT_USED) for metal in Metal}
    data = _declaration(company, questions, [])
    data["company_questions"] = {}
    data["company_question_comments"] = {}
    return DemoSupplier(
        company["name"],
        company["unique_id"],
        "Quality Team",
        company["contact_email"],
        (("bluewater-cmrt-2025.xlsx", data),),
    )


def _flawed_supplier(reference: Sequence[LookupEntry]) -> DemoSupplier:
    """A supplier whose first CMRT has mistakes and whose resubmission fixes them."""
    questions = {metal.value.lower(): dict(ALL_YES) for metal in Metal}
    smelters = _smelters(reference, 16, {Metal.GOLD: 6, Metal.TIN: 5, Metal.TANTALUM: 2, Metal.TUNGSTEN: 2})
    fixed_company = _company(
        "Cedar Valley Electronics Corp.", "650089012", "Dana Whitfield", "dana.whitfield@cedarvalley.example.com"
    )
    flawed_company = dict(fixed_company, contact_email="see website", effective_date=None)
    flawed_smelters = [
        *smelters,
        {"metal": "Gold", "lookup_name": "Shenzhen Precious Metals Trading"},
        {"metal": "Tin", "lookup_name": "Smelter not listed", "name": "Unnamed tin smelter"},
    ]
    flawed = _declaration(flawed_company, questions, flawed_smelters)
    fixed = _declaration(fixed_company, questions, smelters)
    files = (("cedarvalley-cmrt-2025.xlsx", flawed), ("cedarvalley-cmrt-2025-v2.xlsx", fixed))
    return DemoSupplier(
        fixed_company["name"], fixed_company["unique_id"], "Dana Whitfield", fixed_company["contact_email"], files
    )


def demo_emrt() -> tuple[str, dict[str, Any]]:
    """Fairmont's EMRT 2.1 for its battery modules: cobalt, graphite, lithium, mica and nickel (names invented)."""
    company = _company("Fairmont Power Modules GmbH", "650056789", "Supply Chain Desk", "cmrt@fairmont.example.com")
    company["effective_date"] = dt.date(2026, 2, 20)
    used = {"Q1": "Yes", "Q2": "Yes", "Q3": "Yes", "Q4": "Yes", "Q5": "Greater than 75%", "Q6": "Yes", "Q7": "No"}
    drc = "Congo, Democratic Republic of the"
    return "fairmont-emrt-2025.xlsx", {
        "company": company,
        "minerals": ["Cobalt", "Graphite", "Lithium", "Mica", "Nickel"],
        "answers": {
            "Cobalt": used,
            "Graphite": {"Q1": "No"},
            "Lithium": used,
            "Mica": {"Q1": "No"},
            "Nickel": used,
        },
        "company_answers": {"A": "Yes", "B": "Yes", "C": "Yes", "D": "Yes", "E": "No", "F": "Yes", "G": "No"},
        "smelters": [
            {"mineral": "Cobalt", "lookup_name": "Smelter not listed", "name": "Lualaba Cobalt Works", "country": drc},
            {
                "mineral": "Cobalt",
                "lookup_name": "Smelter not listed",
                "name": "Kokkola Cobalt Refinery",
                "country": "Finland",
            },
            {
                "mineral": "Lithium",
                "lookup_name": "Smelter not listed",
                "name": "Atacama Lithium Chemicals",
                "country": "Chile",
            },
            {
                "mineral": "Nickel",
                "lookup_name": "Smelter not listed",
                "name": "Sulawesi Nickel Processing",
                "country": "Indonesia",
            },
        ],
        "mines": [
            {"mineral": "Cobalt", "smelter_name": "Lualaba Cobalt Works", "mine_name": "Kambove West", "country": drc},
            {
                "mineral": "Lithium",
                "smelter_name": "Atacama Lithium Chemicals",
                "mine_name": "Salar Norte",
                "country": "Chile",
            },
        ],
    }
