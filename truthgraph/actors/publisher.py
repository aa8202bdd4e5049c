"""The API's side of messaging: publish tasks with confirms, probe the broker, read queue statistics."""

from __future__ import annotations

import logging
from typing import Any

import pika
from dramatiq import Broker
from dramatiq.errors import BrokerConnectionError

from ..domain import TaskStatus
from ..errors import ServiceUnavailable
from ..settings import Settings
from ..status_store import TaskStatusStore, new_status
from .broker import AMQP_ERRORS, PUBLISH_CONNECTION_PARAMETERS, create_broker, probe_parameters
from .queue_stats import read_in_flight, read_live_counts, read_queue_stats
from .registry import Actors, declare_actors
from .task_status import OWNER_OPTION, TASK_TYPE_OPTION, StatusNotRecorded

logger = logging.getLogger(__name__)

_BROKER_ERRORS = (BrokerConnectionError, *AMQP_ERRORS)


class TaskPublisher:
    """Hands tasks to RabbitMQ; a method returns only once RabbitMQ holds the message."""

    def __init__(self, *, settings: Settings, broker: Broker, actors: Actors, store: TaskStatusStore) -> None:
        self.settings = settings
        self.broker = broker
        self.actors = actors
        self.store = store

    def submit_verification(
        self, *, claim_id: str, claim_text: str, options: dict[str, Any], owner: str | None = None
    ) -> TaskStatus:
        """Publish a verification task owned by API key ``owner``; its ``pending`` status is written before."""
        message = self.actors.verify.message_with_options(
            kwargs={"claim_id": claim_id, "claim_text": claim_text, "options": options}, **_owned_by(owner)
        )
        return self._publish(message)

    def submit_ingest(self, *, corpus: str, documents: list[dict[str, Any]], owner: str | None = None) -> TaskStatus:
        """Publish a corpus-ingestion task owned by API key ``owner``."""
        message = self.actors.ingest.message_with_options(
            kwargs={"corpus": corpus, "documents": documents}, **_owned_by(owner)
        )
        return self._publish(message)

    def _publish(self, message: Any) -> TaskStatus:
        """Publish a message whose ``pending`` record the TaskStatusMiddleware writes first.

        A record that cannot be written stops the publish (503, nothing queued). A publish RabbitMQ does not confirm
        is tried again with the same message id (Dramatiq does, on a fresh connection); when it still fails, the task
        is abandoned, so that a copy RabbitMQ did take after all is skipped by the worker and the 503 stays true.
        When a worker has already begun such a copy, the task is queued after all, and the answer is 202.
        """
        try:
            self.broker.enqueue(message)
        except StatusNotRecorded as e:
            logger.warning("Could not record task %s, so it was not published: %s", message.message_id, e)
            raise ServiceUnavailable("redis", "the task status could not be written") from e
        except _BROKER_ERRORS as e:
            logger.warning("Could not publish task %s: %s", message.message_id, e)
            if not self._abandon(message.message_id):
                logger.info("Task %s was taken by a worker although its publish was not confirmed.", message.message_id)
                return self._read_back(message)
            raise ServiceUnavailable("rabbitmq", "the task could not be handed to the message broker") from e
        return self._read_back(message)

    def _read_back(self, message: Any) -> TaskStatus:
        """The record of a published task; it is queued, so when Redis cannot say, the pending record it was given."""
        try:
            status = self.store.get(message.message_id)
        except ServiceUnavailable:
            status = None
        return status or new_status(message.message_id, self._task_type(message), **_identity(message))

    def _abandon(self, task_id: str) -> bool:
        """Abandon an unconfirmed task; False when a worker has already begun it (it was queued after all)."""
        try:
            return self.store.abandon(task_id)
        except ServiceUnavailable:
            logger.error("Could not mark unpublished task %s as abandoned.", task_id)
            return True

    def _task_type(self, message: Any) -> str:
        return str(self.broker.get_actor(message.actor_name).options.get(TASK_TYPE_OPTION, ""))

    def ping(self) -> None:
        """Raise :class:`ServiceUnavailable` unless RabbitMQ accepts a connection."""
        try:
            connection = pika.BlockingConnection(probe_parameters(self.settings.rabbitmq_url))
            connection.close()
        except _BROKER_ERRORS as e:
            raise ServiceUnavailable("rabbitmq", f"cannot connect: {type(e).__name__}") from e

    def queue_stats(self) -> dict[str, Any]:
        """Live ready and consumer counts per queue, in-flight counts as the management API last sampled them."""
        return read_queue_stats(
            [self.settings.verify_queue, self.settings.ingest_queue],
            live=lambda queues: read_live_counts(probe_parameters(self.settings.rabbitmq_url), queues),
            in_flight=lambda queues: read_in_flight(
                self.settings.rabbitmq_management_url, self.settings.rabbitmq_url, queues
            ),
        )


def _identity(message: Any) -> dict[str, Any]:
    kwargs = message.kwargs or {}
    return {"claim_id": kwargs.get("claim_id"), "corpus": kwargs.get("corpus"), "owner": message.options.get(OWNER_OPTION)}


def _owned_by(owner: str | None) -> dict[str, Any]:
    """The message options naming a task's owner."""
    return {OWNER_OPTION: owner} if owner is not None else {}


def create_publisher(settings: Settings, store: TaskStatusStore) -> TaskPublisher:
    """A publisher on its own broker (bounded publishing connection), with the actors declared but never run here."""
    broker = create_broker(settings, store, connection_parameters=PUBLISH_CONNECTION_PARAMETERS)
    return TaskPublisher(settings=settings, broker=broker, actors=declare_actors(broker, settings, store), store=store)
