"""GET /openapi.json and GET /docs: the API's description and a page that renders it."""

from __future__ import annotations

import json
from typing import Any

import falcon

from ..docs_page import DOCS_CSP, DOCS_HTML


class OpenApiDocument:
    """Serves the OpenAPI document, serialised once."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.data = json.dumps(document, indent=1).encode("utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer the OpenAPI 3.1 document."""
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.data


class DocsPage:
    """Serves the self-contained HTML page that renders ``/openapi.json``."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer the documentation page."""
        resp.content_type = falcon.MEDIA_HTML
        resp.set_header("Content-Security-Policy", DOCS_CSP)
        resp.data = DOCS_HTML.encode("utf-8")
