"""Actor and middleware behaviour on Dramatiq's StubBroker, the in-memory status store and StubBackend results."""

from __future__ import annotations

import uuid

import dramatiq
import pytest
from dramatiq import Middleware
from dramatiq.brokers.stub import StubBroker
from dramatiq.results import Results
from dramatiq.results.backends import RedisBackend, StubBackend

from tests.support.memory_store import InMemoryStatusStore
from truthgraph.actors.broker import build_middleware
from truthgraph.actors.registry import declare_actors
from truthgraph.actors.task_status import TaskStatusMiddleware
from truthgraph.domain import TaskState
from truthgraph.settings import Settings


def stub_middleware(settings: Settings, store: InMemoryStatusStore) -> list[Middleware]:
    """TruthGraph's middleware with the results kept in memory."""
    return build_middleware(settings, store, results_backend=StubBackend())


@pytest.fixture
def stub(settings, store):
    broker = StubBroker(middleware=stub_middleware(settings, store))
    broker.emit_after("process_boot")
    actors = declare_actors(broker, settings, store)
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    yield broker, actors, worker
    worker.stop()
    broker.close()


def send(actors, text: str, claim_id: str = "c1"):
    return actors.verify.send(claim_id=claim_id, claim_text=text, options={})


def drain(broker, worker, settings):
    broker.join(settings.verify_queue, fail_fast=False)
    worker.join()


def test_task_status_runs_after_retries_so_it_sees_the_final_outcome(settings, store):
    names = [type(m).__name__ for m in build_middleware(settings, store)]
    assert names.index("TaskStatusMiddleware") > names.index("Retries")
    assert {"AgeLimit", "TimeLimit", "Results", "CurrentMessage", "Callbacks", "Pipelines"} <= set(names)


def test_results_go_to_redis_unless_another_backend_is_given(settings, store):
    def results(middleware: list[Middleware]) -> Results:
        return next(m for m in middleware if isinstance(m, Results))

    default = results(build_middleware(settings, store))  # builds a client; connects to nothing
    assert isinstance(default.backend, RedisBackend) and default.backend.namespace == f"{settings.namespace}-results"
    backend = StubBackend()
    given = results(build_middleware(settings, store, results_backend=backend))
    assert given.backend is backend and given.result_ttl == settings.result_ttl_s * 1000


def test_enqueue_writes_pending(settings, store):
    broker = StubBroker(middleware=stub_middleware(settings, store))
    actors = declare_actors(broker, settings, store)
    message = send(actors, "it is true")
    status = store.get(message.message_id)
    assert status.status is TaskState.PENDING
    assert status.task_type == "verify"
    assert status.claim_id == "c1"
    assert store.latest_for_claim("c1").task_id == message.message_id


def test_completed_task_has_result_and_full_progress(stub, settings, store):
    broker, actors, worker = stub
    message = send(actors, "this is true")
    drain(broker, worker, settings)
    status = store.get(message.message_id)
    assert status.status is TaskState.COMPLETED
    assert status.progress_percentage == 100
    assert status.result["verdict"] == "SUPPORTED"
    assert status.result["claim_id"] == "c1"
    assert status.started_at and status.completed_at
    assert message.get_result(backend=broker.get_results_backend())["verdict"] == "SUPPORTED"  # type: ignore[attr-defined]


def test_temporary_errors_retry_then_complete(stub, settings, store):
    broker, actors, worker = stub
    message = send(actors, f"fail-temporary:2:{uuid.uuid4()} true")
    drain(broker, worker, settings)
    status = store.get(message.message_id)
    assert status.status is TaskState.COMPLETED
    assert status.retry_count == 2


def test_permanent_error_fails_at_once_with_its_error(stub, settings, store):
    broker, actors, worker = stub
    message = send(actors, f"fail-permanent:{uuid.uuid4()}")
    drain(broker, worker, settings)
    status = store.get(message.message_id)
    assert status.status is TaskState.FAILED
    assert status.retry_count == 0
    assert "PermanentError: scripted permanent failure" in status.error
    assert len(broker.dead_letters) == 1


def test_exhausted_retries_fail_with_the_last_error(stub, settings, store):
    broker, actors, worker = stub
    message = send(actors, f"fail-temporary:99:{uuid.uuid4()}")
    drain(broker, worker, settings)
    status = store.get(message.message_id)
    assert status.status is TaskState.FAILED
    assert status.retry_count == settings.max_retries
    assert "TemporaryError" in status.error
    assert len(broker.dead_letters) == 1


def test_a_redelivered_finished_task_is_skipped(stub, settings, store):
    broker, actors, worker = stub
    message = send(actors, "this is true")
    drain(broker, worker, settings)
    first = store.get(message.message_id)
    broker.enqueue(message)  # the same message id again, as after a lost ack
    drain(broker, worker, settings)
    again = store.get(message.message_id)
    assert again.status is TaskState.COMPLETED
    assert again.completed_at == first.completed_at


def test_time_limit_overrun_is_retried(settings, store):
    from dataclasses import replace

    quick = replace(settings, time_limit_s=0.3, max_retries=1)
    broker = StubBroker(middleware=stub_middleware(quick, store))
    broker.emit_after("process_boot")
    actors = declare_actors(broker, quick, store)
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    try:
        message = send(actors, f"sleep:2:{uuid.uuid4()}")
        broker.join(quick.verify_queue, fail_fast=False)
        worker.join()
    finally:
        worker.stop()
    status = store.get(message.message_id)
    assert status.status is TaskState.FAILED
    assert status.retry_count == 1
    assert "TimeLimitExceeded" in status.error


def test_untracked_actors_are_left_alone(settings, store):
    broker = StubBroker(middleware=[TaskStatusMiddleware(store)])
    broker.emit_after("process_boot")

    @dramatiq.actor(broker=broker, queue_name=f"{settings.namespace}.other")
    def other() -> None:
        pass

    message = other.send()
    assert store.get(message.message_id) is None
