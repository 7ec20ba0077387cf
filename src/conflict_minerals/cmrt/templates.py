"""The extended RMI templates (EMRT, CRT, AMRT) described as data: cells, minerals, questions, lists.

Every fact comes from ../shared/docs/cmrt-format.md §8-§9, verified on RMI's own workbooks.
A layout covers the revisions that share it; a revision we have not seen is read with the
nearest earlier layout of its type (and a warning).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from conflict_minerals.cmrt.layout import COMPANY_CELLS, SMELTER_COLUMNS, version_key

YES_NO = ("Yes", "No")
YNU = ("Yes", "No", "Unknown")
RATE = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")
# The CMRT-style Smelter List's columns that hold formulas (a supplier may type over B, C and E).
CMRT_FORMULA_COLUMNS = ("B", "C", "E", "F", "G", "H", "I", "J", "R")
SURVEY = ("Yes, in conformance with IPC1755 (e.g. EMRT)", "Yes, Using Other Format (Describe)", "No")


@dataclass(frozen=True, slots=True)
class Question:
    """A per-mineral question: its header row (answers below it, one row per mineral) and its options."""

    key: str
    header_row: int
    options: tuple[str, ...]
    minerals: tuple[str, ...] | None = None  # only these minerals (EMRT 1.x Q4 is cobalt only)


@dataclass(frozen=True, slots=True)
class CompanyQuestion:
    """A company-level question: its row, or with `per_mineral` its header row with one row per mineral."""

    key: str
    row: int
    options: tuple[str, ...]
    per_mineral: bool = False


@dataclass(frozen=True, slots=True)
class ExtendedLayout:
    """One layout of an extended template, shared by the revisions listed."""

    type: str
    revisions: tuple[str, ...]
    company_cells: dict[str, str]
    questions: tuple[Question, ...]
    company_questions: tuple[CompanyQuestion, ...] = ()
    fixed_minerals: tuple[str, ...] = ()  # minerals with fixed rows (EMRT 1.x, CRT)
    mineral_slots: tuple[str, ...] = ()  # cells where the responder picks minerals (EMRT 2.x, AMRT)
    other_slots: tuple[str, ...] = ()  # AMRT 1.3: the specification under an 'Other [specify below]' slot
    smelter_columns: dict[str, str] = field(default_factory=dict)
    smelter_last_row: int = 2504
    mine_list: bool = False
    product_columns: dict[str, str] = field(default_factory=dict)
    product_last_row: int = 1000
    scope_sheet: bool = False  # AMRT's Minerals Scope sheet
    slot_minerals: tuple[str, ...] = ()  # EMRT 2.x: the one mineral each slot offers (or "(Delete <mineral>)")
    mineral_options: tuple[str, ...] = ()  # AMRT 1.3: the slots' drop-down list (anything else is "Other")
    rate_as_number: bool = True  # the "100%" response-rate option is stored as the number 1 (not in EMRT 2.x)
    smelter_formula_columns: tuple[str, ...] = CMRT_FORMULA_COLUMNS


def _company(first: int) -> dict[str, str]:
    """The CMRT's company block (name, scope and description at rows 8-10), the rest from row `first` on."""
    fields = list(COMPANY_CELLS)
    return {
        **{name: COMPANY_CELLS[name] for name in fields[:3]},
        **{n: f"D{first + i}" for i, n in enumerate(fields[3:])},
    }


# The CMRT's Smelter List columns (A-Q), the metal column holding the mineral.
CMRT_STYLE_SMELTERS = {
    ("mineral" if key == "metal" else key): column for key, column in SMELTER_COLUMNS.items() if key != "standard_name"
}
AMRT_12_SMELTERS = {
    "mineral": "A",
    "name": "B",
    "country": "C",
    "smelter_id": "D",
    "id_source": "E",
    "street": "F",
    "city": "G",
    "state_province": "H",
    "contact_name": "I",
    "contact_email": "J",
    "next_steps": "K",
    "mine_name": "L",
    "mine_country": "M",
    "recycled_scrap": "N",
    "comments": "O",
}
MINE_COLUMNS = {
    "mineral": "A",
    "smelter_name": "B",
    "mine_name": "C",
    "mine_id": "D",
    "id_source": "E",
    "country": "F",
    "street": "G",
    "city": "H",
    "state_province": "I",
    "contact_name": "J",
    "contact_email": "K",
    "next_steps": "L",
    "comments": "M",
}
OLD_PRODUCTS = {"number": "B", "name": "C", "comments": "D"}
REQUESTER_PRODUCTS = {
    "number": "B",
    "name": "C",
    "requester_number": "D",
    "requester_name": "E",
    "comments": "F",
}
TEN_SLOTS = ("D12", "E12", "G12", "H12", "I12", "D13", "E13", "G13", "H13", "I13")
SIX_SLOTS = ("D12", "E12", "G12", "D13", "E13", "G13")

_EMRT_1 = ExtendedLayout(
    type="EMRT",
    revisions=("1.1", "1.11", "1.2", "1.3"),
    company_cells=_company(12),
    fixed_minerals=("Cobalt", "Mica"),
    questions=(
        Question("Q1", 25, ("Yes", "No", "Unknown", "Not applicable for this declaration")),
        Question("Q2", 31, YNU),
        Question("Q3", 37, ("Yes", "No", "Unknown", "DRC only", "India and/or Madagascar only")),
        Question("Q4", 43, YNU, minerals=("Cobalt",)),
        Question("Q5", 49, RATE),
        Question("Q6", 55, YNU),
        Question("Q7", 61, YNU),
    ),
    company_questions=(
        CompanyQuestion("A", 69, YES_NO),
        CompanyQuestion("B", 71, YES_NO),
        CompanyQuestion("C", 73, ("Yes", "Yes, when more processors are validated", "No"), per_mineral=True),
        CompanyQuestion("D", 77, YES_NO),
        CompanyQuestion("E", 79, SURVEY),
        CompanyQuestion("F", 81, YES_NO),
        CompanyQuestion("G", 83, YES_NO),
    ),
    smelter_columns=CMRT_STYLE_SMELTERS,
    smelter_last_row=2500,
    product_columns=OLD_PRODUCTS,
)

_EMRT_2_QUESTIONS = tuple(
    Question(key, header, options)
    for key, header, options in (
        ("Q1", 29, ("Yes", "No", "Unknown", "Not declaring")),
        ("Q2", 41, YNU),
        ("Q3", 53, YNU),
        ("Q4", 65, YNU),
        ("Q5", 77, (*RATE, "Did not survey")),
        ("Q6", 89, YNU),
        ("Q7", 101, YNU),
    )
)
_EMRT_2_COMPANY = (
    CompanyQuestion("A", 115, YES_NO),
    CompanyQuestion("B", 117, YES_NO),
    CompanyQuestion("C", 119, ("Yes", "Yes, when more processors are validated", "No"), per_mineral=True),
    CompanyQuestion("D", 131, YES_NO),
    CompanyQuestion("E", 133, SURVEY),
    CompanyQuestion("F", 135, YES_NO),
    CompanyQuestion("G", 137, YES_NO),
)
_EMRT_20 = ExtendedLayout(
    type="EMRT",
    revisions=("2.0",),
    company_cells=_company(16),
    mineral_slots=SIX_SLOTS,
    slot_minerals=("Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel"),
    rate_as_number=False,
    questions=_EMRT_2_QUESTIONS,
    company_questions=_EMRT_2_COMPANY,
    smelter_columns=CMRT_STYLE_SMELTERS,
    mine_list=True,
    product_columns=OLD_PRODUCTS,
)
# 2.1 changed only the Smelter List's length and added the requester's product columns
# 2.11 and 2.11.1 (2026) keep 2.1's anchors and lists (templates-2026.md §2: same anchors [C], same options [H])
_EMRT_21 = replace(
    _EMRT_20, revisions=("2.1", "2.11", "2.11.1"), smelter_last_row=2497, product_columns=REQUESTER_PRODUCTS
)
_CRT = ExtendedLayout(
    type="CRT",
    revisions=("2.2",),  # the 2.21 workbook calls itself 2.2 (cmrt-format.md §9.1)
    company_cells=_company(12),
    fixed_minerals=("Cobalt",),
    questions=(
        Question("Q1", 25, YNU),
        Question("Q2", 31, ("Yes", "No", "Unknown", "DRC or adjoining countries only")),
        Question("Q3", 37, YNU),
        Question("Q4", 43, RATE),
        Question("Q5", 49, YNU),
        Question("Q6", 55, YNU),
    ),
    company_questions=tuple(
        CompanyQuestion(
            key, 63 + 2 * index, ("Yes, CRT", "Yes, Using Other Format (Describe)", "No") if key == "G" else YES_NO
        )
        for index, key in enumerate("ABCDEFGHI")
    ),
    smelter_columns=CMRT_STYLE_SMELTERS,
    smelter_last_row=2500,
    product_columns=OLD_PRODUCTS,
)
_AMRT_RATE = (*RATE, "Unknown", "Did not survey")
_AMRT_12 = ExtendedLayout(
    type="AMRT",
    revisions=("1.2",),
    company_cells=_company(14),
    mineral_slots=TEN_SLOTS,
    questions=(Question("Q1", 27, ("Yes", "No", "Unknown", "Not declaring")), Question("Q2", 39, _AMRT_RATE)),
    smelter_columns=AMRT_12_SMELTERS,
    smelter_formula_columns=(),  # its own layout: every column typed, no look-up
    mine_list=True,
    product_columns=OLD_PRODUCTS,
    product_last_row=2005,
    scope_sheet=True,
)
# 1.3 added the "Other" specification rows (everything below moves down 3) and took the CMRT's Smelter List
_AMRT_13 = replace(
    _AMRT_12,
    revisions=("1.3", "1.31", "1.31.1"),  # 1.31/1.31.1 (2026): 1.3's anchors, six more minerals to choose
    company_cells=_company(17),
    other_slots=tuple(f"{cell[0]}{int(cell[1:]) + 3}" for cell in TEN_SLOTS),
    mineral_options=(
        "Aluminum",
        "Iridium",
        "Lime",
        "Manganese",
        "Palladium",
        "Platinum",
        "Rare Earth Elements",
        "Rhodium",
        "Ruthenium",
        "Silver",
        "Soda Ash",
        "Zinc",
    ),
    questions=(Question("Q1", 30, ("Yes", "No", "Unknown", "Not declaring")), Question("Q2", 42, _AMRT_RATE)),
    smelter_columns=CMRT_STYLE_SMELTERS,
    smelter_formula_columns=CMRT_FORMULA_COLUMNS,
    product_columns=REQUESTER_PRODUCTS,
)
LAYOUTS: tuple[ExtendedLayout, ...] = (_EMRT_1, _EMRT_20, _EMRT_21, _CRT, _AMRT_12, _AMRT_13)
OTHER = "other [specify below]"
OTHER_OPTION = "Other [specify below]"


def layout_for(template_type: str, version: str) -> tuple[ExtendedLayout, str]:
    """The layout a file of this type and revision is read with, and the revision it was verified on."""
    candidates = [(revision, found) for found in LAYOUTS if found.type == template_type for revision in found.revisions]
    for revision, found in candidates:
        if revision == version:
            return found, revision
    below = [(revision, found) for revision, found in candidates if version_key(revision) <= version_key(version)]
    revision, found = max(below or candidates[:1], key=lambda item: version_key(item[0]))
    return found, revision
