"""GET /healthz, /readyz and /api/v1/queue/stats."""

from __future__ import annotations


def test_healthz_is_200_even_when_everything_is_down(make_client, down_store, publisher, down) -> None:
    publisher.failure = down("rabbitmq")

    result = make_client(store=down_store).simulate_get("/healthz")

    assert result.status_code == 200 and result.json == {"status": "ok"}


def test_readyz_is_200_when_every_service_answers(client) -> None:
    result = client.simulate_get("/readyz")

    assert result.status_code == 200
    assert result.json == {"status": "ready", "checks": {"rabbitmq": "ok", "redis": "ok", "database": "ok"}}


def test_readyz_names_rabbitmq_when_it_is_down(client, publisher, assert_error, down) -> None:
    publisher.failure = down("rabbitmq")

    result = client.simulate_get("/readyz")

    body = assert_error(result, 503)
    assert body["checks"] == {"rabbitmq": "unavailable", "redis": "ok", "database": "ok"}
    assert "rabbitmq" in body["description"] and "redis" not in body["description"]
    assert result.headers["retry-after"] and "10.0.0.7" not in result.text


def test_readyz_names_redis_when_it_is_down(make_client, down_store, assert_error) -> None:
    result = make_client(store=down_store).simulate_get("/readyz")

    body = assert_error(result, 503)
    assert body["checks"] == {"rabbitmq": "ok", "redis": "unavailable", "database": "ok"}
    assert "redis" in body["description"] and "10.0.0.7" not in result.text


def test_readyz_counts_an_unexpected_probe_failure_as_unavailable(client, publisher, assert_error) -> None:
    publisher.failure = OSError("boom")

    assert assert_error(client.simulate_get("/readyz"), 503)["checks"]["rabbitmq"] == "unavailable"


def test_queue_stats_adds_task_counts(client, publisher) -> None:
    client.simulate_post("/api/v1/claims/c-1/verify", json={"claim_text": "x"})

    result = client.simulate_get("/api/v1/queue/stats")

    assert result.status_code == 200
    assert result.json == {
        **publisher.stats,
        "tasks_by_status": {"pending": 1, "processing": 0, "completed": 0, "failed": 0},
    }


def test_queue_stats_is_503_when_rabbitmq_is_down(client, publisher, assert_error, down) -> None:
    publisher.failure = down("rabbitmq")

    result = client.simulate_get("/api/v1/queue/stats")

    assert_error(result, 503)
    assert result.headers["retry-after"]


def test_queue_stats_is_503_when_redis_is_down(make_client, down_store, assert_error) -> None:
    result = make_client(store=down_store).simulate_get("/api/v1/queue/stats")

    assert_error(result, 503)
    assert "10.0.0.7" not in result.text
