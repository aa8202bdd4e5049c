"""GET /api/v1/tasks/{task_id}: a task's status."""

from __future__ import annotations

import time
from collections.abc import Callable

import falcon

from ...db.keys import Scope
from ...domain import TaskState, TaskStatus, parse_utc_iso
from ..auth import READ, Access, owner_of, sees_everything
from ..ports import StatusStore, VerdictHistory
from ..validation import check_task_id


class TaskStatusResource:
    """Reads one task's status record; a finished verification whose record Redis lost is read from the verdicts.

    Status records live in Redis for ``ttl_s`` after their last change, and Redis without persistence forgets them
    all when it restarts. The verdict of a verification task is kept for good in the database under its task id, so
    until ``ttl_s`` after its completion such a task still answers as completed, with its result (``created_at`` and
    ``started_at`` are then unknown); after that it is expired, as its record would be.
    """

    access = {"GET": Access(None, READ)}

    def __init__(
        self,
        store: StatusStore,
        history: VerdictHistory | None = None,
        *,
        ttl_s: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.history = history
        self.ttl_s = ttl_s
        self.clock = clock

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        """Answer the task's status, or 404 when it is unknown, expired, or another key's (ids leak nothing)."""
        check_task_id(task_id)
        status = self.store.get(task_id) or self._from_history(task_id)
        if status is not None and not sees_everything(req, Scope.ADMIN) and status.owner != owner_of(req):
            status = None
        if status is None:
            raise falcon.HTTPNotFound(
                title="Task not found", description=f"task {task_id} does not exist or its status has expired"
            )
        resp.media = status.to_dict()

    def _from_history(self, task_id: str) -> TaskStatus | None:
        """The completed status of a verification whose verdict is kept, or None."""
        record = self.history.for_task(task_id) if self.history is not None and self.ttl_s > 0 else None
        if record is None or _epoch(record.verified_at) + self.ttl_s < self.clock():
            return None
        return TaskStatus(
            task_id=record.task_id,
            task_type="verify",
            status=TaskState.COMPLETED,
            claim_id=record.claim_id,
            owner=record.owner,
            progress_percentage=100,
            stage="done",
            completed_at=record.verified_at,
            result=record.result,
        )


def _epoch(moment: str) -> float:
    """Seconds since the epoch of ISO 8601 text such as ``2025-01-15T10:00:01.000Z`` (0 when unreadable)."""
    try:
        return parse_utc_iso(moment).timestamp()
    except (AttributeError, ValueError):
        return 0.0
