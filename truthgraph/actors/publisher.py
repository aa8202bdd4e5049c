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
from ..status_store import TaskStatusStore
from .broker import AMQP_ERRORS, create_broker, probe_parameters
from .queue_stats import read_in_flight, read_live_counts, read_queue_stats
from .registry import Actors, declare_actors

logger = logging.getLogger(__name__)

_BROKER_ERRORS = (BrokerConnectionError, *AMQP_ERRORS)


class TaskPublisher:
    """Hands tasks to RabbitMQ; a method returns only once RabbitMQ holds the message."""

    def __init__(self, *, settings: Settings, broker: Broker, actors: Actors, store: TaskStatusStore) -> None:
        self.settings = settings
        self.broker = broker
        self.actors = actors
        self.store = store

    def submit_verification(self, *, claim_id: str, claim_text: str, options: dict[str, Any]) -> TaskStatus:
        """Publish a verification task; its ``pending`` status is written before the publish."""
        message = self.actors.verify.message_with_options(
            kwargs={"claim_id": claim_id, "claim_text": claim_text, "options": options}
        )
        return self._publish(message)

    def submit_ingest(self, *, corpus: str, documents: list[dict[str, Any]]) -> TaskStatus:
        """Publish a corpus-ingestion task."""
        message = self.actors.ingest.message_with_options(kwargs={"corpus": corpus, "documents": documents})
        return self._publish(message)

    def _publish(self, message: Any) -> TaskStatus:
        try:
            self.broker.enqueue(message)
        except _BROKER_ERRORS as e:
            logger.warning("Could not publish task %s: %s", message.message_id, e)
            self._forget(message.message_id)
            raise ServiceUnavailable("rabbitmq", "the task could not be handed to the message broker") from e
        status = self.store.get(message.message_id)
        if status is None:  # expired between publish and read: only possible with a tiny TTL
            raise ServiceUnavailable("redis", "the task status could not be read back")
        return status

    def _forget(self, task_id: str) -> None:
        try:
            self.store.delete(task_id)
        except ServiceUnavailable:
            logger.warning("Could not remove the status of unpublished task %s.", task_id)

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


def create_publisher(settings: Settings, store: TaskStatusStore) -> TaskPublisher:
    """A publisher on its own broker, with the actors declared but never run here."""
    broker = create_broker(settings, store)
    return TaskPublisher(settings=settings, broker=broker, actors=declare_actors(broker, settings, store), store=store)
