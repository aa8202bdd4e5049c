"""Child processes, each in its own process group: start them, find their children, end them for good."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

#: How often waits poll what they wait for, in seconds.
POLL_S = 0.1


class Interrupted(Exception):
    """The campaign is stopping: a wait gave up early."""


def wait_until(check: Callable[[], object], *, timeout_s: float, stopping: threading.Event, what: str) -> None:
    """Poll ``check`` until it is truthy; :class:`TimeoutError` after ``timeout_s``, :class:`Interrupted` on stop."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if stopping.is_set():
            raise Interrupted(what)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout_s:.0f} s")
        time.sleep(POLL_S)


class ProcessGroups:
    """Starts commands in new sessions and remembers every group, so :meth:`end_all` leaves nothing behind."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._started: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._closed = False

    def spawn(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
        """Start ``argv`` as the leader of a new process group; its output goes to ``<log_dir>/<name>.log``.

        Refused (:class:`Interrupted`) once :meth:`end_all` has begun, so nothing starts behind the sweep.
        """
        with self._lock:
            if self._closed:
                raise Interrupted(f"not starting {name}: the campaign is stopping")
            with open(self.log_dir / f"{name}.log", "ab") as log:
                process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            self._started.append(process)
        return process

    def end_all(self, *, grace_s: float = 10.0) -> None:
        """SIGTERM every group ever started, then SIGKILL what is left after ``grace_s`` seconds."""
        with self._lock:
            self._closed = True
            started = list(self._started)
        live = [p for p in started if group_alive(p.pid)]
        for process in live:
            signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(group_alive(p.pid) for p in live):
            for process in live:
                process.poll()
            time.sleep(POLL_S)
        for process in started:
            signal_group(process.pid, signal.SIGKILL)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def end_group(process: subprocess.Popen, *, grace_s: float) -> None:
    """SIGTERM the group led by ``process``, SIGKILL it after ``grace_s`` seconds (0: at once)."""
    if grace_s > 0:
        signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    signal_group(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def signal_group(pgid: int, signum: int) -> bool:
    """Send ``signum`` to a process group; False when the group is gone."""
    try:
        os.killpg(pgid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is left (zombies included)."""
    return signal_group(pgid, 0)


def forked_children(pid: int) -> list[int]:
    """The live forked workers under ``pid``: descendants that run their parent's own command line.

    That is a gunicorn master's workers, and a dramatiq master's worker processes, also when the master runs under
    ``truthgraph worker``'s supervisor (the workers are then the top process's grandchildren).
    """
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if state not in ("Z", "X"):
            parents[int(entry.name)] = int(parent)
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child in children.get(parent, []):
            frontier.append(child)
            if _cmdline(child) is not None and _cmdline(child) == _cmdline(parent):
                found.append(child)
    return sorted(found)


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
