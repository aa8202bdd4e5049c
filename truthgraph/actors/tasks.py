"""The actors: verify a claim, ingest documents into a corpus."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq import Broker
from dramatiq.middleware import CurrentMessage

from ..domain import utc_now
from ..errors import PermanentError, ServiceUnavailable
from ..settings import Settings
from ..status_store import TaskStatusStore
from .progress import TASK_TYPE_OPTION
from .resources import WorkerResources

logger = logging.getLogger(__name__)

VERIFY_ACTOR = "verify_claim"
INGEST_ACTOR = "ingest_documents"


@dataclass(frozen=True)
class Actors:
    """The actors declared on one broker."""

    verify: dramatiq.Actor
    ingest: dramatiq.Actor


def declare_actors(
    broker: Broker, settings: Settings, store: TaskStatusStore, resources: WorkerResources | None = None
) -> Actors:
    """Declare TruthGraph's actors on ``broker``.

    ``resources`` is what a worker loads to run them; a process that only sends messages
    (the API) passes None and never loads a model.
    """
    resources = resources or WorkerResources(settings)

    def report(percentage: int, stage: str) -> None:
        message = CurrentMessage.get_current_message()
        if message is None:
            return
        try:
            store.advance(message.message_id, percentage, stage)
        except ServiceUnavailable:
            logger.warning("Could not record progress of task %s.", message.message_id)

    def verify_claim(claim_id: str, claim_text: str, options: dict[str, Any]) -> dict[str, Any]:
        """Verify one claim and return its verdict as JSON-ready data."""
        verdict = resources.pipeline().verify(claim_text, options or {}, report)
        return {"claim_id": claim_id, **verdict.to_dict(), "verified_at": utc_now()}

    def ingest_documents(corpus: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """Add documents to a corpus (created when new) and return what was stored."""
        pipeline = resources.pipeline()
        ingest = getattr(pipeline, "ingest", None)
        if ingest is None:
            raise PermanentError("this worker's pipeline cannot ingest documents")
        return ingest(corpus, documents, report)

    common: dict[str, Any] = {
        "broker": broker,
        "throws": (PermanentError,),
        "store_results": True,
    }
    verify = dramatiq.actor(
        verify_claim, actor_name=VERIFY_ACTOR, queue_name=settings.verify_queue, **{TASK_TYPE_OPTION: "verify"}, **common
    )
    ingest = dramatiq.actor(
        ingest_documents,
        actor_name=INGEST_ACTOR,
        queue_name=settings.ingest_queue,
        **{TASK_TYPE_OPTION: "ingest"},
        **common,
    )
    return Actors(verify=verify, ingest=ingest)
