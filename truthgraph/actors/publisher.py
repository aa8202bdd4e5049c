"""The API's side of messaging: publish tasks with confirms, read queue statistics."""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pika
from dramatiq import Broker
from dramatiq.common import dq_name, xq_name
from dramatiq.errors import BrokerConnectionError

from ..domain import TaskStatus
from ..errors import ServiceUnavailable
from ..settings import Settings
from ..status_store import TaskStatusStore
from .broker import AMQP_ERRORS, create_broker, probe_parameters
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
        """Messages ready and in flight per queue, dead letters and consumers."""
        names = [self.settings.verify_queue, self.settings.ingest_queue]
        queues = self._stats_from_management(names) or self._stats_from_amqp(names)
        dead = sum(queues[xq_name(n)]["ready"] for n in names)
        consumers = sum(queues[n]["consumers"] for n in names)
        return {"queues": queues, "dead_letters": dead, "consumers": consumers}

    def _stats_from_amqp(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """Passive declares: ready and consumer counts (in-flight needs the management API)."""
        try:
            connection = pika.BlockingConnection(probe_parameters(self.settings.rabbitmq_url))
        except _BROKER_ERRORS as e:
            raise ServiceUnavailable("rabbitmq", f"cannot connect: {type(e).__name__}") from e
        stats: dict[str, dict[str, Any]] = {}
        try:
            for name in names:
                for queue in (name, dq_name(name), xq_name(name)):
                    channel = connection.channel()
                    try:
                        ok = channel.queue_declare(queue, passive=True).method
                        stats[queue] = {"ready": ok.message_count, "in_flight": None, "consumers": ok.consumer_count}
                        channel.close()
                    except pika.exceptions.ChannelClosedByBroker:  # not declared yet: nothing was ever sent
                        stats[queue] = {"ready": 0, "in_flight": None, "consumers": 0}
        except _BROKER_ERRORS as e:
            raise ServiceUnavailable("rabbitmq", f"cannot read queues: {type(e).__name__}") from e
        finally:
            if connection.is_open:
                connection.close()
        return stats

    def _stats_from_management(self, names: list[str]) -> dict[str, dict[str, Any]] | None:
        """Ready, unacknowledged and consumer counts from the management API, when it answers."""
        amqp = urllib.parse.urlsplit(self.settings.rabbitmq_url)
        vhost = urllib.parse.unquote(amqp.path[1:]) if len(amqp.path) > 1 else "/"
        user = urllib.parse.unquote(amqp.username or "guest")
        password = urllib.parse.unquote(amqp.password or "guest")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        base = self.settings.rabbitmq_management_url.rstrip("/")
        stats: dict[str, dict[str, Any]] = {}
        for name in names:
            for queue in (name, dq_name(name), xq_name(name)):
                url = f"{base}/api/queues/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(queue, safe='')}"
                request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
                try:
                    with urllib.request.urlopen(request, timeout=2) as response:
                        data = json.load(response)
                except urllib.error.HTTPError as e:
                    if e.code != 404:
                        return None
                    data = {}
                except (OSError, ValueError):
                    return None
                stats[queue] = {
                    "ready": int(data.get("messages_ready", 0)),
                    "in_flight": int(data.get("messages_unacknowledged", 0)),
                    "consumers": int(data.get("consumers", 0)),
                }
        return stats


def create_publisher(settings: Settings, store: TaskStatusStore) -> TaskPublisher:
    """A publisher on its own broker, with the actors declared but never run here."""
    broker = create_broker(settings, store)
    return TaskPublisher(settings=settings, broker=broker, actors=declare_actors(broker, settings, store), store=store)
