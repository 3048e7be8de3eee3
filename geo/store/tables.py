"""The store's tables as SQLAlchemy Core objects, for queries. The migrations create them.

Geometry is handled through explicit expressions (see geo.store.store): WKB in a BLOB for SQLite,
PostGIS `geometry(GEOMETRY, 4326)` for PostgreSQL, so the column type here is only a placeholder.
Every table is append-only except `records` (the current state, a cache of the latest history
row of each record) and `store_state` (the one-row revision counter).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

store_state = sa.Table(
    "store_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("revision", sa.Integer, nullable=False),
)

revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.Text, nullable=False),  # ISO 8601 UTC, "…Z"
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("release", sa.Text),  # the data/ release (manifest version) this revision imported, if any
    sa.Column("release_manifest", sa.Text),  # that release's manifest "files" as JSON
)

record_history = sa.Table(
    "record_history",
    metadata,
    sa.Column("record_id", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # create, change, retract
    sa.Column("changes", sa.Text, nullable=False),  # JSON {field: {"old": …, "new": …}}
    sa.Column("source_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("properties", sa.Text, nullable=False),  # JSON object: the whole record after this revision
    sa.Column("geometry", sa.LargeBinary),
    sa.Column("retracted", sa.Boolean, nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("properties", sa.Text, nullable=False),
    sa.Column("geometry", sa.LargeBinary),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.Text, nullable=False),
    sa.Column("retracted", sa.Boolean, nullable=False),
)
