"""Authentication, scopes and rate limits: a Falcon middleware in front of every resource.

A resource says what each of its methods needs in an ``access`` mapping (method → :class:`Access`); a method it does
not name is open (health, readiness, the API's description). With authentication on, a request to a guarded method
needs ``Authorization: Bearer <key>`` naming an active key that holds the scope, and a token from the key's bucket of
that kind; the key is then ``req.context.key``. With authentication off every request is let through as no key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import falcon

from ..db.keys import ApiKey, KeyRejected, RateLimit, Scope
from ..rate_limits import Allowance

#: The two kinds of request a key's rate limits count apart.
SUBMIT, READ = "submit", "read"


@dataclass(frozen=True)
class Access:
    """What a guarded method needs: a scope (None: any active key) and which rate limit it counts against."""

    scope: Scope | None
    kind: str = READ


class KeyAuthenticator(Protocol):
    """Finds the active key a token names; see ``truthgraph.db.keys.KeyStore``."""

    def authenticate(self, token: str) -> ApiKey:
        """The key, or KeyRejected."""
        ...


class Limiter(Protocol):
    """Token buckets per key and kind; see ``truthgraph.rate_limits.RateLimiter``."""

    def take(self, key_id: str, kind: str, limit: RateLimit, cost: int = 1) -> Allowance:
        """Take tokens from a bucket if it holds them."""
        ...


class Unauthorized(Exception):
    """No usable key (401, with ``WWW-Authenticate: Bearer``)."""


class Forbidden(Exception):
    """A key without the scope a request needs (403)."""


class RateLimited(Exception):
    """A key over its rate limit (429, with ``Retry-After`` and ``RateLimit-*``)."""

    def __init__(self, allowance: Allowance) -> None:
        super().__init__("rate limited")
        self.allowance = allowance


class Authentication:
    """The middleware: authenticate, check the scope, count the request.

    Parameters:
      keys: where keys are looked up; None only with authentication off.
      limiter: the rate limits' buckets.
      enabled: whether requests must carry a key.
      submit_limit, read_limit: a key's limits unless it has its own.
    """

    def __init__(
        self,
        *,
        keys: KeyAuthenticator | None,
        limiter: Limiter | None,
        enabled: bool,
        submit_limit: RateLimit,
        read_limit: RateLimit,
    ) -> None:
        if enabled and (keys is None or limiter is None):
            raise ValueError("authentication needs a key store and a rate limiter")
        self.keys = keys
        self.limiter = limiter
        self.enabled = enabled
        self.defaults = {SUBMIT: submit_limit, READ: read_limit}

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict) -> None:
        """Let the request through to ``resource``, or raise Unauthorized, Forbidden or RateLimited."""
        req.context.key = None
        access = getattr(resource, "access", {}).get(req.method) if resource is not None else None
        if access is None or not self.enabled:
            return
        assert self.keys is not None and self.limiter is not None
        key = self.keys_for(req)
        if access.scope is not None and not key.allows(access.scope):
            raise Forbidden(f"this key does not hold the {access.scope.value!r} scope")
        limit = (key.submit_limit if access.kind == SUBMIT else key.read_limit) or self.defaults[access.kind]
        allowance = self.limiter.take(key.key_id, access.kind, limit)
        resp.set_headers(rate_limit_headers(allowance))
        if not allowance.allowed:
            raise RateLimited(allowance)
        req.context.key = key

    def keys_for(self, req: falcon.Request) -> ApiKey:
        """The key of a request's ``Authorization: Bearer`` header."""
        header = req.get_header("Authorization")
        if not header:
            raise Unauthorized("this request needs Authorization: Bearer <API key>")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <API key>'")
        assert self.keys is not None
        try:
            return self.keys.authenticate(token.strip())
        except KeyRejected:
            raise Unauthorized("the API key is not valid: unknown, revoked, expired or malformed") from None


def rate_limit_headers(allowance: Allowance) -> dict[str, str]:
    """The ``RateLimit-*`` headers of an answer (and ``Retry-After`` when refused)."""
    headers = {
        "RateLimit-Limit": str(allowance.limit),
        "RateLimit-Remaining": str(allowance.remaining),
        "RateLimit-Reset": str(math.ceil(allowance.reset_s)),
    }
    if not allowance.allowed:
        headers["Retry-After"] = str(max(1, math.ceil(allowance.retry_after_s)))
    return headers


def sees_everything(req: falcon.Request, scope: Scope) -> bool:
    """Whether the request may read what others own: authentication off, or a key holding ``scope``."""
    key: ApiKey | None = req.context.key
    return key is None or key.allows(scope)


def owner_of(req: falcon.Request) -> str | None:
    """The key id that owns what this request creates (None with authentication off)."""
    key: ApiKey | None = req.context.key
    return key.key_id if key is not None else None
