"""Fixtures of the unit tests that need a database: each runs on SQLite and on the local PostgreSQL."""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.databases import ENGINES, database_url_for, migrated_engine, release


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A fresh, migrated database of each engine, dropped afterwards."""
    url = database_url_for(request.param, tmp_path)
    engine = migrated_engine(url)
    yield engine
    release(url, engine)
