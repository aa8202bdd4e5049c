"""Corpora live in the shared database: workers with data folders of their own all search a corpus uploaded to one.

The workers run the real default pipeline (the scripted test pipeline does not retrieve) against one PostgreSQL
database, whatever ``TRUTHGRAPH_TEST_DATABASE`` says: a SQLite file cannot be shared by workers on two machines.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import requests

from tests.support.databases import create_postgres_database, release

from .service import kill_worker, wait_for

pytestmark = pytest.mark.integration

DOCUMENTS = [
    {"id": "bridge", "title": "Zorblat Bridge",
     "text": "The Zorblat Bridge was opened in 1931. It spans the river Quell at the town of Marrow."},
    {"id": "quell", "title": "Quell", "text": "The Quell is a river that flows north through the town of Marrow."},
    {"id": "marrow", "title": "Marrow", "text": "Marrow is a market town with a population of about 12,000 people."},
    {"id": "lighthouse", "title": "Vesk Lighthouse",
     "text": "The Vesk Lighthouse stands on Vesk Point and was first lit in 1888."},
]
CLAIMS = [
    "The Zorblat Bridge was opened in 1931.",
    "The Zorblat Bridge was opened in 1975.",
    "The Zorblat Bridge spans the river Quell.",
    "The Quell flows through Marrow.",
    "The Quell flows south.",
    "Marrow is a market town.",
    "About 12,000 people live in Marrow.",
    "The Vesk Lighthouse was first lit in 1888.",
    "The Vesk Lighthouse stands on Vesk Point.",
    "The Vesk Lighthouse was first lit in 1920.",
]


@pytest.fixture
def shared_database() -> Iterator[str]:
    """One PostgreSQL database for every process of the test."""
    url = create_postgres_database()
    yield url
    release(url)


def test_workers_with_their_own_data_folders_use_a_corpus_uploaded_to_one_and_lose_nothing_when_one_dies(
    shared_database, make_service, tmp_path
):
    corpus = f"shared-{uuid.uuid4().hex[:6]}"
    service = make_service(
        TRUTHGRAPH_DATABASE_URL=shared_database,
        TRUTHGRAPH_PIPELINE="truthgraph.verification.default:build_default_pipeline",
        TRUTHGRAPH_DEFAULT_CORPUS=corpus,  # not the default Wikipedia corpus, which each worker would build
    )
    first = service.start_worker(TRUTHGRAPH_DATA_DIR=str(tmp_path / "first"))

    # the only worker running takes the upload
    response = requests.post(f"{service.url}/api/v1/corpora/{corpus}/documents", json={"documents": DOCUMENTS},
                             timeout=10)
    assert response.status_code == 202, response.text
    ingest = service.wait_until_done(response.json()["task_id"], timeout=120)
    assert ingest["status"] == "completed", ingest
    assert ingest["result"]["passage_count"] == len(DOCUMENTS)

    # a second worker, on a data folder that never saw the upload
    service.start_worker(TRUTHGRAPH_DATA_DIR=str(tmp_path / "second"))
    tasks = []
    for i, claim in enumerate(CLAIMS):
        response = service.post_claim(f"{corpus}-{i}", claim, corpus_ids=[corpus], top_k=2)
        assert response.status_code == 202, response.text
        tasks.append(response.json()["task_id"])

    # the first worker dies mid-run, once a claim is judged: what it held is redelivered to the second
    def judged() -> bool:
        return any(service.task(t).json()["status"] == "completed" for t in tasks)

    wait_for(judged, timeout=120, interval=0.05, what="a claim to be judged")
    kill_worker(first)
    unfinished = [t for t in tasks if service.task(t).json()["status"] != "completed"]
    assert unfinished, "every claim finished before the first worker died: the second judged none"

    results = [service.wait_until_done(t, timeout=240) for t in tasks]
    assert [r["status"] for r in results] == ["completed"] * len(CLAIMS), results
    sources = [{item["source"] for item in r["result"]["evidence"]} for r in results]
    assert sources == [{corpus}] * len(CLAIMS)  # 100 % judged with evidence from the uploaded corpus
