"""The shipped pipeline (default stance model, Wikipedia corpus) behind real gunicorn and dramatiq processes."""

from __future__ import annotations

import uuid

import pytest
import requests

from .conftest import _running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    yield from _running(tmp_path_factory, TRUTHGRAPH_PIPELINE="truthgraph.verification.default:build_default_pipeline")


def _verdict_of(real, claim: str) -> dict:
    """Submit the claim to the running service, wait for its task, and read its verdict."""
    claim_id = f"plain-{uuid.uuid4().hex[:8]}"
    response = real.post_claim(claim_id, claim)
    assert response.status_code == 202
    status = real.wait_until_done(response.json()["task_id"], timeout=120)
    assert status["status"] == "completed", status
    return requests.get(f"{real.url}/api/v1/verdicts/{claim_id}", timeout=5).json()


@pytest.mark.parametrize(
    "claim, expected",
    [("The Eiffel Tower is in Paris.", "SUPPORTED"), ("The Eiffel Tower is in Rome.", "REFUTED")],
)
def test_plain_claims_get_the_right_verdict(real, claim, expected):
    verdict = _verdict_of(real, claim)
    assert verdict["verdict"] == expected
    assert 0.0 <= verdict["confidence"] <= 1.0
    assert any("Eiffel" in item["title"] for item in verdict["evidence"])
    assert {"passage_id", "title", "text", "retrieval_score", "stance", "stance_probabilities"} <= set(
        verdict["evidence"][0]
    )


@pytest.mark.parametrize(
    "claim",
    [
        "Barack Obama was born in Kenya.",  # "Kenya is a country in East Africa" must not decide it
        "Penguins live in the Arctic.",
        "Humans have walked on Mars.",
        "The Amazon is the longest river in Europe.",
    ],
)
def test_false_everyday_claims_are_not_called_true(real, claim):
    assert _verdict_of(real, claim)["verdict"] != "SUPPORTED"


def test_ingest_a_corpus_over_http_then_verify_against_it(real):
    corpus = f"notes-{uuid.uuid4().hex[:6]}"
    documents = [
        {"id": "d1", "title": "Zorblat Bridge", "text": "The Zorblat Bridge was opened in 1931 and spans the river Quell."},
        {"id": "d2", "title": "Quell", "text": "The Quell is a river that flows through the town of Marrow."},
    ]
    response = requests.post(f"{real.url}/api/v1/corpora/{corpus}/documents", json={"documents": documents}, timeout=10)
    assert response.status_code == 202, response.text
    ingest = real.wait_until_done(response.json()["task_id"], timeout=120)
    assert ingest["status"] == "completed", ingest
    assert ingest["result"]["passage_count"] == 2

    response = real.post_claim("zorblat", "The Zorblat Bridge was opened in 1931.", corpus_ids=[corpus], top_k=2)
    status = real.wait_until_done(response.json()["task_id"], timeout=120)
    assert status["status"] == "completed", status
    result = status["result"]
    assert {item["source"] for item in result["evidence"]} == {corpus}
    assert result["verdict"] == "SUPPORTED"


def test_an_unknown_corpus_is_422_at_the_door_and_nothing_is_queued(real):
    response = real.post_claim("nowhere", "The Zorblat Bridge was opened in 1931.", corpus_ids=["no-such-corpus"])
    assert response.status_code == 422
    assert response.json()["field"] == "options.corpus_ids" and "no-such-corpus" in response.json()["description"]
    assert requests.get(f"{real.url}/api/v1/verdicts/nowhere", timeout=5).status_code == 404  # nothing was queued
