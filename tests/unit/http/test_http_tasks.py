"""GET /api/v1/tasks/{task_id}."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from falcon.testing import TestClient

from truthgraph.domain import TaskState, utc_iso, utc_now
from truthgraph.status_store import new_status

FIELDS = {
    "task_id",
    "task_type",
    "status",
    "claim_id",
    "corpus",
    "progress_percentage",
    "stage",
    "created_at",
    "started_at",
    "completed_at",
    "retry_count",
    "result",
    "error",
}


def test_task_status_has_every_field(client, store) -> None:
    store.create(new_status("t-1", "verify", claim_id="c-1"))
    store.transition("t-1", TaskState.PROCESSING, started_at="2025-01-15T10:00:00.000Z", stage="retrieve")
    store.advance("t-1", 40, "stance")

    result = client.simulate_get("/api/v1/tasks/t-1")

    assert result.status_code == 200
    assert FIELDS <= set(result.json)
    assert result.json["status"] == "processing"
    assert result.json["progress_percentage"] == 40 and result.json["stage"] == "stance"
    assert result.json["claim_id"] == "c-1" and result.json["started_at"] == "2025-01-15T10:00:00.000Z"


def test_completed_task_carries_its_result(client, store) -> None:
    store.create(new_status("t-2", "verify", claim_id="c-1"))
    store.transition("t-2", TaskState.COMPLETED, result={"verdict": "REFUTED"}, completed_at="2025-01-15T10:00:01Z")

    assert client.simulate_get("/api/v1/tasks/t-2").json["result"] == {"verdict": "REFUTED"}


def test_unknown_task_is_404(client, assert_error) -> None:
    assert_error(client.simulate_get("/api/v1/tasks/3f2b8a4e-1c9d-4e7a-9b55-0d6c2f1e8a77"), 404)


@pytest.mark.parametrize("task_id", ["bad%20id", "x" * 129, "%C3%A9"])
def test_malformed_task_id_is_422(client, assert_error, task_id) -> None:
    assert_error(client.simulate_get(f"/api/v1/tasks/{task_id}"), 422, field="task_id")


def test_redis_down_is_503(make_client, down_store, assert_error) -> None:
    client: TestClient = make_client(store=down_store)

    result = client.simulate_get("/api/v1/tasks/t-1")

    assert_error(result, 503)
    assert "redis" in result.json["description"] and result.headers["retry-after"]
    assert "10.0.0.7" not in result.text


def test_a_verification_whose_record_redis_lost_answers_from_its_kept_verdict(client, history) -> None:
    result = {"verdict": "SUPPORTED", "confidence": 0.8, "claim_text": "x"}
    history.record(task_id="t-lost", claim_id="c-9", result=result, verified_at=utc_now())

    answer = client.simulate_get("/api/v1/tasks/t-lost")

    assert answer.status_code == 200 and FIELDS <= set(answer.json)
    assert answer.json["status"] == "completed" and answer.json["result"] == result
    assert answer.json["task_type"] == "verify" and answer.json["claim_id"] == "c-9"
    assert answer.json["progress_percentage"] == 100 and answer.json["completed_at"]


def test_a_kept_verdict_older_than_the_ttl_is_expired_as_its_record_would_be(make_client, settings, history,
                                                                              assert_error) -> None:
    client = make_client(settings=dataclasses.replace(settings, result_ttl_s=60))
    history.record(task_id="t-old", claim_id="c-9", result={"verdict": "REFUTED"},
                   verified_at=utc_iso(datetime.now(timezone.utc) - timedelta(seconds=61)))
    history.record(task_id="t-new", claim_id="c-9", result={"verdict": "REFUTED"},
                   verified_at=utc_iso(datetime.now(timezone.utc) - timedelta(seconds=50)))

    assert_error(client.simulate_get("/api/v1/tasks/t-old"), 404)
    assert client.simulate_get("/api/v1/tasks/t-new").status_code == 200


def test_a_live_record_is_answered_before_the_kept_verdict(client, store, history) -> None:
    store.create(new_status("t-3", "verify", claim_id="c-1"))
    store.transition("t-3", TaskState.COMPLETED, result={"verdict": "REFUTED"}, completed_at="2025-01-15T10:00:01Z")
    history.record(task_id="t-3", claim_id="c-1", result={"verdict": "SUPPORTED"}, verified_at=utc_now())

    assert client.simulate_get("/api/v1/tasks/t-3").json["result"] == {"verdict": "REFUTED"}
