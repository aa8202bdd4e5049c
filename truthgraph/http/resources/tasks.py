"""GET /api/v1/tasks/{task_id}: a task's status."""

from __future__ import annotations

import falcon

from ...db.keys import Scope
from ..auth import READ, Access, owner_of, sees_everything
from ..ports import StatusStore
from ..validation import check_task_id


class TaskStatusResource:
    """Reads one task's status record."""

    access = {"GET": Access(None, READ)}

    def __init__(self, store: StatusStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        """Answer the task's status, or 404 when it is unknown, expired, or another key's (ids leak nothing)."""
        check_task_id(task_id)
        status = self.store.get(task_id)
        if status is not None and not sees_everything(req, Scope.ADMIN) and status.owner != owner_of(req):
            status = None
        if status is None:
            raise falcon.HTTPNotFound(
                title="Task not found", description=f"task {task_id} does not exist or its status has expired"
            )
        resp.media = status.to_dict()
