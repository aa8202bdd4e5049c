"""The database engine from settings: embedded SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ..errors import InvalidInput
from ..settings import Settings

#: The SQLite file of the default database, inside the data folder.
DEFAULT_DATABASE_FILE = "truthgraph.sqlite3"
#: Time allowed to connect, and (SQLite) to wait for another process's write lock, in seconds.
DEFAULT_CONNECT_TIMEOUT_S = 3
#: Time one PostgreSQL statement may run, in milliseconds (a hung query fails instead of stalling a request).
DEFAULT_STATEMENT_TIMEOUT_MS = 10_000


def database_url(settings: Settings) -> str:
    """The settings' database URL, or the embedded SQLite file in the data folder when none is set."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.data_dir) / DEFAULT_DATABASE_FILE}"


def create_database_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///FILE`` or ``postgresql://…``, driven by psycopg 3), with bounded waits."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": DEFAULT_CONNECT_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": DEFAULT_CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={DEFAULT_STATEMENT_TIMEOUT_MS}",
            },
        )
    raise InvalidInput(
        f"TRUTHGRAPH_DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {backend!r}", field="database_url"
    )


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    """WAL (readers never wait for the writer) and foreign keys, on every new SQLite connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
