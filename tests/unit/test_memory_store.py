"""What only the in-memory status store does: expiry on its injected clock, and the outage switch."""

from __future__ import annotations

import pytest

from tests.support.memory_store import InMemoryStatusStore
from truthgraph.domain import TaskState
from truthgraph.errors import ServiceUnavailable
from truthgraph.status_store import new_status


def test_records_and_claim_pointers_expire_on_the_clock() -> None:
    now = [1000.0]
    store = InMemoryStatusStore(ttl_s=10, clock=lambda: now[0])
    store.create(new_status("t1", "verify", claim_id="c1"))
    store.transition("t1", TaskState.COMPLETED, result={"verdict": "SUPPORTED"})
    now[0] += 9.9
    assert store.get("t1") and store.latest_for_claim("c1") and store.latest_verdict_for_claim("c1")
    now[0] += 0.1
    assert store.get("t1") is None
    assert store.latest_for_claim("c1") is None and store.latest_verdict_for_claim("c1") is None
    assert store.transition("t1", TaskState.FAILED) is False
    assert store.create(new_status("t1", "verify"))  # an expired record is no longer there


def test_a_transition_renews_the_ttl_and_progress_does_not() -> None:
    now = [1000.0]
    store = InMemoryStatusStore(ttl_s=10, clock=lambda: now[0])
    store.create(new_status("t1", "verify"))
    now[0] += 5
    store.transition("t1", TaskState.PROCESSING)
    now[0] += 9
    assert store.advance("t1", 50, "stance")  # as in Redis, where the script sets no new expiry
    assert store.counts()["processing"] == 1
    now[0] += 1
    assert store.get("t1") is None and store.counts()["processing"] == 0


def test_an_unavailable_store_writes_nothing_and_recovers() -> None:
    store = InMemoryStatusStore()
    store.unavailable = "connection refused"
    with pytest.raises(ServiceUnavailable, match="redis: connection refused"):
        store.create(new_status("t1", "verify"))
    store.unavailable = None
    assert store.ping() and store.get("t1") is None
