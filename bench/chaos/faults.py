"""The faults the campaign injects, and the thread that injects them on a schedule."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .backing import RabbitNode, RedisServer
from .processes import Interrupted, wait_until
from .service import Supervised, TruthGraph

WORKER_KILL = "worker-kill"
WORKER_TERM = "worker-term"
API_WORKER_KILL = "api-worker-kill"
RABBITMQ_RESTART = "rabbitmq-restart"
REDIS_RESTART = "redis-restart"
#: Every fault kind, in the order reports list them.
FAULT_KINDS = (WORKER_KILL, WORKER_TERM, API_WORKER_KILL, RABBITMQ_RESTART, REDIS_RESTART)
#: How long a crashed Redis stays down before it starts again, in seconds: a real restart is not instant, and
#: tasks that finish meanwhile must still end up readable.
REDIS_DOWN_S = 2.0
#: How long a fault waits for its target to exist (a worker still booting after the last fault), in seconds.
TARGET_TIMEOUT_S = 20


class NoTarget(Exception):
    """The process a fault was meant for is gone or not there yet: the fault is skipped."""


@dataclass
class Fault:
    """One fault: when it began (seconds into the campaign), how long it took, what it hit, or why it was skipped."""

    kind: str
    at_s: float
    duration_s: float = 0.0
    target: str = ""
    skipped: str = ""


def fault_plan(kinds: tuple[str, ...], count: int, rng: random.Random) -> list[str]:
    """``count`` faults spread evenly over ``kinds``: rounds of every kind, each round in its own order."""
    plan: list[str] = []
    while len(plan) < count:
        round_ = list(kinds)
        rng.shuffle(round_)
        plan.extend(round_)
    return plan[:count]


@dataclass
class FaultInjector:
    """Injects the planned faults, one every ``interval_s`` seconds, until done, stopped or past ``deadline_s``."""

    service: TruthGraph
    redis: RedisServer | None
    rabbit: RabbitNode | None
    plan: list[str]
    interval_s: float
    deadline_s: float
    clock: Callable[[], float]
    rng: random.Random
    stopping: threading.Event
    report: Callable[[str], None] = print
    faults: list[Fault] = field(default_factory=list)
    error: BaseException | None = None

    def run(self) -> None:
        """Thread body: follow the plan; a fault still under way delays the next one."""
        started = self.clock()
        try:
            for number, kind in enumerate(self.plan, start=1):
                if self.stopping.wait(max(0.0, started + number * self.interval_s - self.clock())):
                    return
                if self.clock() > self.deadline_s:
                    self.faults.append(Fault(kind, self.clock(), skipped="out of time"))
                    continue
                fault = self.inject(kind)
                self.faults.append(fault)
                state = f"skipped: {fault.skipped}" if fault.skipped else f"{fault.duration_s:.1f} s, {fault.target}"
                self.report(f"[{fault.at_s:6.1f} s] fault {number}/{len(self.plan)} {kind} ({state})")
        except Interrupted:
            return
        except BaseException as e:  # the campaign reports it; the service is still torn down
            self.error = e

    def inject(self, kind: str) -> Fault:
        """Inject one fault of ``kind`` and return what happened."""
        fault = Fault(kind, self.clock())
        began = time.monotonic()
        try:
            self._inject(fault)
        except (TimeoutError, NoTarget) as e:
            fault.skipped = str(e)
        fault.duration_s = time.monotonic() - began
        return fault

    def _inject(self, fault: Fault) -> None:
        kind = fault.kind
        if kind == WORKER_KILL:
            fault.target = self._kill_forked(self.service.workers, "dramatiq worker process")
        elif kind == API_WORKER_KILL:
            fault.target = self._kill_forked([self.service.api], "gunicorn worker")
        elif kind == WORKER_TERM:
            item = self._with_forked(self.service.workers)
            pid = item.process.pid
            _kill(pid, signal.SIGTERM)
            fault.target = f"{item.name} (pid {pid}) SIGTERM"
        elif kind == RABBITMQ_RESTART:
            if self.rabbit is None:
                fault.skipped = "shared RabbitMQ is never restarted"
            else:
                self.rabbit.stop()
                self.rabbit.start()
                fault.target = f"node {self.rabbit.name} stop + start"
        elif kind == REDIS_RESTART:
            if self.redis is None:
                fault.skipped = "shared Redis is never restarted"
            else:
                self.redis.crash()
                if self.stopping.wait(REDIS_DOWN_S):
                    raise Interrupted("redis restart")
                self.redis.start()
                fault.target = f"redis kill -9, {REDIS_DOWN_S:.0f} s down, start ({self.redis.persistence})"
        else:
            raise ValueError(f"unknown fault kind {kind!r}")

    def _with_forked(self, items: list[Supervised]) -> Supervised:
        """A random one of ``items`` whose master runs and has forked its workers (waiting for one if needed)."""
        chosen: list[Supervised] = []

        def ready() -> bool:
            chosen[:] = [item for item in items if self.service.forked(item)]
            return bool(chosen)

        wait_until(ready, timeout_s=TARGET_TIMEOUT_S, stopping=self.stopping, what="process to hit")
        return self.rng.choice(chosen)

    def _kill_forked(self, items: list[Supervised], what: str) -> str:
        item = self._with_forked(items)
        forked = self.service.forked(item)
        if not forked:
            raise NoTarget(f"{item.name} has no {what} left")
        pid = self.rng.choice(forked)
        _kill(pid, signal.SIGKILL)
        return f"{what} pid {pid} of {item.name} kill -9"


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        raise NoTarget(f"pid {pid} exited before its fault") from None
