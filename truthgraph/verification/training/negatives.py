"""Hard negatives: BM25-retrieved sentences that are not a claim's evidence, as neutral pairs or as added context."""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ...domain import Stance
from ...text import content_words, split_sentences
from .data import CLAIM_STANCE, StancePair, evidence_texts

#: Passages retrieved per claim before choosing a negative.
CANDIDATES = 10
#: A candidate holding this share of the claim's content words probably states it; it is not a negative.
MAX_COVERAGE = 0.8
#: Another claim this similar (token Jaccard) to the query likely shares its facts; its evidence is not a negative.
SIBLING_JACCARD = 0.4
#: The content words of a text (see :func:`truthgraph.text.content_words`).
words = content_words
#: The sentences of a passage, split as the pipeline splits them when it serves.
sentences = split_sentences


def jaccard(a: set[str], b: set[str]) -> float:
    """Token-set Jaccard similarity."""
    return len(a & b) / len(a | b) if a or b else 0.0


class PassageIndex:
    """An in-memory SQLite FTS5 index over passages, ranked by BM25."""

    def __init__(self, passages: Sequence[str]) -> None:
        self.passages = list(passages)
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE pool USING fts5(text)")
        self._db.executemany("INSERT INTO pool(rowid, text) VALUES (?, ?)", enumerate(self.passages))

    def search(self, query: str, k: int) -> list[str]:
        """The ``k`` best passages for ``query``."""
        terms = sorted(words(query))
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self._db.execute(
            "SELECT rowid FROM pool WHERE pool MATCH ? ORDER BY bm25(pool) LIMIT ?", (match, k)
        ).fetchall()
        return [self.passages[r[0]] for r in rows]


def distractors(claims: Sequence[dict[str, Any]], per_claim: int = 1) -> list[list[str]]:
    """For each claim, its best-ranked retrieved sentences that belong neither to its evidence nor its siblings'."""
    gold_of: dict[str, list[set[str]]] = defaultdict(list)
    for claim in claims:
        claim_words = words(claim["claim"])
        for sentence in {s for text in evidence_texts(claim) for s in sentences(text)}:
            gold_of[sentence].append(claim_words)
    index = PassageIndex(sorted(gold_of))
    chosen: list[list[str]] = []
    for claim in claims:
        own = {s for text in evidence_texts(claim) for s in sentences(text)}
        query = words(claim["claim"])
        found: list[str] = []
        for candidate in index.search(claim["claim"], CANDIDATES):
            if len(found) >= per_claim:
                break
            if candidate not in own and not _too_close(query, candidate, gold_of[candidate]):
                found.append(candidate)
        chosen.append(found)
    return chosen


def neutral_pairs(
    claims: Sequence[dict[str, Any]], per_claim: int = 1, found: Sequence[Sequence[str]] | None = None
) -> list[StancePair]:
    """Each claim paired with up to ``per_claim`` of its distractor sentences, as neutral.

    ``found`` is :func:`distractors` of the claims when the caller already has them (searched here otherwise).
    """
    found = distractors(claims, per_claim) if found is None else found
    return [
        StancePair(sentence, claim["claim"], Stance.NEUTRAL, "fever-retrieved")
        for claim, sentences in zip(claims, found)
        for sentence in sentences[:per_claim]
    ]


def context_pairs(
    claims: Sequence[dict[str, Any]], seed: int, found: Sequence[Sequence[str]] | None = None
) -> list[StancePair]:
    """Each claim's gold evidence read together with one distractor sentence, before or after it at random.

    The stance is the claim's own: a sentence that settles nothing does not change what the evidence says. This is
    how given evidence of one document is read at run time (its sentences together), so such premises are seen in
    training too. ``found`` is :func:`distractors` of the claims when the caller already has them.
    """
    found = distractors(claims, 1) if found is None else found
    rng = random.Random(seed)
    pairs = []
    for claim, sentences in zip(claims, found):
        stance = CLAIM_STANCE.get(claim["label"])
        if stance is None or not sentences:
            continue
        for text in evidence_texts(claim):
            parts = [text, sentences[0]] if rng.random() < 0.5 else [sentences[0], text]
            pairs.append(StancePair(" ".join(parts), claim["claim"], stance, "fever-context"))
    return pairs


def _too_close(query: set[str], candidate: str, owners: list[set[str]]) -> bool:
    """Whether a candidate likely states the claim: it covers the claim's words or is a sibling claim's evidence."""
    if query and len(query & words(candidate)) / len(query) >= MAX_COVERAGE:
        return True
    return any(jaccard(query, other) >= SIBLING_JACCARD for other in owners)
