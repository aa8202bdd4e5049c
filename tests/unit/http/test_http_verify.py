"""POST /api/v1/claims/{claim_id}/verify: the accepted path and the backing-service failures."""

from __future__ import annotations

import logging

import pytest

from truthgraph.domain import TaskState

VERIFY = "/api/v1/claims/claim-42/verify"


def test_verify_answers_202_with_location_and_pending_status(client, publisher, store) -> None:
    result = client.simulate_post(
        VERIFY, json={"claim_text": "The Eiffel Tower is in Paris.", "options": {"corpus_ids": ["wiki"], "top_k": 5}}
    )

    assert result.status_code == 202
    body = result.json
    assert result.headers["location"] == f"/api/v1/tasks/{body['task_id']}"
    assert body["status"] == "pending" and body["claim_id"] == "claim-42" and body["task_type"] == "verify"
    assert publisher.verifications == [
        {
            "claim_id": "claim-42",
            "claim_text": "The Eiffel Tower is in Paris.",
            "options": {"corpus_ids": ["wiki"], "top_k": 5},
        }
    ]
    assert store.get(body["task_id"]).status is TaskState.PENDING


def test_task_location_is_readable(client) -> None:
    accepted = client.simulate_post(VERIFY, json={"claim_text": "Water boils at 100 C."})

    result = client.simulate_get(accepted.headers["location"])

    assert result.status_code == 200
    assert result.json["task_id"] == accepted.json["task_id"]


@pytest.mark.parametrize("options", [None, {}])
def test_absent_options_reach_the_publisher_empty(client, publisher, options) -> None:
    body = {"claim_text": "x"} if options is None else {"claim_text": "x", "options": options}

    assert client.simulate_post(VERIFY, json=body).status_code == 202
    assert publisher.verifications[-1]["options"] == {}


@pytest.mark.parametrize("claim_id", ["a", "A.b_c-d:e", "x" * 128])
def test_claim_ids_in_the_pattern_are_accepted(client, claim_id) -> None:
    result = client.simulate_post(f"/api/v1/claims/{claim_id}/verify", json={"claim_text": "x"})

    assert result.status_code == 202
    assert result.json["claim_id"] == claim_id


@pytest.mark.parametrize("service", ["rabbitmq", "redis"])
def test_unreachable_service_answers_503_with_retry_after(client, publisher, assert_error, down, service) -> None:
    publisher.failure = down(service)

    result = client.simulate_post(VERIFY, json={"claim_text": "x"})

    body = assert_error(result, 503)
    assert int(result.headers["retry-after"]) > 0
    assert service in body["description"]
    assert "10.0.0.7" not in result.text
    assert publisher.verifications == []


def test_unexpected_failure_is_a_json_500_that_leaks_nothing(client, publisher, assert_error, caplog) -> None:
    publisher.failure = RuntimeError("password=hunter2 in /srv/secret.py")

    with caplog.at_level(logging.ERROR, logger="truthgraph.http"):
        result = client.simulate_post(VERIFY, json={"claim_text": "x"})

    assert_error(result, 500)
    assert "hunter2" not in result.text and "secret" not in result.text and "RuntimeError" not in result.text
    assert any(record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records)
