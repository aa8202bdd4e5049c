"""InMemoryRateLimiter: the Redis token buckets' behaviour in process memory, for tests without Redis."""

from __future__ import annotations

import threading
import time
from typing import Callable

from truthgraph.db.keys import RateLimit
from truthgraph.rate_limits import Allowance, allowance


class InMemoryRateLimiter:
    """A :class:`~truthgraph.rate_limits.RateLimiter` whose buckets live in a dict."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def take(self, key_id: str, kind: str, limit: RateLimit, cost: int = 1) -> Allowance:
        """Take ``cost`` tokens from the key's bucket of ``kind`` if it holds them."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get((key_id, kind), (float(limit.burst), now))
            if now > at:
                tokens, at = min(limit.burst, tokens + (now - at) * limit.rate), now
            allowed = tokens >= cost
            wait = 0.0 if allowed else (cost - tokens) / limit.rate
            if allowed:
                tokens -= cost
            self._buckets[(key_id, kind)] = (tokens, at)
            return allowance(limit, allowed, tokens, wait)
