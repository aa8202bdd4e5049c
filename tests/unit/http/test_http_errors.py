"""Every error, Falcon's own included, is JSON with a title and a description."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 404),
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v1/tasks", 404),
        ("GET", "/api/v1/tasks/a/b", 404),
        ("GET", "/healthz/", 404),
        ("GET", "/api/v1/claims/c-1/verify", 405),
        ("DELETE", "/api/v1/tasks/t-1", 405),
        ("PUT", "/api/v1/corpora/c/documents", 405),
        ("POST", "/healthz", 405),
        ("PATCH", "/openapi.json", 405),
    ],
)
def test_routing_errors_are_json(client, assert_error, method, path, status) -> None:
    result = client.simulate_request(method, path, headers={"Accept": "text/html"})

    assert_error(result, status)


def test_405_lists_the_allowed_methods(client, assert_error) -> None:
    result = client.simulate_get("/api/v1/claims/c-1/verify")

    assert_error(result, 405)
    assert "POST" in result.headers["allow"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/claims/c-1/verify", 202),
        ("/api/v1/claims/bad%20id/verify", 422),
        ("/api/v1/claims/a%2Fb/verify", 404),
    ],
)
def test_error_bodies_are_json_whatever_the_client_accepts(client, path, status) -> None:
    result = client.simulate_post(path, json={"claim_text": "x"}, headers={"Accept": "application/xml"})

    assert result.status_code == status
    assert result.headers["content-type"].startswith("application/json")


def test_unexpected_exception_in_a_read_is_a_json_500(client, store, assert_error, monkeypatch) -> None:
    def broken(task_id: str) -> None:
        raise KeyError("internal-key-name")

    monkeypatch.setattr(store, "get", broken)

    result = client.simulate_get("/api/v1/tasks/t-1")

    assert_error(result, 500)
    assert "internal-key-name" not in result.text and "KeyError" not in result.text
