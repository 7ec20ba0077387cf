"""Countries: one ISO 3166 code for RMI's, suppliers' and ISO spellings, and the risk regions.

Names are resolved with pycountry; a handful of everyday names pycountry does not know
("Turkey", "UK", "DRC") are listed here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry

# The DRC and its nine adjoining countries (SEC Rule 13p-1, "Covered Countries").
COVERED_COUNTRIES: frozenset[str] = frozenset({"CD", "CG", "CF", "SS", "UG", "RW", "BI", "TZ", "ZM", "AO"})

# UN M49 region 002 (Africa), ISO alpha-2.
AFRICA: frozenset[str] = frozenset(
    {
        "DZ",
        "AO",
        "BJ",
        "BW",
        "BF",
        "BI",
        "CV",
        "CM",
        "CF",
        "TD",
        "KM",
        "CG",
        "CD",
        "CI",
        "DJ",
        "EG",
        "GQ",
        "ER",
        "SZ",
        "ET",
        "GA",
        "GM",
        "GH",
        "GN",
        "GW",
        "KE",
        "LS",
        "LR",
        "LY",
        "MG",
        "MW",
        "ML",
        "MR",
        "MU",
        "YT",
        "MA",
        "MZ",
        "NA",
        "NE",
        "NG",
        "RE",
        "RW",
        "SH",
        "ST",
        "SN",
        "SC",
        "SL",
        "SO",
        "ZA",
        "SS",
        "SD",
        "TZ",
        "TG",
        "TN",
        "UG",
        "EH",
        "ZM",
        "ZW",
        "IO",
        "TF",
    }
)

_EVERYDAY_NAMES = {
    "turkey": "TR",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "usa": "US",
    "us": "US",
    "america": "US",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "drc": "CD",
    "dr congo": "CD",
    "d r congo": "CD",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
    "republic of congo": "CG",
    "ivory coast": "CI",
    "burma": "MM",
    "holland": "NL",
    "swaziland": "SZ",
    "macedonia": "MK",
    "laos": "LA",
    "vietnam": "VN",
    "taiwan": "TW",
    "hong kong": "HK",
    "czech republic": "CZ",
}
_FILLER = {"the", "of", "and", "s"}


@dataclass(frozen=True, slots=True)
class Country:
    """A resolved country: ISO alpha-2 code and its ISO short name."""

    code: str
    name: str

    @property
    def covered(self) -> bool:
        """Tell whether this is one of the ten Covered Countries of the SEC rule."""
        return self.code in COVERED_COUNTRIES

    @property
    def in_africa(self) -> bool:
        """Tell whether the country lies in Africa."""
        return self.code in AFRICA


def _words(text: str) -> str:
    spaced = re.sub(r"[^\w]+", " ", text)  # before dropping accents, so "d’Ivoire" keeps its break
    plain = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _bag(text: str) -> str:
    return " ".join(sorted(set(_words(text).split()) - _FILLER))


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                index.setdefault(_words(name), country.alpha_2)
                index.setdefault("bag:" + _bag(name), country.alpha_2)
        index.setdefault(_words(country.alpha_3), country.alpha_2)
    for name, code in _EVERYDAY_NAMES.items():
        index[name] = code
    return index


@cache
def resolve_country(text: str | None) -> Country | None:
    """Resolve 'TAIWAN, PROVINCE OF CHINA', 'Viet Nam', 'DE' or 'Turkey' to a Country, or None."""
    if not text or not text.strip():
        return None
    words = _words(text)
    code = _index().get(words) or _index().get("bag:" + _bag(text))
    if code is None and len(words) == 2:
        code = words.upper() if pycountry.countries.get(alpha_2=words.upper()) else None
    if code is None:
        return None
    found = pycountry.countries.get(alpha_2=code)
    return Country(code, found.name) if found else None


# How filings and people write these countries (ISO's formal short names read oddly in prose).
_PLAIN_NAMES = {
    "BO": "Bolivia",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CZ": "Czech Republic",
    "GB": "United Kingdom",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "RU": "Russia",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "US": "United States",
    "VE": "Venezuela",
    "VN": "Vietnam",
}


def plain_country_name(text: str | None) -> str:
    """Write a country as people do ('KOREA, REPUBLIC OF' -> 'South Korea'); unknown text is kept as given."""
    country = resolve_country(text)
    if country is None:
        return (text or "").strip()
    if country.code in _PLAIN_NAMES:
        return _PLAIN_NAMES[country.code]
    found = pycountry.countries.get(alpha_2=country.code)
    return str(getattr(found, "common_name", None) or country.name)
