"""Queue statistics: live counts merged with the management API's dated in-flight samples; unknown stays null."""

from __future__ import annotations

import base64
import socket
import threading
from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterator

import pytest

from tests.support.management import Answer, FakeManagementAPI, queue_json, serve
from truthgraph.actors.broker import PROBE_CONNECTION_PARAMETERS, probe_parameters
from truthgraph.actors.publisher import create_publisher
from truthgraph.actors.queue_stats import (
    InFlightSample,
    LiveCounts,
    in_flight_sample,
    queue_family,
    read_in_flight,
    read_live_counts,
    read_queue_stats,
)
from truthgraph.errors import ServiceUnavailable
from truthgraph.http.openapi import build_openapi

pytestmark = pytest.mark.queue_stats

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
#: 2026-11-30T18:57:05Z in milliseconds, as the management API writes sample times.
SAMPLED_MS = 1796065025000
SAMPLED_AT = datetime(2026, 11, 30, 18, 57, 5, tzinfo=timezone.utc)
QUEUES = queue_family("t.verify") + queue_family("t.ingest")


@pytest.fixture
def management() -> Iterator[FakeManagementAPI]:
    """A fake management API on a free port of 127.0.0.1."""
    with serve(FakeManagementAPI()) as api:
        yield api


def live(given: dict[str, LiveCounts]) -> dict[str, LiveCounts]:
    """Live counts of every queue in ``QUEUES``: those ``given``, the others declared and empty."""
    return {queue: given.get(queue, LiveCounts(declared=True, ready=0, consumers=0)) for queue in QUEUES}


def stats(counts: dict[str, LiveCounts], samples: dict[str, InFlightSample]) -> dict:
    return read_queue_stats(["t.verify", "t.ingest"], live=lambda queues: counts, in_flight=lambda queues: samples)


# merging


def test_in_flight_comes_with_its_sample_time_and_the_rest_is_live() -> None:
    counts = live({"t.verify": LiveCounts(declared=True, ready=3, consumers=2)})

    result = stats(counts, {"t.verify": InFlightSample(count=1, sampled_at=SAMPLED_AT)})

    assert result["queues"]["t.verify"] == {
        "declared": True, "ready": 3, "consumers": 2,
        "in_flight": 1, "in_flight_sampled_at": "2026-11-30T18:57:05.000Z",
    }
    assert list(result["queues"]) == QUEUES


def test_a_queue_without_a_sample_has_null_in_flight_not_zero() -> None:
    result = stats(live({"t.verify": LiveCounts(declared=True, ready=4, consumers=1)}), {})

    for entry in result["queues"].values():
        assert entry["in_flight"] is None and entry["in_flight_sampled_at"] is None
    assert result["queues"]["t.verify"]["ready"] == 4


def test_dead_letters_and_consumers_add_up_the_live_counts() -> None:
    counts = live({
        "t.verify": LiveCounts(declared=True, ready=0, consumers=2),
        "t.ingest": LiveCounts(declared=True, ready=0, consumers=1),
        "t.verify.DQ": LiveCounts(declared=True, ready=5, consumers=2),  # delay-queue consumers are the same workers
        "t.verify.XQ": LiveCounts(declared=True, ready=3, consumers=0),
        "t.ingest.XQ": LiveCounts(declared=True, ready=4, consumers=0),
    })

    result = stats(counts, {})

    assert result["dead_letters"] == 7
    assert result["consumers"] == 3


def test_a_queue_never_declared_counts_nothing_and_says_so() -> None:
    counts = live({"t.ingest.XQ": LiveCounts(declared=False, ready=0, consumers=0)})

    entry = stats(counts, {})["queues"]["t.ingest.XQ"]

    assert entry == {"declared": False, "ready": 0, "consumers": 0, "in_flight": None, "in_flight_sampled_at": None}


def test_the_answer_has_the_documented_fields() -> None:
    schema = build_openapi(max_body_bytes=1, max_upload_bytes=1)["components"]["schemas"]["QueueStats"]
    entry = schema["properties"]["queues"]["additionalProperties"]

    result = stats(live({}), {"t.verify": InFlightSample(count=1, sampled_at=SAMPLED_AT)})

    assert set(result) | {"tasks_by_status"} == set(schema["properties"]) == set(schema["required"])
    for answered in result["queues"].values():
        assert set(answered) == set(entry["properties"]) == set(entry["required"])


def test_broker_down_is_service_unavailable() -> None:
    def down(queues: list[str]) -> dict[str, LiveCounts]:
        raise ServiceUnavailable("rabbitmq", "cannot connect")

    with pytest.raises(ServiceUnavailable):
        read_queue_stats(["t.verify"], live=down, in_flight=lambda queues: {})


# one queue's management JSON


def test_the_newest_sample_is_taken_whatever_the_order() -> None:
    data = {"messages_unacknowledged_details": {"samples": [
        {"sample": 0, "timestamp": SAMPLED_MS - 5000}, {"sample": 2, "timestamp": SAMPLED_MS},
        {"sample": 9, "timestamp": SAMPLED_MS - 10000},
    ]}}

    assert in_flight_sample(data) == InFlightSample(count=2, sampled_at=SAMPLED_AT)


def test_a_stale_sample_keeps_its_own_time() -> None:
    long_ago_ms = 1577836800000  # 2020-01-01T00:00:00Z

    sample = in_flight_sample(queue_json(5, long_ago_ms))

    assert sample == InFlightSample(count=5, sampled_at=datetime(2020, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("data", [
    {},  # declared a moment ago: the API has no statistics of it yet
    {"messages_unacknowledged": 3},  # a count without a sample time
    {"messages_unacknowledged_details": {"rate": 0.0}},  # asked without a sample window
    {"messages_unacknowledged_details": {"samples": []}},
    {"messages_unacknowledged_details": {"samples": [{"sample": -1, "timestamp": SAMPLED_MS}]}},
    {"messages_unacknowledged_details": {"samples": [{"sample": True, "timestamp": SAMPLED_MS}]}},
    {"messages_unacknowledged_details": {"samples": [{"sample": "3", "timestamp": SAMPLED_MS}]}},
    {"messages_unacknowledged_details": {"samples": [{"sample": 3}]}},
    {"messages_unacknowledged_details": {"samples": [{"sample": 3, "timestamp": 10 ** 20}]}},
    {"messages_unacknowledged_details": {"samples": "none"}},
    {"messages_unacknowledged_details": None},
    [],
    None,
])
def test_json_without_a_usable_sample_is_unknown(data) -> None:
    assert in_flight_sample(data) is None


def test_malformed_points_are_skipped_not_fatal() -> None:
    data = {"messages_unacknowledged_details": {"samples": [
        {"sample": "x", "timestamp": SAMPLED_MS + 5000}, {"sample": 1, "timestamp": SAMPLED_MS},
    ]}}

    assert in_flight_sample(data) == InFlightSample(count=1, sampled_at=SAMPLED_AT)


# the management API over HTTP


def test_samples_are_read_per_queue_with_the_amqp_credentials_and_vhost(management: FakeManagementAPI) -> None:
    management.answer("t.verify", Answer(body=queue_json(2, SAMPLED_MS)), vhost="my vhost")
    management.answer("t.verify.DQ", Answer(body={"name": "t.verify.DQ"}), vhost="my vhost")  # not sampled yet

    samples = read_in_flight(management.url, "amqp://ann:s%40cret@127.0.0.1:5672/my%20vhost", queue_family("t.verify"))

    assert samples == {"t.verify": InFlightSample(count=2, sampled_at=SAMPLED_AT)}
    assert [r["path"] for r in management.requests] == [
        "/api/queues/my%20vhost/t.verify", "/api/queues/my%20vhost/t.verify.DQ", "/api/queues/my%20vhost/t.verify.XQ",
    ]
    assert management.requests[0]["authorization"] == "Basic " + base64.b64encode(b"ann:s@cret").decode()
    assert management.requests[0]["query"]["lengths_age"] and management.requests[0]["query"]["lengths_incr"]


def test_counts_the_api_knows_better_are_not_taken_from_it(management: FakeManagementAPI) -> None:
    management.answer("t.verify", Answer(body=queue_json(1, SAMPLED_MS, messages_ready=99, consumers=42)))

    samples = read_in_flight(management.url, AMQP_URL, ["t.verify"])

    assert samples == {"t.verify": InFlightSample(count=1, sampled_at=SAMPLED_AT)}


@pytest.mark.parametrize("answer", [
    Answer(500, {"error": "boom"}),
    Answer(401, {"error": "not_authorised"}),
    Answer(200, b"<html>a proxy's error page</html>"),
])
def test_an_api_in_trouble_leaves_in_flight_unknown_and_is_not_asked_again(
    management: FakeManagementAPI, answer: Answer
) -> None:
    for queue in QUEUES:
        management.answer(queue, answer)

    assert read_in_flight(management.url, AMQP_URL, QUEUES) == {}
    assert len(management.requests) == 1


def test_a_slow_api_is_given_up_at_the_deadline(management: FakeManagementAPI) -> None:
    for queue in QUEUES:
        management.answer(queue, Answer(body=queue_json(1, SAMPLED_MS), delay_s=0.3))

    samples = read_in_flight(management.url, AMQP_URL, QUEUES, timeout_s=0.5)

    assert len(samples) < len(QUEUES)
    assert len(management.requests) < len(QUEUES)


def test_an_api_that_never_answers_in_time_gives_nothing(management: FakeManagementAPI) -> None:
    management.answer("t.verify", Answer(body=queue_json(1, SAMPLED_MS), delay_s=1.5))

    assert read_in_flight(management.url, AMQP_URL, ["t.verify"], timeout_s=0.2) == {}


def test_no_management_api_at_all_gives_nothing(closed_port: int) -> None:
    assert read_in_flight(f"http://127.0.0.1:{closed_port}", AMQP_URL, QUEUES) == {}


def test_something_else_on_the_management_port_gives_nothing(not_http_port: int) -> None:
    assert read_in_flight(f"http://127.0.0.1:{not_http_port}", AMQP_URL, QUEUES) == {}


# the AMQP side, without a broker


@pytest.fixture
def closed_port() -> int:
    """A port of 127.0.0.1 where nobody listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tcp_server(greeting: bytes | None) -> Iterator[int]:
    """A port of 127.0.0.1 that accepts connections and sends ``greeting`` then closes, or never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection = server.accept()[0]
            except OSError:
                continue
            if greeting is None:
                accepted.append(connection)
            else:
                connection.sendall(greeting)
                connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port of 127.0.0.1 that accepts connections and never says a word."""
    yield from tcp_server(None)


@pytest.fixture
def not_http_port() -> Iterator[int]:
    """A port of 127.0.0.1 where something other than an HTTP server answers."""
    yield from tcp_server(b"SSH-2.0-OpenSSH_9.2\r\n")


def test_live_counts_without_a_broker_are_service_unavailable(closed_port: int) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        read_live_counts(probe_parameters(f"amqp://guest:guest@127.0.0.1:{closed_port}/%2F"), QUEUES)

    assert caught.value.service == "rabbitmq"


def test_a_broker_that_never_answers_is_given_up(silent_port: int) -> None:
    with pytest.raises(ServiceUnavailable):
        read_live_counts(probe_parameters(f"amqp://guest:guest@127.0.0.1:{silent_port}/%2F"), QUEUES)


def test_probe_connections_are_bounded_unless_the_url_says_otherwise() -> None:
    bounded = probe_parameters(AMQP_URL)
    chosen = probe_parameters(AMQP_URL + "?socket_timeout=9&heartbeat=60")

    assert bounded.connection_attempts == 1
    assert bounded.socket_timeout == float(PROBE_CONNECTION_PARAMETERS["socket_timeout"])
    assert bounded.stack_timeout == float(PROBE_CONNECTION_PARAMETERS["stack_timeout"])
    assert bounded.heartbeat == int(PROBE_CONNECTION_PARAMETERS["heartbeat"])
    assert (chosen.socket_timeout, chosen.heartbeat) == (9.0, 60)


def test_the_readiness_probe_gives_up_on_a_broker_that_never_answers(silent_port: int, settings, store) -> None:
    url = f"amqp://guest:guest@127.0.0.1:{silent_port}/%2F?stack_timeout=0.5"  # the URL's own bound is kept
    publisher = create_publisher(replace(settings, rabbitmq_url=url), store)

    with pytest.raises(ServiceUnavailable):
        publisher.ping()
    with pytest.raises(ServiceUnavailable):
        publisher.queue_stats()
