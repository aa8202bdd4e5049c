"""Retrieval speed on the Wikipedia corpus: claims per second for BM25, dense and hybrid, as ratios to BM25.

Queries are sentences taken from random summaries, or the claims of a JSONL claims file (``--claims``) whose gold
evidence page is in the corpus; recall@5 (whether the summary a query came from, or the gold page, is among the
five found) is printed alongside.

    python bench/bench_retrieval.py [--queries 200] [--claims FILE.jsonl] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from truthgraph.evidence_store import EvidenceStore
from truthgraph.text import split_sentences
from truthgraph.verification.embedding import load_default_embedder
from truthgraph.verification.retrieval import HybridRetriever
from truthgraph.verification.wikipedia import CORPUS_NAME, ensure_default_corpus, load_passages, source_path

TOP_K = 5


def sample_queries(n: int, seed: int) -> list[tuple[str, str | None]]:
    """``(query, title of the summary it came from)``: a middle sentence of random summaries."""
    rng = random.Random(seed)
    passages = [p for p in load_passages(source_path()) if len(split_sentences(p.text)) >= 2]
    queries = []
    for passage in rng.sample(passages, n):
        sentences = split_sentences(passage.text)
        queries.append((sentences[len(sentences) // 2], passage.title))
    return queries


def read_claims(path: Path, n: int) -> list[tuple[str, str | None]]:
    """The first ``n`` claims of a claims file, with the title of a gold evidence page that is in the corpus.

    Claims with such a page are preferred; when none has one, claims are timed without recall.
    """
    titles = {p.title for p in load_passages(source_path())}
    with_gold: list[tuple[str, str | None]] = []
    without: list[tuple[str, str | None]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            claim = json.loads(line)
            gold = [e.get("title") for e in claim.get("evidence", []) if e.get("title") in titles]
            (with_gold if gold else without).append((claim["claim"], gold[0] if gold else None))
            if len(with_gold) == n:
                break
    return with_gold or without[:n]


def measure(
    modes: dict[str, Callable[[str], list[str]]], queries: list[tuple[str, str | None]]
) -> dict[str, tuple[float, float | None]]:
    """Claims per second and recall@k of each mode, the modes taking turns query by query (fair on a busy machine)."""
    for search in modes.values():
        search(queries[0][0])  # warm caches
    elapsed = dict.fromkeys(modes, 0.0)
    found = dict.fromkeys(modes, 0)
    for query, title in queries:
        for name, search in modes.items():
            started = time.perf_counter()
            titles = search(query)
            elapsed[name] += time.perf_counter() - started
            found[name] += title is not None and title in titles
    known = sum(title is not None for _, title in queries)
    return {name: (len(queries) / elapsed[name], found[name] / known if known else None) for name in modes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--claims", type=Path, help="a JSONL claims file to take queries from")
    parser.add_argument("--db", type=Path, help="an evidence store to use (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        store = EvidenceStore(args.db or Path(scratch) / "evidence.sqlite3")
        embedder = load_default_embedder()
        started = time.perf_counter()
        built = ensure_default_corpus(store, embedder)
        print(f"corpus ready in {time.perf_counter() - started:.1f} s ({'built' if built else 'already there'})")
        queries = read_claims(args.claims, args.queries) if args.claims else sample_queries(args.queries, args.seed)
        if not queries:
            parser.error("no queries to run")
        retriever = HybridRetriever(store, embedder)
        corpora = [CORPUS_NAME]

        def titles(keys: list[int]) -> list[str]:
            return [p.title for p in store.get_passages(keys)]

        query_vectors = {q: embedder.encode([q])[0] for q, _ in queries}
        index = store.vectors(corpora, embedder.name)

        def dense_search_only(query: str) -> list[str]:
            scores = np.einsum("ij,j->i", index.matrix, query_vectors[query])
            top = scores.argsort()[::-1][:TOP_K]
            return titles([int(index.keys[i]) for i in top])

        modes: dict[str, Callable[[str], list[str]]] = {
            "bm25": lambda q: titles([h.key for h in retriever.bm25(q, corpora, TOP_K)]),
            "dense": lambda q: titles([h.key for h in retriever.dense(q, corpora, TOP_K)]),
            "dense, query pre-embedded": dense_search_only,
            "hybrid": lambda q: [r.passage.title for r in retriever.retrieve(q, corpora, TOP_K)],
        }
        results = measure(modes, queries)

    baseline = results["bm25"][0]
    print(f"{len(queries)} queries, top {TOP_K}, {len(index)} passages")
    print(f"{'mode':<28}{'claims/s':>10}{'vs bm25':>10}{'recall@5':>10}")
    for name, (rate, recall) in results.items():
        recall_text = f"{recall:.3f}" if recall is not None else "-"
        print(f"{name:<28}{rate:>10.1f}{rate / baseline:>10.2f}{recall_text:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
