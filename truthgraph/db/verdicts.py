"""Verdict history: every completed verification written once, keyed by its task id, read newest first."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..errors import InvalidInput
from .errors import database_errors
from .schema import verdicts

#: Verdicts in one page of a claim's history unless the client asks for fewer or more.
DEFAULT_PAGE_SIZE = 20
#: Most verdicts in one page.
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class VerdictRecord:
    """One verdict of a claim's history, as stored."""

    task_id: str
    claim_id: str
    result: dict[str, Any]
    verified_at: str
    #: the id of the API key whose task reached it (None with authentication off); not shown to clients
    owner: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The verdict as clients read it: the result, with claim, task and time."""
        return {**self.result, "claim_id": self.claim_id, "task_id": self.task_id, "verified_at": self.verified_at}


@dataclass(frozen=True)
class VerdictPage:
    """A page of a claim's history, newest first, and the cursor of the next page (None on the last)."""

    verdicts: list[VerdictRecord]
    next_cursor: str | None


class VerdictHistory:
    """The verdicts table: written by workers as tasks complete, read by the API."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @database_errors
    def record(
        self, *, task_id: str, claim_id: str, result: dict[str, Any], verified_at: str, owner: str | None = None
    ) -> bool:
        """Write a task's verdict unless that task's is there already; returns whether it was written.

        ``owner`` is the API key whose task it was (None with authentication off).
        """
        row = {
            "owner": owner,
            "cache_key": result.get("cache_key"),
            "task_id": task_id,
            "claim_id": claim_id,
            "claim_text": str(result.get("claim_text", "")),
            "verdict": str(result.get("verdict", "")),
            "confidence": float(result.get("confidence", 0.0)),
            "model": str(result.get("model", "")),
            "result": result,
            "verified_at": verified_at,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(verdicts).values(**row))
        except IntegrityError:  # a redelivery: the task's verdict was written once, and stays as it was
            return False
        return True

    @database_errors
    def for_task(self, task_id: str) -> VerdictRecord | None:
        """The verdict a task wrote, if any."""
        with self.engine.connect() as connection:
            row = connection.execute(select(verdicts).where(verdicts.c.task_id == task_id)).first()
        return _record(row) if row is not None else None

    @database_errors
    def cached(self, cache_key: str) -> VerdictRecord | None:
        """The newest verdict reached with this cache key, if any."""
        query = select(verdicts).where(verdicts.c.cache_key == cache_key).order_by(verdicts.c.id.desc()).limit(1)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _record(row) if row is not None else None

    @database_errors
    def latest(self, claim_id: str, *, owner: str | None = None) -> VerdictRecord | None:
        """The newest verdict of a claim (of ``owner``'s tasks only, when given)."""
        page = self.page(claim_id, limit=1, owner=owner)
        return page.verdicts[0] if page.verdicts else None

    @database_errors
    def page(
        self, claim_id: str, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None, owner: str | None = None
    ) -> VerdictPage:
        """A claim's verdicts, newest first, ``limit`` at a time; ``cursor`` is the ``next_cursor`` of the page before.

        With ``owner``, only the verdicts of that API key's tasks.
        """
        query = select(verdicts).where(verdicts.c.claim_id == claim_id)
        if owner is not None:
            query = query.where(verdicts.c.owner == owner)
        if cursor is not None:
            query = query.where(verdicts.c.id < decode_cursor(cursor))
        query = query.order_by(verdicts.c.id.desc()).limit(limit + 1)
        with self.engine.connect() as connection:
            rows = list(connection.execute(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return VerdictPage([_record(r) for r in rows], encode_cursor(rows[-1].id) if more else None)

    @database_errors
    def count(self, claim_id: str) -> int:
        """How many verdicts a claim has."""
        with self.engine.connect() as connection:
            query = select(func.count()).select_from(verdicts).where(verdicts.c.claim_id == claim_id)
            return int(connection.execute(query).scalar_one())

    @database_errors
    def ping(self) -> bool:
        """Whether the database answers."""
        with self.engine.connect() as connection:
            connection.execute(select(1))
        return True


def encode_cursor(row_id: int) -> str:
    """An opaque cursor for the rows older than ``row_id``."""
    return base64.urlsafe_b64encode(f"v1:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The row id in a cursor; InvalidInput (422) when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, row_id = text.partition(":")
        if version != "v1" or not row_id.isdigit():
            raise ValueError(text)
        return int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor is not a cursor this API gave", field="cursor") from None


def _record(row: Any) -> VerdictRecord:
    return VerdictRecord(
        task_id=row.task_id,
        claim_id=row.claim_id,
        result=dict(row.result),
        verified_at=row.verified_at,
        owner=row.owner,
    )
