"""``Heartbeat``: worker-process middleware that keeps the process's heartbeat file fresh while it runs."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

import dramatiq

from ..heartbeats import DEFAULT_INTERVAL_S, Beat, Heartbeats

logger = logging.getLogger(__name__)


class Heartbeat(dramatiq.Middleware):
    """Keeps this worker process's heartbeat file: written at boot, every ``interval_s`` seconds, removed at shutdown.

    Place it before the middleware that loads what a task needs (Dramatiq runs after-hooks in reverse order): its
    first beat then says the process is ready.
    ``clock`` gives seconds since the epoch.
    """

    def __init__(
        self,
        *,
        heartbeats: Heartbeats,
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.heartbeats = heartbeats
        self.interval_s = interval_s
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Write the first beat and start the thread that keeps it fresh."""
        self._stop.clear()
        self.beat()
        self._thread = threading.Thread(target=self._run, name="truthgraph-heartbeat", daemon=True)
        self._thread.start()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Stop beating and remove the file: in-flight tasks are done by now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 1)
        self.heartbeats.remove(os.getpid())

    def beat(self) -> None:
        """Write this process's heartbeat now."""
        self.heartbeats.write(Beat(pid=os.getpid(), ppid=os.getppid(), beat_at=self.clock()))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.beat()
            except OSError:  # a full or vanished disk: the beat goes stale and the supervisor decides
                logger.exception("Could not write the heartbeat file in %s.", self.heartbeats.path)
