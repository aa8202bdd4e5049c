"""Rate limits: a token bucket per API key and kind of request, in Redis, checked in one atomic round trip."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import redis

from .db.keys import RateLimit
from .errors import ServiceUnavailable

#: Default limit of submissions (claims and uploads) per key: requests a second sustained, and the burst.
DEFAULT_SUBMIT_LIMIT = RateLimit(rate=20.0, burst=100)
#: Default limit of reads per key.
DEFAULT_READ_LIMIT = RateLimit(rate=100.0, burst=500)

# KEYS: the bucket. ARGV: rate (tokens a second), burst (capacity), now (epoch seconds), cost.
# Refills by elapsed time, takes ``cost`` tokens when there are enough. Returns {allowed, tokens left, seconds to wait}
# (as text: Lua numbers would be cut to integers on the way out).
_TAKE = """
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
if now > at then tokens = math.min(burst, tokens + (now - at) * rate); at = now end
local allowed, wait = 0, 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 else wait = (cost - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(wait)}
"""


@dataclass(frozen=True)
class Allowance:
    """What a bucket said: whether the request may go, and what the ``RateLimit-*`` headers tell."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    reset_s: float


def allowance(limit: RateLimit, allowed: bool, tokens: float, wait_s: float) -> Allowance:
    """The answer for a bucket holding ``tokens`` after the request (``wait_s``: until one is free)."""
    return Allowance(
        allowed=allowed,
        limit=limit.burst,
        remaining=max(0, math.floor(tokens)),
        retry_after_s=wait_s,
        reset_s=max(0.0, (limit.burst - tokens) / limit.rate),
    )


class RateLimiter:
    """Token buckets in Redis, one per key and kind (``submit``, ``read``); a burst of one key never drains another.

    Parameters:
      client: a Redis client.
      namespace: prefix of the buckets' keys.
      clock: the current epoch time in seconds (injected in tests).
    """

    def __init__(self, client: redis.Redis, *, namespace: str, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.namespace = namespace
        self.clock = clock
        self._take = client.register_script(_TAKE)

    def take(self, key_id: str, kind: str, limit: RateLimit, cost: int = 1) -> Allowance:
        """Take ``cost`` tokens from the key's bucket of ``kind`` if it holds them."""
        bucket = f"{self.namespace}:rate:{key_id}:{kind}"
        try:
            allowed, tokens, wait = self._take(keys=[bucket], args=[limit.rate, limit.burst, self.clock(), cost])
        except (redis.ConnectionError, redis.TimeoutError) as e:
            raise ServiceUnavailable("redis", str(e)) from e
        return allowance(limit, bool(allowed), float(tokens), float(wait))
