"""POST /api/v1/corpora/{name}/documents."""

from __future__ import annotations

import dataclasses
import json

import pytest

from truthgraph.settings import DEFAULT_MAX_UPLOAD_BYTES

DOC = {"id": "doc-1", "title": "Eiffel Tower", "text": "The Eiffel Tower is in Paris."}
UPLOAD = "/api/v1/corpora/my-corpus/documents"


def test_upload_answers_202_with_location_of_the_ingest_task(client, publisher) -> None:
    docs = [DOC, {"id": "doc-2", "title": "", "text": "Paris is the capital of France."}]

    result = client.simulate_post(UPLOAD, json={"documents": docs})

    assert result.status_code == 202
    assert result.headers["location"] == f"/api/v1/tasks/{result.json['task_id']}"
    assert result.json["task_type"] == "ingest" and result.json["corpus"] == "my-corpus"
    assert publisher.ingests == [{"corpus": "my-corpus", "documents": docs}]


def test_uploads_have_their_own_larger_limit(make_client, settings, publisher) -> None:
    client = make_client(settings=dataclasses.replace(settings, max_body_bytes=1024))
    docs = [{"id": f"d{i}", "title": "t", "text": "x" * 1000} for i in range(10)]

    assert client.simulate_post(UPLOAD, json={"documents": docs}).status_code == 202
    assert DEFAULT_MAX_UPLOAD_BYTES > 1024


def test_upload_over_its_limit_is_413(make_client, assert_error, settings, publisher) -> None:
    client = make_client(settings=dataclasses.replace(settings, max_upload_bytes=2048))
    body = json.dumps({"documents": [{**DOC, "text": "x" * 4000}]})

    assert_error(client.simulate_post(UPLOAD, body=body, headers={"Content-Type": "application/json"}), 413)
    assert publisher.ingests == []


def test_thousand_documents_are_accepted(client) -> None:
    docs = [{"id": str(i), "title": "", "text": "t"} for i in range(1000)]

    assert client.simulate_post(UPLOAD, json={"documents": docs}).status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "documents"),
        ({"documents": []}, "documents"),
        ({"documents": DOC}, "documents"),
        ({"documents": [{**DOC, "id": str(i)} for i in range(1001)]}, "documents"),
        ({"documents": [DOC], "corpus": "x"}, "corpus"),
        ({"documents": ["text"]}, "documents[0]"),
        ({"documents": [DOC, {"id": "d2", "title": "t"}]}, "documents[1].text"),
        ({"documents": [{"title": "t", "text": "x"}]}, "documents[0].id"),
        ({"documents": [{"id": "d", "text": "x"}]}, "documents[0].title"),
        ({"documents": [{**DOC, "text": ""}]}, "documents[0].text"),
        ({"documents": [{**DOC, "text": "   "}]}, "documents[0].text"),
        ({"documents": [{**DOC, "text": "x" * 20_001}]}, "documents[0].text"),
        ({"documents": [{**DOC, "text": 5}]}, "documents[0].text"),
        ({"documents": [{**DOC, "text": "a\u0000b"}]}, "documents[0].text"),
        ({"documents": [{**DOC, "id": 1}]}, "documents[0].id"),
        ({"documents": [{**DOC, "id": ""}]}, "documents[0].id"),
        ({"documents": [{**DOC, "title": None}]}, "documents[0].title"),
        ({"documents": [DOC, DOC]}, "documents[1].id"),
        ({"documents": [{**DOC, "url": "http://x"}]}, "documents[0].url"),
    ],
)
def test_bad_uploads_are_422_naming_the_field(client, assert_error, publisher, body, field) -> None:
    assert_error(client.simulate_post(UPLOAD, json=body), 422, field=field)
    assert publisher.ingests == []


def test_text_of_20000_characters_is_accepted(client) -> None:
    assert client.simulate_post(UPLOAD, json={"documents": [{**DOC, "text": "x" * 20_000}]}).status_code == 202


def test_lone_surrogate_in_text_is_422(client, assert_error) -> None:
    body = b'{"documents": [{"id": "d", "title": "t", "text": "\\udc00"}]}'

    result = client.simulate_post(UPLOAD, body=body, headers={"Content-Type": "application/json"})

    assert_error(result, 422, field="documents[0].text")


@pytest.mark.parametrize("name", ["bad%20name", "x" * 65, "a:b", "%C3%A9", "-x", ".hidden", "..", "_x"])
def test_malformed_corpus_name_is_422(client, assert_error, name) -> None:
    result = client.simulate_post(f"/api/v1/corpora/{name}/documents", json={"documents": [DOC]})

    assert_error(result, 422, field="name")


def test_wrong_content_type_is_415(client, assert_error) -> None:
    result = client.simulate_post(UPLOAD, body=json.dumps({"documents": [DOC]}), headers={"Content-Type": "text/csv"})

    assert_error(result, 415)


@pytest.mark.parametrize("service", ["rabbitmq", "redis"])
def test_unreachable_service_is_503(client, publisher, assert_error, down, service) -> None:
    publisher.failure = down(service)

    result = client.simulate_post(UPLOAD, json={"documents": [DOC]})

    assert_error(result, 503)
    assert result.headers["retry-after"]
