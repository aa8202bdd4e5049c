"""Fixtures of the HTTP API tests: the app on the in-memory status store and a fake publisher."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import falcon
import pytest
from falcon.testing import TestClient

from tests.support.databases import database_url_for, migrated_engine, release
from tests.support.memory_store import InMemoryStatusStore
from truthgraph.db.verdicts import VerdictHistory
from truthgraph.domain import TaskStatus
from truthgraph.errors import ServiceUnavailable
from truthgraph.http.app import create_app
from truthgraph.settings import Settings
from truthgraph.status_store import new_status

#: Internal detail carried by backing-service errors; it must never reach a client.
SECRET_DETAIL = "internal detail 10.0.0.7:5672"


class FakePublisher:
    """Implements ``TaskPublisher``'s methods without a broker; writes pending statuses as the real one does.

    Set ``failure`` to an exception to make every method raise it.
    """

    def __init__(self, store: InMemoryStatusStore, *, ids: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self.store = store
        self.ids = ids
        self.failure: Exception | None = None
        self.verifications: list[dict[str, Any]] = []
        self.ingests: list[dict[str, Any]] = []
        self.stats: dict[str, Any] = {
            "queues": {"t.verify": {"ready": 2, "in_flight": 1, "consumers": 1}},
            "dead_letters": 0,
            "consumers": 1,
        }

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def submit_verification(
        self, *, claim_id: str, claim_text: str, options: dict[str, Any], owner: str | None = None
    ) -> TaskStatus:
        """Record the submission and write its pending status."""
        self._raise_failure()
        status = new_status(self.ids(), "verify", claim_id=claim_id, owner=owner)
        self.store.create(status)
        self.verifications.append({"claim_id": claim_id, "claim_text": claim_text, "options": options})
        return status

    def submit_ingest(self, *, corpus: str, documents: list[dict[str, Any]], owner: str | None = None) -> TaskStatus:
        """Record the upload and write its pending status."""
        self._raise_failure()
        status = new_status(self.ids(), "ingest", corpus=corpus, owner=owner)
        self.store.create(status)
        self.ingests.append({"corpus": corpus, "documents": documents})
        return status

    def queue_stats(self) -> dict[str, Any]:
        """Canned statistics."""
        self._raise_failure()
        return self.stats

    def ping(self) -> None:
        """Answer unless failing."""
        self._raise_failure()


@pytest.fixture
def publisher(store: InMemoryStatusStore) -> FakePublisher:
    """A fake publisher writing to this test's store."""
    return FakePublisher(store)


@pytest.fixture
def down_store(settings: Settings) -> InMemoryStatusStore:
    """A status store whose Redis does not answer: every call raises ServiceUnavailable carrying internal detail."""
    store = InMemoryStatusStore(namespace=settings.namespace, ttl_s=settings.result_ttl_s)
    store.unavailable = f"connection refused ({SECRET_DETAIL})"
    return store


@pytest.fixture
def history(tmp_path: Path) -> Iterator[VerdictHistory]:
    """A verdict history on a migrated SQLite file of this test's own."""
    url = database_url_for("sqlite", tmp_path)
    engine = migrated_engine(url)
    yield VerdictHistory(engine)
    release(url, engine)


@pytest.fixture
def make_client(
    settings: Settings, store: InMemoryStatusStore, publisher: FakePublisher, history: VerdictHistory
) -> Callable[..., TestClient]:
    """Build a client; keyword arguments replace the settings, store, publisher, history or upload limit."""

    def make(**overrides: Any) -> TestClient:
        options: dict[str, Any] = {"store": store, "publisher": publisher, "history": history}
        app_settings = overrides.pop("settings", settings)
        options.update(overrides)
        return TestClient(create_app(app_settings, **options))

    return make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the app on this test's store and fake publisher."""
    return make_client()


def _assert_error(result: falcon.testing.Result, status: int, *, field: str | None = None) -> dict[str, Any]:
    """Assert a JSON error response of ``status``, with title and description (and field); return its body."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"].startswith("application/json")
    body = result.json
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["description"], str) and body["description"]
    if field is not None:
        assert body["field"] == field
    return body


def _down(service: str) -> ServiceUnavailable:
    return ServiceUnavailable(service, f"connection refused ({SECRET_DETAIL})")


@pytest.fixture
def assert_error() -> Callable[..., dict[str, Any]]:
    """``assert_error(result, status, field=None)``: assert a JSON error response; returns its body."""
    return _assert_error


@pytest.fixture
def down() -> Callable[[str], ServiceUnavailable]:
    """``down(service)``: the error a backing service's client raises when it does not answer."""
    return _down
