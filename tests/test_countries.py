"""Country names in RMI's, suppliers' and ISO spellings resolve to one code."""

from __future__ import annotations

import pytest

from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.reference.snapshot import bundled_snapshot


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TAIWAN, PROVINCE OF CHINA", "TW"),
        ("KOREA, REPUBLIC OF", "KR"),
        ("UNITED STATES OF AMERICA", "US"),
        ("VIET NAM", "VN"),
        ("Vietnam", "VN"),
        ("CONGO, DEMOCRATIC REPUBLIC OF THE", "CD"),
        ("DRC", "CD"),
        ("BOLIVIA (PLURINATIONAL STATE OF)", "BO"),
        ("NORTH MACEDONIA, REPUBLIC OF", "MK"),
        ("Turkey", "TR"),
        ("Côte d’Ivoire", "CI"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("United Kingdom", "GB"),
    ],
)
def test_spellings_resolve(text: str, code: str) -> None:
    country = resolve_country(text)
    assert country is not None and country.code == code


@pytest.mark.parametrize("text", ["", "recycled", "Unknown", "N/A"])
def test_non_countries_do_not_resolve(text: str) -> None:
    assert resolve_country(text) is None


def test_every_country_of_the_reference_list_resolves() -> None:
    unresolved = {e.country for e in bundled_snapshot().entries if resolve_country(e.country) is None}
    assert unresolved == set()


def test_risk_regions() -> None:
    rwanda, drc, ghana, china = (
        resolve_country(c) for c in ("RWANDA", "CONGO, DEMOCRATIC REPUBLIC OF THE", "GHANA", "CHINA")
    )
    assert rwanda and rwanda.covered and rwanda.in_africa
    assert drc and drc.covered
    assert ghana and not ghana.covered and ghana.in_africa
    assert china and not china.covered and not china.in_africa
