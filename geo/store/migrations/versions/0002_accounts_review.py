"""Accounts (editors, reviewers, admins) and drafts waiting for review.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),  # argon2id; never the password
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.Float),  # epoch seconds of the latest failed sign-in
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),  # create, change
        sa.Column("base_revision", sa.Integer, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),  # JSON {field: new value}; geometry as GeoJSON
        sa.Column("source_ids", sa.Text, nullable=False),  # JSON list
        sa.Column("new_sources", sa.Text, nullable=False, server_default="[]"),  # JSON list of source rows
        sa.Column("applied_at_once", sa.Integer),  # the revision that applied a fail-closed part at once
        sa.Column("status", sa.Text, nullable=False),  # draft, approved, rejected
        sa.Column("reviewer", sa.Text),
        sa.Column("review_note", sa.Text),
        sa.Column("reviewed_at", sa.Text),
        sa.Column("revision", sa.Integer),  # the revision an approval wrote
    )
    op.create_index("drafts_by_record", "drafts", ["record_id", "status"])


def downgrade() -> None:
    op.drop_index("drafts_by_record", "drafts")
    op.drop_table("drafts")
    op.drop_table("users")
