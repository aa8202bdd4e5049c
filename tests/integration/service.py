"""Start and stop real gunicorn and dramatiq processes for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pika
import redis
import requests

from tests.support.databases import database_url_for, release
from truthgraph.heartbeats import Heartbeats

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ_URL = os.environ.get("TRUTHGRAPH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("TRUTHGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MANAGEMENT_URL = os.environ.get("TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last saw {last!r}")


@dataclass
class Service:
    """A running TruthGraph: one API (gunicorn) and, optionally, workers (dramatiq) or ``truthgraph`` commands."""

    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    api: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    commands: list[subprocess.Popen] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return self.env["TRUTHGRAPH_NAMESPACE"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def heartbeats(self) -> Heartbeats:
        """The heartbeat files of this service's worker processes."""
        return Heartbeats(path=Path(self.env["TRUTHGRAPH_DATA_DIR"]) / "heartbeats")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log", "wb")
        process = subprocess.Popen(argv, env=env or self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, **popen)
        process.log_path = Path(log.name)  # type: ignore[attr-defined]
        return process

    def start_command(self, *args: str, own_session: bool = False) -> subprocess.Popen:
        """Run ``truthgraph ARGS`` in this service's environment; ``own_session``: as a terminal's foreground job."""
        command = self._spawn(args[0], [sys.executable, "-m", "truthgraph.cli", *args], start_new_session=own_session)
        self.commands.append(command)
        return command

    def start_api(self, *, serve_args: Sequence[str] = ()) -> None:
        """Start the API as ``truthgraph serve`` does (the project's gunicorn settings), plus ``serve_args``."""
        self.api = self._spawn(
            "api",
            [sys.executable, "-m", "truthgraph.cli", "serve", "--port", str(self.port), "--workers", "2", *serve_args],
        )
        wait_for(self._healthy, timeout=30, what=f"gunicorn on {self.url}")

    def _healthy(self) -> bool:
        assert self.api is not None and self.api.poll() is None, f"gunicorn exited: see {self.log_dir}"
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            # gunicorn's arbiter accepts connections before a worker has imported the app; on a busy machine the
            # first answer can take longer than the probe waits, which is not yet healthy rather than broken
            return False

    def start_worker(self, *, wait_ready: bool = True, **overrides: str) -> subprocess.Popen:
        """Start a dramatiq worker in this service's environment, with ``overrides`` (e.g. a data folder of its own)."""
        worker = self._spawn(
            "worker",
            [sys.executable, "-m", "dramatiq", "truthgraph.actors.worker", "--processes", "1", "--threads", "2",
             "--worker-shutdown-timeout", "20000"],
            env={**self.env, **overrides},
        )
        self.workers.append(worker)
        if wait_ready:
            wait_for(lambda: self.consumers() >= len([w for w in self.workers if w.poll() is None]),
                     timeout=60, what="the dramatiq worker to consume")
        return worker

    def consumers(self) -> int:
        return queue_counts(self.env["TRUTHGRAPH_RABBITMQ_URL"], f"{self.namespace}.verify")[1]

    def stop(self) -> None:
        for process in [self.api, *self.workers, *self.commands]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self.api, *self.workers]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for command in self.commands:  # a supervisor: a second signal makes it kill its process groups
            try:
                command.wait(timeout=30)
            except subprocess.TimeoutExpired:
                command.send_signal(signal.SIGTERM)
                command.wait(timeout=30)

    def logs(self) -> str:
        files = sorted(self.log_dir.glob("*.log"))
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in files)

    # HTTP helpers
    def post_claim(self, claim_id: str, claim_text: str, **options: Any) -> requests.Response:
        return requests.post(f"{self.url}/api/v1/claims/{claim_id}/verify",
                             json={"claim_text": claim_text, "options": options}, timeout=10)

    def task(self, task_id: str, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.get(f"{self.url}/api/v1/tasks/{task_id}", headers=headers, timeout=10)

    def wait_until_done(
        self, task_id: str, *, timeout: float = 60, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            body = self.task(task_id, headers).json()
            return body if body.get("status") in ("completed", "failed") else None

        return wait_for(done, timeout=timeout, interval=0.1, what=f"task {task_id} to finish")


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL a dramatiq worker and its worker processes, as a crash would: nothing is acknowledged."""
    for child in _children(worker.pid):
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.kill()
    worker.wait(timeout=30)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def queue_counts(amqp_url: str, queue: str) -> tuple[int, int]:
    """(messages ready, consumers) of a queue; (0, 0) when it does not exist yet."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        ok = channel.queue_declare(queue, passive=True).method
        return ok.message_count, ok.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return 0, 0
    finally:
        if connection.is_open:
            connection.close()


def management_answers(management_url: str, amqp_url: str) -> bool:
    """Whether RabbitMQ's management API answers, with the credentials of ``amqp_url``."""
    amqp = urllib.parse.urlsplit(amqp_url)
    auth = (urllib.parse.unquote(amqp.username or "guest"), urllib.parse.unquote(amqp.password or "guest"))
    try:
        return requests.get(f"{management_url.rstrip('/')}/api/overview", auth=auth, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def delete_namespace(amqp_url: str, redis_url: str, namespace: str) -> None:
    """Remove the queues and Redis keys a test service left behind."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        for kind in ("verify", "ingest"):
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(f"{namespace}.{kind}{suffix}")
    finally:
        connection.close()
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    database = _DATABASES.pop(namespace, None)
    if database is not None:
        release(database)


#: The database engine test services use: ``sqlite`` (a file in their data folder) or ``postgresql``.
TEST_DATABASE = os.environ.get("TRUTHGRAPH_TEST_DATABASE", "sqlite")
#: The PostgreSQL databases made for test services, by namespace (dropped with the namespace).
_DATABASES: dict[str, str] = {}


def service_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """The environment of a test service: its own namespace, data folder and database, quick backoff."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUTHGRAPH_")}
    namespace = f"tgit-{uuid.uuid4().hex[:10]}"
    data_dir = tmp / "data"
    database = database_url_for(TEST_DATABASE, data_dir)
    if TEST_DATABASE == "postgresql":
        _DATABASES[namespace] = database
    env.update(
        TRUTHGRAPH_NAMESPACE=namespace,
        TRUTHGRAPH_DATABASE_URL=database,
        TRUTHGRAPH_RABBITMQ_URL=RABBITMQ_URL,
        TRUTHGRAPH_RABBITMQ_MANAGEMENT_URL=MANAGEMENT_URL,
        TRUTHGRAPH_REDIS_URL=REDIS_URL,
        TRUTHGRAPH_DATA_DIR=str(data_dir),
        TRUTHGRAPH_PIPELINE="tests.support.pipelines:scripted_pipeline",
        TRUTHGRAPH_AUTH="off",  # the security tests turn it on
        TRUTHGRAPH_MIN_BACKOFF_S="0.2",
        TRUTHGRAPH_MAX_BACKOFF_S="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(overrides)
    return env
