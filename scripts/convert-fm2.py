#!/usr/bin/env python3
"""Convert a Fool Me Twice split (google-research/fool-me-twice, dataset/*.jsonl) into TruthGraph's data format.

    scripts/convert-fm2.py dataset/test.jsonl OUT_DIR [--split test]

writes ``OUT_DIR/fm2_SPLIT.jsonl`` (claims with their gold evidence) and ``OUT_DIR/fm2_SPLIT_corpus.jsonl`` (each
claim's gold and retrieved sentences, once each), so that ``truthgraph eval`` reads it in oracle and open mode.
Fool Me Twice is Apache-2.0, its text from Wikipedia (CC BY-SA).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

LABELS = {"SUPPORTS": "SUPPORTED", "REFUTES": "REFUTED"}


def convert(rows: list[dict[str, Any]], split: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(claims, corpus)`` in TruthGraph's format from Fool Me Twice rows."""
    claims: list[dict[str, Any]] = []
    corpus: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        title = row["wikipedia_page"]
        gold = [{"title": title, "text": e["text"]} for e in row.get("gold_evidence", [])]
        claims.append({"id": f"fm2-{split}-{row['id']}", "claim": row["text"], "label": LABELS[row["label"]],
                       "evidence": gold, "source": "fm2"})
        for evidence in gold + [{"title": title, "text": e["text"]} for e in row.get("retrieved_evidence", [])]:
            key = (title, evidence["text"])
            if key not in corpus:
                corpus[key] = {"id": f"fm2-{split}-s{len(corpus)}", **evidence}
    return claims, list(corpus.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a Fool Me Twice split (JSON Lines)")
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--split", default="test", help="the split's name, used in ids and file names")
    args = parser.parse_args()
    with args.source.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    claims, corpus = convert(rows, args.split)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, items in ((f"fm2_{args.split}.jsonl", claims), (f"fm2_{args.split}_corpus.jsonl", corpus)):
        with (args.out / name).open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    print(f"{len(claims)} claims, {len(corpus)} passages written to {args.out}")


if __name__ == "__main__":
    main()
