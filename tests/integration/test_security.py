"""Keys, scopes, ownership and rate limits over real gunicorn, Redis, RabbitMQ, a worker and the database."""

from __future__ import annotations

import uuid

import pytest
import requests

from truthgraph.db.engine import create_database_engine
from truthgraph.db.keys import KeyStore, Scope

from .service import queue_counts

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def secured(make_service):
    """An API with authentication on (submissions 2/s, bursts of 5) and a worker."""
    service = make_service(TRUTHGRAPH_AUTH="on", TRUTHGRAPH_SUBMIT_RATE="2/5")
    service.start_worker()
    keys = KeyStore(create_database_engine(service.env["TRUTHGRAPH_DATABASE_URL"]))

    def key(*scopes: Scope) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys.create(name='test', scopes=frozenset(scopes))[1]}"}

    return service, key


def post(service, path: str, headers: dict[str, str], body: dict) -> requests.Response:
    return requests.post(f"{service.url}{path}", json=body, headers=headers, timeout=10)


def get(service, path: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{service.url}{path}", headers=headers, timeout=10)


def test_without_a_key_nothing_but_health_and_the_description_answers(secured):
    service, _ = secured
    anonymous = post(service, f"/api/v1/claims/c-{tag()}/verify", {}, {"claim_text": "it is true"})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["title"] and anonymous.json()["description"]
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert get(service, path, {}).status_code == 200, path
    assert queue_counts(service.env["TRUTHGRAPH_RABBITMQ_URL"], f"{service.namespace}.verify")[0] == 0


def test_a_key_without_corpus_write_cannot_change_any_corpus(secured):
    service, key = secured
    verifier = key(Scope.VERIFY, Scope.READ)
    upload = {"documents": [{"id": "fake", "title": "Eiffel Tower", "text": "The Eiffel Tower stands in Rome."}]}
    for corpus in ("wikipedia", "mine"):
        answer = post(service, f"/api/v1/corpora/{corpus}/documents", verifier, upload)
        assert answer.status_code == 403 and answer.json()["title"] == "Forbidden"
    writer = key(Scope.CORPUS_WRITE)
    assert post(service, "/api/v1/corpora/wikipedia/documents", writer, upload).status_code == 403
    assert queue_counts(service.env["TRUTHGRAPH_RABBITMQ_URL"], f"{service.namespace}.ingest")[0] == 0


def test_a_task_and_its_verdict_belong_to_the_key_that_submitted_it(secured):
    service, key = secured
    mine, theirs, reader = key(Scope.VERIFY), key(Scope.VERIFY), key(Scope.READ)
    claim_id = f"own-{tag()}"
    task_id = post(service, f"/api/v1/claims/{claim_id}/verify", mine, {"claim_text": "it is true"}).json()["task_id"]
    done = service.wait_until_done(task_id, headers=mine)
    assert done["status"] == "completed"
    assert get(service, f"/api/v1/tasks/{task_id}", theirs).status_code == 404
    assert get(service, f"/api/v1/verdicts/{claim_id}", mine).json()["verdict"] == "SUPPORTED"
    assert get(service, f"/api/v1/verdicts/{claim_id}", reader).json()["task_id"] == task_id
    assert get(service, f"/api/v1/verdicts/{claim_id}", theirs).status_code == 404


def test_a_burst_past_the_limit_gets_429_while_a_second_key_is_served(secured):
    service, key = secured
    noisy, quiet = key(Scope.VERIFY), key(Scope.VERIFY)
    codes = [post(service, f"/api/v1/claims/b-{tag()}/verify", noisy, {"claim_text": "x"}).status_code
             for _ in range(8)]
    assert codes[:5] == [202] * 5 and 429 in codes[5:]
    refused = post(service, f"/api/v1/claims/b-{tag()}/verify", noisy, {"claim_text": "x"})
    if refused.status_code == 429:
        assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["RateLimit-Remaining"] == "0"
    assert post(service, f"/api/v1/claims/q-{tag()}/verify", quiet, {"claim_text": "x"}).status_code == 202
