"""Alembic's environment: migrations run on the connection TruthGraph hands over (see truthgraph.db.migrate)."""

from __future__ import annotations

from alembic import context

from truthgraph.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with 'truthgraph db upgrade', which provides the connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
