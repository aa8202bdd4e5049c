"""API keys: random, shown once, kept only as a hash, looked up by a public id, scoped, revocable, expiring.

A key reads ``tg_<key id>_<secret>``: the key id (48 random bits, hex) is public and finds the row; the secret (256
random bits) is never stored, only its SHA-256, compared in constant time. An unknown key id costs the same work as
a wrong secret (a lookup, a hash and a comparison against a stand-in), so the answer's timing tells nothing.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, insert, select, update

from ..domain import parse_utc_iso, utc_iso
from ..errors import InvalidInput, TruthGraphError
from .errors import database_errors
from .schema import api_keys

#: Random bytes of a key id (public) and of a secret.
KEY_ID_BYTES, SECRET_BYTES = 6, 32
#: The text form of a key.
KEY_PATTERN = re.compile(r"tg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
#: A hash no secret has, compared against when the key id is unknown (so the work is the same).
_STAND_IN_HASH = hashlib.sha256(b"no key has this secret").hexdigest()


class Scope(str, enum.Enum):
    """What a key may do."""

    VERIFY = "verify"  # submit claims, read its own tasks and verdicts
    READ = "read"  # read the verdicts of every claim
    CORPUS_WRITE = "corpus:write"  # upload, replace and delete corpora (the default corpus: admin only)
    ADMIN = "admin"  # everything: keys, dead letters, every task, the default corpus


class KeyRejected(TruthGraphError):
    """A key that is missing, malformed, unknown, revoked or expired (401)."""


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``rate`` requests a second sustained, ``burst`` at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class ApiKey:
    """A key as stored, without its secret."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None
    submit_limit: RateLimit | None = None
    read_limit: RateLimit | None = None

    def allows(self, scope: Scope) -> bool:
        """Whether the key holds ``scope`` (``admin`` holds them all)."""
        return Scope.ADMIN in self.scopes or scope in self.scopes

    def active(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or parse_utc_iso(self.expires_at) > now)

    def to_dict(self) -> dict[str, object]:
        """The key's public description (never its secret)."""
        return {
            "key_id": self.key_id,
            "name": self.name,
            "scopes": sorted(s.value for s in self.scopes),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }


def parse_scopes(text: str | Iterable[str]) -> frozenset[Scope]:
    """Scopes from ``"verify,read"`` (or a list); InvalidInput names an unknown one."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    try:
        scopes = frozenset(Scope(name) for name in names)
    except ValueError:
        known = ", ".join(s.value for s in Scope)
        raise InvalidInput(f"scopes must be some of {known}", field="scopes") from None
    if not scopes:
        raise InvalidInput("a key needs at least one scope", field="scopes")
    return scopes


def parse_duration(text: str) -> timedelta:
    """``"30d"``, ``"12h"``, ``"15m"`` or ``"90s"`` as a time span."""
    match = re.fullmatch(r"(\d+)([dhms])", text.strip())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput("a duration is a positive number and d, h, m or s, e.g. 30d", field="expires")
    unit = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def parse_rate(text: str) -> RateLimit:
    """``"20/100"``: 20 requests a second sustained, bursts of 100."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)/(\d+)", text.strip())
    if not match or float(match.group(1)) <= 0 or int(match.group(2)) < 1:
        raise InvalidInput("a rate is RATE/BURST, e.g. 20/100 (per second, then the burst size)", field="rate")
    return RateLimit(float(match.group(1)), int(match.group(2)))


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256, hex (the secret is random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """The ``api_keys`` table.

    Parameters:
      engine: the database.
      clock: the current time, timezone-aware (injected in tests).
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.engine = engine
        self.clock = clock

    @database_errors
    def create(
        self,
        *,
        name: str,
        scopes: frozenset[Scope],
        expires_in: timedelta | None = None,
        submit_limit: RateLimit | None = None,
        read_limit: RateLimit | None = None,
    ) -> tuple[ApiKey, str]:
        """A new key and its text form (shown once: only its hash is kept)."""
        if not name.strip() or len(name) > 200:
            raise InvalidInput("a key's name is 1 to 200 characters", field="name")
        key_id, secret = secrets.token_hex(KEY_ID_BYTES), secrets.token_urlsafe(SECRET_BYTES)
        now = self.clock()
        key = ApiKey(
            key_id=key_id,
            name=name,
            scopes=scopes,
            created_at=utc_iso(now),
            expires_at=utc_iso(now + expires_in) if expires_in else None,
            submit_limit=submit_limit,
            read_limit=read_limit,
        )
        with self.engine.begin() as connection:
            connection.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    name=name,
                    secret_hash=hash_secret(secret),
                    scopes=",".join(sorted(s.value for s in scopes)),
                    created_at=key.created_at,
                    expires_at=key.expires_at,
                    submit_rate=submit_limit.rate if submit_limit else None,
                    submit_burst=submit_limit.burst if submit_limit else None,
                    read_rate=read_limit.rate if read_limit else None,
                    read_burst=read_limit.burst if read_limit else None,
                )
            )
        return key, f"tg_{key_id}_{secret}"

    @database_errors
    def authenticate(self, token: str) -> ApiKey:
        """The active key a token names; KeyRejected when it is malformed, unknown, wrong, revoked or expired."""
        match = KEY_PATTERN.fullmatch(token)
        if match is None:
            raise KeyRejected("the key is not of the form tg_<id>_<secret>")
        key_id, secret = match.groups()
        with self.engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        stored = row.secret_hash if row is not None else _STAND_IN_HASH
        matches = hmac.compare_digest(hash_secret(secret), stored)
        if row is None or not matches:
            raise KeyRejected("the key is unknown")
        key = _key(row)
        if not key.active(self.clock()):
            raise KeyRejected("the key is revoked or expired")
        return key

    @database_errors
    def get(self, key_id: str) -> ApiKey | None:
        """A key by its id."""
        with self.engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return _key(row) if row is not None else None

    @database_errors
    def list(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id))
            return [_key(row) for row in rows]

    @database_errors
    def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; returns whether an active key was revoked."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utc_iso(self.clock()))
            )
        return result.rowcount == 1

    @database_errors
    def has_active(self, scope: Scope) -> bool:
        """Whether some active key holds ``scope``."""
        now = self.clock()
        return any(key.active(now) and key.allows(scope) for key in self.list())


def _key(row: object) -> ApiKey:
    r = row  # a Row of api_keys
    return ApiKey(
        key_id=r.key_id,  # type: ignore[attr-defined]
        name=r.name,  # type: ignore[attr-defined]
        scopes=parse_scopes(r.scopes),  # type: ignore[attr-defined]
        created_at=r.created_at,  # type: ignore[attr-defined]
        expires_at=r.expires_at,  # type: ignore[attr-defined]
        revoked_at=r.revoked_at,  # type: ignore[attr-defined]
        submit_limit=_limit(r.submit_rate, r.submit_burst),  # type: ignore[attr-defined]
        read_limit=_limit(r.read_rate, r.read_burst),  # type: ignore[attr-defined]
    )


def _limit(rate: float | None, burst: int | None) -> RateLimit | None:
    return RateLimit(float(rate), int(burst)) if rate is not None and burst is not None else None
