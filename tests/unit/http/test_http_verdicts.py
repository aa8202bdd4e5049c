"""GET /api/v1/verdicts/{claim_id}: verdict, running task, failure and fallback to an earlier verdict."""

from __future__ import annotations

import pytest

from truthgraph.domain import TaskState
from truthgraph.status_store import new_status

RESULT = {
    "claim_text": "The Eiffel Tower is in Paris.",
    "verdict": "SUPPORTED",
    "confidence": 0.91,
    "probabilities": {"SUPPORTED": 0.91, "REFUTED": 0.03, "NOT_ENOUGH_INFO": 0.06},
    "evidence": [{"passage_id": "p1", "text": "The tower stands in Paris.", "stance": "entails"}],
    "timings_ms": {"retrieve": 3.0},
    "model": "default",
}


def submit(store, task_id: str, claim_id: str = "c-1") -> None:
    store.create(new_status(task_id, "verify", claim_id=claim_id))


def complete(store, task_id: str, result: dict = RESULT, at: str = "2025-01-15T10:00:02.000Z") -> None:
    store.transition(task_id, TaskState.COMPLETED, result=result, completed_at=at, progress_percentage=100)


def fail(store, task_id: str, error: str = "stance model crashed") -> None:
    store.transition(task_id, TaskState.FAILED, error=error, completed_at="2025-01-15T10:00:03.000Z")


def test_completed_verdict_is_200_with_result_and_identity(client, store) -> None:
    submit(store, "t-1")
    complete(store, "t-1")

    result = client.simulate_get("/api/v1/verdicts/c-1")

    assert result.status_code == 200
    assert result.json == {**RESULT, "claim_id": "c-1", "task_id": "t-1", "verified_at": "2025-01-15T10:00:02.000Z"}


@pytest.mark.parametrize("state", [None, TaskState.PROCESSING])
def test_running_task_is_202_with_its_status_and_location(client, store, state) -> None:
    submit(store, "t-1")
    if state is not None:
        store.transition("t-1", state)

    result = client.simulate_get("/api/v1/verdicts/c-1")

    assert result.status_code == 202
    assert result.headers["location"] == "/api/v1/tasks/t-1"
    assert result.json["task_id"] == "t-1" and result.json["status"] == (state or TaskState.PENDING).value


def test_running_resubmission_is_202_even_with_an_earlier_verdict(client, store) -> None:
    submit(store, "t-1")
    complete(store, "t-1")
    submit(store, "t-2")

    result = client.simulate_get("/api/v1/verdicts/c-1")

    assert result.status_code == 202 and result.json["task_id"] == "t-2"


def test_never_submitted_is_404(client, assert_error) -> None:
    assert_error(client.simulate_get("/api/v1/verdicts/never-seen"), 404)


def test_failed_without_earlier_verdict_is_404_with_error_and_task_url(client, store, assert_error) -> None:
    submit(store, "t-1")
    fail(store, "t-1", "stance model crashed")

    body = assert_error(client.simulate_get("/api/v1/verdicts/c-1"), 404)

    assert "failed" in body["description"]
    assert "stance model crashed" in body["description"]
    assert "/api/v1/tasks/t-1" in body["description"]


def test_failed_with_an_earlier_verdict_returns_the_earlier_one(client, store) -> None:
    submit(store, "t-1")
    complete(store, "t-1")
    submit(store, "t-2")
    fail(store, "t-2")

    result = client.simulate_get("/api/v1/verdicts/c-1")

    assert result.status_code == 200 and result.json["task_id"] == "t-1" and result.json["verdict"] == "SUPPORTED"


def test_latest_completed_verdict_wins(client, store) -> None:
    submit(store, "t-1")
    complete(store, "t-1")
    submit(store, "t-2")
    complete(store, "t-2", {**RESULT, "verdict": "REFUTED"}, at="2025-01-16T00:00:00.000Z")

    result = client.simulate_get("/api/v1/verdicts/c-1")

    assert result.json["task_id"] == "t-2" and result.json["verdict"] == "REFUTED"
    assert result.json["verified_at"] == "2025-01-16T00:00:00.000Z"


def test_verdicts_are_per_claim(client, store, assert_error) -> None:
    submit(store, "t-1", claim_id="c-1")
    complete(store, "t-1")

    assert_error(client.simulate_get("/api/v1/verdicts/c-2"), 404)


def test_malformed_claim_id_is_422(client, assert_error) -> None:
    assert_error(client.simulate_get("/api/v1/verdicts/no%20spaces"), 422, field="claim_id")


def test_redis_down_is_503(make_client, down_store, assert_error) -> None:
    result = make_client(store=down_store).simulate_get("/api/v1/verdicts/c-1")

    assert_error(result, 503)
    assert result.headers["retry-after"] and "10.0.0.7" not in result.text
