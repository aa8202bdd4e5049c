"""The real TruthGraph service under test: ``truthgraph serve`` and workers, restarted when one exits."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from tests.integration.service import queue_counts

from .processes import POLL_S, ProcessGroups, end_group, forked_children, wait_until

#: How long the API and the workers may take to come up, in seconds.
START_TIMEOUT_S = 60
#: gunicorn worker processes of the API.
API_WORKERS = 2


@dataclass
class Restart:
    """The campaign had to start a top-level process again because it had exited."""

    name: str
    at_s: float
    exit_code: int | None


@dataclass
class Supervised:
    """A top-level process the campaign owns, with its command line."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None


@dataclass
class TruthGraph:
    """One API (gunicorn, :data:`API_WORKERS` workers) and ``worker_count`` ``truthgraph worker`` commands."""

    groups: ProcessGroups
    stopping: threading.Event
    env: dict[str, str]
    root: Path
    port: int
    worker_count: int
    clock: Callable[[], float]
    restarts: list[Restart] = field(default_factory=list)

    def __post_init__(self) -> None:
        cli = [sys.executable, "-m", "truthgraph.cli"]
        self.api = Supervised("api", cli + ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                                            "--workers", str(API_WORKERS)])
        self.workers = [Supervised(f"worker-{i}", cli + ["worker", "--processes", "1", "--threads", "2"])
                        for i in range(self.worker_count)]
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="restarts", daemon=True)

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def supervised(self) -> list[Supervised]:
        """The API, then the workers."""
        return [self.api, *self.workers]

    def start(self) -> None:
        """Start everything, wait until the API answers and every worker consumes, then watch for exits."""
        for item in self.supervised:
            self._spawn(item)
        wait_until(self._healthy, timeout_s=START_TIMEOUT_S, stopping=self.stopping, what="healthy API")
        wait_until(lambda: self.consumers() >= self.worker_count, timeout_s=START_TIMEOUT_S, stopping=self.stopping,
                   what="consumer from every worker")
        self._monitor.start()

    def _spawn(self, item: Supervised) -> None:
        item.starts += 1
        item.process = self.groups.spawn(f"{item.name}-{item.starts}", item.argv, env=self.env, cwd=self.root)

    def _healthy(self) -> bool:
        if not self.api.alive:
            raise RuntimeError("the API exited; see its log")
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def consumers(self) -> int:
        """Consumers on the verify queue, as RabbitMQ counts them."""
        return queue_counts(self.env["TRUTHGRAPH_RABBITMQ_URL"], f"{self.env['TRUTHGRAPH_NAMESPACE']}.verify")[1]

    def _watch(self) -> None:
        while not self._done.wait(POLL_S * 2):
            with self._lock:
                for item in self.supervised:
                    if item.process is not None and not item.alive:
                        self.restarts.append(Restart(item.name, self.clock(), item.process.returncode))
                        end_group(item.process, grace_s=0)  # whatever the exited leader left behind
                        self._spawn(item)

    def forked(self, item: Supervised) -> list[int]:
        """The worker processes a gunicorn or dramatiq master forked."""
        with self._lock:
            return forked_children(item.process.pid) if item.alive else []

    def whole(self) -> bool:
        """Every top-level process runs and has its forked workers."""
        return all(self.forked(item) for item in self.supervised)

    def stop(self) -> None:
        """Stop watching, then stop every process: SIGTERM lets workers finish what they hold."""
        self._done.set()
        if self._monitor.is_alive():
            self._monitor.join(timeout=5)
        for item in self.supervised:
            if item.process is not None:
                end_group(item.process, grace_s=15)
