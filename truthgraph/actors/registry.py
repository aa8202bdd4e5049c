"""Declares TruthGraph's actors on a broker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq import Broker
from dramatiq.middleware import CurrentMessage

from ..errors import PermanentError, ServiceUnavailable
from ..settings import Settings
from ..status_store import TaskStatusStore
from .ingest import INGEST_ACTOR, ingest_documents_with
from .pipeline_loader import PipelineLoader
from .task_status import TASK_TYPE_OPTION
from .verify import VERIFY_ACTOR, VerdictCache, verify_claim_with

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actors:
    """The actors declared on one broker."""

    verify: dramatiq.Actor
    ingest: dramatiq.Actor


def declare_actors(
    broker: Broker,
    settings: Settings,
    store: TaskStatusStore,
    loader: PipelineLoader | None = None,
    cache: VerdictCache | None = None,
) -> Actors:
    """Declare TruthGraph's actors on ``broker``.

    ``loader`` loads what a worker needs to run them; a process that only sends messages
    (the API) passes None and never loads a model. ``cache`` (the verdict history) answers claims verified before,
    when ``settings.verdict_cache`` is on.
    """
    loader = loader or PipelineLoader(settings)

    def report(percentage: int, stage: str) -> None:
        message = CurrentMessage.get_current_message()
        if message is None:
            return
        try:
            store.advance(message.message_id, percentage, stage)
        except ServiceUnavailable:
            logger.warning("Could not record progress of task %s.", message.message_id)

    common: dict[str, Any] = {"broker": broker, "throws": (PermanentError,), "store_results": True}
    verify = dramatiq.actor(
        verify_claim_with(loader, report, cache if settings.verdict_cache else None),
        actor_name=VERIFY_ACTOR,
        queue_name=settings.verify_queue,
        **{TASK_TYPE_OPTION: "verify"},
        **common,
    )
    ingest = dramatiq.actor(
        ingest_documents_with(loader, report),
        actor_name=INGEST_ACTOR,
        queue_name=settings.ingest_queue,
        **{TASK_TYPE_OPTION: "ingest"},
        **common,
    )
    return Actors(verify=verify, ingest=ingest)
