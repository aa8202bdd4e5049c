"""Default pipeline throughput on the Wikipedia corpus, with its per-stage breakdown.

Verifies claims (the ``claim`` field of a claims file, or built-in ones) with 5 passages each, and prints
claims/second and milliseconds per stage, with the whole pipeline as a ratio to retrieval alone measured
in the same run. ``--stance-model`` times another stance model folder in place of the shipped one; ``--screen-model``
another screen (or ``none``), ``--screen-keep`` how many sentences pass it.

    python bench/bench_pipeline.py [--claims FILE.jsonl] [--n 50] [--top-k 5] [--stance-model FOLDER]
        [--max-sentences N] [--screen-model default|none|FOLDER] [--screen-keep N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time

from truthgraph.settings import Settings
from truthgraph.verification.default import build_default_pipeline

BUILT_IN = [
    "The Eiffel Tower is in Paris.",
    "The Eiffel Tower is in Rome.",
    "Mount Everest is the highest mountain on Earth.",
    "The Amazon river flows into the Pacific Ocean.",
    "Stanley Kubrick directed 2001: A Space Odyssey.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", help="claims file (JSON Lines with a 'claim' field)")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--stance-model", default="default", help="'default' or a stance model folder to time")
    parser.add_argument("--max-sentences", type=int, default=Settings().max_sentences,
                        help="most sentences judged per claim (TRUTHGRAPH_MAX_SENTENCES)")
    parser.add_argument("--screen-model", default=Settings().screen_model,
                        help="'default', 'none' or a screen model folder (TRUTHGRAPH_SCREEN_MODEL)")
    parser.add_argument("--screen-keep", type=int, default=Settings().screen_keep,
                        help="sentences the screen passes to the stance model (TRUTHGRAPH_SCREEN_KEEP)")
    args = parser.parse_args()
    if args.claims:
        with open(args.claims, encoding="utf-8") as f:
            claims = [json.loads(line)["claim"] for line in f if line.strip()][: args.n]
    else:
        claims = (BUILT_IN * (args.n // len(BUILT_IN) + 1))[: args.n]

    with tempfile.TemporaryDirectory() as data_dir:
        started = time.perf_counter()
        pipeline = build_default_pipeline(Settings(data_dir=data_dir, stance_model=args.stance_model,
                                                   max_sentences=args.max_sentences, screen_model=args.screen_model,
                                                   screen_keep=args.screen_keep))
        load_s = time.perf_counter() - started
        corpora = [pipeline.default_corpus]

        started = time.perf_counter()
        for claim in claims:
            pipeline.retriever.retrieve(claim, corpora, args.top_k)
        retrieval_only_s = time.perf_counter() - started

        timings: dict[str, list[float]] = {}
        started = time.perf_counter()
        for claim in claims:
            verdict = pipeline.verify(claim, {"top_k": args.top_k})
            for stage, ms in verdict.timings_ms.items():
                timings.setdefault(stage, []).append(ms)
        full_s = time.perf_counter() - started

    screen = pipeline.screen.name if pipeline.screen else "none"
    print(f"claims: {len(claims)}, passages per claim: {args.top_k}, stance model: {pipeline.stance_model.name}, "
          f"screen: {screen}, pipeline load: {load_s:.1f} s")
    print(f"retrieval alone   {len(claims) / retrieval_only_s:8.1f} claims/s   (baseline)")
    print(f"whole pipeline    {len(claims) / full_s:8.1f} claims/s   = {retrieval_only_s / full_s:.3f}x baseline")
    for stage, values in timings.items():
        print(f"  {stage:<12} mean {statistics.mean(values):8.1f} ms   p95 {sorted(values)[int(0.95 * (len(values) - 1))]:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
