from truthgraph.domain import TaskState
from truthgraph.status_store import TaskStatusStore, new_status


def test_create_then_read_back(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    status = store.get("t1")
    assert status.status is TaskState.PENDING
    assert status.claim_id == "c1"
    assert status.progress_percentage == 0 and status.retry_count == 0
    assert status.created_at.endswith("Z")
    assert store.latest_for_claim("c1").task_id == "t1"


def test_create_keeps_an_existing_record_and_needs_no_claim(store, redis_client):
    assert store.create(new_status("t1", "verify", claim_id="c1"))
    store.transition("t1", TaskState.PROCESSING)
    assert not store.create(new_status("t1", "verify", claim_id="c2"))  # published again: history kept
    assert store.get("t1").status is TaskState.PROCESSING and store.latest_for_claim("c2") is None
    assert store.create(new_status("t2", "ingest"))
    assert store.get("t2").claim_id in (None, "")
    assert redis_client.ttl(f"{store.namespace}:task:t2") > 0
    assert store.counts()["pending"] == 1


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


def test_counts_follow_transitions(store):
    for task_id in ("a", "b", "c"):
        store.create(new_status(task_id, "verify"))
    store.transition("a", TaskState.PROCESSING)
    store.transition("b", TaskState.FAILED, error="x")
    assert store.counts() == {"pending": 1, "processing": 1, "completed": 0, "failed": 1}


def test_counts_forget_expired_records(redis_client, namespace):
    now = [1000.0]
    store = TaskStatusStore(redis_client, namespace=namespace, ttl_s=10, clock=lambda: now[0])
    store.create(new_status("old", "verify"))
    now[0] += 11
    store.create(new_status("new", "verify"))
    assert store.counts()["pending"] == 1


def test_records_expire_with_the_ttl(redis_client, namespace):
    store = TaskStatusStore(redis_client, namespace=namespace, ttl_s=30)
    store.create(new_status("t1", "verify", claim_id="c1"))
    assert 0 < redis_client.ttl(f"{namespace}:task:t1") <= 30
    assert 0 < redis_client.ttl(f"{namespace}:claim:c1:latest") <= 30


def test_delete_removes_record_and_claim_pointer(store):
    store.create(new_status("t1", "verify", claim_id="c1"))
    store.delete("t1")
    assert store.get("t1") is None
    assert store.latest_for_claim("c1") is None
    assert store.counts()["pending"] == 0


def test_unreachable_redis_raises_service_unavailable():
    import pytest
    import redis

    from truthgraph.errors import ServiceUnavailable

    dead = TaskStatusStore(redis.Redis(port=1, socket_connect_timeout=0.5))
    with pytest.raises(ServiceUnavailable) as info:
        dead.get("t1")
    assert info.value.service == "redis"
