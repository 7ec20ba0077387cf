"""A change counter bumped by every write (what processes keep in memory is checked against it),
failed sign-ins kept in the database, so that throttling holds across worker processes, a
session epoch per user, so that deactivating a user ends their sessions for good, a name key
(the name casefolded) so that 'Rita' and 'rita' are one account, and reviewers' escalations
recorded on their requests as the reminder schedule's are."""

from __future__ import annotations

import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010_changes"
down_revision = "0009_facility_rows_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the changes and sign_in_failures tables; start the program's counter."""
    changes = op.create_table(
        "changes",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("counter", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(changes, [{"name": "program", "counter": secrets.randbits(52)}])  # never the same twice
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_key_hash", "sign_in_failures", ["key_hash"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("name_key", sa.String(200), nullable=True))
    _fill_name_keys()
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(200), nullable=False)
        batch.create_unique_constraint("uq_users_name_key", ["name_key"])
    _record_escalations()


def _fill_name_keys() -> None:
    """Each account's name casefolded; accounts already differing only in case keep their own key."""
    bind = op.get_bind()
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key", sa.String)
    )
    taken: set[str] = set()
    for user_id, name in bind.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)).all():
        key = " ".join(name.split()).casefold()
        key = key if key not in taken else f"{key}#{user_id}"  # a twin: found by its exact name only
        taken.add(key)
        bind.execute(sa.update(users).where(users.c.id == user_id).values(name_key=key))


def _record_escalations() -> None:
    """Reviewers' escalations made before now: their CMRT requests are marked escalated, as new ones are."""
    bind = op.get_bind()
    events = sa.table("events", sa.column("kind", sa.String), sa.column("at", sa.DateTime),
                      sa.column("detail", sa.Text), sa.column("supplier_id", sa.Integer),
                      sa.column("campaign_year", sa.Integer))  # fmt: skip
    campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("year", sa.Integer))
    requests = sa.table("requests", sa.column("campaign_id", sa.Integer), sa.column("supplier_id", sa.Integer),
                        sa.column("template_type", sa.String), sa.column("escalated_at", sa.DateTime))  # fmt: skip
    found: dict[tuple[int, int], object] = {}
    rows = bind.execute(
        sa.select(events.c.supplier_id, campaigns.c.id, events.c.at, events.c.detail)
        .join(campaigns, campaigns.c.year == events.c.campaign_year)
        .where(events.c.kind == "decision.escalated", events.c.supplier_id.is_not(None))
        .order_by(events.c.at)
    ).all()
    for supplier_id, campaign_id, at, detail in rows:
        if json.loads(detail or "{}").get("template", "CMRT") == "CMRT":  # an EMRT escalation is not the CMRT's
            found.setdefault((supplier_id, campaign_id), at)
    for (supplier_id, campaign_id), at in found.items():
        bind.execute(
            sa.update(requests)
            .where(requests.c.campaign_id == campaign_id, requests.c.supplier_id == supplier_id,
                   requests.c.template_type == "CMRT", requests.c.escalated_at.is_(None))
            .values(escalated_at=at)
        )  # fmt: skip


def downgrade() -> None:
    """Drop both tables, the session epoch and the name key (escalation dates stay)."""
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_name_key", type_="unique")
        batch.drop_column("name_key")
        batch.drop_column("session_epoch")
    op.drop_index("ix_sign_in_failures_key_hash", "sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_table("changes")
