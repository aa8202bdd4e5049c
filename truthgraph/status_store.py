"""The task-status store: one record per task in Redis, with the results' TTL."""

from __future__ import annotations

import functools
import json
import time
from typing import Any, Callable, NamedTuple, TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from .domain import TaskState, TaskStatus, utc_now
from .errors import ServiceUnavailable
from .settings import Settings

T = TypeVar("T")

#: Time allowed to connect to Redis and for each reply, in seconds.
DEFAULT_TIMEOUT_S = 2.0
#: Tries after the first when Redis does not answer (a restart takes about a second).
DEFAULT_RETRIES = 4
#: Deliveries of one attempt of a task after which it counts as poison: it crashed its worker each time.
DEFAULT_MAX_DELIVERIES = 3

# Shared by the scripts below: re-create a missing record from the base fields ARGV[first .. first + 2 * n - 1],
# return whether it did. Also points the claim's "latest" at it unless another task holds that pointer.
_RECREATE = """
local function recreate(record, claim_prefix, first, n, ttl)
  if n == 0 then return false end
  for i = first, first + 2 * n - 1, 2 do redis.call('HSET', record, ARGV[i], ARGV[i + 1]) end
  redis.call('HSET', record, 'status', 'pending')
  local claim_id = redis.call('HGET', record, 'claim_id')
  if claim_id and claim_id ~= '' then
    redis.call('SET', claim_prefix .. claim_id .. ':latest', redis.call('HGET', record, 'task_id'), 'EX', ttl, 'NX')
  end
  return true
end
"""

# KEYS: record, state-set prefix, claim-key prefix
# ARGV: new state, ttl seconds, now (epoch seconds), n base pairs, the base pairs (to re-create a missing record),
# then field/value pairs to set. A terminal record is never overwritten; returns 1 when the record changed,
# -1 when it is missing and no base was given.
_TRANSITION = _RECREATE + """
local current = redis.call('HGET', KEYS[1], 'status')
local n = tonumber(ARGV[4])
if not current then
  if not recreate(KEYS[1], KEYS[3], 5, n, ARGV[2]) then return -1 end
  current = 'pending'
end
if current == 'completed' or current == 'failed' then return 0 end
for i = 5 + 2 * n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
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

# KEYS: record, state-set prefix, claim-key prefix, the task's "abandoned" mark.
# ARGV: ttl, now, attempt (the message's retry count), most deliveries, n base pairs, the base pairs, then the
# field/value pairs of the processing state. Counts the deliveries of this attempt, and starts processing unless
# the task is finished (0), abandoned (-2) or delivered more than the most times (-3, nothing else changed).
# Returns {outcome, deliveries}.
_BEGIN = _RECREATE + """
if redis.call('EXISTS', KEYS[4]) == 1 then return {-2, 0} end
local current = redis.call('HGET', KEYS[1], 'status')
local n = tonumber(ARGV[5])
if not current then
  recreate(KEYS[1], KEYS[3], 6, n, ARGV[1])
  current = redis.call('HGET', KEYS[1], 'status')
  if not current then return {-1, 0} end
end
if current == 'completed' or current == 'failed' then return {0, 0} end
local deliveries = 1
if redis.call('HGET', KEYS[1], 'attempt') == ARGV[3] then
  deliveries = tonumber(redis.call('HGET', KEYS[1], 'deliveries') or '0') + 1
end
redis.call('HSET', KEYS[1], 'attempt', ARGV[3], 'deliveries', deliveries)
redis.call('EXPIRE', KEYS[1], ARGV[1])
if deliveries > tonumber(ARGV[4]) then return {-3, deliveries} end
for i = 6 + 2 * n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'status', 'processing')
local task_id = redis.call('HGET', KEYS[1], 'task_id')
redis.call('ZREM', KEYS[2] .. current, task_id)
redis.call('ZADD', KEYS[2] .. 'processing', ARGV[2], task_id)
return {1, deliveries}
"""

# KEYS: record, the task's "abandoned" mark. ARGV: ttl. Marks the task abandoned unless a copy of its message has
# already begun (begin counts deliveries on the record); returns 1 when marked, 0 when a copy had begun.
_ABANDON = """
if redis.call('HEXISTS', KEYS[1], 'deliveries') == 1 then return 0 end
redis.call('SET', KEYS[2], 1, 'EX', ARGV[1])
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
        self._begin = client.register_script(_BEGIN)
        self._advance = client.register_script(_ADVANCE)
        self._abandon = client.register_script(_ABANDON)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout_s: float = DEFAULT_TIMEOUT_S, retries: int = DEFAULT_RETRIES
    ) -> "TaskStatusStore":
        """The store on the settings' Redis, namespace and TTL (see :meth:`from_url` for the bounds)."""
        return cls.from_url(
            settings.redis_url, namespace=settings.namespace, ttl_s=settings.result_ttl_s, timeout_s=timeout_s,
            retries=retries,
        )

    @classmethod
    def from_url(
        cls, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, retries: int = DEFAULT_RETRIES, **kwargs: Any
    ) -> "TaskStatusStore":
        """Connect to the Redis server at ``url``.

        Every call is bounded: ``timeout_s`` to connect and for each reply, and ``retries`` more tries after a
        connection error or time-out, with an exponential backoff from 0.1 s capped at 1 s (so a Redis restart of
        about a second is ridden out, while a Redis that hangs fails the call within a few seconds).
        """
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
        return cls(client, **kwargs)

    def _key(self, task_id: str) -> str:
        return f"{self.namespace}:task:{task_id}"

    def _state_prefix(self) -> str:
        return f"{self.namespace}:tasks:"

    def _claim_prefix(self) -> str:
        return f"{self.namespace}:claim:"

    def _abandoned_key(self, task_id: str) -> str:
        return f"{self.namespace}:abandoned:{task_id}"

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
        args: list[Any] = [self.ttl_s, self.clock(), status.task_id, *_pairs(_encode(status.to_dict()))]
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
    def transition(self, task_id: str, state: TaskState, *, base: TaskStatus | None = None, **fields: Any) -> bool:
        """Move a record to ``state`` and set ``fields``; a terminal record never changes.

        A missing record (lost with Redis, or expired) is re-created from ``base`` first, when given, and the
        transition is not dropped. Returns whether the record changed.
        """
        base_args = _pairs(_encode(base.to_dict())) if base is not None else []
        args: list[Any] = [state.value, self.ttl_s, self.clock(), len(base_args) // 2, *base_args]
        args += _pairs(_encode(fields))
        keys = [self._key(task_id), self._state_prefix(), self._claim_prefix()]
        return self._transition(keys=keys, args=args) == 1

    @_redis_errors
    def begin(
        self,
        task_id: str,
        *,
        attempt: int,
        base: TaskStatus | None = None,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        **fields: Any,
    ) -> Start:
        """Count a delivery of attempt ``attempt`` (the message's retry count) and mark the task ``processing``.

        Nothing changes when the task is finished or was abandoned; when this attempt has now been delivered more
        than ``max_deliveries`` times (each earlier delivery crashed its worker) only the count is kept. A missing
        record is re-created from ``base``.
        """
        base_args = _pairs(_encode(base.to_dict())) if base is not None else []
        args: list[Any] = [self.ttl_s, self.clock(), attempt, max_deliveries, len(base_args) // 2, *base_args]
        args += _pairs(_encode(fields))
        keys = [self._key(task_id), self._state_prefix(), self._claim_prefix(), self._abandoned_key(task_id)]
        outcome, deliveries = self._begin(keys=keys, args=args)
        return Start(_START_OUTCOMES[int(outcome)], int(deliveries))

    @_redis_errors
    def abandon(self, task_id: str) -> bool:
        """Forget a task that could not be queued, and mark it so that a copy that surfaces later is not run.

        Returns False, changing nothing, when a copy has already begun: RabbitMQ took the message after all (its
        confirm was lost), so the task is queued and will run.
        """
        if not self._abandon(keys=[self._key(task_id), self._abandoned_key(task_id)], args=[self.ttl_s]):
            return False
        self.delete(task_id)
        return True

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


def new_status(
    task_id: str,
    task_type: str,
    *,
    claim_id: str | None = None,
    corpus: str | None = None,
    owner: str | None = None,
) -> TaskStatus:
    """A fresh ``pending`` record."""
    return TaskStatus(
        task_id=task_id,
        task_type=task_type,
        status=TaskState.PENDING,
        claim_id=claim_id,
        corpus=corpus,
        owner=owner,
        created_at=utc_now(),
    )


class Start(NamedTuple):
    """What :meth:`TaskStatusStore.begin` found: ``started``, ``finished``, ``abandoned``, ``poison`` or ``missing``."""

    outcome: str
    deliveries: int


_START_OUTCOMES = {1: "started", 0: "finished", -2: "abandoned", -3: "poison", -1: "missing"}


def _pairs(encoded: dict[str, str]) -> list[str]:
    """Field/value pairs, flattened for a script's arguments."""
    return [item for pair in encoded.items() for item in pair]


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
