"""The status store's behaviour, on the real store over Redis and on the in-memory one; Redis's own part real-only."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.support.memory_store import InMemoryStatusStore
from truthgraph.domain import TaskState
from truthgraph.errors import ServiceUnavailable
from truthgraph.settings import Settings
from truthgraph.status_store import TaskStatusStore, new_status

#: Every public call of a status store, as a function of the store.
CALLS: dict[str, Callable[[Any], Any]] = {
    "ping": lambda store: store.ping(),
    "create": lambda store: store.create(new_status("t1", "verify", claim_id="c1")),
    "delete": lambda store: store.delete("t1"),
    "transition": lambda store: store.transition("t1", TaskState.PROCESSING),
    "advance": lambda store: store.advance("t1", 10, "retrieval"),
    "get": lambda store: store.get("t1"),
    "latest_for_claim": lambda store: store.latest_for_claim("c1"),
    "latest_verdict_for_claim": lambda store: store.latest_verdict_for_claim("c1"),
    "counts": lambda store: store.counts(),
    "begin": lambda store: store.begin("t1", attempt=0),
    "abandon": lambda store: store.abandon("t1"),
}


@pytest.fixture(params=["redis", "memory"])
def make_store(request: pytest.FixtureRequest, namespace: str) -> Callable[..., Any]:
    """Builds a status store of each kind in this test's namespace; keyword arguments go to its constructor."""
    if request.param == "redis":
        client = request.getfixturevalue("redis_client")
        in_redis = request.getfixturevalue("redis_namespace")  # the same name, its keys removed afterwards
        return lambda **kwargs: TaskStatusStore(client, namespace=in_redis, **kwargs)
    return lambda **kwargs: InMemoryStatusStore(namespace=namespace, **kwargs)


@pytest.fixture
def store(make_store: Callable[..., Any], settings: Settings) -> Any:
    """A status store of each kind with this test's TTL."""
    return make_store(ttl_s=settings.result_ttl_s)


@pytest.fixture(params=["redis", "memory"])
def down_store(request: pytest.FixtureRequest) -> Any:
    """A status store of each kind whose Redis does not answer (the real one without retries, so it fails at once)."""
    if request.param == "redis":
        return TaskStatusStore(redis.Redis(port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)))
    store = InMemoryStatusStore()
    store.unavailable = "connection refused"
    return store


def test_create_then_read_back(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    status = store.get("t1")
    assert status.status is TaskState.PENDING
    assert status.claim_id == "c1"
    assert status.progress_percentage == 0 and status.retry_count == 0
    assert status.created_at.endswith("Z")
    assert store.latest_for_claim("c1").task_id == "t1"


def test_create_keeps_an_existing_record_and_needs_no_claim(store):
    assert store.create(new_status("t1", "verify", claim_id="c1"))
    store.transition("t1", TaskState.PROCESSING)
    assert not store.create(new_status("t1", "verify", claim_id="c2"))  # published again: history kept
    assert store.get("t1").status is TaskState.PROCESSING and store.latest_for_claim("c2") is None
    assert store.create(new_status("t2", "ingest"))
    assert store.get("t2").claim_id in (None, "")
    assert store.counts()["pending"] == 1


def test_the_latest_submission_for_a_claim_wins(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    store.create(new_status("t2", "verify", claim_id="c1"))
    assert store.latest_for_claim("c1").task_id == "t2"
    assert store.latest_verdict_for_claim("c1") is None


def test_unknown_task_is_none(store):
    assert store.get("nope") is None
    assert store.latest_for_claim("nope") is None
    assert store.transition("nope", TaskState.PROCESSING) is False


def test_progress_only_rises_and_only_while_processing(store):
    store.create(new_status("t1", "verify"))
    assert store.advance("t1", 50, "stance") is False  # still pending
    store.transition("t1", TaskState.PROCESSING)
    assert store.advance("t1", 30, "retrieval")
    assert not store.advance("t1", 20, "retrieval")
    assert store.advance("t1", 250, "aggregation")
    status = store.get("t1")
    assert (status.progress_percentage, status.stage) == (100, "aggregation")


def test_terminal_state_is_never_overwritten(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    store.transition("t1", TaskState.PROCESSING)
    assert store.transition("t1", TaskState.COMPLETED, result={"verdict": "SUPPORTED"})
    assert not store.transition("t1", TaskState.FAILED, error="late")
    assert not store.transition("t1", TaskState.PENDING, retry_count=1)
    status = store.get("t1")
    assert status.status is TaskState.COMPLETED
    assert status.result == {"verdict": "SUPPORTED"}
    assert status.error is None
    assert store.latest_verdict_for_claim("c1").task_id == "t1"


def test_records_are_copies_of_what_was_written(store):
    status = new_status("t1", "verify", claim_id="c1")
    store.create(status)
    status.stage = "changed by the caller"
    result = {"verdict": "SUPPORTED"}
    store.transition("t1", TaskState.COMPLETED, result=result)
    result["verdict"] = "REFUTED"
    store.get("t1").result["verdict"] = "changed by a reader"
    assert store.get("t1").stage is None
    assert store.get("t1").result == {"verdict": "SUPPORTED"}


def test_counts_follow_transitions(store):
    for task_id in ("a", "b", "c"):
        store.create(new_status(task_id, "verify"))
    store.transition("a", TaskState.PROCESSING)
    store.transition("b", TaskState.FAILED, error="x")
    assert store.counts() == {"pending": 1, "processing": 1, "completed": 0, "failed": 1}


def test_counts_forget_expired_records(make_store):
    now = [1000.0]
    store = make_store(ttl_s=10, clock=lambda: now[0])
    store.create(new_status("old", "verify"))
    now[0] += 11
    store.create(new_status("new", "verify"))
    assert store.counts()["pending"] == 1


def test_delete_removes_record_and_claim_pointer(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    store.delete("t1")
    assert store.get("t1") is None
    assert store.latest_for_claim("c1") is None
    assert store.counts()["pending"] == 0


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_every_call_on_an_unreachable_store_raises_service_unavailable(down_store, call):
    with pytest.raises(ServiceUnavailable) as info:
        call(down_store)
    assert info.value.service == "redis"


# Redis itself: the keys the real store writes and how a dead server reads.


def test_a_record_without_a_claim_has_a_ttl_in_redis(redis_store, redis_client):
    assert redis_store.create(new_status("t2", "ingest"))
    assert redis_client.ttl(f"{redis_store.namespace}:task:t2") > 0


def test_records_expire_with_the_ttl(redis_client, redis_namespace):
    store = TaskStatusStore(redis_client, namespace=redis_namespace, ttl_s=30)
    store.create(new_status("t1", "verify", claim_id="c1"))
    assert 0 < redis_client.ttl(f"{redis_namespace}:task:t1") <= 30
    assert 0 < redis_client.ttl(f"{redis_namespace}:claim:c1:latest") <= 30


def test_unreachable_redis_raises_service_unavailable():
    dead = TaskStatusStore(redis.Redis(port=1, socket_connect_timeout=0.5))
    with pytest.raises(ServiceUnavailable) as info:
        dead.get("t1")
    assert info.value.service == "redis"


def test_a_transition_on_a_missing_record_recreates_it_from_its_base(store):
    base = new_status("t1", "verify", claim_id="c1")
    assert store.transition("t1", TaskState.COMPLETED, result={"verdict": "SUPPORTED"}) is False
    assert store.get("t1") is None
    assert store.transition("t1", TaskState.COMPLETED, base=base, result={"verdict": "SUPPORTED"}) is True
    status = store.get("t1")
    assert (status.status, status.task_type, status.claim_id) == (TaskState.COMPLETED, "verify", "c1")
    assert status.created_at == base.created_at and status.result == {"verdict": "SUPPORTED"}
    assert store.latest_for_claim("c1").task_id == "t1" and store.latest_verdict_for_claim("c1").task_id == "t1"


def test_a_recreated_record_leaves_a_newer_claim_pointer_alone(store):
    store.create(new_status("t2", "verify", claim_id="c1"))
    store.transition("t1", TaskState.PROCESSING, base=new_status("t1", "verify", claim_id="c1"))
    assert store.latest_for_claim("c1").task_id == "t2"


def test_begin_counts_the_deliveries_of_each_attempt(store):
    store.create(new_status("t1", "verify"))
    assert store.begin("t1", attempt=0, max_deliveries=2, stage="started") == ("started", 1)
    assert store.get("t1").status is TaskState.PROCESSING and store.get("t1").stage == "started"
    assert store.begin("t1", attempt=0, max_deliveries=2) == ("started", 2)
    assert store.begin("t1", attempt=0, max_deliveries=2) == ("poison", 3)
    assert store.begin("t1", attempt=1, max_deliveries=2) == ("started", 1)  # a retry starts its own count


def test_a_task_a_worker_has_begun_is_not_abandoned(store):
    store.create(new_status("taken", "verify", claim_id="c1"))
    assert store.begin("taken", attempt=0).outcome == "started"
    assert store.abandon("taken") is False  # its message was taken after all: the task stays queued
    assert store.get("taken").status is TaskState.PROCESSING and store.latest_for_claim("c1").task_id == "taken"
    store.create(new_status("untaken", "verify"))
    assert store.abandon("untaken") is True
    assert store.begin("untaken", attempt=0, base=new_status("untaken", "verify")).outcome == "abandoned"


def test_begin_skips_finished_and_abandoned_tasks_and_recreates_lost_ones(store):
    store.create(new_status("done", "verify"))
    store.transition("done", TaskState.COMPLETED, result={})
    assert store.begin("done", attempt=0).outcome == "finished"
    store.create(new_status("gone", "verify", claim_id="c1"))
    store.abandon("gone")
    assert store.get("gone") is None and store.latest_for_claim("c1") is None
    assert store.begin("gone", attempt=0, base=new_status("gone", "verify")).outcome == "abandoned"
    assert store.get("gone") is None
    assert store.begin("lost", attempt=0).outcome == "missing"
    assert store.begin("lost", attempt=0, base=new_status("lost", "ingest", corpus="x")).outcome == "started"
    assert (store.get("lost").task_type, store.get("lost").corpus) == ("ingest", "x")
