"""``truthgraph serve``, ``worker`` and ``run``: the API under gunicorn, a Dramatiq worker, or both."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from ..settings import Settings

#: How long a worker may take to finish in-flight tasks after SIGTERM, in seconds.
DEFAULT_SHUTDOWN_TIMEOUT_S = 150


def add_service_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``serve``, ``worker`` and ``run``."""
    serve = subparsers.add_parser("serve", help="run the HTTP API under gunicorn")
    _add_api_options(serve)
    serve.set_defaults(func=serve_command)

    worker = subparsers.add_parser("worker", help="run a Dramatiq worker")
    _add_worker_options(worker)
    worker.set_defaults(func=worker_command)

    run = subparsers.add_parser("run", help="run the API and a worker together")
    _add_api_options(run)
    _add_worker_options(run)
    run.set_defaults(func=run_command)


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the API under gunicorn (replaces this process)."""
    os.execvp(sys.executable, gunicorn_argv(args.host, args.port, args.workers))
    return 0  # pragma: no cover


def worker_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run a Dramatiq worker on TruthGraph's queues (replaces this process)."""
    os.execvp(sys.executable, worker_argv(settings, args.processes, args.threads))
    return 0  # pragma: no cover


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the API and a worker together until interrupted, printing the URL."""
    children = [
        subprocess.Popen(worker_argv(settings, args.processes, args.threads)),
        subprocess.Popen(gunicorn_argv(args.host, args.port, args.workers)),
    ]
    print(f"TruthGraph API on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)", flush=True)

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop(signal.SIGTERM, None)
        for child in children:
            child.wait()
    return max((child.returncode or 0) for child in children)


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    """The command line of the API under gunicorn."""
    return [
        sys.executable, "-m", "gunicorn", "truthgraph.http.app:get_app()",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--graceful-timeout", "30",
        "--access-logfile", "-",
    ]


def worker_argv(settings: Settings, processes: int, threads: int) -> list[str]:
    """The command line of a Dramatiq worker, with time to finish a task after SIGTERM."""
    shutdown_ms = max(DEFAULT_SHUTDOWN_TIMEOUT_S, settings.time_limit_s + 10) * 1000
    return [
        sys.executable, "-m", "dramatiq", "truthgraph.actors.worker",
        "--processes", str(processes),
        "--threads", str(threads),
        "--worker-shutdown-timeout", str(int(shutdown_ms)),
    ]


def _add_api_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")


def _add_worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processes", type=int, default=1, help="worker processes (each loads the models)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
