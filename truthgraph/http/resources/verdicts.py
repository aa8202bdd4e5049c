"""GET /api/v1/verdicts/{claim_id}: the latest verdict of a claim."""

from __future__ import annotations

from typing import Any

import falcon

from ...domain import TaskState, TaskStatus
from ..ports import StatusStore
from ..validation import check_claim_id
from .common import accepted, task_path


class VerdictResource:
    """The latest verdict of a claim; 202 while its latest task is still running."""

    def __init__(self, store: StatusStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, claim_id: str) -> None:
        """Answer the verdict, the running task (202), or 404."""
        check_claim_id(claim_id)
        latest = self.store.latest_for_claim(claim_id)
        if latest is not None and not latest.status.terminal:
            accepted(resp, latest)
            return
        if latest is not None and latest.status is TaskState.COMPLETED:
            resp.media = verdict_body(latest)
            return
        earlier = self.store.latest_verdict_for_claim(claim_id)
        if earlier is not None:
            resp.media = verdict_body(earlier)
            return
        if latest is not None:  # failed, and no earlier verdict to fall back on
            raise falcon.HTTPNotFound(
                title="Verdict not found",
                description=(
                    f"the verification of claim {claim_id} failed: {latest.error or 'unknown error'}; "
                    f"see {task_path(latest.task_id)}"
                ),
            )
        raise falcon.HTTPNotFound(
            title="Verdict not found",
            description=f"claim {claim_id} was never submitted for verification or its verdict has expired",
        )


def verdict_body(status: TaskStatus) -> dict[str, Any]:
    """A completed task's result as a verdict: the result's fields plus claim, task and time."""
    result = status.result if isinstance(status.result, dict) else {"result": status.result}
    return {
        **result,
        "claim_id": status.claim_id,
        "task_id": status.task_id,
        "verified_at": status.completed_at,
    }
