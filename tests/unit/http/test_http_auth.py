"""Keys, scopes, ownership and rate limits at the door (TestClient; keys in SQLite, buckets in memory)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.rate_limits import InMemoryRateLimiter
from truthgraph.db.keys import KeyStore, RateLimit, Scope
from truthgraph.domain import utc_now

DOC = {"id": "d1", "title": "T", "text": "Some text."}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(history):
    return KeyStore(history.engine)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def guarded(make_client, settings, keys, clock):
    """A client of the app with authentication on, small default limits."""
    on = dataclasses.replace(settings, auth=True, submit_rate="1/3", read_rate="10/20")
    return make_client(settings=on, keys=keys, limiter=InMemoryRateLimiter(clock=clock))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_key(keys, *scopes: Scope, **kwargs) -> str:
    return keys.create(name="test", scopes=frozenset(scopes), **kwargs)[1]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"},
                                     {"Authorization": "Bearer tg_nope"}, bearer("tg_" + "0" * 12 + "_" + "A" * 43)])
def test_a_missing_malformed_or_unknown_key_is_401_with_www_authenticate(guarded, assert_error, headers):
    result = guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"}, headers=headers)
    assert_error(result, 401)
    assert result.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_is_401(guarded, keys, assert_error):
    key, token = keys.create(name="gone", scopes=frozenset({Scope.VERIFY}))
    keys.revoke(key.key_id)
    assert_error(guarded.simulate_get("/api/v1/tasks/t1", headers=bearer(token)), 401)


def test_health_readiness_and_the_api_description_stay_open(guarded):
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert guarded.simulate_get(path).status_code == 200, path


def test_a_key_without_the_scope_is_403(guarded, keys, assert_error, publisher):
    reader = make_key(keys, Scope.READ)
    assert_error(guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"}, headers=bearer(reader)), 403)
    verifier = make_key(keys, Scope.VERIFY)
    upload = {"documents": [DOC]}
    assert_error(guarded.simulate_post("/api/v1/corpora/mine/documents", json=upload, headers=bearer(verifier)), 403)
    assert_error(guarded.simulate_get("/api/v1/queue/stats", headers=bearer(verifier)), 403)
    assert publisher.verifications == [] and publisher.ingests == []


def test_the_default_corpus_is_read_only_but_for_admin(guarded, keys, settings, assert_error, publisher):
    writer = make_key(keys, Scope.CORPUS_WRITE)
    admin = make_key(keys, Scope.ADMIN)
    path = f"/api/v1/corpora/{settings.default_corpus}/documents"
    assert_error(guarded.simulate_post(path, json={"documents": [DOC]}, headers=bearer(writer)), 403)
    assert guarded.simulate_post("/api/v1/corpora/mine/documents", json={"documents": [DOC]},
                                 headers=bearer(writer)).status_code == 202
    assert guarded.simulate_post(path, json={"documents": [DOC]}, headers=bearer(admin)).status_code == 202
    assert [i["corpus"] for i in publisher.ingests] == ["mine", settings.default_corpus]


def test_a_task_is_readable_by_its_key_and_admin_only(guarded, keys, assert_error):
    mine, theirs, admin = make_key(keys, Scope.VERIFY), make_key(keys, Scope.VERIFY), make_key(keys, Scope.ADMIN)
    task_id = guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"},
                                    headers=bearer(mine)).json["task_id"]
    assert guarded.simulate_get(f"/api/v1/tasks/{task_id}", headers=bearer(mine)).status_code == 200
    assert_error(guarded.simulate_get(f"/api/v1/tasks/{task_id}", headers=bearer(theirs)), 404)  # 404, not 403
    assert guarded.simulate_get(f"/api/v1/tasks/{task_id}", headers=bearer(admin)).status_code == 200


def test_a_task_read_from_its_kept_verdict_is_readable_by_its_key_and_admin_only(guarded, keys, history,
                                                                                  assert_error):
    mine, theirs, admin = make_key(keys, Scope.VERIFY), make_key(keys, Scope.VERIFY), make_key(keys, Scope.ADMIN)
    history.record(task_id="t-lost", claim_id="c1", result={"verdict": "SUPPORTED"}, verified_at=utc_now(),
                   owner=keys.authenticate(mine).key_id)  # its Redis record is gone
    assert guarded.simulate_get("/api/v1/tasks/t-lost", headers=bearer(mine)).json["status"] == "completed"
    assert_error(guarded.simulate_get("/api/v1/tasks/t-lost", headers=bearer(theirs)), 404)
    assert guarded.simulate_get("/api/v1/tasks/t-lost", headers=bearer(admin)).status_code == 200


def test_verdicts_are_readable_by_read_keys_and_by_the_key_whose_task_reached_them(guarded, keys, history,
                                                                                   assert_error):
    mine, theirs, reader = make_key(keys, Scope.VERIFY), make_key(keys, Scope.VERIFY), make_key(keys, Scope.READ)
    mine_id = keys.authenticate(mine).key_id
    result = {"claim_text": "x", "verdict": "SUPPORTED", "confidence": 0.9, "evidence": []}
    history.record(task_id="t1", claim_id="c1", result=result, verified_at="2026-01-01T00:00:00Z", owner=mine_id)
    assert guarded.simulate_get("/api/v1/verdicts/c1", headers=bearer(mine)).json["task_id"] == "t1"
    assert guarded.simulate_get("/api/v1/verdicts/c1", headers=bearer(reader)).json["task_id"] == "t1"
    assert_error(guarded.simulate_get("/api/v1/verdicts/c1", headers=bearer(theirs)), 404)
    assert guarded.simulate_get("/api/v1/claims/c1/verdicts", headers=bearer(theirs)).json["verdicts"] == []
    assert len(guarded.simulate_get("/api/v1/claims/c1/verdicts", headers=bearer(reader)).json["verdicts"]) == 1


def test_a_burst_past_the_limit_is_429_while_another_key_is_served(guarded, keys, clock, assert_error):
    noisy, quiet = make_key(keys, Scope.VERIFY), make_key(keys, Scope.VERIFY)
    answers = [guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"}, headers=bearer(noisy))
               for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert answers[0].headers["ratelimit-limit"] == "3" and answers[0].headers["ratelimit-remaining"] == "2"
    refused = assert_error(answers[-1], 429)
    assert answers[-1].headers["retry-after"] == "1" and answers[-1].headers["ratelimit-remaining"] == "0"
    assert "rate limit" in refused["description"]
    assert guarded.simulate_post("/api/v1/claims/c2/verify", json={"claim_text": "x"},
                                 headers=bearer(quiet)).status_code == 202
    assert guarded.simulate_get("/api/v1/verdicts/c1", headers=bearer(noisy)).status_code != 429  # reads apart
    clock.now += 1.0
    assert guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"},
                                 headers=bearer(noisy)).status_code == 202


def test_a_key_with_its_own_limit_keeps_it(guarded, keys):
    generous = make_key(keys, Scope.VERIFY, submit_limit=RateLimit(10, 10))
    codes = [guarded.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"},
                                   headers=bearer(generous)).status_code for _ in range(10)]
    assert codes == [202] * 10


def test_with_authentication_off_everything_is_open(client):
    assert client.simulate_post("/api/v1/claims/c1/verify", json={"claim_text": "x"}).status_code == 202
    assert client.simulate_get("/api/v1/queue/stats").status_code == 200
