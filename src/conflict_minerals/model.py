"""Domain records shared by every stage: metals, findings and the parsed CMRT."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

SmelterId = str  # "CID" followed by six digits, e.g. "CID000015"


class Metal(StrEnum):
    """One of the four 3TG metals, spelled as the templates spell them."""

    TANTALUM = "Tantalum"
    TIN = "Tin"
    GOLD = "Gold"
    TUNGSTEN = "Tungsten"


# The Declaration sheet always lists the metals in this order.
DECLARATION_METAL_ORDER: tuple[Metal, ...] = (Metal.TANTALUM, Metal.TIN, Metal.GOLD, Metal.TUNGSTEN)

# What RMI calls each template type (Revision!B3 of its workbooks).
TEMPLATE_TITLES = {
    "CMRT": "Conflict Minerals Reporting Template",
    "EMRT": "Extended Minerals Reporting Template",
    "CRT": "Cobalt Reporting Template",
    "AMRT": "Additional Minerals Reporting Template",
}

QUESTION_KEYS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8")
COMPANY_QUESTION_KEYS: tuple[str, ...] = ("A", "B", "C", "D", "E", "F", "G", "H")


class Severity(StrEnum):
    """How much a finding matters: errors block acceptance, warnings need a look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where something came from: a file, and inside it a sheet and a cell or row."""

    file: str
    sheet: str | None = None
    cell: str | None = None

    def at(self, sheet: str, cell: str | None = None) -> SourceRef:
        """Return the same file pointed at another sheet and cell."""
        return SourceRef(self.file, sheet, cell)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by any stage, with the place a person can open to fix it."""

    source: SourceRef
    code: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """Which RMI template, which revision and which display language a file uses."""

    type: str
    version: str
    language: str | None
    layout_version: str  # the verified layout the file was read with


@dataclass(frozen=True, slots=True)
class Company:
    """The declaring company block of the Declaration sheet (rows 8-22)."""

    name: str | None = None
    declaration_scope: str | None = None  # "A", "B" or "C"
    scope_description: str | None = None
    unique_id: str | None = None
    unique_id_authority: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    authorizer_name: str | None = None
    authorizer_title: str | None = None
    authorizer_email: str | None = None
    authorizer_phone: str | None = None
    effective_date: dt.date | None = None
    effective_date_raw: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of the Declaration: a per-metal question (Q1-Q8) or a company question (A-H)."""

    question: str
    metal: Metal | None
    value: str | None  # canonical English option, or the cleaned raw text when unknown
    comment: str | None
    cell: str
    comment_cell: str
    recognized: bool = True


@dataclass(frozen=True, slots=True)
class LookupEntry:
    """One row of a template's Smelter Look-up sheet: an alias and the facility it names."""

    metal: Metal
    lookup_name: str
    standard_name: str
    country: str
    smelter_id: SmelterId
    id_source: str | None
    city: str | None
    state_province: str | None


@dataclass(frozen=True, slots=True)
class MineralLookupEntry:
    """One look-up row of an EMRT, CRT or AMRT: like LookupEntry, with the mineral named as text."""

    mineral: str  # "Cobalt", "Mica", "Rare Earth Elements": the template's spelling
    lookup_name: str
    standard_name: str
    country: str
    smelter_id: SmelterId
    id_source: str | None
    city: str | None
    state_province: str | None


@dataclass(frozen=True, slots=True)
class SmelterRow:
    """One non-empty row of the Smelter List, with the facility resolved where possible."""

    row: int
    metal: Metal | None
    smelter_id: SmelterId | None
    name: str | None
    country: str | None
    lookup_name: str | None
    id_source: str | None = None
    street: str | None = None
    city: str | None = None
    state_province: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    next_steps: str | None = None
    mine_name: str | None = None
    mine_country: str | None = None
    recycled_scrap: str | None = None
    comments: str | None = None
    not_listed: bool = False
    not_yet_identified: bool = False
    entered_name: str | None = None
    entered_country: str | None = None

    @property
    def reported_name(self) -> str | None:
        """The name to match: what the supplier typed for 'not listed' rows, else the resolved or chosen name."""
        return self.entered_name if self.not_listed else (self.name or self.lookup_name or self.entered_name)


@dataclass(frozen=True, slots=True)
class Product:
    """One row of the Product List (used with declaration scope B)."""

    row: int
    number: str | None
    name: str | None
    comments: str | None
    requester_number: str | None = None  # CMRT 6.6+, EMRT 2.1+, AMRT 1.3+: the customer's own product number
    requester_name: str | None = None


@dataclass(frozen=True, slots=True)
class CmrtDocument:
    """Everything read from one supplier CMRT, plus what the reader found wrong with it."""

    source: SourceRef
    sha256: str
    template: TemplateInfo
    company: Company
    answers: tuple[Answer, ...]
    company_answers: tuple[Answer, ...]
    smelters: tuple[SmelterRow, ...]
    products: tuple[Product, ...]
    lookup: tuple[LookupEntry, ...] = field(repr=False, default=())
    lookup_revision: str | None = None
    lookup_list_date: dt.date | None = None
    findings: tuple[Finding, ...] = ()

    def answer(self, metal: Metal, question: str) -> Answer | None:
        """Return the answer to a per-metal question, or None when the cell is absent."""
        for item in self.answers:
            if item.metal is metal and item.question == question:
                return item
        return None

    def company_answer(self, question: str) -> Answer | None:
        """Return the answer to a company-level question A-H."""
        for item in self.company_answers:
            if item.question == question:
                return item
        return None


# The extended templates (EMRT, CRT, AMRT): minerals are named by the template, not a fixed enum.
@dataclass(frozen=True, slots=True)
class MineralAnswer:
    """One answer of an extended template: a per-mineral question, or a company question (mineral None)."""

    question: str
    mineral: str | None
    value: str | None
    comment: str | None
    cell: str
    comment_cell: str
    recognized: bool = True


@dataclass(frozen=True, slots=True)
class MineralSmelterRow:
    """One row of an extended template's Smelter List, as entered."""

    row: int
    mineral: str | None
    smelter_id: str | None
    lookup_name: str | None
    name: str | None
    country: str | None
    id_source: str | None = None
    city: str | None = None
    mine_name: str | None = None
    mine_country: str | None = None
    recycled_scrap: str | None = None
    comments: str | None = None

    @property
    def not_listed(self) -> bool:
        """Tell whether the row says the smelter is not in the template's look-up list."""
        return (self.lookup_name or "").strip().casefold() == "smelter not listed"


@dataclass(frozen=True, slots=True)
class MineRow:
    """One row of the Mine List (EMRT 2.x, AMRT): a mine and the smelter it supplies."""

    row: int
    mineral: str | None
    smelter_name: str | None
    mine_name: str | None
    mine_id: str | None
    country: str | None
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class ExtendedDocument:
    """Everything read from one EMRT, CRT or AMRT, plus what the reader found wrong with it."""

    source: SourceRef
    sha256: str
    template: TemplateInfo
    company: Company
    minerals: tuple[str, ...]
    answers: tuple[MineralAnswer, ...]
    company_answers: tuple[MineralAnswer, ...]
    smelters: tuple[MineralSmelterRow, ...]
    mines: tuple[MineRow, ...]
    products: tuple[Product, ...]
    scope_reasons: tuple[tuple[str, str | None], ...] = ()  # AMRT Minerals Scope: (mineral, reason)
    findings: tuple[Finding, ...] = ()

    def answer(self, mineral: str, question: str) -> MineralAnswer | None:
        """Return the answer to a per-mineral question, or None."""
        return next((a for a in self.answers if a.mineral == mineral and a.question == question), None)
