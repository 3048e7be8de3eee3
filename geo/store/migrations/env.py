"""Alembic environment shared by both backends. The store passes its connection in
`config.attributes["connection"]` (see geo.store.store.Store.init); there is no alembic.ini."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
