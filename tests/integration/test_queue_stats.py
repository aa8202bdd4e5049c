"""Queue statistics against the real RabbitMQ: live counts from passive declares, whatever the management API says."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Iterator

import pika
import pytest

from tests.support.management import Answer, FakeManagementAPI, queue_json, serve
from truthgraph.actors.broker import probe_parameters
from truthgraph.actors.publisher import create_publisher
from truthgraph.actors.queue_stats import LiveCounts, read_live_counts

from .service import RABBITMQ_URL

pytestmark = [pytest.mark.integration, pytest.mark.queue_stats]

#: 2026-11-30T18:57:05Z in milliseconds, as the management API writes sample times.
SAMPLED_MS = 1796065025000


@pytest.fixture
def created() -> list[str]:
    """Names of the queues a test declares; ``channel`` deletes them afterwards."""
    return []


@pytest.fixture
def channel(created: list[str]) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    """A channel on the real RabbitMQ."""
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        yield connection.channel()
    finally:
        cleanup = connection.channel()
        for queue in created:
            cleanup.queue_delete(queue)
        connection.close()


def test_live_counts_are_what_rabbitmq_holds_now(channel, created) -> None:
    waiting, never, listened = (f"tgqs-{uuid.uuid4().hex[:8]}" for _ in range(3))
    created += [waiting, listened]
    channel.queue_declare(waiting)
    channel.queue_declare(listened)
    for _ in range(2):
        channel.basic_publish("", waiting, b"x")
    channel.basic_consume(listened, lambda *args: None)

    counts = read_live_counts(probe_parameters(RABBITMQ_URL), [waiting, never, listened])

    assert counts == {
        waiting: LiveCounts(declared=True, ready=2, consumers=0),
        never: LiveCounts(declared=False, ready=0, consumers=0),
        listened: LiveCounts(declared=True, ready=0, consumers=1),  # read on a fresh channel after the 404
    }


def test_the_publisher_takes_only_in_flight_from_the_management_api(channel, created, settings, store) -> None:
    verify, dead = settings.verify_queue, f"{settings.verify_queue}.XQ"
    created += [verify, dead]
    for queue in (verify, dead):
        channel.queue_declare(queue)
        channel.basic_publish("", queue, b"x")
    with serve(FakeManagementAPI()) as api:  # stale about everything but its in-flight sample
        api.answer(verify, Answer(body=queue_json(4, SAMPLED_MS, messages_ready=0, consumers=7)))
        api.answer(dead, Answer(body={"messages_ready": 0}))
        publisher = create_publisher(replace(settings, rabbitmq_management_url=api.url), store)

        stats = publisher.queue_stats()

    assert stats["queues"][verify] == {
        "declared": True, "ready": 1, "consumers": 0,
        "in_flight": 4, "in_flight_sampled_at": "2026-11-30T18:57:05.000Z",
    }
    assert stats["queues"][dead] == {
        "declared": True, "ready": 1, "consumers": 0, "in_flight": None, "in_flight_sampled_at": None,
    }
    assert stats["queues"][settings.ingest_queue]["declared"] is False
    assert stats["dead_letters"] == 1 and stats["consumers"] == 0
