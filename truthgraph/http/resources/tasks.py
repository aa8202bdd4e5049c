"""GET /api/v1/tasks/{task_id}: a task's status."""

from __future__ import annotations

import falcon

from ..ports import StatusStore
from ..validation import check_task_id


class TaskStatusResource:
    """Reads one task's status record."""

    def __init__(self, store: StatusStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        """Answer the task's status, or 404 when it is unknown or expired."""
        check_task_id(task_id)
        status = self.store.get(task_id)
        if status is None:
            raise falcon.HTTPNotFound(
                title="Task not found", description=f"task {task_id} does not exist or its status has expired"
            )
        resp.media = status.to_dict()
