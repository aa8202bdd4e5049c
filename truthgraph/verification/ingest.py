"""Ingest documents into the evidence store: read and validate, embed in batches, write in one transaction."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..domain import Passage
from ..errors import InvalidInput
from ..evidence_store import EvidenceStore
from ..limits import check_corpus_name, check_documents
from .base import Embedder, format_evidence

#: Passages embedded per call to the embedder (and per progress report).
DEFAULT_EMBED_BATCH = 256

#: Called as ingestion advances: ``progress(done, total, stage)`` with stage ``"embedding"`` or ``"writing"``.
IngestProgress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, stage: str) -> None:
    """An ingest progress callback that ignores what it is told."""


def read_jsonl(path: str | os.PathLike[str]) -> list[Passage]:
    """The documents of a JSONL corpus file, one ``{"id", "title", "text"}`` object a line (blank lines skipped)."""
    return check_documents(json_lines(path))


def json_lines(path: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    """``(where, object)`` for each non-blank line of a JSON Lines file; InvalidInput names a bad file or line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}", field="file") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path.name} line {number}"
                try:
                    yield where, json.loads(line)
                except json.JSONDecodeError as error:
                    raise InvalidInput(f"{where}: not valid JSON ({error.msg})", field="line") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{path} is not UTF-8 text", field="file") from None


def embed_passages(
    embedder: Embedder,
    passages: list[Passage],
    *,
    batch_size: int = DEFAULT_EMBED_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Unit vectors of ``"title: text"`` for each passage, float32 ``(n, dimension)``, computed in batches."""
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    for start in range(0, len(passages), batch_size):
        chunk = passages[start : start + batch_size]
        vectors[start : start + len(chunk)] = embedder.encode([format_evidence(p.title, p.text) for p in chunk])
        if progress is not None:
            progress(start + len(chunk), len(passages))
    return vectors


def ingest_documents(
    store: EvidenceStore,
    embedder: Embedder | None,
    corpus: str,
    documents: Iterable[Passage | Mapping[str, Any]],
    progress: IngestProgress = _no_progress,
    *,
    description: str = "",
    batch_size: int = DEFAULT_EMBED_BATCH,
) -> int:
    """Validate, embed and store ``documents`` in ``corpus`` (created if absent); returns its passage count.

    Without an embedder the corpus is BM25-only. Adding to an existing corpus replaces passages with the same
    ids; nothing is written unless every document is valid and embedded.
    """
    check_corpus_name(corpus)
    passages = check_documents((f"document {i}", doc) for i, doc in enumerate(documents, 1))
    if store.has_corpus(corpus):
        existing = store.corpus(corpus).embedder
        wanted = embedder.name if embedder is not None else None
        if existing != wanted:
            raise InvalidInput(
                f"corpus {corpus!r} was embedded with {existing or 'no embedder'}, not {wanted or 'none'}",
                field="corpus",
            )
    total = len(passages)
    vectors = None
    if embedder is not None:
        progress(0, total, "embedding")
        vectors = embed_passages(
            embedder, passages, batch_size=batch_size, progress=lambda done, _: progress(done, total, "embedding")
        )

    def written(done: int, _: int) -> None:
        progress(done, total, "writing")

    progress(0, total, "writing")
    if store.has_corpus(corpus):
        return store.add_passages(corpus, passages, vectors, progress=written)
    store.create_corpus(
        corpus,
        description=description,
        embedder=embedder.name if embedder is not None else None,
        passages=passages,
        vectors=vectors,
        progress=written,
    )
    return store.corpus(corpus).passage_count


class Ingester:
    """Adds documents to the corpora of an evidence store, embedding them with the store's embedder.

    A worker's ingest task runs :meth:`ingest`; progress is embedding 0-80 %, writing 80-100 %.
    """

    def __init__(self, store: EvidenceStore, embedder: Embedder | None) -> None:
        self.store = store
        self.embedder = embedder

    def ingest(
        self,
        corpus: str,
        documents: Sequence[Passage | Mapping[str, Any]],
        progress: Callable[[int, str], None] = lambda percentage, stage: None,
    ) -> dict[str, Any]:
        """Embed and add ``documents`` to ``corpus`` (created when new); returns what was stored."""

        def report(done: int, total: int, stage: str) -> None:
            share = done / total if total else 1.0
            progress(int(80 * share) if stage == "embedding" else 80 + int(20 * share), stage)

        count = ingest_documents(self.store, self.embedder, corpus, documents, report)
        progress(100, "done")
        return {"corpus": corpus, "documents": len(documents), "passage_count": count}
