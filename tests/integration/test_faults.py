"""Faults over real processes: a poison message, a Redis outage at the door."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from .conftest import RABBITMQ_URL, REDIS_URL, _running
from .service import Service, delete_namespace, queue_counts, wait_for

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory):
    """API and one worker of their own (the worker is killed on purpose here)."""
    yield from _running(tmp_path_factory)


def keep_a_worker_running(service: Service, *, until, timeout: float, ready_within_s: float = 15) -> int:
    """Start a new worker whenever the last one died, until ``until()``; returns how many were started.

    A worker that does not consume within ``ready_within_s`` is killed (dramatiq's master can hang at start-up when
    its child dies before saying it is ready, which the poison makes likely).
    """
    started = 0
    deadline = time.monotonic() + timeout
    since = time.monotonic()
    while not until():
        assert time.monotonic() < deadline, f"timed out; logs:\n{service.logs()}"
        alive = [w for w in service.workers if w.poll() is None]
        if not alive:
            service.start_worker(wait_ready=False)
            started += 1
            since = time.monotonic()
        elif service.consumers() == 0 and time.monotonic() - since > ready_within_s:
            for worker in alive:
                worker.kill()
                worker.wait(timeout=10)
        elif service.consumers() > 0:
            since = time.monotonic()
        time.sleep(0.2)
    return started


def test_a_poison_message_is_dead_lettered_and_the_claims_behind_it_complete(fresh):
    poison = fresh.post_claim(f"poison-{tag()}", f"crash:{tag()}").json()["task_id"]
    normal = [fresh.post_claim(f"ok-{tag()}", f"sleep:0.1:{tag()} it is true").json()["task_id"] for _ in range(20)]

    def settled() -> bool:
        return all(fresh.task(t).json()["status"] in ("completed", "failed") for t in [poison, *normal])

    restarts = keep_a_worker_running(fresh, until=settled, timeout=180)

    status = fresh.task(poison).json()
    assert status["status"] == "failed" and status["error"] == "the task crashed its worker 3 times"
    assert restarts >= 3
    completed = [t for t in normal if fresh.task(t).json()["status"] == "completed"]
    assert len(completed) >= 19  # a claim running beside the poison when it strikes shares its redeliveries
    dead = queue_counts(RABBITMQ_URL, f"{fresh.namespace}.verify.XQ")[0]
    assert dead == 1 + len(normal) - len(completed)


def test_with_redis_down_the_api_answers_503_and_queues_nothing(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("no-redis")
    service = Service(env={}, log_dir=tmp)
    from .service import service_env

    service.env = service_env(tmp, TRUTHGRAPH_REDIS_URL="redis://127.0.0.1:1/0")
    try:
        service.start_api()
        started = time.monotonic()
        response = service.post_claim(f"c-{tag()}", "it is true")
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and response.json()["title"]
        assert response.headers["Retry-After"]
        assert elapsed < 20, elapsed  # bounded, and well inside gunicorn's time-out (no empty 500)
        wait_for(lambda: True, timeout=1)
        assert queue_counts(RABBITMQ_URL, f"{service.namespace}.verify")[0] == 0
    finally:
        service.stop()
        delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)


def test_the_status_of_a_readable_task_survives_a_flush_of_its_record(fresh):
    """A record Redis lost while the task waited is re-created when the worker takes it."""
    import redis as redis_client

    worker = fresh.workers[0]
    worker.terminate()
    worker.wait(timeout=30)
    response = fresh.post_claim(f"lost-{tag()}", "it is true")
    task_id = response.json()["task_id"]
    redis_client.Redis.from_url(REDIS_URL).delete(f"{fresh.namespace}:task:{task_id}")
    assert fresh.task(task_id).status_code == 404  # waiting, not finished: no verdict to answer from
    fresh.start_worker()
    status = fresh.wait_until_done(task_id, timeout=60)
    assert status["status"] == "completed" and status["claim_id"] == response.json()["claim_id"]
    assert requests.get(f"{fresh.url}/api/v1/verdicts/{status['claim_id']}", timeout=5).json()["verdict"] == "SUPPORTED"


def test_dead_letters_keep_until_acted_on(tmp_path_factory):
    """The dead-letter queue is declared without a message TTL; one declared before with a TTL is kept, not fatal."""
    import pika

    from .service import service_env

    tmp = tmp_path_factory.mktemp("xq")
    service = Service(env=service_env(tmp), log_dir=tmp)
    xq = f"{service.namespace}.ingest.XQ"
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    try:
        # an older deployment's ingest dead-letter queue, with Dramatiq's 7-day TTL
        connection.channel().queue_declare(xq, durable=True, arguments={"x-message-ttl": 7 * 86400000})
        service.start_api()
        assert service.post_claim(f"c-{tag()}", "it is true").status_code == 202
        response = requests.post(f"{service.url}/api/v1/corpora/mine/documents", timeout=10,
                                 json={"documents": [{"id": "a", "title": "", "text": "x"}]})
        assert response.status_code == 202  # the old queue is kept as it is; publishing goes on
        channel = connection.channel()
        channel.queue_declare(f"{service.namespace}.verify.XQ", durable=True, arguments={})  # same arguments: no TTL
    finally:
        connection.close()
        service.stop()
        delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)


def test_a_verdict_outlives_its_task_record_and_a_redis_flush(fresh):
    """The verdict is kept in the database: readable after Redis lost everything, and the task answers from it."""
    import redis as redis_client

    claim_id = f"kept-{tag()}"
    task_id = fresh.post_claim(claim_id, "it is true").json()["task_id"]
    assert fresh.wait_until_done(task_id)["status"] == "completed"
    second = fresh.post_claim(claim_id, "it is false").json()["task_id"]
    assert fresh.wait_until_done(second)["status"] == "completed"
    client = redis_client.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{fresh.namespace}*", count=1000))
    client.delete(*keys)  # what a Redis restart without persistence, or the records' TTL, leaves
    kept = fresh.task(task_id)  # within its TTL a finished task answers from its kept verdict
    assert kept.status_code == 200
    assert kept.json()["status"] == "completed" and kept.json()["task_id"] == task_id and kept.json()["result"]
    verdict = requests.get(f"{fresh.url}/api/v1/verdicts/{claim_id}", timeout=5)
    assert verdict.status_code == 200 and verdict.json()["task_id"] == second and verdict.json()["verdict"] == "REFUTED"
    history = requests.get(f"{fresh.url}/api/v1/claims/{claim_id}/verdicts", timeout=5).json()
    assert [v["task_id"] for v in history["verdicts"]] == [second, task_id]
