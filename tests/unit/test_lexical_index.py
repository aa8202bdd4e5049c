"""BM25 over postings held in memory (the lexical search of large corpora)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from truthgraph import lexical_index
from truthgraph.lexical_index import LexicalIndex

TITLES = ["Moon", "Paris", "Berlin", "Mars"]
TEXTS = [
    "The Moon is Earth's only natural satellite.",
    "Paris is the capital of France; the Eiffel Tower stands in Paris.",
    "Berlin is the capital of Germany.",
    "Mars is a planet with two small moons.",
]


def test_search_ranks_by_bm25_with_titles_counting_twice() -> None:
    index = LexicalIndex.build(TITLES, TEXTS)
    rows, scores = index.search("Which capital has the Eiffel Tower?", 3)
    assert rows.tolist()[:2] == [1, 2] and list(scores) == sorted(scores, reverse=True)
    assert index.search("satellite", 5)[0].tolist() == [0]
    # "paris" occurs twice in text and twice (weighted) in the title of passage 1: tf 4
    n, df, tf = 4, 1, 4
    # each title word twice, then the text's words without stop words ("earth's" is "earth" and "s")
    lengths = [2 + 6, 2 + 7, 2 + 3, 2 + 5]
    length, mean = lengths[1], np.mean(lengths)
    idf = math.log1p((n - df + 0.5) / (df + 0.5))
    want = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * length / mean))
    assert index.search("paris", 1)[1][0] == pytest.approx(want, rel=1e-5)


def test_stop_words_and_unknown_words_find_nothing() -> None:
    index = LexicalIndex.build(TITLES, TEXTS)
    assert index.search("the of is", 5)[0].size == 0
    assert index.search("zeppelin", 5)[0].size == 0
    assert index.search("moon", 0)[0].size == 0
    assert LexicalIndex.build([], []).search("moon", 5)[0].size == 0


def test_a_common_term_reads_only_its_best_postings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical_index, "MAX_POSTINGS", 1)
    index = LexicalIndex.build(["A", "B", "C"], ["capital city", "capital capital capital", "capital town"])
    rows, _ = index.search("capital", 3)
    assert rows.tolist() == [1]  # the highest-weight posting of "capital"


def test_titles_and_texts_must_pair_up() -> None:
    with pytest.raises(ValueError):
        LexicalIndex.build(["A"], [])
