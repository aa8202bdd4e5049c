"""Schema migrations with Alembic: bring a database to the newest schema, or tell how far it is behind."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import PermanentError, ServiceUnavailable

#: The PostgreSQL advisory lock migrations hold while they run.
MIGRATION_LOCK_KEY = 7_270_001
#: Where the migration scripts live (a package resource, so it works from an installed wheel).
SCRIPT_LOCATION = "truthgraph.db:migrations"


class SchemaOutOfDate(PermanentError):
    """The database is not at the schema this version of TruthGraph needs."""


def alembic_config() -> Config:
    """Alembic's configuration for TruthGraph's migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The newest schema revision this version knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None for an empty database)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as e:
        raise ServiceUnavailable("database", f"cannot read the schema revision: {type(e).__name__}") from e


def upgrade(engine: Engine) -> None:
    """Run every migration the database has not had, in one transaction.

    Processes that start together (an API and its workers) take turns: under an advisory lock on PostgreSQL, a lock
    file beside the database file on SQLite; the later ones then find nothing left to do.
    """
    config = alembic_config()
    try:
        with _file_lock(engine), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise ServiceUnavailable("database", f"the migrations could not run: {e}") from e


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on ``<database file>.migrate-lock`` for a SQLite file database; nothing otherwise."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def require_current(engine: Engine) -> None:
    """Raise :class:`SchemaOutOfDate`, saying what to run, unless the database is at the newest schema."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'} but this version needs {head}: "
            "run 'truthgraph db upgrade' (or start with TRUTHGRAPH_MIGRATE_ON_START=1)"
        )


def ensure_schema(engine: Engine, *, migrate: bool) -> None:
    """Bring the database to the newest schema when ``migrate`` (and it is behind), else require it to be there."""
    if not migrate:
        require_current(engine)
    elif current_revision(engine) != head_revision():
        upgrade(engine)
