"""Verdicts kept for good: GET /api/v1/verdicts/{claim_id} from the history, GET /api/v1/claims/{claim_id}/verdicts."""

from __future__ import annotations

import pytest

from truthgraph.db.engine import create_database_engine
from truthgraph.db.verdicts import VerdictHistory
from truthgraph.domain import TaskState
from truthgraph.status_store import new_status

RESULT = {"claim_text": "The Eiffel Tower is in Paris.", "verdict": "SUPPORTED", "confidence": 0.91, "evidence": []}


@pytest.fixture
def client_with_history(client):
    return client


def keep(history, task_id: str, claim_id: str = "c-1", verdict: str = "SUPPORTED", at: str = "2025-01-15T10:00:00Z"):
    history.record(task_id=task_id, claim_id=claim_id, result={**RESULT, "verdict": verdict}, verified_at=at)


def test_a_verdict_is_read_from_the_history_when_redis_holds_nothing(client_with_history, history):
    keep(history, "t-1")
    result = client_with_history.simulate_get("/api/v1/verdicts/c-1")
    assert result.status_code == 200
    assert result.json == {**RESULT, "claim_id": "c-1", "task_id": "t-1", "verified_at": "2025-01-15T10:00:00Z"}


def test_a_running_task_still_answers_202(client_with_history, history, store):
    keep(history, "t-1")
    store.create(new_status("t-2", "verify", claim_id="c-1"))
    result = client_with_history.simulate_get("/api/v1/verdicts/c-1")
    assert result.status_code == 202 and result.json["task_id"] == "t-2"


def test_the_newest_kept_verdict_wins_over_a_later_failure(client_with_history, history, store):
    keep(history, "t-1")
    store.create(new_status("t-2", "verify", claim_id="c-1"))
    store.transition("t-2", TaskState.FAILED, error="boom")
    result = client_with_history.simulate_get("/api/v1/verdicts/c-1")
    assert result.status_code == 200 and result.json["task_id"] == "t-1"


def test_the_history_pages_newest_first(client_with_history, history, assert_error):
    for i in range(3):
        keep(history, f"t-{i}", verdict=["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"][i], at=f"2025-01-1{i}T00:00:00Z")
    first = client_with_history.simulate_get("/api/v1/claims/c-1/verdicts", params={"limit": "2"})
    assert first.status_code == 200
    assert [v["task_id"] for v in first.json["verdicts"]] == ["t-2", "t-1"] and first.json["claim_id"] == "c-1"
    rest = client_with_history.simulate_get(
        "/api/v1/claims/c-1/verdicts", params={"limit": "2", "cursor": first.json["next_cursor"]}
    )
    assert [v["verdict"] for v in rest.json["verdicts"]] == ["SUPPORTED"] and rest.json["next_cursor"] is None
    empty = client_with_history.simulate_get("/api/v1/claims/never/verdicts")
    assert empty.status_code == 200 and empty.json == {"claim_id": "never", "verdicts": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit"), ({"cursor": "nope"}, "cursor")],
)
def test_bad_paging_is_422(client_with_history, assert_error, params, field):
    assert_error(client_with_history.simulate_get("/api/v1/claims/c-1/verdicts", params=params), 422, field=field)


def test_a_database_that_does_not_answer_is_503_with_retry_after(make_client, assert_error):
    down = VerdictHistory(create_database_engine("postgresql://postgres@127.0.0.1:1/none"))
    client = make_client(history=down)
    for path in ("/api/v1/verdicts/c-1", "/api/v1/claims/c-1/verdicts"):
        result = client.simulate_get(path)
        body = assert_error(result, 503)
        assert result.headers["retry-after"] and "database" in body["description"]
    ready = client.simulate_get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "unavailable"


def test_a_claim_naming_an_unknown_corpus_is_422_at_the_door(make_client, history, assert_error, publisher):
    from truthgraph.db.corpora import CorpusCatalog
    from truthgraph.evidence_store import EvidenceStore

    EvidenceStore(history.engine).create_corpus("mine", passages=[{"id": "p", "title": "T", "text": "Some text."}])
    client = make_client(catalog=CorpusCatalog(history.engine))
    known = client.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x", "options": {"corpus_ids": ["mine"]}})
    assert known.status_code == 202
    unknown = client.simulate_post(
        "/api/v1/claims/c2/verify", json={"claim_text": "x", "options": {"corpus_ids": ["mine", "nope"]}}
    )
    body = assert_error(unknown, 422, field="options.corpus_ids")
    assert "nope" in body["description"] and len(publisher.verifications) == 1
    assert client.simulate_post("/api/v1/claims/c3/verify", json={"claim_text": "x"}).status_code == 202
