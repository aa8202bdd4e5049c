"""The verdict cache against a model run, in one run: the default pipeline on the Wikipedia corpus.

Each claim is verified once (a model run: retrieval, stance model, verdict rule) and its verdict kept in the
database with its cache key; then the same claims are answered as the worker answers a repeat: compute the cache key
(corpus generations from the database) and read the stored verdict. Prints p50/p95 of both and their ratio.

    python bench/bench_cache.py [--n 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from truthgraph.db.engine import create_database_engine, database_url
from truthgraph.db.verdicts import VerdictHistory
from truthgraph.settings import Settings
from truthgraph.verification.default import build_default_pipeline

CLAIMS = [
    "The Eiffel Tower is in Paris.",
    "The Eiffel Tower is in Rome.",
    "Mount Everest is the highest mountain on Earth.",
    "The Amazon river flows into the Pacific Ocean.",
    "Stanley Kubrick directed 2001: A Space Odyssey.",
    "Barack Obama was born in Kenya.",
    "Penguins live in the Arctic.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The Great Wall of China is visible from space.",
    "Albert Einstein developed the theory of relativity.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="claims (the built-in ones, repeated with a suffix)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary data folder")
    args = parser.parse_args()
    claims = [CLAIMS[i % len(CLAIMS)] + ("" if i < len(CLAIMS) else f" ({i})") for i in range(args.n)]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=data_dir, database_url=args.database_url or "")
        pipeline = build_default_pipeline(settings)
        history = VerdictHistory(create_database_engine(database_url(settings)))
        runs, hits = [], []
        for i, claim in enumerate(claims):
            started = time.perf_counter()
            key = pipeline.cache_key(claim, {})
            verdict = pipeline.verify(claim, {})
            runs.append(time.perf_counter() - started)
            history.record(task_id=f"bench-{i}", claim_id=f"c{i}", result={**verdict.to_dict(), "cache_key": key},
                           verified_at="2026-01-01T00:00:00Z")
        for claim in claims:
            started = time.perf_counter()
            found = history.cached(pipeline.cache_key(claim, {}))
            hits.append(time.perf_counter() - started)
            assert found is not None, claim
    run_p50, hit_p50 = statistics.median(runs) * 1000, statistics.median(hits) * 1000
    print(f"model run  p50 {run_p50:8.2f} ms  p95 {percentile(runs, 0.95) * 1000:8.2f} ms  ({len(runs)} claims)")
    print(f"cache hit  p50 {hit_p50:8.2f} ms  p95 {percentile(hits, 0.95) * 1000:8.2f} ms")
    print(f"a cache hit is {run_p50 / hit_p50:.0f}x faster than a model run (p50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
