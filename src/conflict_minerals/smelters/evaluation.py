"""Measure the matcher: a test set of realistic supplier spellings, and precision and recall.

The cases come from the reference itself: every alias, corrupted the ways suppliers corrupt
names (typos, dropped or added legal forms, case and punctuation, transliteration, names of
older revisions), plus invented names that must stay unmatched.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conflict_minerals.model import Metal, SmelterId
from conflict_minerals.reference.smelter_reference import SmelterReference
from conflict_minerals.smelters.matching import Matcher
from conflict_minerals.smelters.names import name_key

_LEGAL_SUFFIXES = (" Co., Ltd.", " Ltd.", " Inc.", " GmbH", " S.A.", " Corporation", " LLC")
# Real companies suppliers list by mistake: component makers and contract manufacturers, not smelters.
REAL_NON_SMELTERS = (
    "Foxconn Technology Group",
    "Murata Manufacturing Co., Ltd.",
    "TDK Corporation",
    "Samsung Electro-Mechanics",
    "Vishay Intertechnology",
    "AVX Corporation",
    "Molex LLC",
    "Amphenol Corporation",
    "TE Connectivity",
    "Flex Ltd.",
    "Jabil Inc.",
    "Kyocera Corporation",
    "Panasonic Corporation",
    "Nichicon Corporation",
    "Yageo Corporation",
    "Littelfuse Inc.",
    "Texas Instruments",
    "Infineon Technologies AG",
    "STMicroelectronics",
    "NXP Semiconductors",
    "Analog Devices",
    "Microchip Technology",
    "Rohm Co., Ltd.",
    "Taiyo Yuden Co., Ltd.",
    "Walsin Technology",
    "Delta Electronics",
    "Lite-On Technology",
    "Sanmina Corporation",
    "Celestica Inc.",
    "Benchmark Electronics",
    "Plexus Corp.",
    "Kingboard Holdings",
    "Nan Ya PCB",
    "Unimicron Technology",
    "Ibiden Co., Ltd.",
    "Shennan Circuits",
    "Tripod Technology",
    "Zhen Ding Technology",
    "Compeq Manufacturing",
    "Henkel AG",
)
_INVENTED_WORDS = ("Zephyr", "Quillon", "Marrowind", "Tessaly", "Oberhaus", "Vantrel", "Kestrova", "Pellucid")
_INVENTED_KINDS = ("Refining Works", "Metal Smelting Plant", "Precious Metals", "Tin Industries", "Alloy Foundry")


@dataclass(frozen=True, slots=True)
class Case:
    """One spelling a supplier might send, and the facility it means (None: no facility)."""

    metal: Metal
    name: str
    country: str | None
    expected: SmelterId | None
    kind: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Precision and recall of a matcher on a set of cases."""

    cases: int
    positives: int
    predicted: int
    correct: int
    mistakes: tuple[tuple[Case, SmelterId | None], ...]

    @property
    def precision(self) -> float:
        """Share of the matches made that are right."""
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of the real facilities that were found."""
        return self.correct / self.positives if self.positives else 1.0


def build_cases(reference: SmelterReference, seed: int = 1502) -> list[Case]:
    """Build the test set: every known name, corrupted in each realistic way, plus invented names."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for facility in sorted(reference.facilities.values(), key=lambda f: f.smelter_id):
        country = facility.country if rng.random() < 0.7 else None
        for name in sorted(facility.names):
            kind = (
                "old name"
                if name != facility.standard_name and _is_old(reference, facility.smelter_id, name)
                else "alias"
            )
            cases.append(Case(facility.metal, name, country, facility.smelter_id, kind))
            cases += _corruptions(rng, facility.metal, name, country, facility.smelter_id)
    for index in range(200):
        name = f"{rng.choice(_INVENTED_WORDS)} {rng.choice(_INVENTED_WORDS)} {rng.choice(_INVENTED_KINDS)}"
        cases.append(Case(rng.choice(list(Metal)), name, None, None, f"invented {index}"))
    known = {(f.metal, name_key(n)) for f in reference.facilities.values() for n in f.names}
    for name in REAL_NON_SMELTERS:
        cases += [
            Case(metal, name, None, None, "real non-smelter") for metal in Metal if (metal, name_key(name)) not in known
        ]
    return cases


def _is_old(reference: SmelterReference, smelter_id: SmelterId, name: str) -> bool:
    return name != reference.facilities[smelter_id].standard_name


def _corruptions(rng: random.Random, metal: Metal, name: str, country: str | None, expected: SmelterId) -> list[Case]:
    out = [
        Case(metal, name.upper(), country, expected, "upper case"),
        Case(metal, name.replace(".", "").replace(",", ""), country, expected, "no punctuation"),
        Case(metal, name + rng.choice(_LEGAL_SUFFIXES), country, expected, "added legal form"),
        Case(metal, _drop_legal_form(name), country, expected, "dropped legal form"),
    ]
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    if plain.strip() and plain != name:
        out.append(Case(metal, plain, country, expected, "transliterated"))
    if len(name) >= 10:
        out.append(Case(metal, _typo(rng, name), country, expected, "typo"))
    return out


def _drop_legal_form(name: str) -> str:
    for suffix in (" Co., Ltd.", " Co.,Ltd.", " Co., Ltd", " Ltd.", " Inc.", " GmbH", " S.A.", " Corporation", " LLC"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    position = rng.choice(letters[1:-1] or letters)
    chars = list(name)
    action = rng.choice(("swap", "drop", "double", "replace"))
    if action == "swap" and position + 1 < len(chars):
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
    elif action == "drop":
        del chars[position]
    elif action == "double":
        chars.insert(position, chars[position])
    else:
        chars[position] = "e" if chars[position].lower() != "e" else "a"
    return "".join(chars)


def evaluate(matcher: Matcher, cases: Sequence[Case]) -> Evaluation:
    """Run every case through the matcher and count right and wrong matches."""
    predicted = correct = 0
    mistakes: list[tuple[Case, SmelterId | None]] = []
    for case in cases:
        got = matcher.match(case.name, case.metal, case.country).smelter_id
        if got is not None:
            predicted += 1
        if got is not None and got == case.expected:
            correct += 1
        elif got != case.expected:
            mistakes.append((case, got))
    positives = sum(1 for case in cases if case.expected is not None)
    return Evaluation(len(cases), positives, predicted, correct, tuple(mistakes))


def by_kind(evaluation: Evaluation, cases: Iterable[Case]) -> dict[str, tuple[int, int]]:
    """Return (cases, mistakes) per corruption kind, for reports."""
    totals: dict[str, list[int]] = {}
    for case in cases:
        kind = "invented" if case.kind.startswith("invented") else case.kind
        totals.setdefault(kind, [0, 0])[0] += 1
    for case, _ in evaluation.mistakes:
        kind = "invented" if case.kind.startswith("invented") else case.kind
        totals[kind][1] += 1
    return {kind: (total, wrong) for kind, (total, wrong) in sorted(totals.items())}
