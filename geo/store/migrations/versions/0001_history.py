"""The history store: revisions, the history of every record, the current records, the counter.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _geometry_type() -> sa.types.TypeEngine:
    if op.get_bind().dialect.name == "postgresql":
        from geoalchemy2 import Geometry

        return Geometry(geometry_type="GEOMETRY", srid=4326, spatial_index=False)
    return sa.LargeBinary()  # SQLite: WKB


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "revision": 0}])
    op.create_table(
        "revisions",
        sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("release", sa.Text),
        sa.Column("release_manifest", sa.Text),
    )
    op.create_table(
        "record_history",
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("revision", sa.Integer, sa.ForeignKey("revisions.revision"), primary_key=True, autoincrement=False),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("source_ids", sa.Text, nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("geometry", _geometry_type()),
        sa.Column("retracted", sa.Boolean, nullable=False),
    )
    op.create_index("record_history_by_revision", "record_history", ["revision"])
    op.create_table(
        "records",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("geometry", _geometry_type()),
        sa.Column("revision", sa.Integer, sa.ForeignKey("revisions.revision"), nullable=False),
        sa.Column("changed_at", sa.Text, nullable=False),
        sa.Column("retracted", sa.Boolean, nullable=False),
    )
    op.create_index("records_by_layer", "records", ["layer", "position"])
    if postgres:
        op.create_index("records_geometry_gist", "records", ["geometry"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("records")
    op.drop_table("record_history")
    op.drop_table("revisions")
    op.drop_table("store_state")
