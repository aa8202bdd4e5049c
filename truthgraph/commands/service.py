"""``truthgraph serve``, ``worker``, ``run``, ``worker-health``: the API, supervised workers, both, their health."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from ..errors import TruthGraphError
from ..heartbeats import DEFAULT_MAX_AGE_S, Heartbeats
from ..settings import Settings
from .database import migrate
from .keys import ensure_local_admin_key
from .supervisor import DEFAULT_READY_TIMEOUT_S, HeartbeatProbe, Program, Supervisor

#: How long a worker may take to finish in-flight tasks after SIGTERM, in seconds.
DEFAULT_SHUTDOWN_TIMEOUT_S = 150
#: The API's gunicorn worker class: threads, so one slow client holds one thread, not a whole worker process.
DEFAULT_API_WORKER_CLASS = "gthread"
#: Threads per gunicorn worker: a client still sending its request holds one, so workers x threads bounds how many
#: slow clients the API outlasts (README, Reliability: 2 x 64 kept /healthz answering with 100 of them, not 150).
DEFAULT_API_THREADS = 64
#: Time the supervisor allows beyond the workers' own shutdown timeout before it kills them, in seconds.
DEFAULT_STOP_MARGIN_S = 15


def add_service_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``serve``, ``worker``, ``run`` and ``worker-health``."""
    serve = subparsers.add_parser("serve", help="run the HTTP API under gunicorn")
    _add_api_options(serve)
    serve.set_defaults(func=serve_command)

    worker = subparsers.add_parser("worker", help="run supervised Dramatiq worker processes")
    _add_worker_options(worker)
    worker.set_defaults(func=worker_command)

    run = subparsers.add_parser("run", help="run the API and supervised workers together")
    _add_api_options(run)
    _add_worker_options(run)
    run.set_defaults(func=run_command)

    health = subparsers.add_parser("worker-health", help="exit 0 when a worker process has a fresh heartbeat, else 1")
    health.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_S, help="seconds a heartbeat stays fresh")
    health.set_defaults(func=worker_health_command)


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the API under gunicorn (replaces this process)."""
    if not _migrated(settings):
        return 1
    os.execvp(sys.executable, _api_argv(args))
    return 0  # pragma: no cover


def worker_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``--processes`` Dramatiq worker processes under a supervisor until SIGTERM or SIGINT."""
    _log_to_stderr()
    if not _migrated(settings):
        return 1
    return _supervisor(settings, worker_programs(settings, args.processes, args.threads), args.ready_timeout).run()


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the API and the worker processes under one supervisor until interrupted, printing the URL."""
    _log_to_stderr()
    if not _migrated(settings):
        return 1
    try:
        ensure_local_admin_key(settings)
    except TruthGraphError as error:
        print(f"truthgraph: the local admin key could not be made: {error}", file=sys.stderr)
        return 1
    api = Program(name="api", argv=_api_argv(args))
    supervisor = _supervisor(
        settings, [api, *worker_programs(settings, args.processes, args.threads)], args.ready_timeout
    )
    print(f"TruthGraph API on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)", flush=True)
    return supervisor.run()


def worker_health_command(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when some worker process wrote a heartbeat in the last ``--max-age`` seconds, else 1."""
    heartbeats = Heartbeats(path=settings.heartbeat_path)
    now = time.time()
    fresh = heartbeats.fresh(now=now, max_age_s=args.max_age)
    if not fresh:
        print(f"unhealthy: no heartbeat younger than {args.max_age:g} s in {heartbeats.path}", file=sys.stderr)
        return 1
    pids = ", ".join(str(beat.pid) for beat in fresh)
    print(f"healthy: {len(fresh)} worker process(es) beating (pid {pids}), newest {fresh[0].age_s(now):.1f} s ago")
    return 0


def worker_programs(settings: Settings, processes: int, threads: int) -> list[Program]:
    """One supervised Dramatiq master per worker process, each judged by its worker's heartbeat."""
    probe = HeartbeatProbe(heartbeats=Heartbeats(path=settings.heartbeat_path))
    argv = worker_argv(settings, 1, threads)
    return [Program(name=f"worker-{number}", argv=argv, probe=probe) for number in range(1, processes + 1)]


def gunicorn_argv(
    host: str,
    port: int,
    workers: int,
    *,
    worker_class: str = DEFAULT_API_WORKER_CLASS,
    threads: int = DEFAULT_API_THREADS,
) -> list[str]:
    """The command line of the API under gunicorn."""
    return [
        sys.executable, "-m", "gunicorn", "truthgraph.http.app:get_app()",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--threads", str(threads),
        "--graceful-timeout", "30",
        "--access-logfile", "-",
    ]


def worker_argv(settings: Settings, processes: int, threads: int) -> list[str]:
    """The command line of a Dramatiq worker, with time to finish a task after SIGTERM."""
    return [
        sys.executable, "-m", "dramatiq", "truthgraph.actors.worker",
        "--processes", str(processes),
        "--threads", str(threads),
        "--worker-shutdown-timeout", str(int(shutdown_timeout_s(settings) * 1000)),
    ]


def shutdown_timeout_s(settings: Settings) -> float:
    """How long a worker may take to finish its in-flight tasks after SIGTERM, in seconds."""
    return max(DEFAULT_SHUTDOWN_TIMEOUT_S, settings.time_limit_s + 10)


def _api_argv(args: argparse.Namespace) -> list[str]:
    return gunicorn_argv(args.host, args.port, args.workers, worker_class=args.worker_class, threads=args.api_threads)


def _supervisor(settings: Settings, programs: list[Program], ready_timeout_s: float) -> Supervisor:
    return Supervisor(
        programs=programs,
        ready_timeout_s=ready_timeout_s,
        stop_timeout_s=shutdown_timeout_s(settings) + DEFAULT_STOP_MARGIN_S,
    )


def _migrated(settings: Settings) -> bool:
    """Run the database migrations once, before any process starts, when the settings ask (the default)."""
    if not settings.migrate_on_start:
        return True
    try:
        migrate(settings)
    except TruthGraphError as error:
        print(f"truthgraph: the database could not be migrated: {error}", file=sys.stderr)
        return False
    return True


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(name)s] %(levelname)s %(message)s")


def _add_api_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=DEFAULT_API_WORKER_CLASS, help="gunicorn worker class")
    parser.add_argument("--api-threads", type=int, default=DEFAULT_API_THREADS, help="threads per gunicorn worker")


def _add_worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processes", type=int, default=1, help="worker processes (each loads the models)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    parser.add_argument(
        "--ready-timeout", type=float, default=DEFAULT_READY_TIMEOUT_S,
        help="seconds a worker process may take to start before it is killed and started again",
    )
