"""The campaign status overview: per supplier, totals and response rate, unassigned files."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, and_, select

from conflict_minerals.program.campaign import (
    OUTSTANDING,
    Campaign,
    RequestState,
    RequestView,
    overview,
    rate_of,
    state_counts,
)
from conflict_minerals.program.schema import submissions


def _totals(views: list[RequestView]) -> dict[str, Any]:
    return _counted(Counter(view.state for view in views))


def status_totals(connection: Connection, campaign: Campaign) -> dict[str, Any]:
    """The head of `status --json` (campaign, due date, templates, totals, by_template) from grouped counts,
    without a line per supplier: what a dashboard needs at 10,000 suppliers."""
    by_template = {t: _counted(state_counts(connection, campaign, t)) for t in campaign.templates}
    return {
        "campaign": campaign.year,
        "due_date": campaign.due_date.isoformat(),
        "templates": list(campaign.templates),
        "totals": by_template[campaign.templates[0]],
        "by_template": by_template,
    }


def _counted(counts: dict[RequestState, int]) -> dict[str, Any]:
    responded, surveyed, rate = rate_of(counts)
    return {
        "surveyed": surveyed,
        "responded": responded,
        "response_rate": round(rate, 4),
        "outstanding": sum(n for state, n in counts.items() if state in OUTSTANDING),
        "by_state": {state.value: n for state, n in sorted(counts.items(), key=lambda item: item[0].value) if n},
    }


def status_report(connection: Connection, campaign: Campaign) -> dict[str, Any]:
    """Return the documented `status --json` object: totals of the campaign's first template (the CMRT when
    asked), totals per template, and a line per supplier and template."""
    every = overview(connection, campaign, None)
    primary = campaign.templates[0]
    views = [v for v in every if v.template == primary]
    return {
        "campaign": campaign.year,
        "due_date": campaign.due_date.isoformat(),
        "templates": list(campaign.templates),
        "totals": _totals(views),
        "by_template": {t: _totals([v for v in every if v.template == t]) for t in campaign.templates},
        "suppliers": [
            {
                "supplier": v.supplier,
                "template": v.template,
                "template_version": v.template_version,
                "state": v.state.value,
                "current_version": v.current_version,
                "current_file": v.current_file,
                "open_findings": {
                    sev: v.open_findings[sev] for sev in ("error", "warning", "info") if v.open_findings.get(sev)
                },
                "last_contact": v.last_contact_at.date().isoformat() if v.last_contact_at else None,
                "reminders_sent": v.reminders_sent,
                "due_date": v.due_date.isoformat(),
                "escalated": v.escalated_at is not None,
            }
            for v in every
        ],
        "outstanding": [v.supplier for v in views if v.state in OUTSTANDING],
        "unassigned": unassigned_files(connection, campaign),
    }


def unassigned_files(connection: Connection, campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's files filed under no supplier and not set aside, as `status --json` lists them."""
    rows = connection.execute(
        select(
            submissions.c.id,
            submissions.c.file_name,
            submissions.c.declared_company,
            submissions.c.readable,
            submissions.c.error,
            submissions.c.template_type,
        )
        .where(
            and_(
                submissions.c.campaign_id == campaign.id,
                submissions.c.supplier_id.is_(None),
                submissions.c.discarded_at.is_(None),
            )
        )
        .order_by(submissions.c.id)
    ).all()
    return [
        {
            "id": row.id,
            "file": row.file_name,
            "declared_company": row.declared_company,
            "readable": row.readable,
            "template": row.template_type,
            "error": row.error,  # why an unreadable file was refused
        }
        for row in rows
    ]
