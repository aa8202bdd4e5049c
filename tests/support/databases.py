"""Databases for tests: a fresh migrated SQLite file or PostgreSQL database, removed afterwards.

PostgreSQL is the local server (``TRUTHGRAPH_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432``,
trust auth); a test that needs it fails, never skips, when it does not answer.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from truthgraph.db.engine import create_database_engine
from truthgraph.db.migrate import upgrade

#: The local PostgreSQL server the tests create their databases on.
POSTGRES_URL = os.environ.get("TRUTHGRAPH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
#: The engines the database tests run on.
ENGINES = ("sqlite", "postgresql")


def create_postgres_database(prefix: str = "tgtest") -> str:
    """A new, empty database on the local PostgreSQL; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}".replace("-", "_")
    try:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL does not answer at {POSTGRES_URL}: {e}")
    return f"{POSTGRES_URL}/{name}"


def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`create_postgres_database` (its connections are ended first)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url_for(engine: str, folder: Path) -> str:
    """A fresh database of the given engine: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if engine == "sqlite":
        return f"sqlite:///{folder / 'truthgraph.sqlite3'}"
    if engine == "postgresql":
        return create_postgres_database()
    raise ValueError(f"unknown database engine {engine!r}")


def migrated_engine(url: str) -> Engine:
    """An engine on ``url`` with every migration run."""
    engine = create_database_engine(url)
    upgrade(engine)
    return engine


def release(url: str, engine: Engine | None = None) -> None:
    """Dispose of an engine and drop its database when it is a PostgreSQL one."""
    if engine is not None:
        engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres_database(url)


def same_database(engine: Engine) -> Engine:
    """A new engine on the database of ``engine``, as another process (a worker on another machine) would open."""
    return create_database_engine(engine.url.render_as_string(hide_password=False))
