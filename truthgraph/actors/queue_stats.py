"""Queue statistics: live counts from AMQP passive declares, in-flight counts from the management API's samples.

RabbitMQ's management API samples its statistics (every 5 s by default) and knows nothing of a queue until its first
sample, so it is never asked for what AMQP tells at once. It adds only what AMQP cannot tell: how many messages are
delivered but not yet acknowledged, with the time of the sample that says so. What nobody reported is ``None``.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

import pika
from dramatiq.common import dq_name, xq_name

from ..domain import utc_iso
from ..errors import ServiceUnavailable
from .broker import AMQP_ERRORS

logger = logging.getLogger(__name__)

#: Seconds one statistics read may spend on the management API, all its requests together.
DEFAULT_MANAGEMENT_TIMEOUT_S = 2.0

_NOT_FOUND = 404


@dataclass(frozen=True)
class LiveCounts:
    """What a passive declare tells of a queue at this moment; a queue never declared has nothing and nobody."""

    declared: bool
    ready: int
    consumers: int


@dataclass(frozen=True)
class InFlightSample:
    """Messages delivered but not yet acknowledged, as the management API sampled them at ``sampled_at`` (UTC)."""

    count: int
    sampled_at: datetime


#: Reads the live counts of the named queues; raises :class:`ServiceUnavailable` when it cannot.
LiveReader = Callable[[list[str]], Mapping[str, LiveCounts]]
#: Reads the in-flight samples of those of the named queues it has one of; never raises.
InFlightReader = Callable[[list[str]], Mapping[str, InFlightSample]]


def queue_family(name: str) -> list[str]:
    """A work queue with its delay (``.DQ``) and dead-letter (``.XQ``) queues."""
    return [name, dq_name(name), xq_name(name)]


def read_queue_stats(names: list[str], *, live: LiveReader, in_flight: InFlightReader) -> dict[str, Any]:
    """Per-queue counts of the work queues ``names`` and their families, with dead letters and consumers in all."""
    queues = [queue for name in names for queue in queue_family(name)]
    counts = live(queues)
    samples = in_flight(queues)
    return {
        "queues": {queue: _entry(counts[queue], samples.get(queue)) for queue in queues},
        "dead_letters": sum(counts[xq_name(name)].ready for name in names),
        "consumers": sum(counts[name].consumers for name in names),
    }


def _entry(counts: LiveCounts, sample: InFlightSample | None) -> dict[str, Any]:
    return {
        "declared": counts.declared,
        "ready": counts.ready,
        "consumers": counts.consumers,
        "in_flight": None if sample is None else sample.count,
        "in_flight_sampled_at": None if sample is None else utc_iso(sample.sampled_at),
    }


def read_live_counts(parameters: pika.ConnectionParameters, queues: list[str]) -> dict[str, LiveCounts]:
    """Ready and consumer counts of ``queues`` from passive declares on one connection."""
    try:
        connection = pika.BlockingConnection(parameters)
    except AMQP_ERRORS as e:
        raise ServiceUnavailable("rabbitmq", f"cannot connect: {type(e).__name__}") from e
    try:
        counts: dict[str, LiveCounts] = {}
        channel = connection.channel()
        for queue in queues:
            if channel.is_closed:  # the broker closes a channel on which a queue was not found
                channel = connection.channel()
            counts[queue] = _declare_passively(channel, queue)
        return counts
    except AMQP_ERRORS as e:
        raise ServiceUnavailable("rabbitmq", f"cannot read queues: {type(e).__name__}") from e
    finally:
        if connection.is_open:
            connection.close()


def _declare_passively(channel: Any, queue: str) -> LiveCounts:
    try:
        ok = channel.queue_declare(queue, passive=True).method
    except pika.exceptions.ChannelClosedByBroker as e:
        if e.reply_code != _NOT_FOUND:
            raise
        return LiveCounts(declared=False, ready=0, consumers=0)
    return LiveCounts(declared=True, ready=ok.message_count, consumers=ok.consumer_count)


def read_in_flight(
    management_url: str,
    amqp_url: str,
    queues: list[str],
    *,
    timeout_s: float = DEFAULT_MANAGEMENT_TIMEOUT_S,
) -> dict[str, InFlightSample]:
    """The management API's latest in-flight sample of each of ``queues`` it has sampled, within ``timeout_s``.

    The credentials and virtual host are those of ``amqp_url``. A queue the API has not sampled yet is left out; when
    the API does not answer, answers an error or runs out of time, the queues not read by then are left out too.
    """
    if urllib.parse.urlsplit(management_url).scheme not in ("http", "https"):
        logger.warning("The management URL is not http(s); in-flight counts stay unknown.")
        return {}
    amqp = urllib.parse.urlsplit(amqp_url)
    vhost = urllib.parse.unquote(amqp.path[1:]) if len(amqp.path) > 1 else "/"
    user = urllib.parse.unquote(amqp.username or "guest")
    password = urllib.parse.unquote(amqp.password or "guest")
    headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    base = f"{management_url.rstrip('/')}/api/queues/{urllib.parse.quote(vhost, safe='')}/"
    # the shortest window that still carries samples, and only the field wanted
    query = "?lengths_age=5&lengths_incr=5&columns=messages_unacknowledged_details"
    deadline = time.monotonic() + timeout_s
    samples: dict[str, InFlightSample] = {}
    for queue in queues:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            logger.warning("The management API ran out of time after %d of %d queues.", len(samples), len(queues))
            break
        request = urllib.request.Request(base + urllib.parse.quote(queue, safe="") + query, headers=headers)
        try:
            # The scheme was checked to be http(s) above (bandit B310 does not apply).
            with urllib.request.urlopen(request, timeout=remaining) as response:  # nosec B310
                data = json.load(response)
        except urllib.error.HTTPError as e:
            if e.code == _NOT_FOUND:  # not declared, or not known to the API yet
                continue
            logger.warning("The management API answered %s for queue %s; in-flight counts unknown.", e.code, queue)
            break
        except (OSError, http.client.HTTPException, ValueError) as e:  # refused, timed out, not HTTP, not JSON
            logger.debug("The management API did not answer for queue %s: %r", queue, e)
            break
        sample = in_flight_sample(data)
        if sample is not None:
            samples[queue] = sample
    return samples


def in_flight_sample(queue: Any) -> InFlightSample | None:
    """The newest sample of ``messages_unacknowledged`` in one queue's management JSON; None when it has none."""
    details = queue.get("messages_unacknowledged_details") if isinstance(queue, dict) else None
    points = details.get("samples") if isinstance(details, dict) else None
    if not isinstance(points, list):
        return None
    valid = [point for point in points if _is_sample(point)]
    if not valid:
        return None
    newest = max(valid, key=lambda point: point["timestamp"])
    try:
        sampled_at = datetime.fromtimestamp(newest["timestamp"] / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # a time no calendar holds
        return None
    return InFlightSample(count=newest["sample"], sampled_at=sampled_at)


def _is_sample(point: Any) -> bool:
    if not isinstance(point, dict):
        return False
    count, stamp = point.get("sample"), point.get("timestamp")
    return (
        isinstance(count, int) and not isinstance(count, bool) and count >= 0
        and isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and stamp > 0
    )
