"""Retrieval on both database engines: BM25, dense and hybrid, on the Wikipedia corpus or a synthetic one at scale.

Wikipedia (the default): queries are sentences taken from random summaries, or the claims of a JSONL claims file
(``--claims``) whose gold evidence page is in the corpus; recall@5 (whether the summary a query came from, or the gold
page, is among the five found) is printed alongside. Each engine holds its own copy of the corpus; the modes of both
take turns query by query (fair on a busy machine), and rates are ratios to SQLite's BM25 (FTS5).

Scale (``--passages 10000 100000 1000000``): a synthetic corpus (``bench/synthetic.py``), grown through the store's own
write path to each size in turn, on each engine. Per size: the p50/p95 latency in ms of BM25 (50 candidates, as the
retriever asks), dense (50) and hybrid (top 5) retrieval, the per-search generation check, the time PostgreSQL takes
to settle after the bulk write (``settle s``, see :func:`settle`), the time to read the vectors into memory (with the
inverted-file index of a corpus of 50k or more), the time to build the in-memory postings of such a corpus
(``lex s``), this process's RSS (what a worker holds; each engine runs in a process of its own) and the MiB of the
cached vectors and indexes; ratios are to the smallest size of the same engine in the same run. ``--time-limit`` bounds
each engine's part: growing stops there, and the size reached is measured.

    python bench/bench_retrieval.py [--queries 200] [--claims FILE.jsonl] [--engines sqlite,postgresql]
    python bench/bench_retrieval.py --passages 10000 100000 [--queries 100] [--time-limit 600]

PostgreSQL databases are created on ``TRUTHGRAPH_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432``)
and dropped afterwards. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import SyntheticCorpus, SyntheticEmbedder  # noqa: E402
from tests.support.databases import ENGINES, database_url_for, migrated_engine, release  # noqa: E402
from truthgraph.evidence_store import EvidenceStore  # noqa: E402
from truthgraph.text import split_sentences  # noqa: E402
from truthgraph.verification.retrieval import DEFAULT_CANDIDATES, HybridRetriever  # noqa: E402
from truthgraph.verification.wikipedia import (  # noqa: E402
    CORPUS_NAME,
    ensure_default_corpus,
    load_passages,
    source_path,
)

TOP_K = 5
#: The synthetic corpus's name, and passages written per ``add_passages`` call while growing it.
SCALE_CORPUS, SCALE_CHUNK = "synthetic", 20_000
#: Queries measured at a size even when the time limit has passed.
MIN_QUERIES = 10

#: A search mode: query → the ids (titles or passage ids) it found, or None where recall does not apply.
Search = Callable[[str], "list[str] | None"]


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
    modes: dict[str, Search], queries: Sequence[tuple[str, str | None]], *, deadline: float | None = None
) -> dict[str, tuple[list[float], float | None]]:
    """Latencies in ms and recall@k of each mode, the modes taking turns query by query (fair on a busy machine).

    With a ``deadline`` (``time.monotonic()``), stops once it has passed and :data:`MIN_QUERIES` were measured.
    """
    for search in modes.values():
        search(queries[0][0])  # warm caches
    latencies: dict[str, list[float]] = {name: [] for name in modes}
    found = dict.fromkeys(modes, 0)
    known = 0
    for done, (query, source) in enumerate(queries):
        if deadline is not None and done >= MIN_QUERIES and time.monotonic() > deadline:
            break
        known += source is not None
        for name, search in modes.items():
            started = time.perf_counter()
            ids = search(query)
            latencies[name].append((time.perf_counter() - started) * 1000)
            found[name] += source is not None and ids is not None and source in ids
    recall_of = {name: found[name] / known if known else None for name in modes}
    return {name: (latencies[name], recall_of[name]) for name in modes}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb() -> float:
    """This process's resident memory, in MiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def temporary_store(engine_name: str, folder: Path) -> Iterator[EvidenceStore]:
    """An evidence store on a fresh, migrated database of the engine, dropped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    url = database_url_for(engine_name, folder)
    engine = migrated_engine(url)
    try:
        yield EvidenceStore(engine)
    finally:
        release(url, engine)


def settle(store: EvidenceStore, *, vacuum: bool = True) -> None:
    """Bring PostgreSQL to the state a served corpus is in minutes after its upload, before timing searches.

    After a bulk write, autovacuum vacuums and analyzes the table and the checkpointer writes the new pages out; until
    the visibility map and hint bits are set, each search that reads the new rows in the database (full-text search
    of a corpus under 50k passages) checks their transactions again, and it is several times slower. A corpus is
    uploaded once and searched for days, so the bench does that work first (``VACUUM ANALYZE``, ``CHECKPOINT``) and
    reports how long it took (``settle s``). Without ``vacuum`` (``--unsettled``) only the planner statistics are refreshed, and searches
    are timed while the server's own work may still be running.
    """
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if vacuum:
                connection.exec_driver_sql("VACUUM (ANALYZE) passages")
                connection.exec_driver_sql("CHECKPOINT")
            else:
                connection.exec_driver_sql("ANALYZE passages")


def wikipedia(args: argparse.Namespace, engines: list[str]) -> int:
    """Speed and recall@5 of each engine's modes on the Wikipedia corpus."""
    from truthgraph.verification.embedding import load_default_embedder

    embedder = load_default_embedder()
    queries = read_claims(args.claims, args.queries) if args.claims else sample_queries(args.queries, args.seed)
    if not queries:
        print("no queries to run", file=sys.stderr)
        return 2
    corpora = [CORPUS_NAME]
    modes: dict[str, Search] = {}
    with tempfile.TemporaryDirectory() as scratch, _stores(engines, Path(scratch)) as stores:
        for name, store in stores.items():
            started = time.perf_counter()
            ensure_default_corpus(store, embedder)
            settle(store)
            print(f"{name}: corpus written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            modes.update(_wikipedia_modes(name, store, HybridRetriever(store, embedder), corpora))
        modes.update(_in_memory_lexical(next(iter(stores.values())), corpora))
        passages = len(next(iter(stores.values())).vectors(corpora, embedder.name))
        results = measure(modes, queries)

    baseline = len(queries) / (sum(results[f"{engines[0]} bm25"][0]) / 1000)
    print(f"{len(queries)} queries, top {TOP_K}, {passages} passages; rates as ratios to {engines[0]} bm25")
    print(f"{'mode':<34}{'claims/s':>10}{'ratio':>8}{'p50 ms':>9}{'p95 ms':>9}{'recall@5':>10}")
    for name, (latencies, recall) in results.items():
        rate = len(latencies) / (sum(latencies) / 1000)
        recall_text = f"{recall:.3f}" if recall is not None and not name.endswith("check") else "-"
        print(f"{name:<34}{rate:>10.1f}{rate / baseline:>8.2f}{statistics.median(latencies):>9.2f}"
              f"{percentile(latencies, 0.95):>9.2f}{recall_text:>10}")
    if {"sqlite", "postgresql"} <= set(engines):
        pg, lite = results["postgresql bm25"][1], results["sqlite bm25"][1]
        if pg is not None and lite is not None:
            print(f"recall@5 of lexical search: PostgreSQL full-text {pg:.3f}, SQLite FTS5 {lite:.3f}")
    return 0


def _wikipedia_modes(
    name: str, store: EvidenceStore, retriever: HybridRetriever, corpora: list[str]
) -> dict[str, Search]:
    def titles(keys: list[int]) -> list[str]:
        return [p.title for p in store.get_passages(keys)]

    def generation_check(query: str) -> None:
        store.generations(corpora)

    return {
        f"{name} bm25": lambda q: titles([h.key for h in retriever.bm25(q, corpora, TOP_K)]),
        f"{name} dense": lambda q: titles([h.key for h in retriever.dense(q, corpora, TOP_K)]),
        f"{name} hybrid": lambda q: [r.passage.title for r in retriever.retrieve(q, corpora, TOP_K)],
        f"{name} generation check": generation_check,
    }


def _in_memory_lexical(store: EvidenceStore, corpora: list[str]) -> dict[str, Search]:
    """BM25 over the corpus's postings in memory, as corpora of ``LEXICAL_INDEX_MIN_ROWS`` passages are searched."""
    from truthgraph.lexical_index import LexicalIndex

    keys = list(store.vectors(corpora, store.corpus(corpora[0]).embedder or "").keys)
    found = store.get_passages(keys)
    index = LexicalIndex.build([p.title for p in found], [p.text for p in found])
    return {"bm25 in memory": lambda q: [found[i].title for i in index.search(q, TOP_K)[0]]}


@contextmanager
def _stores(engines: list[str], folder: Path) -> Iterator[dict[str, EvidenceStore]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(temporary_store(name, folder / name)) for name in engines}


def scale(args: argparse.Namespace, engines: list[str]) -> int:
    """Latency and memory of retrieval as a synthetic corpus grows, on each engine."""
    if len(engines) > 1:  # each engine in a process of its own, so that each RSS is that engine's alone
        argv = [sys.executable, __file__, "--passages", *map(str, args.passages), "--queries", str(args.queries),
                "--time-limit", str(args.time_limit), "--seed", str(args.seed)]
        argv += ["--unsettled"] if args.unsettled else []
        return max(subprocess.run([*argv, "--engines", name]).returncode for name in engines)
    corpus = SyntheticCorpus(seed=args.seed)
    embedder = SyntheticEmbedder(corpus)
    sizes = sorted(set(args.passages))
    print(f"synthetic corpus: {len(corpus.words)} words, {embedder.dimension}-dimensional vectors; "
          f"{args.queries} queries per size; time limit {args.time_limit:.0f} s", flush=True)
    with tempfile.TemporaryDirectory() as scratch, temporary_store(engines[0], Path(scratch)) as store:
        _grow_and_measure(engines[0], store, corpus, embedder, sizes, args)
    return 0


def _grow_and_measure(
    name: str,
    store: EvidenceStore,
    corpus: SyntheticCorpus,
    embedder: SyntheticEmbedder,
    sizes: list[int],
    args: argparse.Namespace,
) -> None:
    deadline = time.monotonic() + args.time_limit
    store.create_corpus(SCALE_CORPUS, embedder=embedder.name, description="synthetic passages",
                        vectors=np.zeros((0, embedder.dimension), dtype=np.float32))
    retriever = HybridRetriever(store, embedder)
    written, writing_s = 0, 0.0
    baseline: dict[str, float] = {}
    print(f"\n{name}")
    print(f"{'passages':>9}{'write/s':>9}{'settle s':>9}{'load s':>8}{'lex s':>7}{'gen ms':>8}{'bm25 p50/p95':>15}"
          f"{'dense p50/p95':>15}"
          f"{'hybrid p50/p95':>16}{'RSS MiB':>9}{'vectors':>9}{'recall@5':>9}   ratios to the first size")
    for size in sizes:
        while written < size and time.monotonic() < deadline:
            count = min(SCALE_CHUNK, size - written)
            passages, vectors = corpus.passages(written, count)
            started = time.perf_counter()
            store.add_passages(SCALE_CORPUS, passages, vectors)
            writing_s += time.perf_counter() - started
            written += count
            print(f"  {name}: {written} passages written", file=sys.stderr, flush=True)
        if written == 0:
            break
        started = time.perf_counter()
        settle(store, vacuum=not args.unsettled)
        settle_s = time.perf_counter() - started
        row = _measure_size(store, retriever, embedder, corpus, written, args.queries, deadline)
        ratios = "  ".join(f"{key} {row[key] / baseline[key]:.1f}x" for key in baseline)
        if not baseline:
            baseline = {key: row[key] for key in ("bm25", "dense", "hybrid", "rss")}
            ratios = "(baseline)"
        print(f"{written:>9}{written / writing_s:>9.0f}{settle_s:>9.1f}{row['load_s']:>8.2f}{row['postings_s']:>7.2f}"
              f"{row['generation_ms']:>8.2f}"
              f"{row['bm25']:>8.1f}/{row['bm25_p95']:<6.1f}{row['dense']:>8.1f}/{row['dense_p95']:<6.1f}"
              f"{row['hybrid']:>9.1f}/{row['hybrid_p95']:<6.1f}{row['rss']:>9.0f}{row['vectors_mb']:>9.0f}"
              f"{row['recall']:>9.2f}   {ratios}"
              f"  [{row['queries']} queries]", flush=True)
        if written < size:
            print(f"  time limit reached at {written} of {size} passages, writing {written / writing_s:.0f} passages/s:"
                  f" {size} would take about {size / (written / writing_s):.0f} s to write", flush=True)
            break


def _measure_size(
    store: EvidenceStore,
    retriever: HybridRetriever,
    embedder: SyntheticEmbedder,
    corpus: SyntheticCorpus,
    size: int,
    n: int,
    deadline: float,
) -> dict[str, float]:
    corpora = [SCALE_CORPUS]
    started = time.perf_counter()
    index = store.vectors(corpora, embedder.name)  # reads the grown corpus's vectors into memory
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    store.bm25_search("warm", corpora, 1)  # builds a large corpus's in-memory postings
    postings_s = time.perf_counter() - started
    checks = []
    for _ in range(50):
        started = time.perf_counter()
        store.generations(corpora)
        checks.append((time.perf_counter() - started) * 1000)
    modes: dict[str, Search] = {
        "bm25": lambda q: (retriever.bm25(q, corpora, DEFAULT_CANDIDATES), None)[1],
        "dense": lambda q: (retriever.dense(q, corpora, DEFAULT_CANDIDATES), None)[1],
        "hybrid": lambda q: [r.passage.id for r in retriever.retrieve(q, corpora, TOP_K)],
    }
    results = measure(modes, list(corpus.queries(n, size)), deadline=deadline)
    row = {"load_s": load_s, "postings_s": postings_s, "generation_ms": statistics.median(checks), "rss": rss_mb(),
           "vectors_mb": index.nbytes / 2**20,
           "recall": results["hybrid"][1] or 0.0, "queries": len(results["hybrid"][0])}
    for mode, (latencies, _) in results.items():
        row[mode] = statistics.median(latencies)
        row[f"{mode}_p95"] = percentile(latencies, 0.95)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=None, help="queries (default 200; 100 per size with --passages)")
    parser.add_argument("--claims", type=Path, help="a JSONL claims file to take queries from (Wikipedia)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite, postgresql")
    parser.add_argument("--passages", type=int, nargs="+", help="grow a synthetic corpus to these sizes")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds per engine with --passages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unsettled", action="store_true",
                        help="with --passages, time PostgreSQL's searches right after the bulk write (ANALYZE only)")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or set(engines) - set(ENGINES):
        parser.error(f"--engines must name some of {', '.join(ENGINES)}")
    if args.passages:
        args.queries = args.queries or 100
        if min(args.passages) < 1:
            parser.error("--passages must be positive")
        return scale(args, engines)
    args.queries = args.queries or 200
    return wikipedia(args, engines)


if __name__ == "__main__":
    sys.exit(main())
