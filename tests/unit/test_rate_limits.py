"""The token bucket, on Redis and in memory, with an injected clock."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.support.rate_limits import InMemoryRateLimiter
from truthgraph.db.keys import RateLimit
from truthgraph.rate_limits import RateLimiter

LIMIT = RateLimit(rate=2.0, burst=5)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "memory"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[[Clock], Any]:
    if request.param == "redis":
        client = request.getfixturevalue("redis_client")
        namespace = request.getfixturevalue("redis_namespace")
        return lambda clock: RateLimiter(client, namespace=namespace, clock=clock)
    return lambda clock: InMemoryRateLimiter(clock=clock)


def test_a_burst_is_allowed_then_refused_until_tokens_refill(make_limiter):
    clock = Clock()
    limiter = make_limiter(clock)
    answers = [limiter.take("k1", "submit", LIMIT) for _ in range(6)]
    assert [a.allowed for a in answers] == [True] * 5 + [False]
    assert [a.remaining for a in answers[:5]] == [4, 3, 2, 1, 0]
    refused = answers[-1]
    assert refused.retry_after_s == pytest.approx(0.5) and refused.limit == 5
    assert refused.reset_s == pytest.approx(2.5)
    clock.now += 0.5
    assert limiter.take("k1", "submit", LIMIT).allowed
    assert not limiter.take("k1", "submit", LIMIT).allowed
    clock.now += 100  # refills to the burst, never past it
    assert [limiter.take("k1", "submit", LIMIT).allowed for _ in range(6)] == [True] * 5 + [False]


def test_buckets_are_per_key_and_per_kind(make_limiter):
    clock = Clock()
    limiter = make_limiter(clock)
    for _ in range(5):
        limiter.take("k1", "submit", LIMIT)
    assert not limiter.take("k1", "submit", LIMIT).allowed
    assert limiter.take("k2", "submit", LIMIT).allowed
    assert limiter.take("k1", "read", LIMIT).allowed
