"""The campaign's own Redis and RabbitMQ, on loopback ports of their own, so faults never reach shared servers."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pika
import redis

from .processes import ProcessGroups, end_group, wait_until

#: How long a Redis server may take to answer after it starts (AOF reload included), in seconds.
REDIS_START_TIMEOUT_S = 30
#: How long a RabbitMQ node may take to accept AMQP connections after it starts, in seconds.
RABBITMQ_START_TIMEOUT_S = 120
#: How long ``rabbitmqctl stop`` may take, in seconds.
RABBITMQ_STOP_TIMEOUT_S = 60


class BackingServiceError(RuntimeError):
    """A backing server could not be started."""


@dataclass
class RedisServer:
    """A Redis server on ``127.0.0.1:port`` whose data (AOF or none) lives in ``directory``."""

    groups: ProcessGroups
    stopping: threading.Event
    port: int
    directory: Path
    persistence: str = "aof"
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """The server's Redis URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def argv(self) -> list[str]:
        """The server's command line: no RDB snapshots; AOF fsynced every second unless persistence is none."""
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                "--save", "", "--daemonize", "no", "--logfile", ""]
        if self.persistence == "aof":
            return argv + ["--appendonly", "yes", "--appendfsync", "everysec"]
        return argv + ["--appendonly", "no"]

    def start(self) -> None:
        """Start the server on the same directory, so a restart reloads the AOF; return once it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        self.process = self.groups.spawn(f"redis-{self.starts}", self.argv(), env=dict(os.environ))
        try:
            wait_until(self._answers, timeout_s=REDIS_START_TIMEOUT_S, stopping=self.stopping,
                       what=f"answer from Redis on port {self.port}")
        except TimeoutError as e:
            raise BackingServiceError(f"{e}; see redis-{self.starts}.log") from e

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise BackingServiceError(f"redis-server exited with {self.process.returncode}")
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1).ping())
        except redis.RedisError:  # refused, or still loading the AOF
            return False

    def crash(self) -> None:
        """kill -9 the server: what the AOF did not fsync yet is lost."""
        if self.process is not None:
            end_group(self.process, grace_s=0)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        if self.process is not None:
            end_group(self.process, grace_s=5)


@dataclass
class RabbitNode:
    """A RabbitMQ node of its own: own name, AMQP and distribution ports, data, logs, Erlang cookie, no plugins."""

    groups: ProcessGroups
    stopping: threading.Event
    name: str
    port: int
    dist_port: int
    base: Path
    bin_dir: Path = field(default_factory=lambda: rabbitmq_bin_dir())
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """The node's AMQP URL (guest, default vhost)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def env(self) -> dict[str, str]:
        """The variables rabbitmq-server 3.10 reads, all pointing into ``base``; HOME holds the node's cookie."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            HOME=str(self.base / "home"),
            RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_PID_FILE=str(self.base / "node.pid"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq.conf"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            ERL_EPMD_ADDRESS="127.0.0.1",
        )
        return env

    def _prepare(self) -> None:
        (self.base / "home").mkdir(parents=True, exist_ok=True, mode=0o700)
        # The system's rabbitmq.conf and rabbitmq-env.conf name the shared node's port and name: replace both.
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\ndisk_free_limit.absolute = 50MB\n"
        )
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "enabled_plugins").write_text("[].\n")

    def start(self) -> None:
        """Start the node in the foreground of its own process group; return once it accepts AMQP connections."""
        if self.starts == 0:
            self._prepare()
        self.starts += 1
        self.process = self.groups.spawn(f"rabbitmq-{self.starts}", [str(self.bin_dir / "rabbitmq-server")],
                                         env=self.env(), cwd=self.base)
        try:
            wait_until(self._answers, timeout_s=RABBITMQ_START_TIMEOUT_S, stopping=self.stopping,
                       what=f"AMQP answer from node {self.name} on port {self.port}")
        except TimeoutError as e:
            raise BackingServiceError(f"{e}; see rabbitmq-{self.starts}.log") from e

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise BackingServiceError(
                f"rabbitmq-server exited with {self.process.returncode}; see rabbitmq-{self.starts}.log"
            )
        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1&socket_timeout=2")).close()
            return True
        except (pika.exceptions.AMQPError, OSError):
            return False

    def stop(self) -> None:
        """``rabbitmqctl -n NODE stop``, then make sure the node's process group is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            subprocess.run([str(self.bin_dir / "rabbitmqctl"), "-n", self.name, "stop"], env=self.env(),
                           cwd=self.base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=RABBITMQ_STOP_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            pass
        end_group(self.process, grace_s=15)


def rabbitmq_bin_dir() -> Path:
    """Where rabbitmq-server and rabbitmqctl live.

    Debian's ``/usr/lib/rabbitmq/bin`` comes first: its ``/usr/sbin`` wrappers switch to the ``rabbitmq`` user,
    whose HOME holds the shared node's cookie and whose rights do not reach the campaign's folders.
    """
    debian = Path("/usr/lib/rabbitmq/bin")
    if (debian / "rabbitmq-server").exists():
        return debian
    found = shutil.which("rabbitmq-server")
    if found is None:
        raise BackingServiceError("rabbitmq-server is not installed (or not on PATH)")
    return Path(found).resolve().parent

