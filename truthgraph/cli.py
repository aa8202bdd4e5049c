"""The ``truthgraph`` command: run the service, verify claims, manage corpora and models."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from typing import Sequence

from .settings import Settings

#: How long a worker may take to finish in-flight tasks after SIGTERM, in seconds.
DEFAULT_SHUTDOWN_TIMEOUT_S = 150


def serve_command(args: argparse.Namespace) -> int:
    """Run the API under gunicorn (replaces this process)."""
    os.execvp(sys.executable, _gunicorn_argv(args.host, args.port, args.workers))
    return 0  # pragma: no cover


def _gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "truthgraph.http.app:get_app()",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--graceful-timeout", "30",
        "--access-logfile", "-",
    ]


def worker_command(args: argparse.Namespace) -> int:
    """Run a Dramatiq worker on TruthGraph's queues (replaces this process)."""
    os.execvp(sys.executable, _worker_argv(args.processes, args.threads))
    return 0  # pragma: no cover


def _worker_argv(processes: int, threads: int) -> list[str]:
    settings = Settings.from_env()
    shutdown_ms = max(DEFAULT_SHUTDOWN_TIMEOUT_S, settings.time_limit_s + 10) * 1000
    return [
        sys.executable, "-m", "dramatiq", "truthgraph.actors.worker",
        "--processes", str(processes),
        "--threads", str(threads),
        "--worker-shutdown-timeout", str(int(shutdown_ms)),
    ]


def run_command(args: argparse.Namespace) -> int:
    """Run the API and a worker together until interrupted, printing the URL."""
    children = [
        subprocess.Popen(_worker_argv(args.processes, args.threads)),
        subprocess.Popen(_gunicorn_argv(args.host, args.port, args.workers)),
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


def verify_command(args: argparse.Namespace) -> int:
    """Verify a claim in this process and print the verdict with its evidence."""
    from .verification.pipeline import build_default_pipeline

    settings = Settings.from_env()
    options: dict[str, object] = {"top_k": args.top_k}
    if args.corpus:
        options["corpus_ids"] = args.corpus
    pipeline = build_default_pipeline(settings)
    verdict = pipeline.verify(args.claim, options)
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"{verdict.label.value}  (confidence {verdict.confidence:.2f})")
    for item in verdict.evidence:
        probs = ", ".join(f"{k} {v:.2f}" for k, v in item.stance_probabilities.items())
        print(f"- [{item.stance.value}] {item.title}: {item.text}\n    ({item.source}/{item.passage_id}; {probs})")
    return 0


def status_command(args: argparse.Namespace) -> int:
    """Print a task's status record as JSON."""
    from .status_store import TaskStatusStore

    settings = Settings.from_env()
    store = TaskStatusStore.from_url(settings.redis_url, namespace=settings.namespace, ttl_s=settings.result_ttl_s)
    status = store.get(args.task_id)
    if status is None:
        print(f"task {args.task_id} is unknown or has expired", file=sys.stderr)
        return 1
    print(json.dumps(status.to_dict(), indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``truthgraph`` subcommand."""
    parser = argparse.ArgumentParser(prog="truthgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_api_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8000)
        sub.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def add_worker_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--processes", type=int, default=1, help="worker processes (each loads the models)")
        sub.add_argument("--threads", type=int, default=2, help="threads per worker process")

    serve = commands.add_parser("serve", help="run the HTTP API under gunicorn")
    add_api_options(serve)
    serve.set_defaults(func=serve_command)

    worker = commands.add_parser("worker", help="run a Dramatiq worker")
    add_worker_options(worker)
    worker.set_defaults(func=worker_command)

    run = commands.add_parser("run", help="run the API and a worker together")
    add_api_options(run)
    add_worker_options(run)
    run.set_defaults(func=run_command)

    verify = commands.add_parser("verify", help="verify a claim in this process")
    verify.add_argument("claim")
    verify.add_argument("--corpus", action="append", help="corpus to search (repeatable)")
    verify.add_argument("--top-k", type=int, default=5, help="passages to retrieve")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(func=verify_command)

    status = commands.add_parser("status", help="print a task's status")
    status.add_argument("task_id")
    status.set_defaults(func=status_command)

    _add_library_commands(commands)
    return parser


def _add_library_commands(commands: argparse._SubParsersAction) -> None:
    from .verification.corpus_cli import add_corpus_command
    from .verification.evaluation.cli import add_calibrate_command, add_eval_command
    from .verification.training.cli import add_export_embedder_command, add_train_stance_command

    add_corpus_command(commands)
    add_eval_command(commands)
    add_calibrate_command(commands)
    add_train_stance_command(commands)
    add_export_embedder_command(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``truthgraph`` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
