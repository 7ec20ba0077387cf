"""Normalise smelter names so that spelling variants of one facility compare equal."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal-form and filler words that say nothing about which facility is meant.
LEGAL_FORMS = frozenset(
    {
        "co",
        "company",
        "companies",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "lp",
        "sa",
        "sas",
        "sarl",
        "spa",
        "srl",
        "sro",
        "sl",
        "as",
        "ab",
        "oy",
        "oyj",
        "asa",
        "ag",
        "gmbh",
        "kg",
        "mbh",
        "bv",
        "nv",
        "kk",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "oao",
        "zao",
        "ooo",
        "tbk",
        "pt",
        "cv",
        "sdn",
        "bhd",
        "pty",
        "pvt",
        "pte",
        "ltda",
        "eireli",
        "sac",
        "saa",
        "ead",
        "doo",
        "kft",
        "zrt",
        "nyrt",
        "the",
        "group",
        "holding",
        "holdings",
    }
)
# Words that mark a company that trades or distributes metal rather than smelting it.
TRADER_WORDS = frozenset({"trading", "trader", "traders", "distributor", "distribution", "import", "export", "sales"})
# Entries that are not a facility at all.
PLACEHOLDERS = frozenset(
    {
        "",
        "na",
        "n a",
        "none",
        "unknown",
        "tbd",
        "tba",
        "various",
        "see attached",
        "not applicable",
        "smelter not yet identified",
        "smelter not listed",
        "not disclosed",
        "confidential",
        "other",
        "nil",
        "0",
        "x",
    }
)


@lru_cache(maxsize=65536)
def plain_words(name: str) -> str:
    """Lower-case ASCII words of a name: accents, punctuation and '&' folded away."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).replace("&", " and "))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    words = re.sub(r"[\W_]+", " ", text).split()  # letters of any script survive: 云南锡业 stays
    return " ".join(_join_initials(words))


def _join_initials(words: list[str]) -> list[str]:
    """Turn 's a' (from 'S.A.') into 'sa' so legal forms written with dots are recognised."""
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            joined.append("".join(run))
            run = []
        if word:
            joined.append(word)
    return joined


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The matching key of a name: plain words without legal forms ('PAMP S.A.' -> 'pamp')."""
    words = plain_words(name).split()
    kept = [word for word in words if word not in LEGAL_FORMS and word != "and"]
    return " ".join(kept) or " ".join(words)


def is_placeholder(name: str | None) -> bool:
    """Tell whether a name says 'no facility here' (N/A, unknown, TBD, not yet identified...)."""
    return name is None or plain_words(name) in PLACEHOLDERS


def looks_like_trader(name: str) -> bool:
    """Tell whether a name reads like a trading or sales company rather than a smelter."""
    return bool(TRADER_WORDS & set(plain_words(name).split()))
