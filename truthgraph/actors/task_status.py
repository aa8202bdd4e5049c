"""TaskStatusMiddleware: runs each task's status lifecycle as Dramatiq moves its message."""

from __future__ import annotations

import logging
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy
from dramatiq.message import Message
from dramatiq.middleware import SkipMessage

from ..domain import TaskState, utc_now
from ..errors import ServiceUnavailable
from ..status_store import TaskStatusStore, new_status

logger = logging.getLogger(__name__)

#: Actor option naming the kind of task a tracked actor runs (``"verify"``, ``"ingest"``).
TASK_TYPE_OPTION = "task_type"


class TaskStatusMiddleware(Middleware):
    """Writes ``pending`` at enqueue, ``processing`` at start, ``completed``/``failed`` at the end.

    Only actors declared with the ``task_type`` option are tracked. ``failed`` is written
    in ``after_nack``, so it records the final outcome once retries are exhausted; a retried
    attempt shows ``pending`` again with its retry count.
    """

    def __init__(self, store: TaskStatusStore) -> None:
        self.store = store

    @property
    def actor_options(self) -> set[str]:
        return {TASK_TYPE_OPTION}

    def _task_type(self, broker: Broker, message: Message) -> str | None:
        try:
            actor = broker.get_actor(message.actor_name)
        except Exception:  # an actor this process does not know; not ours to track
            return None
        return actor.options.get(TASK_TYPE_OPTION)

    def before_enqueue(self, broker: Broker, message: Message, delay: int) -> None:
        task_type = self._task_type(broker, message)
        if task_type is None:
            return
        retries = message.options.get("retries", 0)
        if retries == 0:
            kwargs: dict[str, Any] = message.kwargs or {}
            self.store.create(
                new_status(message.message_id, task_type, claim_id=kwargs.get("claim_id"), corpus=kwargs.get("corpus"))
            )
        else:
            self.store.transition(message.message_id, TaskState.PENDING, retry_count=retries, stage="waiting to retry")

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        if self._task_type(broker, message) is None:
            return
        current = self.store.get(message.message_id)
        if current is not None and current.status.terminal:
            # A redelivery of work already finished (e.g. the worker died before its ack).
            raise SkipMessage(f"task {message.message_id} is already {current.status.value}")
        self.store.transition(
            message.message_id,
            TaskState.PROCESSING,
            started_at=utc_now(),
            progress_percentage=0,
            stage="started",
            retry_count=message.options.get("retries", 0),
        )

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        if self._task_type(broker, message) is None:
            return
        try:
            if exception is None:
                self.store.transition(
                    message.message_id,
                    TaskState.COMPLETED,
                    result=result,
                    progress_percentage=100,
                    stage="done",
                    completed_at=utc_now(),
                )
            elif not message.failed:
                self.store.transition(message.message_id, TaskState.PENDING, error=describe(exception))
        except ServiceUnavailable:
            logger.exception("Could not record the outcome of task %s.", message.message_id)

    def after_nack(self, broker: Broker, message: MessageProxy) -> None:
        if self._task_type(broker, message) is None:
            return
        exception = getattr(message, "_exception", None)
        if isinstance(exception, SkipMessage):  # AgeLimit fails a message that waited too long
            error = "the task expired before a worker could start it"
        else:
            error = describe(exception) if exception else "the task failed"
        self._fail(message, error)

    def _fail(self, message: MessageProxy, error: str) -> None:
        try:
            self.store.transition(
                message.message_id,
                TaskState.FAILED,
                error=error,
                stage="failed",
                completed_at=utc_now(),
            )
        except ServiceUnavailable:
            logger.exception("Could not record the failure of task %s.", message.message_id)


def describe(exception: BaseException) -> str:
    """A one-line account of an exception for a status record."""
    text = str(exception).strip()
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__
