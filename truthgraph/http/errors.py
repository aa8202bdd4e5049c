"""The one place that turns every error into a JSON body ``{"title", "description"}`` (plus ``"field"``)."""

from __future__ import annotations

import json
import logging
from typing import Any

import falcon

from ..errors import CorpusNotFound, InvalidInput, ServiceUnavailable, TemporaryError
from .auth import Forbidden, RateLimited, Unauthorized, rate_limit_headers

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait (``Retry-After``) when a backing service does not answer.
RETRY_AFTER_S = 5

_DEFAULT_DESCRIPTIONS = {
    400: "The request could not be understood.",
    404: "There is nothing at this path.",
    405: "This path does not accept that method.",
    500: "The server could not complete the request; the error has been logged.",
}


class NotReady(Exception):
    """A readiness probe found backing services that do not answer.

    Attributes:
      checks: each service's state, e.g. ``{"rabbitmq": "ok", "redis": "unavailable"}``.
    """

    def __init__(self, checks: dict[str, str]) -> None:
        super().__init__(", ".join(name for name, state in checks.items() if state != "ok"))
        self.checks = checks


def error_body(title: str, description: str, **extra: Any) -> dict[str, Any]:
    """The JSON shape of every error response."""
    return {"title": title, "description": description, **{k: v for k, v in extra.items() if v is not None}}


def register_error_handlers(app: falcon.App) -> None:
    """Route every exception, Falcon's own included, through the handlers below."""
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(falcon.HTTPError, _http_error)
    app.add_error_handler(InvalidInput, _invalid_input)
    app.add_error_handler(CorpusNotFound, _corpus_not_found)
    app.add_error_handler(TemporaryError, _temporary)
    app.add_error_handler(ServiceUnavailable, _service_unavailable)
    app.add_error_handler(NotReady, _not_ready)
    app.add_error_handler(Unauthorized, _unauthorized)
    app.add_error_handler(Forbidden, _forbidden)
    app.add_error_handler(RateLimited, _rate_limited)


def _unauthorized(req: falcon.Request, resp: falcon.Response, ex: Unauthorized, params: dict[str, Any]) -> None:
    _send(resp, 401, error_body("Unauthorized", str(ex)), {"WWW-Authenticate": 'Bearer realm="truthgraph"'})


def _forbidden(req: falcon.Request, resp: falcon.Response, ex: Forbidden, params: dict[str, Any]) -> None:
    _send(resp, 403, error_body("Forbidden", str(ex)))


def _rate_limited(req: falcon.Request, resp: falcon.Response, ex: RateLimited, params: dict[str, Any]) -> None:
    description = f"this key is over its rate limit; try again in {rate_limit_headers(ex.allowance)['Retry-After']} s"
    _send(resp, 429, error_body("Too many requests", description), rate_limit_headers(ex.allowance))


def _send(resp: falcon.Response, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    resp.status = status
    if headers:
        resp.set_headers(headers)
    resp.content_type = falcon.MEDIA_JSON
    # ASCII-escaped so that no echoed text, however odd, can fail to encode.
    resp.data = json.dumps(body).encode("ascii")


def _http_error(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, params: dict[str, Any]) -> None:
    code = ex.status_code
    title = ex.title or falcon.code_to_http_status(code)
    description = ex.description or _DEFAULT_DESCRIPTIONS.get(code, title)
    _send(resp, code, error_body(title, description), dict(ex.headers or {}))


def _invalid_input(req: falcon.Request, resp: falcon.Response, ex: InvalidInput, params: dict[str, Any]) -> None:
    _send(resp, 422, error_body("Invalid input", str(ex), field=ex.field))


def _corpus_not_found(req: falcon.Request, resp: falcon.Response, ex: CorpusNotFound, params: dict[str, Any]) -> None:
    _send(resp, 404, error_body("Corpus not found", str(ex)))


def _service_unavailable(
    req: falcon.Request, resp: falcon.Response, ex: ServiceUnavailable, params: dict[str, Any]
) -> None:
    logger.warning("%s %s: %s", req.method, req.path, ex)
    description = f"{ex.service} is not available; try again later"
    _send(resp, 503, error_body("Service unavailable", description), {"Retry-After": str(RETRY_AFTER_S)})


def _temporary(req: falcon.Request, resp: falcon.Response, ex: TemporaryError, params: dict[str, Any]) -> None:
    logger.warning("%s %s: temporary failure: %s", req.method, req.path, ex)
    description = "the request could not be completed now; try again later"
    _send(resp, 503, error_body("Service unavailable", description), {"Retry-After": str(RETRY_AFTER_S)})


def _not_ready(req: falcon.Request, resp: falcon.Response, ex: NotReady, params: dict[str, Any]) -> None:
    description = f"not ready: {ex} not available"
    body = error_body("Service unavailable", description, checks=ex.checks)
    _send(resp, 503, body, {"Retry-After": str(RETRY_AFTER_S)})


def _unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict[str, Any]) -> None:
    logger.error("%s %s failed", req.method, req.path, exc_info=ex)
    _send(resp, 500, error_body("Internal server error", _DEFAULT_DESCRIPTIONS[500]))
