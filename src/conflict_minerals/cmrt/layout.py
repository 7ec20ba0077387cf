"""Cell layout of the CMRT 6.x workbooks and the English option lists of every answer.

All facts come from ../shared/docs/cmrt-format.md (§3-§6); the layout is identical
across 6.01-6.5, only option encodings and list lengths differ.
"""

from __future__ import annotations

import re
from decimal import Decimal

from conflict_minerals.model import COMPANY_QUESTION_KEYS, DECLARATION_METAL_ORDER, QUESTION_KEYS, Metal

VERIFIED_CMRT_VERSIONS: tuple[str, ...] = ("6.01", "6.1", "6.22", "6.31", "6.4", "6.5")
NEWEST_CMRT_VERSION = "6.5"

DECLARATION = "Declaration"
SMELTER_LIST = "Smelter List"
PRODUCT_LIST = "Product List"
SMELTER_LOOKUP = "Smelter Look-up"
REVISION = "Revision"

LANGUAGE_CELL = "D3"
REVISION_CELL = "J3"
SMELTER_LIST_REVISION_COLUMN = "Q"

# Company block: field name -> input anchor cell.
COMPANY_CELLS: dict[str, str] = {
    "name": "D8",
    "declaration_scope": "D9",
    "scope_description": "D10",
    "unique_id": "D12",
    "unique_id_authority": "D13",
    "address": "D14",
    "contact_name": "D15",
    "contact_email": "D16",
    "contact_phone": "D17",
    "authorizer_name": "D18",
    "authorizer_title": "D19",
    "authorizer_email": "D20",
    "authorizer_phone": "D21",
    "effective_date": "D22",
}

SCOPE_OPTIONS: dict[str, str] = {
    "A": "A. Company",
    "B": "B. Product (or List of Products)",
    "C": "C. User defined [Specify in 'Description of scope']",
}

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
RESPONSE_RATE = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")

QUESTION_OPTIONS: dict[str, tuple[str, ...]] = {
    "Q1": YES_NO,
    "Q2": YES_NO,
    "Q3": YES_NO_UNKNOWN,
    "Q4": YES_NO_UNKNOWN,
    "Q5": YES_NO_UNKNOWN,
    "Q6": RESPONSE_RATE,
    "Q7": YES_NO,
    "Q8": YES_NO,
}

SURVEY_OPTIONS = ("Yes, in conformance with IPC1755 (e.g., CMRT)", "Yes, using other format (describe)", "No")
FILING_OPTIONS = ("Yes, with the SEC", "Yes, with the EU", "Yes, with the SEC and the EU", "No")
COMPANY_QUESTION_OPTIONS: dict[str, tuple[str, ...]] = {
    key: (SURVEY_OPTIONS if key == "E" else FILING_OPTIONS if key == "H" else YES_NO) for key in COMPANY_QUESTION_KEYS
}
# Spellings other templates or the L sheet use for the same option (cmrt-format.md §3.3, P5).
ANSWER_ALIASES: dict[str, str] = {
    "yes, in conformance with ipc-1755 [e.g., cmrt]": SURVEY_OPTIONS[0],
    "yes, in conformance with ipc1755 (e.g. cmrt)": SURVEY_OPTIONS[0],
    "100 %": "100%",
    "1.0": "100%",
    "uncertain or unknown": "Unknown",
}

# Smelter List columns (6.x): field -> column letter.
SMELTER_COLUMNS: dict[str, str] = {
    "smelter_id_input": "A",
    "metal": "B",
    "lookup_name": "C",
    "name": "D",
    "country": "E",
    "smelter_id": "F",
    "id_source": "G",
    "street": "H",
    "city": "I",
    "state_province": "J",
    "contact_name": "K",
    "contact_email": "L",
    "next_steps": "M",
    "mine_name": "N",
    "mine_country": "O",
    "recycled_scrap": "P",
    "comments": "Q",
    "standard_name": "R",
}
SMELTER_HEADER_ROW = 4
SMELTER_LAST_ROW = 2504
MAX_SMELTER_ROWS = 5_000  # rows we read beyond the template's 2,500 before giving up
PRODUCT_HEADER_ROW = 5
MAX_PRODUCT_ROWS = 5_000
LOOKUP_HEADER_ROW = 4
NOT_LISTED = "Smelter not listed"
NOT_YET_IDENTIFIED = "Smelter not yet identified"


def question_cells(question: str, metal: Metal) -> tuple[str, str]:
    """Return the (answer, comment) anchors of a per-metal question, e.g. Q1 Gold -> D28, G28."""
    row = 26 + 6 * QUESTION_KEYS.index(question) + DECLARATION_METAL_ORDER.index(metal)
    return f"D{row}", f"G{row}"


def company_question_cells(question: str) -> tuple[str, str]:
    """Return the (answer, comment) anchors of a company-level question A-H."""
    row = 75 + 2 * COMPANY_QUESTION_KEYS.index(question)
    return f"D{row}", f"G{row}"


def version_key(version: str) -> tuple[Decimal, ...]:
    """Order revisions as RMI numbers them: 6.01 < 6.1 < 6.22 < 6.5 < 6.6 < 6.6.1 (a third part counts after)."""
    parts = [found.group() for found in (re.match(r"\d+", part) for part in version.split(".")) if found]
    if not parts:
        return (Decimal(0),)
    return (Decimal(".".join(parts[:2])), *(Decimal(part) for part in parts[2:]))


def layout_for(version: str) -> str:
    """Return the verified revision whose layout a 6.x file is read with."""
    if version in VERIFIED_CMRT_VERSIONS:
        return version
    below = [v for v in VERIFIED_CMRT_VERSIONS if version_key(v) <= version_key(version)]
    return below[-1] if below else VERIFIED_CMRT_VERSIONS[0]


def stores_full_response_as_number(layout_version: str) -> bool:
    """Tell whether the Q6 '100%' option is the number 1 (6.01-6.22) rather than text."""
    return version_key(layout_version) < version_key("6.31")


def product_last_row(layout_version: str) -> int:
    """Return the last Product List data row of a revision."""
    return 1000 if version_key(layout_version) < version_key("6.22") else 2005
