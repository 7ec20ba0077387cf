"""A change counter bumped by every write (what processes keep in memory is checked against it),
failed sign-ins kept in the database, so that throttling holds across worker processes, and a
session epoch per user, so that deactivating a user ends their sessions for good."""

from __future__ import annotations

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


def downgrade() -> None:
    """Drop both tables and the session epoch."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
    op.drop_index("ix_sign_in_failures_key_hash", "sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_table("changes")
