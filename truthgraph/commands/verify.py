"""``truthgraph verify`` and ``status``: verify a claim in this process, read a task's status record."""

from __future__ import annotations

import argparse
import json
import sys

from ..limits import DEFAULT_TOP_K
from ..settings import Settings


def add_verify_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``verify`` and ``status``."""
    verify = subparsers.add_parser("verify", help="verify a claim in this process")
    verify.add_argument("claim")
    verify.add_argument("--corpus", action="append", help="corpus to search (repeatable)")
    verify.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="passages to retrieve")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(func=verify_command)

    status = subparsers.add_parser("status", help="print a task's status")
    status.add_argument("task_id")
    status.set_defaults(func=status_command)


def verify_command(args: argparse.Namespace, settings: Settings) -> int:
    """Verify a claim in this process and print the verdict with its evidence."""
    from ..verification.default import build_default_pipeline

    options: dict[str, object] = {"top_k": args.top_k}
    if args.corpus:
        options["corpus_ids"] = args.corpus
    verdict = build_default_pipeline(settings).verify(args.claim, options)
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"{verdict.label.value}  (confidence {verdict.confidence:.2f})")
    for item in verdict.evidence:
        probs = ", ".join(f"{k} {v:.2f}" for k, v in item.stance_probabilities.items())
        print(f"- [{item.stance.value}] {item.title}: {item.text}\n    ({item.source}/{item.passage_id}; {probs})")
    return 0


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print a task's status record as JSON."""
    from ..status_store import TaskStatusStore

    store = TaskStatusStore.from_settings(settings)
    status = store.get(args.task_id)
    if status is None:
        print(f"task {args.task_id} is unknown or has expired", file=sys.stderr)
        return 1
    print(json.dumps(status.to_dict(), indent=2, ensure_ascii=False))
    return 0
