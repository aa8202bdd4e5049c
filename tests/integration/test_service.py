"""The whole path over real processes: HTTP → RabbitMQ → dramatiq worker → Redis → HTTP."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from .service import kill_worker, queue_counts, wait_for

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8]


def test_submit_follow_and_read_the_verdict(service):
    claim_id = f"claim-{tag()}"
    response = service.post_claim(claim_id, f"sleep:1.5:{tag()} the sky is true")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] in ("pending", "processing")  # the status as it stands once RabbitMQ holds the message
    assert response.headers["Location"] == f"/api/v1/tasks/{body['task_id']}"

    seen_states, seen_progress = [], []
    while True:
        status = service.task(body["task_id"]).json()
        seen_states.append(status["status"])
        seen_progress.append(status["progress_percentage"])
        if status["status"] in ("completed", "failed"):
            break
        if status["status"] == "processing":
            verdict = requests.get(f"{service.url}/api/v1/verdicts/{claim_id}", timeout=5)
            if verdict.status_code == 200:  # it finished between the two reads: then its record says so
                assert service.task(body["task_id"]).json()["status"] == "completed"
            else:
                assert verdict.status_code == 202
        time.sleep(0.1)
        assert len(seen_states) < 600, "the task never finished"

    assert status["status"] == "completed", status
    assert "processing" in seen_states
    assert seen_progress[-1] == 100
    processing_progress = [p for s, p in zip(seen_states, seen_progress) if s == "processing"]
    assert processing_progress == sorted(processing_progress)
    assert any(0 < p < 100 for p in processing_progress)
    assert status["started_at"] and status["completed_at"] and status["created_at"]
    assert status["retry_count"] == 0

    verdict = requests.get(f"{service.url}/api/v1/verdicts/{claim_id}", timeout=5)
    assert verdict.status_code == 200
    data = verdict.json()
    assert data["verdict"] == "SUPPORTED"
    assert data["task_id"] == body["task_id"]
    assert data["evidence"] and data["verified_at"]


def test_temporary_errors_retry_with_backoff_then_complete(service):
    response = service.post_claim(f"retry-{tag()}", f"fail-temporary:2:{tag()} true")
    assert response.status_code == 202
    status = service.wait_until_done(response.json()["task_id"])
    assert status["status"] == "completed", status
    assert status["retry_count"] == 2
    assert status["result"]["verdict"] == "SUPPORTED"


@pytest.mark.queue_stats
def test_permanent_error_fails_at_once_into_the_dead_letter_queue(service):
    dead_before = queue_counts(service.env["TRUTHGRAPH_RABBITMQ_URL"], f"{service.namespace}.verify.XQ")[0]
    response = service.post_claim(f"perm-{tag()}", f"fail-permanent:{tag()}")
    status = service.wait_until_done(response.json()["task_id"])
    assert status["status"] == "failed"
    assert status["retry_count"] == 0
    assert "scripted permanent failure" in status["error"]
    wait_for(
        lambda: queue_counts(service.env["TRUTHGRAPH_RABBITMQ_URL"], f"{service.namespace}.verify.XQ")[0]
        == dead_before + 1,
        timeout=10,
        what="the message in the dead-letter queue",
    )
    stats = requests.get(f"{service.url}/api/v1/queue/stats", timeout=5).json()
    assert stats["dead_letters"] >= 1
    assert stats["tasks_by_status"]["failed"] >= 1


@pytest.mark.queue_stats
def test_queue_stats_and_readiness(service):
    assert requests.get(f"{service.url}/readyz", timeout=5).status_code == 200
    stats = requests.get(f"{service.url}/api/v1/queue/stats", timeout=5).json()
    assert stats["consumers"] >= 1
    verify = stats["queues"][f"{service.namespace}.verify"]
    assert verify["declared"] is True and verify["consumers"] >= 1
    assert set(stats["queues"]) == {f"{service.namespace}.{kind}{suffix}"
                                    for kind in ("verify", "ingest") for suffix in ("", ".DQ", ".XQ")}


@pytest.mark.queue_stats
def test_in_flight_is_a_dated_management_sample_or_null(service, management_api):
    def stats() -> dict:
        return requests.get(f"{service.url}/api/v1/queue/stats", timeout=5).json()

    if not management_api:  # nobody else knows what is in flight
        for entry in stats()["queues"].values():
            assert entry["in_flight"] is None and entry["in_flight_sampled_at"] is None, entry
        return
    response = service.post_claim(f"busy-{tag()}", f"sleep:8:{tag()} true")
    assert response.status_code == 202

    def busy() -> dict | None:
        entry = stats()["queues"][f"{service.namespace}.verify"]
        return entry if entry["in_flight"] else None

    entry = wait_for(busy, timeout=30, interval=0.5, what="the management API to sample the task in flight")
    sampled_at = datetime.fromisoformat(entry["in_flight_sampled_at"])
    assert sampled_at.tzinfo is not None and abs(datetime.now(timezone.utc) - sampled_at) < timedelta(minutes=1)
    assert service.wait_until_done(response.json()["task_id"])["status"] == "completed"


def test_unknown_task_and_claim_are_404(service):
    assert service.task("0" * 36).status_code == 404
    assert requests.get(f"{service.url}/api/v1/verdicts/never-{tag()}", timeout=5).status_code == 404


@pytest.mark.parametrize(
    "body, headers, expected",
    [
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (b'{"claim_text": "x"}', {"Content-Type": "text/plain"}, 415),
        (b'{"claim_text": "' + b"a" * 70000 + b'"}', {"Content-Type": "application/json"}, 413),
        (b"[" * 1000 + b"]" * 1000, {"Content-Type": "application/json"}, 400),
        (b"{}", {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": 5}', {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": "   "}', {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": "' + b"a" * 5001 + b'"}', {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": "nul \\u0000 here"}', {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": "lone \\ud800 surrogate"}', {"Content-Type": "application/json"}, 422),
        (b'{"claim_text": "ok", "options": {"top_k": 0}}', {"Content-Type": "application/json"}, 422),
    ],
)
def test_bad_input_gets_a_json_4xx(service, body, headers, expected):
    response = requests.post(f"{service.url}/api/v1/claims/c1/verify", data=body, headers=headers, timeout=10)
    assert response.status_code == expected
    error = response.json()
    assert error["title"] and error["description"]


def test_bad_claim_id_is_422(service):
    response = service.post_claim("bad id with spaces", "true")
    assert response.status_code == 422
    assert response.json()["title"]


def test_worker_finishes_in_flight_work_on_sigterm(service):
    response = service.post_claim(f"drain-{tag()}", f"sleep:3:{tag()} true")
    task_id = response.json()["task_id"]
    wait_for(lambda: service.task(task_id).json()["status"] == "processing", timeout=30, what="processing")
    worker = service.workers[-1]
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    status = service.task(task_id).json()
    assert status["status"] == "completed", status
    service.start_worker()


def test_a_killed_worker_task_is_redelivered_not_lost(service):
    response = service.post_claim(f"crash-{tag()}", f"sleep:4:{tag()} true")
    task_id = response.json()["task_id"]
    wait_for(lambda: service.task(task_id).json()["status"] == "processing", timeout=30, what="processing")
    for worker in service.workers:
        if worker.poll() is None:
            kill_worker(worker)
    service.start_worker()
    status = service.wait_until_done(task_id, timeout=90)
    assert status["status"] == "completed", status
