"""The task-status store: one record per task in Redis, with the results' TTL."""

from __future__ import annotations

import functools
import json
import time
from typing import Any, Callable, TypeVar

import redis

from .domain import TaskState, TaskStatus, utc_now
from .errors import ServiceUnavailable
from .settings import Settings

T = TypeVar("T")

# KEYS: record, state-set prefix, claim-key prefix
# ARGV: new state, ttl seconds, now (epoch seconds), then field/value pairs to set.
# A terminal record is never overwritten; returns 1 when the record changed.
_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if current == 'completed' or current == 'failed' then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local task_id = redis.call('HGET', KEYS[1], 'task_id')
redis.call('ZREM', KEYS[2] .. current, task_id)
redis.call('ZADD', KEYS[2] .. ARGV[1], ARGV[3], task_id)
local claim_id = redis.call('HGET', KEYS[1], 'claim_id')
if ARGV[1] == 'completed' and claim_id and claim_id ~= '' then
  redis.call('SET', KEYS[3] .. claim_id .. ':verdict', task_id, 'EX', ARGV[2])
end
return 1
"""

# KEYS: record, state set, and the claim's "latest" pointer when the task has a claim.
# ARGV: ttl, now, task id, then field/value pairs. The record is written whole, with its TTL, or not at all.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if #KEYS == 3 then redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[1]) end
return 1
"""

# KEYS: record. ARGV: percentage, stage. Progress only rises, and only while processing.
_ADVANCE = """
local current = redis.call('HGET', KEYS[1], 'status')
if current ~= 'processing' then return 0 end
local before = tonumber(redis.call('HGET', KEYS[1], 'progress_percentage') or '0')
if tonumber(ARGV[1]) <= before then return 0 end
redis.call('HSET', KEYS[1], 'progress_percentage', ARGV[1], 'stage', ARGV[2])
return 1
"""

_JSON_FIELDS = ("result",)
_INT_FIELDS = ("progress_percentage", "retry_count")


def _redis_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn Redis connection trouble into :class:`ServiceUnavailable`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as e:
            raise ServiceUnavailable("redis", str(e)) from e

    return wrapper


class TaskStatusStore:
    """Keeps each task's status record in Redis, expiring ``ttl_s`` seconds after its last change.

    Parameters:
      client: a Redis client.
      namespace: prefix of every key this store writes.
      ttl_s: how long a record lives after its last change, in seconds.
      clock: returns the current epoch time in seconds (injected in tests).
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        namespace: str = "truthgraph",
        ttl_s: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.ttl_s = int(ttl_s)
        self.clock = clock
        self._create = client.register_script(_CREATE)
        self._transition = client.register_script(_TRANSITION)
        self._advance = client.register_script(_ADVANCE)

    @classmethod
    def from_settings(cls, settings: Settings) -> "TaskStatusStore":
        """The store on the settings' Redis, namespace and TTL."""
        return cls.from_url(settings.redis_url, namespace=settings.namespace, ttl_s=settings.result_ttl_s)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "TaskStatusStore":
        """Connect to the Redis server at ``url``."""
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)
        return cls(client, **kwargs)

    def _key(self, task_id: str) -> str:
        return f"{self.namespace}:task:{task_id}"

    def _state_prefix(self) -> str:
        return f"{self.namespace}:tasks:"

    def _claim_prefix(self) -> str:
        return f"{self.namespace}:claim:"

    def _claim_key(self, claim_id: str, what: str) -> str:
        return f"{self._claim_prefix()}{claim_id}:{what}"

    @_redis_errors
    def ping(self) -> bool:
        """Whether Redis answers."""
        return bool(self.client.ping())

    @_redis_errors
    def create(self, status: TaskStatus) -> bool:
        """Write a new record (normally ``pending``) and point its claim at it.

        An existing record is left as it is (a message published again keeps its history);
        returns whether the record was created. One script does it all, so a record never exists without its TTL.
        """
        key = self._key(status.task_id)
        keys = [key, self._state_prefix() + status.status.value]
        if status.claim_id:
            keys.append(self._claim_key(status.claim_id, "latest"))
        args: list[Any] = [self.ttl_s, self.clock(), status.task_id]
        for name, value in _encode(status.to_dict()).items():
            args += [name, value]
        return bool(self._create(keys=keys, args=args))

    @_redis_errors
    def delete(self, task_id: str) -> None:
        """Remove a record, e.g. of a message that could not be published."""
        status = self.get(task_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(task_id))
            for state in TaskState:
                pipe.zrem(self._state_prefix() + state.value, task_id)
            if status and status.claim_id:
                latest = self._claim_key(status.claim_id, "latest")
                if self.client.get(latest) == task_id.encode():
                    pipe.delete(latest)
            pipe.execute()

    @_redis_errors
    def transition(self, task_id: str, state: TaskState, **fields: Any) -> bool:
        """Move a record to ``state`` and set ``fields``; a terminal record never changes.

        Returns whether the record changed.
        """
        args: list[Any] = [state.value, self.ttl_s, self.clock()]
        for name, value in _encode(fields).items():
            args += [name, value]
        keys = [self._key(task_id), self._state_prefix(), self._claim_prefix()]
        return self._transition(keys=keys, args=args) == 1

    @_redis_errors
    def advance(self, task_id: str, percentage: int, stage: str) -> bool:
        """Raise a processing task's progress to ``percentage`` (0-100) at ``stage``."""
        percentage = max(0, min(100, int(percentage)))
        return self._advance(keys=[self._key(task_id)], args=[percentage, stage]) == 1

    @_redis_errors
    def get(self, task_id: str) -> TaskStatus | None:
        """The record of ``task_id``, or None when unknown or expired."""
        raw = self.client.hgetall(self._key(task_id))
        if not raw:
            return None
        return _decode(raw)

    @_redis_errors
    def latest_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently submitted task for a claim."""
        task_id = self.client.get(self._claim_key(claim_id, "latest"))
        return self.get(task_id.decode()) if task_id else None

    @_redis_errors
    def latest_verdict_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently completed verification task for a claim."""
        task_id = self.client.get(self._claim_key(claim_id, "verdict"))
        return self.get(task_id.decode()) if task_id else None

    @_redis_errors
    def counts(self) -> dict[str, int]:
        """How many live (unexpired) records are in each state."""
        cutoff = self.clock() - self.ttl_s
        with self.client.pipeline(transaction=False) as pipe:
            for state in TaskState:
                pipe.zremrangebyscore(self._state_prefix() + state.value, "-inf", cutoff)
                pipe.zcard(self._state_prefix() + state.value)
            replies = pipe.execute()
        return {state.value: int(replies[2 * i + 1]) for i, state in enumerate(TaskState)}


def new_status(task_id: str, task_type: str, *, claim_id: str | None = None, corpus: str | None = None) -> TaskStatus:
    """A fresh ``pending`` record."""
    return TaskStatus(
        task_id=task_id,
        task_type=task_type,
        status=TaskState.PENDING,
        claim_id=claim_id,
        corpus=corpus,
        created_at=utc_now(),
    )


def _encode(data: dict[str, Any]) -> dict[str, str]:
    encoded: dict[str, str] = {}
    for name, value in data.items():
        if name in _JSON_FIELDS:
            encoded[name] = json.dumps(value)
        elif value is None:
            encoded[name] = ""
        elif isinstance(value, TaskState):
            encoded[name] = value.value
        else:
            encoded[name] = str(value)
    return encoded


def _decode(raw: dict[bytes, bytes]) -> TaskStatus:
    data: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
    values: dict[str, Any] = {}
    for name, text in data.items():
        if name in _JSON_FIELDS:
            values[name] = json.loads(text) if text else None
        elif name in _INT_FIELDS:
            values[name] = int(text or 0)
        elif name == "status":
            values[name] = TaskState(text)
        else:
            values[name] = text or None
    known = set(TaskStatus.__dataclass_fields__)
    return TaskStatus(**{k: v for k, v in values.items() if k in known})
