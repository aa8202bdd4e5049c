"""What several resources answer the same way."""

from __future__ import annotations

import falcon

from ...domain import TaskStatus

#: Where a task's status can be read.
TASK_PATH = "/api/v1/tasks/{task_id}"


def task_path(task_id: str) -> str:
    """The path of a task's status."""
    return TASK_PATH.format(task_id=task_id)


def accepted(resp: falcon.Response, status: TaskStatus) -> None:
    """Answer 202 with the task's status and its URL in ``Location``."""
    resp.status = falcon.HTTP_202
    resp.location = task_path(status.task_id)
    resp.media = status.to_dict()
