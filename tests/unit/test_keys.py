"""API keys: shown once, stored as a hash, scoped, revocable, expiring; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select

from truthgraph.db import keys as keys_module
from truthgraph.db.keys import KeyRejected, KeyStore, RateLimit, Scope, parse_duration, parse_rate, parse_scopes
from truthgraph.db.schema import api_keys
from truthgraph.errors import InvalidInput


@pytest.fixture
def engine(database: Engine) -> Engine:
    """A fresh, migrated database of each engine."""
    return database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_a_key_is_random_shown_once_and_stored_only_as_a_hash(engine):
    store = KeyStore(engine)
    key, token = store.create(name="ci", scopes=frozenset({Scope.VERIFY}))
    _, other = store.create(name="ci", scopes=frozenset({Scope.VERIFY}))
    assert token != other and keys_module.KEY_PATTERN.fullmatch(token)
    secret = keys_module.KEY_PATTERN.fullmatch(token).group(2)
    assert len(secret) == 43  # 256 random bits, URL-safe base64
    with engine.connect() as connection:
        stored = connection.execute(select(api_keys).where(api_keys.c.key_id == key.key_id)).one()
    assert secret not in repr(tuple(stored)) and stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert store.authenticate(token) == key


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
    lambda t: "tg_" + "0" * 12 + t[15:],  # unknown key id
    lambda t: t.replace("tg_", "tk_"),  # malformed
    lambda t: t + "x",
    lambda t: "",
])
def test_a_wrong_unknown_or_malformed_key_is_rejected(engine, mangle):
    store = KeyStore(engine)
    _, token = store.create(name="k", scopes=frozenset({Scope.READ}))
    with pytest.raises(KeyRejected):
        store.authenticate(mangle(token))


def test_a_revoked_or_expired_key_is_rejected(engine):
    clock = Clock()
    store = KeyStore(engine, clock=clock)
    revoked, revoked_token = store.create(name="r", scopes=frozenset({Scope.VERIFY}))
    expiring, expiring_token = store.create(name="e", scopes=frozenset({Scope.VERIFY}), expires_in=timedelta(days=30))
    assert store.revoke(revoked.key_id) and not store.revoke(revoked.key_id)
    with pytest.raises(KeyRejected):
        store.authenticate(revoked_token)
    clock.now += timedelta(days=29)
    assert store.authenticate(expiring_token).key_id == expiring.key_id
    clock.now += timedelta(days=2)
    with pytest.raises(KeyRejected):
        store.authenticate(expiring_token)
    listed = {k.key_id: k for k in store.list()}
    assert set(listed) == {revoked.key_id, expiring.key_id}
    assert listed[revoked.key_id].revoked_at and listed[expiring.key_id].revoked_at is None


def test_an_unknown_key_id_costs_the_same_work_as_a_wrong_secret(engine, monkeypatch):
    """Both paths make one lookup, one hash and one constant-time comparison: nothing in the timing tells them apart."""
    store = KeyStore(engine)
    _, token = store.create(name="k", scopes=frozenset({Scope.READ}))
    calls: list[str] = []
    real_hash, real_compare = keys_module.hash_secret, keys_module.hmac.compare_digest
    monkeypatch.setattr(keys_module, "hash_secret", lambda s: calls.append("hash") or real_hash(s))
    monkeypatch.setattr(keys_module.hmac, "compare_digest", lambda a, b: calls.append("compare") or real_compare(a, b))
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "tg_" + "0" * 12 + token[15:]):
        calls.clear()
        with pytest.raises(KeyRejected) as info:
            store.authenticate(wrong)
        assert calls == ["hash", "compare"] and str(info.value) == "the key is unknown"


def test_scopes_and_admin():
    key = keys_module.ApiKey("k", "n", frozenset({Scope.VERIFY}), "2026-01-01")
    admin = keys_module.ApiKey("a", "n", frozenset({Scope.ADMIN}), "2026-01-01")
    assert key.allows(Scope.VERIFY) and not key.allows(Scope.READ) and not key.allows(Scope.CORPUS_WRITE)
    assert all(admin.allows(scope) for scope in Scope)
    assert parse_scopes("verify, read") == frozenset({Scope.VERIFY, Scope.READ})
    assert parse_scopes(["corpus:write"]) == frozenset({Scope.CORPUS_WRITE})
    for bad in ("", "verify,root", "write"):
        with pytest.raises(InvalidInput):
            parse_scopes(bad)


def test_durations_and_rates_parse_or_are_invalid_input():
    assert parse_duration("30d") == timedelta(days=30) and parse_duration("12h") == timedelta(hours=12)
    assert parse_rate("20/100") == RateLimit(20.0, 100) and parse_rate("0.5/1") == RateLimit(0.5, 1)
    for bad in ("0d", "30", "x", "-1h"):
        with pytest.raises(InvalidInput):
            parse_duration(bad)
    for bad in ("20", "0/10", "5/0", "a/b"):
        with pytest.raises(InvalidInput):
            parse_rate(bad)


def test_a_key_keeps_its_own_rate_limits(engine):
    store = KeyStore(engine)
    _, token = store.create(name="fast", scopes=frozenset({Scope.VERIFY}), submit_limit=RateLimit(50, 200))
    key = store.authenticate(token)
    assert key.submit_limit == RateLimit(50.0, 200) and key.read_limit is None
    assert store.has_active(Scope.VERIFY) and not store.has_active(Scope.ADMIN)
