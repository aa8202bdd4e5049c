"""Which corpora exist: a light read of the ``corpora`` table for the API (which loads no evidence or vectors)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from .errors import database_errors
from .schema import corpora


class CorpusCatalog:
    """The names of the corpora in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @database_errors
    def missing(self, names: Sequence[str]) -> list[str]:
        """The ``names`` that no corpus has, in their order."""
        if not names:
            return []
        with self.engine.connect() as connection:
            found = set(connection.execute(select(corpora.c.name).where(corpora.c.name.in_(list(names)))).scalars())
        return [name for name in names if name not in found]
