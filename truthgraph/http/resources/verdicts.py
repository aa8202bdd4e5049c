"""GET /api/v1/verdicts/{claim_id}: the latest verdict of a claim; GET /api/v1/claims/{claim_id}/verdicts: its history."""

from __future__ import annotations

from typing import Any

import falcon

from ...db.keys import Scope
from ...db.verdicts import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ...domain import TaskState, TaskStatus
from ...errors import InvalidInput
from ..auth import READ, Access, owner_of, sees_everything
from ..ports import StatusStore, VerdictHistory
from ..validation import check_claim_id
from .common import accepted, task_path


class VerdictResource:
    """The latest verdict of a claim; 202 while its latest task is still running.

    Verdicts are read from the history (the database, kept for good); a verdict only Redis holds (reached before the
    history existed) is read from its task's record.
    """

    access = {"GET": Access(None, READ)}

    def __init__(self, store: StatusStore, history: VerdictHistory) -> None:
        self.store = store
        self.history = history

    def on_get(self, req: falcon.Request, resp: falcon.Response, claim_id: str) -> None:
        """Answer the verdict, the running task (202), or 404.

        A key with the ``read`` scope reads every claim's verdicts; any other key only those its own tasks reached.
        """
        check_claim_id(claim_id)
        owner = None if sees_everything(req, Scope.READ) else owner_of(req)

        def visible(status: TaskStatus | None) -> TaskStatus | None:
            return status if status is not None and (owner is None or status.owner == owner) else None

        latest = visible(self.store.latest_for_claim(claim_id))
        if latest is not None and not latest.status.terminal:
            accepted(resp, latest)
            return
        kept = self.history.latest(claim_id, owner=owner)
        if kept is not None:
            resp.media = kept.to_dict()
            return
        if latest is not None and latest.status is TaskState.COMPLETED:
            resp.media = verdict_body(latest)
            return
        earlier = visible(self.store.latest_verdict_for_claim(claim_id))
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


class ClaimVerdicts:
    """A claim's verdict history, newest first, a page at a time (``limit``, ``cursor``)."""

    access = {"GET": Access(None, READ)}

    def __init__(self, history: VerdictHistory) -> None:
        self.history = history

    def on_get(self, req: falcon.Request, resp: falcon.Response, claim_id: str) -> None:
        """Answer a page of verdicts and the cursor of the next (``null`` on the last page).

        A key with the ``read`` scope reads every verdict; any other key only those its own tasks reached.
        """
        check_claim_id(claim_id)
        limit = _limit(req.get_param("limit"))
        owner = None if sees_everything(req, Scope.READ) else owner_of(req)
        page = self.history.page(claim_id, limit=limit, cursor=req.get_param("cursor"), owner=owner)
        resp.media = {
            "claim_id": claim_id,
            "verdicts": [record.to_dict() for record in page.verdicts],
            "next_cursor": page.next_cursor,
        }


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}", field="limit")
    return int(raw)
