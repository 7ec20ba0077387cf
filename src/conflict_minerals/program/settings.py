"""The workspace settings file: typed, validated at load, every setting documented.

`conflict-minerals.toml` holds the company profile used in filings and in the company's
own CMRT, the database URL, how messages to suppliers are sent, and campaign defaults.
Problems come back as a list of messages, never as a crash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflict_minerals.program.addresses import valid_email, valid_language


@dataclass(frozen=True, slots=True)
class CompanySettings:
    """The registrant: who files the Form SD and answers customers' CMRTs."""

    legal_name: str = ""
    state_of_incorporation: str = ""
    sec_file_number: str = ""
    irs_ein: str = ""
    address: str = ""
    phone: str = ""
    contact_name: str = ""
    contact_email: str = ""
    signer_name: str = ""
    signer_title: str = ""
    policy_url: str = ""
    business_description: str = ""
    covered_products: str = ""
    unique_id: str = ""
    unique_id_authority: str = ""


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """How messages to suppliers leave: written to files (default) or sent through SMTP."""

    mode: str = "files"  # "files" or "smtp"
    from_address: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password_env: str = "CONFLICT_MINERALS_SMTP_PASSWORD"
    language: str = ""  # letters for suppliers without a language of their own; empty: English


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """Defaults for new campaigns."""

    due_month_day: str = "03-31"
    require_product_level: bool = False
    reminder_interval_days: int = 14
    grace_days: int = 7
    max_reminders: int = 2
    escalate_to: str = ""
    correction_days: int = 21


@dataclass(frozen=True, slots=True)
class DueDiligenceSettings:
    """What the company confirmed about its program: its own words, and yes/no answers it stands behind.

    Nothing here has a default claim: an empty text or an unset answer becomes a visible
    placeholder in a draft (and an error of `filings check`), never a statement nobody confirmed.
    """

    policy_adopted: bool | None = None
    sourcing_policy: str = ""
    management_team: str = ""
    internal_controls: str = ""
    supplier_engagement: str = ""
    supplier_contracts: str = ""
    grievance_mechanism: str = ""
    risk_response: str = ""
    audits_relied_on: str = ""
    report_url: str = ""
    future_steps: str = ""
    requires_validated_smelters: bool | None = None
    due_diligence_measures: bool | None = None
    reviews_supplier_information: bool | None = None
    corrective_action_management: bool | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything in conflict-minerals.toml."""

    company: CompanySettings = field(default_factory=CompanySettings)
    database_url: str = ""
    email: EmailSettings = field(default_factory=EmailSettings)
    campaign: CampaignSettings = field(default_factory=CampaignSettings)
    due_diligence: DueDiligenceSettings = field(default_factory=DueDiligenceSettings)


_SECTIONS = {
    "company": CompanySettings,
    "email": EmailSettings,
    "campaign": CampaignSettings,
    "due_diligence": DueDiligenceSettings,
}


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read and validate a settings file; return the settings and any problems found."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), [f"{path}: settings file not found"]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Settings(), [f"{path}: not valid TOML ({exc})"]
    return settings_from_dict(data, str(path))


def settings_from_dict(data: dict[str, Any], where: str = "settings") -> tuple[Settings, list[str]]:
    """Build Settings from parsed TOML, collecting every problem instead of stopping at the first."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            problems.append(f"{where}: [{name}] must be a table")
            raw = {}
        sections[name] = _section(cls, raw, f"{where}: [{name}]", problems)
    database = data.get("database", {})
    url = database.get("url", "") if isinstance(database, dict) else ""
    for key in set(data) - {*_SECTIONS, "database"}:
        problems.append(f"{where}: unknown section or key '{key}'")
    settings = Settings(database_url=str(url), **sections)
    problems += _validate(settings, where)
    return settings, problems


def _section(cls: type, raw: dict[str, Any], where: str, problems: list[str]) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            problems.append(f"{where} unknown setting '{key}'")
            continue
        expected = bool if known[key].type == "bool | None" else type(getattr(cls(), key))
        if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
            values[key] = value
        else:
            problems.append(f"{where} '{key}' must be {expected.__name__}, not {type(value).__name__}")
    return cls(**values)


def _month_day(text: str) -> bool:
    """Tell whether MM-DD is a day every year has (02-29 is not)."""
    match = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if match is None:
        return False
    try:
        dt.date(2023, int(match.group(1)), int(match.group(2)))
    except ValueError:
        return False
    return True


def _validate(settings: Settings, where: str) -> list[str]:
    problems = []
    if settings.email.mode not in ("files", "smtp"):
        problems.append(f"{where}: [email] mode must be 'files' or 'smtp'")
    if settings.email.mode == "smtp" and not settings.email.smtp_host:
        problems.append(f"{where}: [email] smtp_host is required when mode = 'smtp'")
    if not _month_day(settings.campaign.due_month_day):
        problems.append(f"{where}: [campaign] due_month_day must be a real month and day, like 03-31")
    if not 0 <= settings.campaign.reminder_interval_days <= 365:
        problems.append(f"{where}: [campaign] reminder_interval_days must be between 0 and 365")
    for key in ("grace_days", "correction_days", "max_reminders"):
        if not 0 <= getattr(settings.campaign, key) <= 365:
            problems.append(f"{where}: [campaign] {key} must be between 0 and 365")
    if settings.email.language and not valid_language(settings.email.language):
        problems.append(f"{where}: [email] language must be a language code such as de or pt-BR")
    if not 1 <= settings.email.smtp_port <= 65535:
        problems.append(f"{where}: [email] smtp_port must be between 1 and 65535")
    for key, value in (
        ("policy_url", settings.company.policy_url),
        ("report_url", settings.due_diligence.report_url),
    ):
        if value and not re.fullmatch(r"https?://[^\s<>\"']+", value):
            problems.append(f"{where}: {key} must be a web address starting with https:// or http://")
    for key, value in (
        ("contact_email", settings.company.contact_email),
        ("from_address", settings.email.from_address),
        ("escalate_to", settings.campaign.escalate_to),
    ):
        if value and not valid_email(value):
            problems.append(f"{where}: {key} must be an e-mail address")
    if settings.database_url and not settings.database_url.startswith(("sqlite", "postgresql")):
        problems.append(f"{where}: [database] url must be a sqlite:// or postgresql:// URL")
    if settings.company.irs_ein and not re.fullmatch(r"\d{2}-?\d{7}", settings.company.irs_ein):
        problems.append(f"{where}: [company] irs_ein must look like 12-3456789")
    return problems


def _quote(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(key: str, value: object) -> str:
    """A settings line; an unset yes/no answer stays a comment (TOML has no null)."""
    return f"# {key} = true   # unset until you confirm it" if value is None else f"{key} = {_quote(value)}"


SETTINGS_DOC = Path(__file__).with_name("settings.md")  # ships in the wheel, so an installed tool can point to it


def render_settings(settings: Settings) -> str:
    """Write settings as a commented TOML file (every key is described in settings.md, installed beside this)."""
    lines = [f"# conflict-minerals workspace settings; every key is described in {SETTINGS_DOC}", ""]
    lines += [
        "[database]",
        "# empty: the workspace's own SQLite file; or postgresql://user@host/db",
        f"url = {_quote(settings.database_url)}",
        "",
    ]
    for name in _SECTIONS:
        section = getattr(settings, name)
        lines.append(f"[{name}]")
        lines += [_line(f.name, getattr(section, f.name)) for f in dataclasses.fields(section)]
        lines.append("")
    return "\n".join(lines)


def documented_keys() -> set[str]:
    """Every settings key as 'section.key' (the docs test checks each is documented)."""
    keys = {"database.url"}
    for name, cls in _SECTIONS.items():
        keys |= {f"{name}.{f.name}" for f in dataclasses.fields(cls)}
    return keys
