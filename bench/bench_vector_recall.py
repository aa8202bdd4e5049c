"""Recall of the inverted-file index against exact search, on the default corpus's real MiniLM vectors.

The 10,033 shipped Wikipedia vectors are cut into cells of ``--rows-per-cell`` (100 by default: 100 cells, the shape a
million vectors take in the product's cells of 1,000), and the claims of the given files, embedded with the default
embedder, are the queries. For each share of cells visited it prints the share of the exact 10 and 50 nearest
vectors the index finds, and the time of both searches (the exact one is the baseline of the same run).

    python bench/bench_vector_recall.py [--claims data/everyday_claims.jsonl ...] [--shares 0.0625 0.125 0.25]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from truthgraph import vector_search  # noqa: E402
from truthgraph.verification.wikipedia import VECTORS_PATH  # noqa: E402

DEFAULT_CLAIMS = [Path(__file__).resolve().parents[1] / "data" / "everyday_claims.jsonl"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=Path, nargs="+", default=DEFAULT_CLAIMS, help="JSONL claims files (queries)")
    parser.add_argument("--limit", type=int, default=300, help="claims read from each file")
    parser.add_argument("--rows-per-cell", type=int, default=100)
    parser.add_argument("--shares", type=float, nargs="+", default=[1 / 16, 1 / 8, 1 / 4])
    args = parser.parse_args(argv)

    from truthgraph.verification.embedding import load_default_embedder

    with np.load(VECTORS_PATH, allow_pickle=False) as data:
        matrix = data["vectors"].astype(np.float32)
    texts = []
    for path in args.claims:
        with open(path, encoding="utf-8") as handle:
            texts += [json.loads(line)["claim"] for line in handle if line.strip()][: args.limit]
    queries = np.asarray(load_default_embedder().encode(texts), dtype=np.float32)
    vector_search.ROWS_PER_LIST = args.rows_per_cell
    print(f"{len(matrix)} vectors, {len(queries)} queries, cells of about {args.rows_per_cell}")
    print(f"{'share':>8}{'probes':>10}{'recall@10':>11}{'recall@50':>11}{'ivf ms':>9}{'exact ms':>10}")
    for share in args.shares:
        vector_search.PROBE_SHARE = share
        index = vector_search.InvertedFileIndex.build(matrix)
        ordered = matrix[index.order]
        r10, r50, t_ivf, t_exact = [], [], [], []
        for query in queries:
            started = time.perf_counter()
            exact, _ = vector_search.exact_search(matrix, query, 50)
            t_exact.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            found, _ = index.search(ordered, query, 50)
            t_ivf.append((time.perf_counter() - started) * 1000)
            found = index.order[found]
            r10.append(len(set(exact[:10].tolist()) & set(found[:10].tolist())) / 10)
            r50.append(len(set(exact.tolist()) & set(found.tolist())) / 50)
        print(f"{share:>8.4f}{f'{index.probes}/{len(index.centroids)}':>10}{np.mean(r10):>11.3f}{np.mean(r50):>11.3f}"
              f"{statistics.median(t_ivf):>9.2f}{statistics.median(t_exact):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
