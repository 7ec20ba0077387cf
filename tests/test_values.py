"""Cell value normalisation: text, IDs, answers and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from conflict_minerals.cmrt.layout import QUESTION_OPTIONS, layout_for
from conflict_minerals.cmrt.values import clean_text, match_option, normalize_smelter_id, parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Foo   Bar ", "Foo Bar"), (0, None), (0.0, None), ("0", None), ("#N/A", None), (12345.0, "12345"), ("", None)],
)
def test_clean_text(raw: object, expected: str | None) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CID002763", "CID002763"),
        ("cid 2763", "CID002763"),
        (2763.0, "CID002763"),
        ("ＣＩＤ００２７６３", "CID002763"),
        ("\uffa0CID002763", "CID002763"),
        ("1JPN039", None),
        ("Unknown", None),
    ],
)
def test_smelter_ids(raw: object, expected: str | None) -> None:
    assert normalize_smelter_id(raw) == expected


def test_answers_match_case_insensitively_and_keep_unknown_text() -> None:
    assert match_option(" YES ", QUESTION_OPTIONS["Q1"]) == ("Yes", True)
    assert match_option(1, QUESTION_OPTIONS["Q6"]) == ("100%", True)
    assert match_option("greater than 90%", QUESTION_OPTIONS["Q6"]) == ("Greater than 90%", True)
    assert match_option("Maybe", QUESTION_OPTIONS["Q1"]) == ("Maybe", False)
    assert match_option("", QUESTION_OPTIONS["Q1"]) == (None, True)


@pytest.mark.parametrize(
    ("raw", "expected", "ambiguous"),
    [
        (dt.datetime(2025, 1, 31, 10, 30), dt.date(2025, 1, 31), False),
        (45688, dt.date(2025, 1, 31), False),
        ("45688", dt.date(2025, 1, 31), False),
        ("31-Jan-2025", dt.date(2025, 1, 31), False),
        ("2025-01-31", dt.date(2025, 1, 31), False),
        ("31.01.2025", dt.date(2025, 1, 31), False),
        ("1/31/2025", dt.date(2025, 1, 31), False),
        ("31/1/2025", dt.date(2025, 1, 31), False),
        ("2025年1月31日", dt.date(2025, 1, 31), False),
        ("January 31, 2025", dt.date(2025, 1, 31), False),
        ("2/3/2025", dt.date(2025, 2, 3), True),
        ("someday", None, False),
    ],
)
def test_dates(raw: object, expected: dt.date | None, ambiguous: bool) -> None:
    assert parse_date(raw) == (expected, ambiguous)


def test_unknown_revisions_use_the_nearest_lower_layout() -> None:
    assert [layout_for(v) for v in ("6.5", "6.6", "6.21", "6.3", "6.0")] == ["6.5", "6.5", "6.1", "6.22", "6.01"]
