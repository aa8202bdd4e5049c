"""What the HTTP layer needs from the task publisher and the status store (structural types)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..db.verdicts import VerdictPage, VerdictRecord
from ..domain import TaskStatus


class Publisher(Protocol):
    """Hands tasks to the message broker; see ``truthgraph.actors.publisher.TaskPublisher``."""

    def submit_verification(
        self, *, claim_id: str, claim_text: str, options: dict[str, Any], owner: str | None = None
    ) -> TaskStatus:
        """Write a pending status and publish a verification task owned by the API key ``owner``."""
        ...

    def submit_ingest(self, *, corpus: str, documents: list[dict[str, Any]], owner: str | None = None) -> TaskStatus:
        """Write a pending status and publish a corpus-ingestion task."""
        ...

    def queue_stats(self) -> dict[str, Any]:
        """Live ready and consumer counts per queue, sampled in-flight counts, dead letters and consumers."""
        ...

    def ping(self) -> None:
        """Raise ``ServiceUnavailable`` unless the broker answers."""
        ...


class StatusStore(Protocol):
    """Reads task status records; see ``truthgraph.status_store.TaskStatusStore``."""

    def get(self, task_id: str) -> TaskStatus | None:
        """The record of a task, or None when unknown or expired."""
        ...

    def latest_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently submitted task for a claim."""
        ...

    def latest_verdict_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently completed verification task for a claim."""
        ...

    def counts(self) -> dict[str, int]:
        """How many live records are in each state."""
        ...

    def ping(self) -> bool:
        """Whether the store answers; raises ``ServiceUnavailable`` when it does not."""
        ...


class CorpusCatalog(Protocol):
    """Which corpora exist; see ``truthgraph.db.corpora.CorpusCatalog``."""

    def missing(self, names: Sequence[str]) -> list[str]:
        """The names no corpus has."""
        ...


class VerdictHistory(Protocol):
    """Reads the verdicts kept for good; see ``truthgraph.db.verdicts.VerdictHistory``."""

    def latest(self, claim_id: str, *, owner: str | None = None) -> VerdictRecord | None:
        """The newest verdict of a claim (of ``owner``'s tasks only, when given)."""
        ...

    def for_task(self, task_id: str) -> VerdictRecord | None:
        """The verdict a task wrote, if any."""
        ...

    def page(self, claim_id: str, *, limit: int, cursor: str | None = None, owner: str | None = None) -> VerdictPage:
        """A claim's verdicts, newest first, ``limit`` at a time after ``cursor``."""
        ...

    def ping(self) -> bool:
        """Whether the database answers; raises ``ServiceUnavailable`` when it does not."""
        ...
