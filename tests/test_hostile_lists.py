"""Hostile supplier lists, addresses, translations and arguments: a clear line, a non-zero exit, nothing half-kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workspace_fixtures import Program


def _suppliers(program: Program) -> dict[str, dict[str, object]]:
    return {s["name"]: s for s in json.loads(program("suppliers", "list", "--json").output)}


def test_an_address_that_would_inject_headers_is_refused_and_never_echoed(program: Program) -> None:
    for address in ("t@t.example\r\nBcc: attacker@evil.example", "d\x1b[2J@b.com", "a@b"):
        result = program("suppliers", "add", "Injected Ltd", "--email", address, ok=False)
        assert result.exit_code == 2 and "not one plain e-mail address" in result.stderr
        assert "evil.example" not in result.stderr and "t@t.example" not in result.stderr
    assert _suppliers(program) == {}
    program("suppliers", "add", "Trailing Ltd", "--email", "t@t.example\n")  # only surrounding space: trimmed
    program("campaign", "start", "2025")
    [eml] = (program.root / "outbox" / "2025").glob("*.eml")
    assert "To: t@t.example\n" in eml.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_imported_names_lose_control_characters_and_ids_never_merge(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", "Apex Circuit", "--unique-id", "111")
    listing = tmp_path / "vendors.csv"
    listing.write_text(
        "Supplier Name,DUNS,E-Mail\n"
        "New Co,999,new@co.example\n"
        "Apex Circuit,999,\n"
        "Evil\x1b]0;pwned\x07 Corp\u202e,555,evil\x1b[2J@x.example\n"
        "Totally Different Inc,111,attacker@evil.example\n",
        encoding="utf-8",
    )
    result = program("suppliers", "import", listing, ok=False)
    assert result.exit_code == 1  # conflicts: reported, not applied
    assert "also given to a new supplier in this file" in result.stderr
    assert "already belongs to 'Apex Circuit', not 'Totally Different Inc'" in result.stderr
    assert "\x1b" not in result.output + result.stderr and "evil\\x1b" not in result.stderr
    found = _suppliers(program)
    assert found["Apex Circuit"]["unique_id"] == "111" and "Totally Different Inc" not in found
    assert "Evil]0;pwned Corp" in found and found["Evil]0;pwned Corp"]["with_email"] is False


def test_lists_that_never_end_or_are_too_long_are_refused(program: Program, tmp_path: Path) -> None:
    zero = program("suppliers", "import", "/dev/zero", ok=False)
    assert zero.exit_code == 2 and "not a regular file" in zero.stderr
    long = tmp_path / "long.csv"
    long.write_text("name\n" + "".join(f"S{i}\n" for i in range(200_001)), encoding="utf-8")
    refused = program("suppliers", "import", long, ok=False)
    assert refused.exit_code == 2 and "more than 200,000 rows" in refused.stderr
    wide = tmp_path / "wide.csv"
    wide.write_text("name\n" + '"' + "x" * 200_000 + '"\n', encoding="utf-8")
    assert program("suppliers", "import", wide, ok=False).exit_code == 2
    assert _suppliers(program) == {}


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x' * 10**10 }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{% include '/etc/passwd' %}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        "{{ ''.__class__.__mro__ }}",
        "NO SUBJECT",  # the file's first line is not 'Subject: …'
    ],
)
def test_a_hostile_translation_is_an_error_naming_its_file(program: Program, body: str) -> None:
    folder = program.root / "letters" / "de"
    folder.mkdir(parents=True)
    text = "Dear supplier\n" if body == "NO SUBJECT" else f"Subject: x\n{body}\n"
    (folder / "request.txt.j2").write_text(text, encoding="utf-8")
    program("suppliers", "add", "Granite GmbH", "--email", "a@granite.example", "--language", "DE")
    program("campaign", "start", "2025", "--no-letters")
    dry = program("corrections", "--dry-run")  # nothing to correct: no letter rendered
    assert dry.exit_code == 0
    started = program("campaign", "start", "2025")
    assert "letters/de/request.txt.j2" in started.stderr and "Traceback" not in started.output
    assert not list((program.root / "outbox").rglob("*.eml"))


def test_arguments_out_of_range_are_refused(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", "Granite GmbH", "--email", "a@granite.example")
    program("campaign", "start", "2025", "--no-letters")
    far = program("campaign", "extend", "Granite GmbH", "--until", "9999-12-31", "--reason", "x", ok=False)
    assert far.exit_code == 2 and "too far ahead" in far.stderr
    assert program("campaign", "start", "2026", "--due", "9999-12-31", ok=False).exit_code == 2
    assert "0 reminder(s)" in program("remind").output  # still works after the refusals
    for args in (["discard", "9223372036854775808", "--reason", "x"], ["smelters", "withdraw", "0", "--reason", "x"]):
        assert program(*args, ok=False).exit_code == 2
    empty = program("smelters", "resolve", "  ", "--metal", "Tin", "--confirm", "--reason", "r", "--ahead", ok=False)
    assert empty.exit_code == 2 and "give the name" in empty.stderr
    narnia = program(
        "smelters", "resolve", "X", "--metal", "Tin", "--country", "Narnia", "--confirm", "--reason", "r", ok=False
    )
    assert narnia.exit_code == 2 and "'Narnia' is not a country" in narnia.stderr
    nowhere = program("log", "--csv", tmp_path / "missing" / "x.csv", ok=False)
    assert nowhere.exit_code == 2 and "cannot write" in nowhere.stderr and len(nowhere.stderr.splitlines()) == 1
