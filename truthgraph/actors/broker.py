"""Broker factory: RabbitMQ with publisher confirms and TruthGraph's middleware stack."""

from __future__ import annotations

import logging
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pika
from dramatiq import Broker, Middleware
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import xq_name
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from dramatiq.results import ResultBackend, Results
from dramatiq.results.backends import RedisBackend
from pika.adapters.utils.connection_workflow import AMQPConnectorException

from ..db.verdicts import VerdictHistory
from ..errors import PermanentError
from ..settings import Settings
from ..status_store import TaskStatusStore
from .task_status import StatusNotRecorded, TaskStatusMiddleware

logger = logging.getLogger(__name__)

#: pika connection parameters added to the RabbitMQ URL unless it sets them itself.
DEFAULT_CONNECTION_PARAMETERS = {
    "heartbeat": "30",
    "connection_attempts": "2",
    "retry_delay": "1",
    "socket_timeout": "5",
    "blocked_connection_timeout": "30",
}

#: Tighter bounds for the API's short-lived connections (readiness probe, queue statistics), so that a request
#: fails within seconds: one attempt, 2 s to connect, 3 s for the whole handshake, and a broker that stops
#: answering mid-call is given up within 7 to 14 s (pika looks for incoming bytes every heartbeat + 5 s).
PROBE_CONNECTION_PARAMETERS = {
    "connection_attempts": "1",
    "socket_timeout": "2",
    "stack_timeout": "3",
    "heartbeat": "2",
}

#: Bounds of the API's publishing connection, so that a publish to a RabbitMQ that hangs or blocks publishers fails
#: (503) well inside a request's time: 2 s for a connection's handshake, blocked publishers given up after 5 s,
#: a silent broker noticed by its missing heartbeats within about 6 to 9 s. Dramatiq tries a publish up to six
#: times on fresh connections, with the same message id.
PUBLISH_CONNECTION_PARAMETERS = {
    "connection_attempts": "1",
    "socket_timeout": "2",
    "stack_timeout": "2",
    "heartbeat": "3",
    "blocked_connection_timeout": "5",
}
#: What pika raises when RabbitMQ cannot be reached or stops answering (a handshake timeout is no AMQPError).
AMQP_ERRORS = (pika.exceptions.AMQPError, AMQPConnectorException, OSError)


def build_middleware(
    settings: Settings,
    store: TaskStatusStore,
    *,
    results_backend: ResultBackend | None = None,
    history: VerdictHistory | None = None,
) -> list[Middleware]:
    """The middleware every TruthGraph broker runs, in order (TaskStatusMiddleware after Retries).

    Results are kept in ``results_backend``, by default a RedisBackend on ``settings.redis_url``
    (tests pass dramatiq's StubBackend).
    """
    if results_backend is None:
        results_backend = RedisBackend(url=settings.redis_url, namespace=f"{settings.namespace}-results")
    return [
        AgeLimit(max_age=int(settings.max_age_s * 1000)),
        TimeLimit(time_limit=int(settings.time_limit_s * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=settings.max_retries,
            min_backoff=int(settings.min_backoff_s * 1000),
            max_backoff=int(settings.max_backoff_s * 1000),
            retry_when=lambda retries, exception: should_retry(retries, exception, max_retries=settings.max_retries),
        ),
        Results(backend=results_backend, result_ttl=settings.result_ttl_s * 1000),
        CurrentMessage(),
        TaskStatusMiddleware(store, history=history),
    ]


def should_retry(retries: int, exception: BaseException, *, max_retries: int) -> bool:
    """Whether a failed attempt is tried again: an unrecorded status always (the task itself did not fail, and
    ``AgeLimit`` bounds how long), a permanent error never, anything else while retries remain."""
    if isinstance(exception, StatusNotRecorded):
        return True
    return retries < max_retries and not isinstance(exception, PermanentError)


class TruthGraphBroker(RabbitmqBroker):
    """Dramatiq's RabbitMQ broker whose dead letters keep until replayed or discarded.

    Dramatiq declares its dead-letter queues (``.XQ``) with a 7-day message TTL; here the TTL is
    ``dead_letter_ttl_ms`` (``None``: none, the default). A dead-letter queue already declared with other arguments
    is kept as it is, with a warning: RabbitMQ cannot change a queue's arguments, so delete it once it is empty to
    apply the setting.
    """

    def __init__(self, *, dead_letter_ttl_ms: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dead_letter_ttl_ms = dead_letter_ttl_ms

    def _declare_xq_queue(self, queue_name: str) -> Any:
        name = xq_name(queue_name)
        arguments = {} if self.dead_letter_ttl_ms is None else {"x-message-ttl": self.dead_letter_ttl_ms}
        try:
            return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)
        except pika.exceptions.ChannelClosedByBroker as e:
            if e.reply_code != 406:  # PRECONDITION_FAILED: declared before with other arguments
                raise
            del self.channel
            logger.warning(
                "Dead-letter queue %s was declared with other arguments (%s); it is kept as it is. Delete it once it "
                "is empty to apply TRUTHGRAPH_DEAD_LETTER_TTL_S.", name, e.reply_text,
            )
            return self.channel.queue_declare(queue=name, passive=True)


def create_broker(
    settings: Settings,
    store: TaskStatusStore,
    *,
    connection_parameters: Mapping[str, str] | None = None,
    history: VerdictHistory | None = None,
) -> Broker:
    """A RabbitMQ broker: a publish returns only once RabbitMQ has confirmed it holds the message.

    ``connection_parameters`` (pika's, e.g. :data:`PUBLISH_CONNECTION_PARAMETERS`) replace the defaults where the URL
    sets none.
    """
    defaults = {**DEFAULT_CONNECTION_PARAMETERS, **(connection_parameters or {})}
    return TruthGraphBroker(
        dead_letter_ttl_ms=int(settings.dead_letter_ttl_s * 1000) if settings.dead_letter_ttl_s else None,
        url=with_connection_defaults(settings.rabbitmq_url, defaults),
        confirm_delivery=True,
        middleware=build_middleware(settings, store, history=history),
    )


def probe_parameters(url: str) -> pika.URLParameters:
    """pika parameters of a short-lived API connection: the probe bounds, then the defaults, where ``url`` sets none."""
    return pika.URLParameters(
        with_connection_defaults(url, {**DEFAULT_CONNECTION_PARAMETERS, **PROBE_CONNECTION_PARAMETERS})
    )


def with_connection_defaults(url: str, defaults: Mapping[str, str] = DEFAULT_CONNECTION_PARAMETERS) -> str:
    """``url`` with ``defaults`` (pika connection parameters) added where it does not set them."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in defaults.items():
        query.setdefault(name, value)
    return urlunsplit(parts._replace(query=urlencode(query)))
