"""What counts as an e-mail address and a language code: one definition for settings, suppliers and letters."""

from __future__ import annotations

import re

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


def valid_email(text: str) -> bool:
    """Tell whether a text is exactly one plain ASCII e-mail address (name@domain.tld): nothing before or after."""
    return len(text) <= 254 and bool(_EMAIL.fullmatch(text))


def normal_language(code: str) -> str:
    """A language code as folders are named: 'DE' -> 'de', 'pt_br' -> 'pt-BR'."""
    primary, _, region = code.strip().replace("_", "-").partition("-")
    return f"{primary.lower()}-{region.upper()}" if region else primary.lower()


def valid_language(code: str) -> bool:
    """Tell whether a language code looks like one (en, de, pt-BR, zh_CN; any case)."""
    return bool(_LANGUAGE.fullmatch(normal_language(code)))
