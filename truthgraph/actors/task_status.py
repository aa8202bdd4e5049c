"""TaskStatusMiddleware: runs each task's status lifecycle as Dramatiq moves its message.

Dramatiq logs and swallows an exception raised in a middleware hook unless it is a ``MiddlewareError``, and acks a
message once its actor returned. So whatever must stop a publish or keep a message from being acked cannot rely on an
ordinary exception in a hook:

- the ``pending`` record is written before the publish, and when it cannot be, :class:`StatusNotRecorded` (a
  ``MiddlewareError``) stops the publish: nothing is queued that has no record;
- when ``processing`` cannot be recorded, :class:`StatusNotRecorded` fails the attempt before the actor runs, and the
  ``Retries`` middleware tries it again after its backoff (see ``truthgraph.actors.broker``);
- when the outcome cannot be recorded, a copy of the message carrying the outcome is queued (after a backoff) before
  the original is acked; its delivery records the outcome without running the task again;
- every delivery is counted in the record; an attempt delivered more than the most times crashed its worker each
  time (a poison message): it is failed and dead-lettered instead of being run again;
- a transition on a record that is missing (Redis lost it) re-creates it from the message;
- a completed verification is written to the verdict history (the database) once, keyed by its task id, before the
  status record: a redelivery never writes a second or different verdict, and the record's time is the verdict's.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy
from dramatiq.message import Message
from dramatiq.middleware import MiddlewareError, SkipMessage

from ..db.verdicts import VerdictHistory
from ..domain import TaskState, TaskStatus, utc_now
from ..errors import ServiceUnavailable
from ..status_store import DEFAULT_MAX_DELIVERIES, TaskStatusStore, new_status

logger = logging.getLogger(__name__)

#: Actor option naming the kind of task a tracked actor runs (``"verify"``, ``"ingest"``).
TASK_TYPE_OPTION = "task_type"
#: Message option naming the API key that submitted the task (its owner).
OWNER_OPTION = "truthgraph_owner"
#: Message option carrying an outcome that was reached but could not be recorded yet.
OUTCOME_OPTION = "truthgraph_outcome"
#: Delay before a deferred outcome is recorded again, in milliseconds.
DEFAULT_OUTCOME_RETRY_DELAY_MS = 2000


class StatusNotRecorded(MiddlewareError):
    """The status store could not record a transition the task depends on (Dramatiq lets this one through)."""


class TaskStatusMiddleware(Middleware):
    """Writes ``pending`` at enqueue, ``processing`` at start, ``completed``/``failed`` at the end.

    Only actors declared with the ``task_type`` option are tracked. ``failed`` is written in ``after_nack``, so it
    records the final outcome once retries are exhausted; a retried attempt shows ``pending`` again with its retry
    count.

    Parameters:
      store: the task-status store.
      history: where completed verifications are kept for good (the database); None keeps them in Redis only.
      max_deliveries: deliveries of one attempt after which the task is failed as poison.
      outcome_retry_delay_ms: delay before a deferred outcome is recorded again, in milliseconds.
    """

    def __init__(
        self,
        store: TaskStatusStore,
        *,
        history: VerdictHistory | None = None,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        outcome_retry_delay_ms: int = DEFAULT_OUTCOME_RETRY_DELAY_MS,
    ) -> None:
        self.store = store
        self.history = history
        self.max_deliveries = max_deliveries
        self.outcome_retry_delay_ms = outcome_retry_delay_ms

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
        if task_type is None or OUTCOME_OPTION in message.options:
            return
        retries = message.options.get("retries", 0)
        if retries == 0:
            try:
                self.store.create(_base(message, task_type))
            except ServiceUnavailable as e:
                raise StatusNotRecorded(f"the status of task {message.message_id} could not be written: {e}") from e
            return
        try:
            self.store.transition(
                message.message_id,
                TaskState.PENDING,
                base=_base(message, task_type),
                retry_count=retries,
                stage="waiting to retry",
            )
        except ServiceUnavailable:  # the retry is queued all the same; its start records it
            logger.warning("Could not record the retry of task %s.", message.message_id)

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        task_type = self._task_type(broker, message)
        if task_type is None:
            return
        if OUTCOME_OPTION in message.options:
            self._record_deferred_outcome(message, task_type)
        try:
            start = self.store.begin(
                message.message_id,
                attempt=message.options.get("retries", 0),
                base=_base(message, task_type),
                max_deliveries=self.max_deliveries,
                started_at=utc_now(),
                progress_percentage=0,
                stage="started",
                retry_count=message.options.get("retries", 0),
            )
        except ServiceUnavailable as e:
            raise StatusNotRecorded(f"the start of task {message.message_id} could not be recorded: {e}") from e
        if start.outcome == "finished":  # a redelivery of work already done (the worker died before its ack)
            raise SkipMessage(f"task {message.message_id} is already finished")
        if start.outcome == "abandoned":  # the API answered 503 for it: it must not run
            raise SkipMessage(f"task {message.message_id} was abandoned when it could not be queued")
        if start.outcome == "poison":
            self._fail_poison(message, task_type, start.deliveries - 1)

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        task_type = self._task_type(broker, message)
        if task_type is None:
            return
        if exception is None:
            try:
                self._complete(message, task_type, result)
            except ServiceUnavailable:
                self._defer_outcome(broker, message, result)
            return
        if isinstance(exception, StatusNotRecorded) or message.failed:
            return
        try:
            self.store.transition(
                message.message_id, TaskState.PENDING, base=_base(message, task_type), error=describe(exception)
            )
        except ServiceUnavailable:
            logger.warning("Could not record the failed attempt of task %s.", message.message_id)

    def after_nack(self, broker: Broker, message: MessageProxy) -> None:
        task_type = self._task_type(broker, message)
        if task_type is None:
            return
        exception = getattr(message, "_exception", None)
        if isinstance(exception, SkipMessage):  # AgeLimit fails a message that waited too long
            error = "the task expired before a worker could start it"
        else:
            error = describe(exception) if exception else "the task failed"
        try:
            self._fail(message, task_type, error)
        except ServiceUnavailable:  # the message is in the dead-letter queue all the same
            logger.exception("Could not record the failure of task %s.", message.message_id)

    def _fail(self, message: Message, task_type: str, error: str) -> None:
        """Record the task as failed for good, with its error."""
        self.store.transition(
            message.message_id,
            TaskState.FAILED,
            base=_base(message, task_type),
            error=error,
            stage="failed",
            completed_at=utc_now(),
        )

    def _complete(self, message: Message, task_type: str, result: Any) -> None:
        """Record the outcome: the verdict in the history first (once per task), then the status record."""
        completed_at = utc_now()
        claim_id = (message.kwargs or {}).get("claim_id")
        if self.history is not None and task_type == "verify" and claim_id and isinstance(result, dict):
            written = self.history.record(
                task_id=message.message_id,
                claim_id=claim_id,
                result=result,
                verified_at=completed_at,
                owner=message.options.get(OWNER_OPTION),
            )
            if not written:  # a redelivery: the verdict kept is the first one, and so is its time
                kept = self.history.for_task(message.message_id)
                completed_at = kept.verified_at if kept is not None else completed_at
        self.store.transition(
            message.message_id,
            TaskState.COMPLETED,
            base=_base(message, task_type),
            result=result,
            progress_percentage=100,
            stage="done",
            completed_at=completed_at,
        )

    def _record_deferred_outcome(self, message: MessageProxy, task_type: str) -> None:
        """Record the outcome a copy carries, then skip it (raises either way)."""
        try:
            self._complete(message, task_type, message.options[OUTCOME_OPTION])
        except ServiceUnavailable as e:
            raise StatusNotRecorded(f"the outcome of task {message.message_id} could not be recorded: {e}") from e
        raise SkipMessage(f"the deferred outcome of task {message.message_id} is recorded")

    def _defer_outcome(self, broker: Broker, message: MessageProxy, result: Any) -> None:
        """Queue a copy that carries the outcome; when even that fails, dead-letter the message rather than ack it."""
        logger.warning("Could not record the outcome of task %s; it is queued to be recorded later.", message.message_id)
        try:
            copy = message.copy(options={OUTCOME_OPTION: result})
            broker.enqueue(copy, delay=self.outcome_retry_delay_ms)
        except Exception:
            logger.exception("Could not queue the outcome of task %s; it goes to the dead letters.", message.message_id)
            message.fail()

    def _fail_poison(self, message: MessageProxy, task_type: str, crashes: int) -> None:
        """Fail and dead-letter a message that crashed its worker ``crashes`` times (raises SkipMessage)."""
        error = f"the task crashed its worker {crashes} times"
        logger.error("Task %s is poison: %s; it goes to the dead letters.", message.message_id, error)
        try:
            self._fail(message, task_type, error)
        except ServiceUnavailable as e:
            raise StatusNotRecorded(f"the failure of task {message.message_id} could not be recorded: {e}") from e
        message.fail()
        raise SkipMessage(error)


def _base(message: Message, task_type: str) -> TaskStatus:
    """The ``pending`` record of a message, as it was created when the message was published."""
    kwargs: dict[str, Any] = message.kwargs or {}
    status = new_status(
        message.message_id,
        task_type,
        claim_id=kwargs.get("claim_id"),
        corpus=kwargs.get("corpus"),
        owner=message.options.get(OWNER_OPTION),
    )
    created = datetime.fromtimestamp(message.message_timestamp / 1000, tz=timezone.utc)
    status.created_at = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return status


def describe(exception: BaseException) -> str:
    """A one-line account of an exception for a status record."""
    text = str(exception).strip()
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__
