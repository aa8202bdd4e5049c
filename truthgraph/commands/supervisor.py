"""A small process supervisor: keeps its processes running, replaces those that die, stops them all gracefully.

Each supervised process runs in a process group of its own, so a terminal's Ctrl-C reaches only the supervisor, which
forwards one SIGTERM to each process (a second signal kills them). A process with a heartbeat probe is ready once a
fresh heartbeat appears and is killed when it does not become ready in time or when its heartbeat goes stale. Stdlib
only, apart from the heartbeat-file format.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from types import FrameType
from typing import Callable, Protocol, Sequence

from ..heartbeats import DEFAULT_MAX_AGE_S, Heartbeats

logger = logging.getLogger("truthgraph.supervisor")

#: How long a started process may take to become ready before it is killed and started again, in seconds.
DEFAULT_READY_TIMEOUT_S = 60.0
#: Wait before restarting a process that died after running well, in seconds; doubled per early death in a row.
DEFAULT_MIN_RESTART_DELAY_S = 0.5
#: Cap on the wait before a restart, in seconds.
DEFAULT_MAX_RESTART_DELAY_S = 30.0
#: A process ready for this long, in seconds, ran well: its death restarts the backoff from the minimum.
DEFAULT_STABLE_AFTER_S = 30.0
#: After the first stop signal, how long to wait for the processes before killing them, in seconds.
DEFAULT_STOP_TIMEOUT_S = 180.0
#: How often the supervisor looks at its processes, in seconds.
DEFAULT_POLL_INTERVAL_S = 0.2


class Child(Protocol):
    """A started process, as the supervisor sees it."""

    pid: int

    def poll(self) -> int | None:
        """The exit code once the process has exited, else None."""

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM to it alone; it stops its own children)."""

    def kill_group(self) -> None:
        """Kill the process and everything it started (SIGKILL to its process group)."""


class ProcessGroupChild:
    """A process started in a process group of its own."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.process = subprocess.Popen(list(argv), process_group=0)
        self.pid = self.process.pid

    def poll(self) -> int | None:
        """The exit code once the process has exited, else None."""
        return self.process.poll()

    def terminate(self) -> None:
        """SIGTERM to the process alone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill_group(self) -> None:
        """SIGKILL to the process group: the process and any child it left behind."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone


class Probe(Protocol):
    """Tells the age of a supervised process's heartbeat."""

    def age_s(self, pid: int) -> float | None:
        """Seconds since the newest heartbeat from under the process ``pid``; None when there is none."""

    def forget(self, pid: int) -> None:
        """Drop what the process ``pid`` left behind once it has exited."""


class HeartbeatProbe:
    """Reads the heartbeat file of the worker process whose parent is the supervised process (a dramatiq master)."""

    def __init__(self, *, heartbeats: Heartbeats, clock: Callable[[], float] = time.time) -> None:
        self.heartbeats = heartbeats
        self.clock = clock

    def age_s(self, pid: int) -> float | None:
        """Seconds since the newest heartbeat of a child of ``pid``; None when there is none."""
        beat = self.heartbeats.of_parent(pid)
        return None if beat is None else beat.age_s(self.clock())

    def forget(self, pid: int) -> None:
        """Remove the heartbeat files of the children of ``pid`` (a killed process cannot remove its own)."""
        for beat in self.heartbeats.beats():
            if beat.ppid == pid:
                self.heartbeats.remove(beat.pid)


@dataclass(frozen=True)
class Program:
    """What one supervised slot runs: a name for the logs, a command line, and, optionally, its heartbeat probe.

    Without a probe a process is ready as soon as it has started.
    """

    name: str
    argv: Sequence[str]
    probe: Probe | None = None


class RestartBackoff:
    """The wait before a restart: the minimum, doubled for each early death in a row, capped."""

    def __init__(
        self,
        *,
        min_delay_s: float = DEFAULT_MIN_RESTART_DELAY_S,
        max_delay_s: float = DEFAULT_MAX_RESTART_DELAY_S,
    ) -> None:
        self.min_delay_s = min_delay_s
        self.max_delay_s = max_delay_s

    def delay_s(self, early_deaths: int) -> float:
        """The wait after a death preceded by ``early_deaths`` early deaths in a row."""
        return min(self.max_delay_s, self.min_delay_s * 2 ** min(early_deaths, 32))


@dataclass
class Slot:
    """One supervised process: its program, the running child, and when it started and became ready."""

    program: Program
    child: Child | None = None
    started_at: float = 0.0
    ready_at: float | None = None
    early_deaths: int = 0
    start_due_at: float = 0.0
    killed: bool = False


class Supervisor:
    """Runs one process per program, replaces those that die, and stops them all on SIGTERM or SIGINT.

    ``clock`` gives monotonic seconds; ``spawn`` starts a process from a command line (both injectable for tests).
    """

    def __init__(
        self,
        *,
        programs: Sequence[Program],
        ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S,
        max_heartbeat_age_s: float = DEFAULT_MAX_AGE_S,
        backoff: RestartBackoff | None = None,
        stable_after_s: float = DEFAULT_STABLE_AFTER_S,
        stop_timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        spawn: Callable[[Sequence[str]], Child] = ProcessGroupChild,
    ) -> None:
        self.slots = [Slot(program=program) for program in programs]
        self.ready_timeout_s = ready_timeout_s
        self.max_heartbeat_age_s = max_heartbeat_age_s
        self.backoff = backoff or RestartBackoff()
        self.stable_after_s = stable_after_s
        self.stop_timeout_s = stop_timeout_s
        self.poll_interval_s = poll_interval_s
        self.clock = clock
        self.spawn = spawn
        self.signals = 0
        self.stop_started_at: float | None = None
        self.forced = False

    @property
    def stopping(self) -> bool:
        """Whether a stop has begun: nothing is started any more."""
        return self.stop_started_at is not None

    @property
    def stopped(self) -> bool:
        """Whether a stop has begun and every process has exited."""
        return self.stopping and all(slot.child is None for slot in self.slots)

    def run(self) -> int:
        """Supervise until stopped by a signal; 0 when every process stopped on its own, 1 when some were killed."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopped:
                self.step()
                if not self.stopped:
                    time.sleep(self.poll_interval_s)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for slot in self.slots:  # only after an error in the loop itself
                if slot.child is not None and slot.child.poll() is None:
                    slot.child.kill_group()
        return 1 if self.forced else 0

    def request_stop(self) -> None:
        """What a signal does: the first stops the processes gracefully, the second kills them."""
        self.signals += 1

    def step(self) -> None:
        """Look at every process once: reap, judge readiness and liveness, start what is due, act on signals."""
        now = self.clock()
        if self.signals >= 1 and not self.stopping:
            self._begin_stop(now)
        if self.signals >= 2 and not self.forced:
            self._force("a second signal")
        if self.stopping and not self.forced and now - self.stop_started_at > self.stop_timeout_s:
            self._force(f"the stop took over {self.stop_timeout_s:g} s")
        for slot in self.slots:
            if slot.child is None:
                if not self.stopping and now >= slot.start_due_at:
                    self._start(slot, now)
                continue
            code = slot.child.poll()
            if code is None:
                self._check(slot, now)
            else:
                self._reap(slot, code, now)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop()

    def _begin_stop(self, now: float) -> None:
        self.stop_started_at = now
        logger.info("Stopping: SIGTERM to each process; a second signal kills them.")
        for slot in self.slots:
            if slot.child is not None:
                slot.child.terminate()

    def _force(self, why: str) -> None:
        self.forced = True
        logger.warning("Killing every process: %s.", why)
        for slot in self.slots:
            if slot.child is not None:
                slot.child.kill_group()

    def _start(self, slot: Slot, now: float) -> None:
        try:
            slot.child = self.spawn(slot.program.argv)
        except OSError:
            logger.exception("Could not start %s.", slot.program.name)
            self._schedule_restart(slot, now, ran_well=False)
            return
        slot.started_at, slot.ready_at, slot.killed = now, None, False
        logger.info("Started %s (pid %d).", slot.program.name, slot.child.pid)

    def _check(self, slot: Slot, now: float) -> None:
        assert slot.child is not None
        probe, name, pid = slot.program.probe, slot.program.name, slot.child.pid
        if slot.killed:
            return
        if probe is None:
            slot.ready_at = slot.ready_at if slot.ready_at is not None else now
            return
        age = probe.age_s(pid)
        if slot.ready_at is None:
            if age is not None and age <= self.max_heartbeat_age_s:
                slot.ready_at = now
                logger.info("%s (pid %d) is ready after %.1f s.", name, pid, now - slot.started_at)
            elif now - slot.started_at > self.ready_timeout_s:
                logger.warning("%s (pid %d) was not ready within %g s: killing it.", name, pid, self.ready_timeout_s)
                self._kill(slot)
        elif age is not None and age > self.max_heartbeat_age_s:
            logger.warning("%s (pid %d) has not beaten for %.0f s: killing it.", name, pid, age)
            self._kill(slot)

    def _kill(self, slot: Slot) -> None:
        assert slot.child is not None
        slot.killed = True
        slot.child.kill_group()

    def _reap(self, slot: Slot, code: int, now: float) -> None:
        assert slot.child is not None
        pid, name = slot.child.pid, slot.program.name
        slot.child.kill_group()  # a worker left behind by its killed parent would hold messages
        if slot.program.probe is not None:
            slot.program.probe.forget(pid)
        slot.child = None
        if self.stopping:
            logger.info("%s (pid %d) exited with code %s.", name, pid, code)
            return
        ran_well = slot.ready_at is not None and now - slot.ready_at >= self.stable_after_s
        delay = self._schedule_restart(slot, now, ran_well=ran_well)
        logger.warning(
            "%s (pid %d) exited with code %s after %.1f s; starting it again in %.1f s.",
            name, pid, code, now - slot.started_at, delay,
        )

    def _schedule_restart(self, slot: Slot, now: float, *, ran_well: bool) -> float:
        if ran_well:
            slot.early_deaths = 0
        delay = self.backoff.delay_s(slot.early_deaths)
        slot.early_deaths += 1
        slot.start_due_at = now + delay
        return delay
