"""Expiry and unreachable backing services, over real gunicorn and dramatiq processes."""

from __future__ import annotations

import uuid

import pytest
import requests

from .conftest import _running
from .service import free_port, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def short_ttl(tmp_path_factory):
    yield from _running(tmp_path_factory, TRUTHGRAPH_RESULT_TTL_S="2")


@pytest.fixture(scope="module")
def no_rabbitmq(tmp_path_factory):
    yield from _running(
        tmp_path_factory, worker=False, TRUTHGRAPH_RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    )


@pytest.fixture(scope="module")
def no_redis(tmp_path_factory):
    yield from _running(tmp_path_factory, worker=False, TRUTHGRAPH_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")


def test_an_expired_task_is_404_while_its_verdict_is_kept(short_ttl):
    claim_id = f"ttl-{uuid.uuid4().hex[:8]}"
    response = short_ttl.post_claim(claim_id, "this is true")
    task_id = response.json()["task_id"]
    status = short_ttl.wait_until_done(task_id, timeout=30)
    assert status["status"] == "completed"
    wait_for(lambda: short_ttl.task(task_id).status_code == 404, timeout=10, interval=0.25, what="expiry")
    verdict = requests.get(f"{short_ttl.url}/api/v1/verdicts/{claim_id}", timeout=5)
    assert verdict.status_code == 200 and verdict.json()["task_id"] == task_id  # the database keeps it, no TTL


def test_without_rabbitmq_submissions_get_503_not_202(no_rabbitmq):
    response = no_rabbitmq.post_claim("c1", "this is true")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["title"]
    assert requests.get(f"{no_rabbitmq.url}/readyz", timeout=10).status_code == 503
    assert requests.get(f"{no_rabbitmq.url}/healthz", timeout=10).status_code == 200
    # nothing pending is left behind for a message that was never handed over
    assert requests.get(f"{no_rabbitmq.url}/api/v1/verdicts/c1", timeout=10).status_code == 404


def test_without_redis_submissions_get_503(no_redis):
    response = no_redis.post_claim("c1", "this is true")
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert requests.get(f"{no_redis.url}/readyz", timeout=10).status_code == 503
    assert requests.get(f"{no_redis.url}/api/v1/tasks/abc", timeout=10).status_code == 503
