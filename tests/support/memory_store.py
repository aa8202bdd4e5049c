"""InMemoryStatusStore: the task-status store's behaviour in process memory, for tests that run without Redis."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from truthgraph.domain import TaskState, TaskStatus
from truthgraph.errors import ServiceUnavailable

# The real store's record codec: a record reads back exactly as it does from Redis
# (numbers as int, empty text as None, results through JSON), and what is stored is a copy.
from truthgraph.status_store import DEFAULT_MAX_DELIVERIES, Start, _decode, _encode

_STATUS = b"status"
_TASK_ID = b"task_id"
_CLAIM_ID = b"claim_id"
_PROGRESS = b"progress_percentage"
_STAGE = b"stage"


@dataclass
class _Entry:
    """A record as Redis holds it (a hash of bytes) and when it expires (epoch seconds)."""

    fields: dict[bytes, bytes]
    expires_at: float


class InMemoryStatusStore:
    """A :class:`~truthgraph.status_store.TaskStatusStore` that keeps its records in memory.

    Records expire ``ttl_s`` seconds after their creation or last transition, claim pointers
    ``ttl_s`` seconds after they were set, both by ``clock``, as the real store's keys do in Redis.
    Safe to call from several threads (a StubBroker worker runs actors in threads).

    Set ``unavailable`` to a reason and every call raises ``ServiceUnavailable("redis", reason)``,
    as the real store does when Redis does not answer; set it back to None to recover.

    Parameters:
      namespace: the real store's key prefix; kept so the two are built alike.
      ttl_s: how long a record lives after its last change, in seconds.
      clock: returns the current epoch time in seconds.
    """

    def __init__(
        self,
        *,
        namespace: str = "truthgraph",
        ttl_s: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.namespace = namespace
        self.ttl_s = int(ttl_s)
        self.clock = clock
        self.unavailable: str | None = None
        self._lock = threading.Lock()
        self._records: dict[str, _Entry] = {}
        self._pointers: dict[tuple[str, str], tuple[str, float]] = {}
        self._abandoned: dict[str, float] = {}

    def _answer(self) -> None:
        if self.unavailable is not None:
            raise ServiceUnavailable("redis", self.unavailable)

    def _live(self, task_id: str, now: float) -> dict[bytes, bytes] | None:
        entry = self._records.get(task_id)
        if entry is not None and entry.expires_at <= now:
            del self._records[task_id]
            entry = None
        return entry.fields if entry else None

    def _pointer(self, claim_id: str, what: str, now: float) -> str | None:
        pointer = self._pointers.get((claim_id, what))
        if pointer is not None and pointer[1] <= now:
            del self._pointers[(claim_id, what)]
            pointer = None
        return pointer[0] if pointer else None

    def _get(self, task_id: str | None, now: float) -> TaskStatus | None:
        fields = self._live(task_id, now) if task_id else None
        return _decode(fields) if fields else None

    def ping(self) -> bool:
        """Whether the store answers."""
        self._answer()
        return True

    def create(self, status: TaskStatus) -> bool:
        """Write a new record and point its claim at it; an existing record is left as it is."""
        with self._lock:
            self._answer()
            now = self.clock()
            if self._live(status.task_id, now) is not None:
                return False
            self._records[status.task_id] = _Entry(_as_bytes(_encode(status.to_dict())), now + self.ttl_s)
            if status.claim_id:
                self._pointers[(status.claim_id, "latest")] = (status.task_id, now + self.ttl_s)
            return True

    def delete(self, task_id: str) -> None:
        """Remove a record, and its claim's "latest" pointer when it points at it."""
        with self._lock:
            self._answer()
            now = self.clock()
            status = self._get(task_id, now)
            self._records.pop(task_id, None)
            if status and status.claim_id and self._pointer(status.claim_id, "latest", now) == task_id:
                del self._pointers[(status.claim_id, "latest")]

    def transition(self, task_id: str, state: TaskState, *, base: TaskStatus | None = None, **fields: Any) -> bool:
        """Move a record to ``state`` and set ``fields``; a terminal record never changes; a missing one is
        re-created from ``base`` when given."""
        with self._lock:
            self._answer()
            now = self.clock()
            record = self._live(task_id, now) or self._recreate(task_id, base, now)
            if record is None or TaskState(record[_STATUS].decode()).terminal:
                return False
            record.update(_as_bytes(_encode(fields)))
            record[_STATUS] = state.value.encode()
            self._records[task_id].expires_at = now + self.ttl_s
            claim_id = record.get(_CLAIM_ID, b"").decode()
            if state is TaskState.COMPLETED and claim_id:
                self._pointers[(claim_id, "verdict")] = (record[_TASK_ID].decode(), now + self.ttl_s)
            return True

    def begin(
        self,
        task_id: str,
        *,
        attempt: int,
        base: TaskStatus | None = None,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        **fields: Any,
    ) -> Start:
        """Count a delivery of attempt ``attempt`` and mark the task ``processing`` (see the real store)."""
        with self._lock:
            self._answer()
            now = self.clock()
            if self._abandoned.get(task_id, 0.0) > now:
                return Start("abandoned", 0)
            record = self._live(task_id, now) or self._recreate(task_id, base, now)
            if record is None:
                return Start("missing", 0)
            if TaskState(record[_STATUS].decode()).terminal:
                return Start("finished", 0)
            same = record.get(b"attempt") == str(attempt).encode()
            deliveries = int(record.get(b"deliveries") or 0) + 1 if same else 1
            record[b"attempt"], record[b"deliveries"] = str(attempt).encode(), str(deliveries).encode()
            self._records[task_id].expires_at = now + self.ttl_s
            if deliveries > max_deliveries:
                return Start("poison", deliveries)
            record.update(_as_bytes(_encode(fields)))
            record[_STATUS] = TaskState.PROCESSING.value.encode()
            return Start("started", deliveries)

    def abandon(self, task_id: str) -> bool:
        """Forget a task that could not be queued, and mark it so that a copy that surfaces later is not run;
        False, changing nothing, when a copy has already begun."""
        self._answer()
        with self._lock:
            record = self._live(task_id, self.clock())
            if record is not None and b"deliveries" in record:
                return False
            self._abandoned[task_id] = self.clock() + self.ttl_s
        self.delete(task_id)
        return True

    def _recreate(self, task_id: str, base: TaskStatus | None, now: float) -> dict[bytes, bytes] | None:
        """Re-create a missing record from ``base`` (as ``pending``), pointing its claim at it unless taken."""
        if base is None:
            return None
        fields = _as_bytes(_encode({**base.to_dict(), "status": TaskState.PENDING}))
        self._records[task_id] = _Entry(fields, now + self.ttl_s)
        if base.claim_id and self._pointer(base.claim_id, "latest", now) is None:
            self._pointers[(base.claim_id, "latest")] = (task_id, now + self.ttl_s)
        return fields

    def advance(self, task_id: str, percentage: int, stage: str) -> bool:
        """Raise a processing task's progress to ``percentage`` (0-100) at ``stage``; its expiry is unchanged."""
        percentage = max(0, min(100, int(percentage)))
        with self._lock:
            self._answer()
            record = self._live(task_id, self.clock())
            if record is None or record[_STATUS] != TaskState.PROCESSING.value.encode():
                return False
            if percentage <= int(record.get(_PROGRESS) or 0):
                return False
            record[_PROGRESS] = str(percentage).encode()
            record[_STAGE] = str(stage).encode()
            return True

    def get(self, task_id: str) -> TaskStatus | None:
        """The record of ``task_id``, or None when unknown or expired."""
        with self._lock:
            self._answer()
            return self._get(task_id, self.clock())

    def latest_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently submitted task for a claim."""
        with self._lock:
            self._answer()
            now = self.clock()
            return self._get(self._pointer(claim_id, "latest", now), now)

    def latest_verdict_for_claim(self, claim_id: str) -> TaskStatus | None:
        """The most recently completed verification task for a claim."""
        with self._lock:
            self._answer()
            now = self.clock()
            return self._get(self._pointer(claim_id, "verdict", now), now)

    def counts(self) -> dict[str, int]:
        """How many live (unexpired) records are in each state."""
        with self._lock:
            self._answer()
            now = self.clock()
            counts = {state.value: 0 for state in TaskState}
            for task_id in list(self._records):
                record = self._live(task_id, now)
                if record is not None:
                    counts[record[_STATUS].decode()] += 1
            return counts


def _as_bytes(encoded: dict[str, str]) -> dict[bytes, bytes]:
    return {name.encode(): value.encode() for name, value in encoded.items()}
