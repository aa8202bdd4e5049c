"""The promises of the task lifecycle when the status store fails: 503 means nothing queued, an outcome is recorded
or its message is not acked, a lost record is re-created, poison is dead-lettered, an abandoned task never runs.

StubBroker, the in-memory status store with injected failures, and StubBackend results.
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import ConnectionClosed
from dramatiq.results.backends import StubBackend

from tests.support.memory_store import InMemoryStatusStore
from tests.support.pipelines import in_process_scripted_pipeline
from truthgraph.actors.broker import build_middleware, should_retry
from truthgraph.actors.pipeline_loader import PipelineLoader
from truthgraph.actors.publisher import TaskPublisher
from truthgraph.actors.registry import declare_actors
from truthgraph.actors.task_status import StatusNotRecorded
from truthgraph.domain import TaskState
from truthgraph.errors import PermanentError, ServiceUnavailable, TemporaryError


class FlakyStore(InMemoryStatusStore):
    """The in-memory store, failing the next ``failures[(method, state)]`` calls as a Redis outage would."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures: dict[tuple[str, str | None], int] = {}
        self._guard = threading.Lock()

    def _maybe_fail(self, method: str, state: TaskState | None = None) -> None:
        key = (method, state.value if state else None)
        with self._guard:
            if self.failures.get(key, 0) > 0:
                self.failures[key] -= 1
                raise ServiceUnavailable("redis", f"injected failure of {method}")

    def begin(self, task_id: str, **kwargs: Any):  # type: ignore[override]
        self._maybe_fail("begin")
        return super().begin(task_id, **kwargs)

    def transition(self, task_id: str, state: TaskState, **kwargs: Any) -> bool:  # type: ignore[override]
        self._maybe_fail("transition", state)
        return super().transition(task_id, state, **kwargs)


class CountingLoader(PipelineLoader):
    """Loads the in-process scripted pipeline and counts how often each claim text is verified."""

    def __init__(self, settings: Any, *, during: Any = None) -> None:
        super().__init__(settings)
        self.runs: dict[str, int] = {}
        self.during = during
        self._inner = in_process_scripted_pipeline(settings)

    def pipeline(self) -> Any:
        return self

    def cache_key(self, claim_text: str, options: Any) -> None:
        return None

    def verify(self, claim_text: str, options: Any, progress: Any) -> Any:
        self.runs[claim_text] = self.runs.get(claim_text, 0) + 1
        if self.during is not None:
            self.during()
        return self._inner.verify(claim_text, options, progress)


@pytest.fixture
def flaky(settings) -> FlakyStore:
    return FlakyStore(namespace=settings.namespace, ttl_s=settings.result_ttl_s)


def make_broker(settings, store) -> StubBroker:
    broker = StubBroker(middleware=build_middleware(settings, store, results_backend=StubBackend()))
    broker.emit_after("process_boot")
    return broker


def run(broker: StubBroker, settings) -> None:
    worker = dramatiq.Worker(broker, worker_timeout=20)
    worker.start()
    try:
        broker.join(settings.verify_queue, fail_fast=False)
        worker.join()
    finally:
        worker.stop()


def test_a_status_that_cannot_be_written_stops_the_publish(settings, flaky):
    broker = make_broker(settings, flaky)
    actors = declare_actors(broker, settings, flaky)
    flaky.unavailable = "redis is down"
    with pytest.raises(StatusNotRecorded):
        actors.verify.send(claim_id="c1", claim_text="it is true", options={})
    assert broker.queues[settings.verify_queue].qsize() == 0


def test_an_unrecorded_start_is_tried_again_and_runs_once(settings, flaky):
    broker = make_broker(settings, flaky)
    loader = CountingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c1", claim_text="it is true", options={})
    flaky.failures[("begin", None)] = 2
    run(broker, settings)
    status = flaky.get(message.message_id)
    assert status.status is TaskState.COMPLETED and status.result["verdict"] == "SUPPORTED"
    assert loader.runs == {"it is true": 1}
    assert broker.dead_letters == []


def test_an_unrecorded_outcome_is_recorded_later_without_running_again(settings, flaky):
    broker = make_broker(settings, flaky)
    loader = CountingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c1", claim_text="it is false", options={})
    flaky.failures[("transition", "completed")] = 2  # the outcome, then its first deferred recording
    run(broker, settings)
    status = flaky.get(message.message_id)
    assert status.status is TaskState.COMPLETED and status.result["verdict"] == "REFUTED"
    assert loader.runs == {"it is false": 1}


def test_a_record_lost_mid_run_is_recreated_from_the_message(settings, flaky):
    broker = make_broker(settings, flaky)
    holder: dict[str, str] = {}
    loader = CountingLoader(settings, during=lambda: flaky.delete(holder["id"]))
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c9", claim_text="it is true", options={})
    holder["id"] = message.message_id
    created = flaky.get(message.message_id).created_at
    run(broker, settings)
    status = flaky.get(message.message_id)
    assert status.status is TaskState.COMPLETED
    assert (status.task_type, status.claim_id, status.created_at) == ("verify", "c9", created)
    assert flaky.latest_verdict_for_claim("c9").task_id == message.message_id


def test_a_message_that_crashed_its_worker_three_times_is_dead_lettered(settings, flaky):
    broker = make_broker(settings, flaky)
    loader = CountingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c1", claim_text="poison", options={})
    for _ in range(3):  # three deliveries that each killed their worker before it could answer
        assert flaky.begin(message.message_id, attempt=0).outcome == "started"
    normal = actors.verify.send(claim_id="c2", claim_text="it is true", options={})
    run(broker, settings)
    status = flaky.get(message.message_id)
    assert status.status is TaskState.FAILED and status.error == "the task crashed its worker 3 times"
    assert loader.runs == {"it is true": 1}
    assert [m.message_id for m in broker.dead_letters] == [message.message_id]
    assert flaky.get(normal.message_id).status is TaskState.COMPLETED


def test_an_abandoned_task_is_never_run(settings, flaky):
    broker = make_broker(settings, flaky)
    loader = CountingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c1", claim_text="it is true", options={})
    flaky.abandon(message.message_id)
    run(broker, settings)
    assert loader.runs == {}
    assert flaky.get(message.message_id) is None


class UnconfirmedBroker(StubBroker):
    """A broker whose publishes are never confirmed, after writing the record as the real one does."""

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        self.emit_before("enqueue", message, delay)
        raise ConnectionClosed(OSError("no confirm"))


def test_an_unconfirmed_publish_is_503_and_its_task_abandoned(settings, flaky):
    broker = UnconfirmedBroker(middleware=build_middleware(settings, flaky, results_backend=StubBackend()))
    actors = declare_actors(broker, settings, flaky)
    publisher = TaskPublisher(settings=settings, broker=broker, actors=actors, store=flaky)
    with pytest.raises(ServiceUnavailable) as info:
        publisher.submit_verification(claim_id="c1", claim_text="it is true", options={})
    assert info.value.service == "rabbitmq"
    assert flaky.counts()["pending"] == 0 and flaky.latest_for_claim("c1") is None


class TakenButUnconfirmedBroker(StubBroker):
    """A broker that loses the confirm of a publish after a worker has already begun the message."""

    def __init__(self, store: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        self.emit_before("enqueue", message, delay)
        self.store.begin(message.message_id, attempt=0)
        raise ConnectionClosed(OSError("confirm lost"))


def test_an_unconfirmed_publish_a_worker_has_begun_is_accepted(settings, flaky):
    middleware = build_middleware(settings, flaky, results_backend=StubBackend())
    broker = TakenButUnconfirmedBroker(flaky, middleware=middleware)
    actors = declare_actors(broker, settings, flaky)
    publisher = TaskPublisher(settings=settings, broker=broker, actors=actors, store=flaky)
    status = publisher.submit_verification(claim_id="c1", claim_text="it is true", options={})
    assert status.status is TaskState.PROCESSING  # a 202: the task runs, so a 503 would be untrue
    assert flaky.latest_for_claim("c1").task_id == status.task_id


def test_a_publish_with_redis_down_is_503_redis_and_queues_nothing(settings, flaky):
    broker = make_broker(settings, flaky)
    actors = declare_actors(broker, settings, flaky)
    publisher = TaskPublisher(settings=settings, broker=broker, actors=actors, store=flaky)
    flaky.unavailable = "redis is down"
    with pytest.raises(ServiceUnavailable) as info:
        publisher.submit_verification(claim_id="c1", claim_text="it is true", options={})
    assert info.value.service == "redis"
    assert broker.queues[settings.verify_queue].qsize() == 0


def test_a_published_task_is_accepted_even_when_its_record_cannot_be_read_back(settings, flaky):
    broker = make_broker(settings, flaky)
    actors = declare_actors(broker, settings, flaky)
    publisher = TaskPublisher(settings=settings, broker=broker, actors=actors, store=flaky)

    def get_fails(task_id: str) -> None:
        raise ServiceUnavailable("redis", "read timed out")

    flaky.get = get_fails  # type: ignore[method-assign]
    status = publisher.submit_verification(claim_id="c1", claim_text="it is true", options={})
    assert status.status is TaskState.PENDING and status.claim_id == "c1" and status.task_type == "verify"
    assert broker.queues[settings.verify_queue].qsize() == 1


@pytest.mark.parametrize(
    ("retries", "exception", "expected"),
    [
        (0, TemporaryError("x"), True),
        (3, TemporaryError("x"), False),
        (0, PermanentError("x"), False),
        (50, StatusNotRecorded("redis down"), True),
    ],
)
def test_which_failures_are_tried_again(retries, exception, expected):
    assert should_retry(retries, exception, max_retries=3) is expected


class FlakyHistory:
    """A verdict history on SQLite whose next ``failures`` writes fail as a database outage would."""

    def __init__(self, folder: Any) -> None:
        from tests.support.databases import database_url_for, migrated_engine
        from truthgraph.db.verdicts import VerdictHistory

        self.inner = VerdictHistory(migrated_engine(database_url_for("sqlite", folder)))
        self.failures = 0

    def record(self, **kwargs: Any) -> bool:
        if self.failures > 0:
            self.failures -= 1
            raise ServiceUnavailable("database", "injected outage")
        return self.inner.record(**kwargs)

    def for_task(self, task_id: str) -> Any:
        return self.inner.for_task(task_id)


def test_a_completed_verification_is_kept_once_even_when_the_database_fails_at_first(settings, flaky, tmp_path):
    history = FlakyHistory(tmp_path)
    broker = StubBroker(middleware=build_middleware(settings, flaky, results_backend=StubBackend(), history=history))
    broker.emit_after("process_boot")
    loader = CountingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader)
    message = actors.verify.send(claim_id="c7", claim_text="it is true", options={})
    history.failures = 1
    run(broker, settings)
    kept = history.inner.for_task(message.message_id)
    assert kept is not None and kept.result["verdict"] == "SUPPORTED" and kept.claim_id == "c7"
    status = flaky.get(message.message_id)
    assert status.status is TaskState.COMPLETED and status.completed_at == kept.verified_at
    broker.enqueue(message)  # a redelivery of the finished task
    run(broker, settings)
    assert history.inner.count("c7") == 1 and loader.runs == {"it is true": 1}


class CachingLoader(CountingLoader):
    """The counting pipeline with a cache key: the claim, normalised, and a corpus generation the test can change."""

    generation = "g1"

    def cache_key(self, claim_text: str, options: Any) -> str:
        from truthgraph.verification.cache_key import verdict_cache_key

        return verdict_cache_key(claim_text, generations={"c": self.generation}, model="m", calibration="t", top_k=5)


def test_the_same_claim_against_the_same_corpus_is_answered_from_the_cache(settings, flaky, tmp_path):
    history = FlakyHistory(tmp_path)
    broker = StubBroker(middleware=build_middleware(settings, flaky, results_backend=StubBackend(), history=history))
    broker.emit_after("process_boot")
    loader = CachingLoader(settings)
    actors = declare_actors(broker, settings, flaky, loader, cache=history.inner)

    def submit(text: str, **options: Any) -> Any:
        message = actors.verify.send(claim_id="viral", claim_text=text, options=options)
        run(broker, settings)
        return flaky.get(message.message_id).result

    first = submit("it is true")
    again = submit("  It is TRUE. ")  # the same claim, trivially varied
    assert loader.runs == {"it is true": 1}
    assert again["verdict"] == first["verdict"] == "SUPPORTED" and again["cached_from"] and "cached_from" not in first
    assert again["cache_key"] == first["cache_key"]
    submit("it is true", fresh=True)
    assert loader.runs == {"it is true": 2}
    loader.generation = "g2"  # the corpus changed: the cached verdict no longer holds
    assert "cached_from" not in submit("it is true")
    assert loader.runs == {"it is true": 3}
    assert history.inner.count("viral") == 4  # every task's verdict is kept, cached ones too


def test_without_the_cache_setting_every_claim_runs(settings, flaky, tmp_path):
    from dataclasses import replace

    history = FlakyHistory(tmp_path)
    off = replace(settings, verdict_cache=False)
    broker = StubBroker(middleware=build_middleware(off, flaky, results_backend=StubBackend(), history=history))
    broker.emit_after("process_boot")
    loader = CachingLoader(off)
    actors = declare_actors(broker, off, flaky, loader, cache=history.inner)
    for _ in range(2):
        actors.verify.send(claim_id="viral", claim_text="It is true.", options={})
        run(broker, off)
    assert loader.runs == {"It is true.": 2}


def test_the_cache_normalises_only_trivial_differences():
    from truthgraph.verification.cache_key import normalise_claim, verdict_cache_key

    assert normalise_claim("  The Sky  is BLUE. ") == normalise_claim("the sky is blue") == "the sky is blue"
    assert normalise_claim("The sky is not blue.") != normalise_claim("The sky is blue.")
    key = dict(generations={"w": "1"}, model="m", calibration="c", top_k=5)
    assert verdict_cache_key("a", **key) != verdict_cache_key("a", **{**key, "generations": {"w": "2"}})
    assert verdict_cache_key("a", **key) != verdict_cache_key("a", **{**key, "model": "m2"})
    assert verdict_cache_key("a", **key) != verdict_cache_key("a", **{**key, "top_k": 3})
