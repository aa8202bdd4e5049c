"""The ``truthgraph corpus`` commands: add a JSONL corpus, list corpora, delete one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import TruthGraphError
from ..evidence_store import EvidenceStore
from ..settings import Settings


def add_corpus_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``corpus add|list|delete`` on an argparse subparsers object."""
    corpus = subparsers.add_parser("corpus", help="manage evidence corpora")
    commands = corpus.add_subparsers(dest="corpus_command", required=True)

    add = commands.add_parser("add", help="add the passages of a JSONL file ({id, title, text} a line) to a corpus")
    add.add_argument("file", help="the JSONL file")
    add.add_argument("--name", required=True, help="the corpus to create or add to")
    add.add_argument("--description", default="", help="a line shown by 'corpus list' (new corpora only)")
    add.add_argument("--no-vectors", action="store_true", help="store no dense vectors (BM25 retrieval only)")
    add.set_defaults(func=_add)

    listing = commands.add_parser("list", help="list the corpora")
    listing.set_defaults(func=_list)

    delete = commands.add_parser("delete", help="delete a corpus and its passages")
    delete.add_argument("name", help="the corpus to delete")
    delete.set_defaults(func=_delete)


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from ..verification.ingest import ingest_documents, read_jsonl

    try:
        documents = read_jsonl(args.file)
        embedder = None
        if not args.no_vectors:
            from ..verification.embedding import load_default_embedder

            embedder = load_default_embedder()
        bar: tqdm | None = None

        def progress(done: int, total: int, stage: str) -> None:
            nonlocal bar
            if bar is None or bar.desc != stage:
                if bar is not None:
                    bar.close()
                bar = tqdm(total=total, desc=stage, unit="passage", file=sys.stderr)
            bar.update(done - bar.n)

        try:
            with _store(settings) as store:
                count = ingest_documents(store, embedder, args.name, documents, progress, description=args.description)
        finally:
            if bar is not None:
                bar.close()
    except TruthGraphError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"corpus {args.name!r}: {count} passages")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with _store(settings) as store:
            corpora = store.list_corpora()
    except TruthGraphError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not corpora:
        print("no corpora")
        return 0
    width = max(len(c.name) for c in corpora)
    for c in corpora:
        vectors = c.embedder or "no vectors (BM25 only)"
        print(f"{c.name:<{width}}  {c.passage_count:>8} passages  {vectors:<24}  {c.created_at}  {c.description}")
    return 0


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with _store(settings) as store:
            store.delete_corpus(args.name)
    except TruthGraphError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"deleted corpus {args.name!r}")
    return 0


@contextmanager
def _store(settings: Settings) -> Iterator[EvidenceStore]:
    """The evidence store on the settings' database, closed afterwards."""
    store = EvidenceStore.from_settings(settings)
    try:
        yield store
    finally:
        store.close()
