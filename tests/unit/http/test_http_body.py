"""Bad request bodies: every case is a JSON 4xx naming what is wrong, never a 500."""

from __future__ import annotations

import dataclasses
import json

import pytest
from falcon import testing

from truthgraph.http.validation import MAX_JSON_DEPTH

VERIFY = "/api/v1/claims/claim-42/verify"
JSON = {"Content-Type": "application/json"}


def post(client, body: bytes, headers: dict[str, str] | None = None, **kwargs):
    return client.simulate_post(VERIFY, body=body, headers=JSON if headers is None else headers, **kwargs)


# --- transport: media type, size, encoding, syntax -------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"]
)
def test_json_with_utf8_charset_is_accepted(client, content_type) -> None:
    result = post(client, b'{"claim_text": "x"}', {"Content-Type": content_type})

    assert result.status_code == 202


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/json; charset=latin-1"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "application/jsonx"},
    ],
)
def test_wrong_or_missing_content_type_is_415(client, assert_error, headers) -> None:
    assert_error(post(client, b'{"claim_text": "x"}', headers), 415)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"{",
        b'{"claim_text": "x",}',
        b"{'claim_text': 'x'}",
        b'{"claim_text": NaN}',
        b'{"claim_text": "x"} trailing',
        b'{"top": Infinity}',
        b'{"n": ' + b"9" * 5000 + b"}",
    ],
)
def test_invalid_json_is_400(client, assert_error, body) -> None:
    assert_error(post(client, body), 400)


@pytest.mark.parametrize("body", [b'{"claim_text": "caf\xe9"}', b"\xff\xfe{}", b'{"claim_text": "\xed\xa0\x80"}'])
def test_invalid_utf8_is_400(client, assert_error, body) -> None:
    body_json = assert_error(post(client, body), 400)
    assert "UTF-8" in body_json["description"]


def test_body_over_the_limit_by_content_length_is_413(make_client, settings, assert_error, publisher) -> None:
    client = make_client(settings=dataclasses.replace(settings, max_body_bytes=100))
    body = json.dumps({"claim_text": "x" * 200}).encode()

    assert_error(post(client, body), 413)
    assert publisher.verifications == []


def test_chunked_body_over_the_limit_is_413_while_reading(make_client, settings, assert_error) -> None:
    client = make_client(settings=dataclasses.replace(settings, max_body_bytes=100))
    body = json.dumps({"claim_text": "x" * 200}).encode()

    # A chunked request as gunicorn presents it: no Content-Length, an input that ends at the body's end.
    result = post(client, body, {**JSON, "Content-Length": None}, extras={"wsgi.input_terminated": True})

    assert_error(result, 413)


def test_chunked_body_under_the_limit_is_read(client) -> None:
    headers = {**JSON, "Content-Length": None}

    result = post(client, b'{"claim_text": "x"}', headers, extras={"wsgi.input_terminated": True})

    assert result.status_code == 202


def test_chunked_body_on_a_server_that_cannot_end_it_is_411(client, assert_error) -> None:
    result = post(client, b'{"claim_text": "x"}', {**JSON, "Content-Length": None, "Transfer-Encoding": "chunked"})

    assert_error(result, 411)


def test_unparsable_content_length_is_400(client) -> None:
    # Called without the test client's WSGI validator, which rejects such a request itself.
    environ = testing.create_environ(VERIFY, method="POST", body=b'{"claim_text": "x"}', headers=JSON)
    environ["CONTENT_LENGTH"] = "ten"
    start_response = testing.StartResponseMock()

    body = json.loads(b"".join(client.app(environ, start_response)))

    assert start_response.status.startswith("400")
    assert body["title"] and body["description"]


def nested(depth: int) -> bytes:
    return b'{"claim_text": "x", "options": {"top_k": ' + b"[" * (depth - 2) + b"]" * (depth - 2) + b"}}"


def test_nesting_at_the_limit_reaches_field_validation(client, assert_error) -> None:
    assert_error(post(client, nested(MAX_JSON_DEPTH)), 422, field="options.top_k")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 30_000])
def test_nesting_deeper_than_the_limit_is_400(client, assert_error, depth) -> None:
    body = assert_error(post(client, nested(depth)), 400)
    assert "deeper" in body["description"]


def test_deep_unbalanced_brackets_are_400_not_a_crash(client, assert_error) -> None:
    assert_error(post(client, b"[" * 60_000), 400)


def test_brackets_inside_strings_do_not_count_as_nesting(client) -> None:
    claim = '[{"\\"[' * 100

    assert post(client, json.dumps({"claim_text": claim}).encode()).status_code == 202


# --- fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[]", b'"claim"', b"42", b"null", b"true"])
def test_top_level_not_an_object_is_422(client, assert_error, body) -> None:
    assert_error(post(client, body), 422, field="body")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"claim_text": None},
        {"claim_text": 42},
        {"claim_text": ["x"]},
        {"claim_text": ""},
        {"claim_text": " \t\n\u3000"},
        {"claim_text": "x" * 5001},
        {"claim_text": "nul\u0000inside"},
    ],
)
def test_bad_claim_text_is_422_naming_it(client, assert_error, publisher, body) -> None:
    assert_error(client.simulate_post(VERIFY, json=body), 422, field="claim_text")
    assert publisher.verifications == []


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\udfff", b"x\\ud83d", b"\\ude00x"])
def test_lone_surrogate_escapes_are_422(client, assert_error, escape) -> None:
    assert_error(post(client, b'{"claim_text": "' + escape + b'"}'), 422, field="claim_text")


def test_surrogate_pair_escape_and_5000_characters_are_accepted(client, publisher) -> None:
    text = "\U0001f600" + "x" * 4999

    assert post(client, b'{"claim_text": "\\ud83d\\ude00' + b"x" * 4999 + b'"}').status_code == 202
    assert publisher.verifications[-1]["claim_text"] == text


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ([], "options"),
        ("top_k=5", "options"),
        ({"colour": "red"}, "options.colour"),
        ({"top_k": 5, "evil\u0000key": 1}, "options.evil\\u0000key"),
        ({"corpus_ids": []}, "options.corpus_ids"),
        ({"corpus_ids": "wiki"}, "options.corpus_ids"),
        ({"corpus_ids": [f"c{i}" for i in range(11)]}, "options.corpus_ids"),
        ({"corpus_ids": ["wiki", "a/b"]}, "options.corpus_ids[1]"),
        ({"corpus_ids": [7]}, "options.corpus_ids[0]"),
        ({"corpus_ids": ["x" * 65]}, "options.corpus_ids[0]"),
        ({"corpus_ids": [""]}, "options.corpus_ids[0]"),
        ({"top_k": 0}, "options.top_k"),
        ({"top_k": 21}, "options.top_k"),
        ({"top_k": "5"}, "options.top_k"),
        ({"top_k": 5.0}, "options.top_k"),
        ({"top_k": True}, "options.top_k"),
        ({"top_k": None}, "options.top_k"),
    ],
)
def test_bad_options_are_422_naming_the_field(client, assert_error, options, field) -> None:
    assert_error(client.simulate_post(VERIFY, json={"claim_text": "x", "options": options}), 422, field=field)


def test_options_at_their_limits_are_accepted(client, publisher) -> None:
    options = {"corpus_ids": ["a", "B.c_d-9", "x" * 64] + [f"c{i}" for i in range(7)], "top_k": 20}

    assert client.simulate_post(VERIFY, json={"claim_text": "x", "options": options}).status_code == 202
    assert publisher.verifications[-1]["options"] == options


def test_unknown_top_level_field_is_422(client, assert_error) -> None:
    assert_error(client.simulate_post(VERIFY, json={"claim_text": "x", "claim": "y"}), 422, field="claim")


@pytest.mark.parametrize("claim_id", ["has%20space", "x" * 129, "caf%C3%A9", "semi;colon", "a%00b", ""])
def test_claim_id_outside_the_pattern_is_422(client, assert_error, publisher, claim_id) -> None:
    result = client.simulate_post(f"/api/v1/claims/{claim_id}/verify", json={"claim_text": "x"})

    assert_error(result, 422, field="claim_id")
    assert publisher.verifications == []


@pytest.mark.parametrize("path", ["/api/v1/claims/a%2Fb/verify", "/api/v1/claims/a/b/verify"])
def test_claim_id_with_a_slash_is_a_json_404(client, assert_error, path) -> None:
    assert_error(client.simulate_post(path, json={"claim_text": "x"}), 404)
