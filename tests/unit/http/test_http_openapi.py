"""GET /openapi.json and GET /docs."""

from __future__ import annotations

import re
from typing import Any, Iterator

from truthgraph import limits as v

ROUTES = {
    "/api/v1/claims/{claim_id}/verify": {"post"},
    "/api/v1/tasks/{task_id}": {"get"},
    "/api/v1/verdicts/{claim_id}": {"get"},
    "/api/v1/claims/{claim_id}/verdicts": {"get"},
    "/api/v1/corpora/{name}/documents": {"post"},
    "/api/v1/queue/stats": {"get"},
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/openapi.json": {"get"},
    "/docs": {"get"},
}


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_openapi_document_describes_every_route(client) -> None:
    result = client.simulate_get("/openapi.json")

    assert result.status_code == 200
    spec = result.json
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    assert {path: set(item) for path, item in spec["paths"].items()} == ROUTES


def test_every_ref_resolves(client) -> None:
    spec = client.simulate_get("/openapi.json").json

    for ref in refs(spec):
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref


def test_documented_limits_are_the_enforced_ones(client) -> None:
    schemas = client.simulate_get("/openapi.json").json["components"]["schemas"]

    assert schemas["VerifyRequest"]["properties"]["claim_text"]["maxLength"] == v.MAX_CLAIM_CHARS
    assert schemas["VerifyOptions"]["properties"]["top_k"]["maximum"] == v.MAX_TOP_K
    assert schemas["VerifyOptions"]["properties"]["corpus_ids"]["maxItems"] == v.MAX_CORPORA_PER_CLAIM
    assert schemas["IngestRequest"]["properties"]["documents"]["maxItems"] == v.MAX_DOCUMENTS_PER_UPLOAD
    assert schemas["Document"]["properties"]["text"]["maxLength"] == v.MAX_DOCUMENT_TEXT_CHARS


def test_documented_examples_are_accepted(client) -> None:
    spec = client.simulate_get("/openapi.json").json
    verify = spec["paths"]["/api/v1/claims/{claim_id}/verify"]["post"]["requestBody"]["content"]["application/json"]
    upload = spec["paths"]["/api/v1/corpora/{name}/documents"]["post"]["requestBody"]["content"]["application/json"]

    assert client.simulate_post("/api/v1/claims/claim-42/verify", json=verify["example"]).status_code == 202
    assert client.simulate_post("/api/v1/corpora/my-corpus/documents", json=upload["example"]).status_code == 202


def test_docs_page_is_self_contained_html(client) -> None:
    result = client.simulate_get("/docs")

    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/html")
    assert "openapi.json" in result.text
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", result.text)
    assert "connect-src 'self'" in result.headers["content-security-policy"]


def test_the_documented_security_is_the_enforced_one(client) -> None:
    """Every operation the app guards declares the bearer key and its 401/403/429; the open ones need no key."""
    spec = client.simulate_get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        route = client.app._router.find(re.sub(r"\{[^}]+\}", "x", path))
        resource = route[0]
        for method, operation in item.items():
            guarded = method.upper() in getattr(resource, "access", {})
            assert (operation.get("security") != []) is guarded, (path, method)
            assert ({"401", "403", "429"} <= set(operation["responses"])) is guarded, (path, method)
