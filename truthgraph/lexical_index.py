"""BM25 over a large corpus held in a worker's memory: postings in numpy arrays, scored without the database.

A lexical search in the database scores every passage that shares a word with the query: an OR query over a million
passages reads hundreds of thousands of rows (about 0.2 s with FTS5, 0.6 s with PostgreSQL's ``ts_rank`` on the
development machine) and limiting it to the rarer words lost too much recall. Large corpora are therefore searched
here, from postings built when the corpus's passages are read (as its vectors are, and again when its generation
changes). Smaller corpora keep the database's search (:mod:`truthgraph.db.lexical`).

- Terms are the lower-case words of title and text without stop words (:func:`truthgraph.text.words`), a title word
  counting :data:`TITLE_WEIGHT` times, as FTS5's ranking weighs it; words are not stemmed.
- Each posting holds its BM25 weight ``idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`` with ``idf = ln(1 + (N −
  df + 0.5) / (df + 0.5))``; a query's score of a passage is the sum over its distinct terms.
- A term's postings are kept highest weight first; a query reads at most :data:`MAX_POSTINGS` of each, so a term
  found in a large share of the corpus (low IDF, little say in the ranking) costs a bounded amount.
- Terms are keyed by Python's string hash, which is stable within a process: the postings never leave it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .text import STOPWORDS

#: BM25's term-frequency saturation and length normalization.
K1, B = 1.2, 0.75
#: How many times a title word counts.
TITLE_WEIGHT = 2
#: Most postings of one term a query reads (its highest-weight ones).
MAX_POSTINGS = 50_000
#: Separates passages in the one string a batch of them is tokenized from (not a word character).
_SEPARATOR = "\x1f"
_TOKEN = re.compile(r"\w+|\x1f", re.UNICODE)
_STOP_HASHES = np.array(sorted(hash(w) for w in STOPWORDS), dtype=np.int64)


def _tokens(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(term hashes, row of each)`` of the words of ``texts`` (row ``i`` for ``texts[i]``), stop words left out.

    The texts are tokenized as one string, so the per-word work runs in the regular expression engine and ``map``.
    """
    tokens = _TOKEN.findall(f" {_SEPARATOR} ".join(texts).lower())
    hashes = np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens))
    separator = hashes == hash(_SEPARATOR)
    rows = np.cumsum(separator, dtype=np.int64).astype(np.int32)
    keep = ~separator & ~np.isin(hashes, _STOP_HASHES)
    return hashes[keep], rows[keep]


@dataclass(frozen=True)
class LexicalIndex:
    """Postings of a corpus: term ``terms[t]`` has rows ``rows[offsets[t]:offsets[t+1]]`` with ``weights`` there."""

    terms: np.ndarray
    offsets: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    size: int

    @property
    def nbytes(self) -> int:
        """Memory held by the postings."""
        return self.terms.nbytes + self.offsets.nbytes + self.rows.nbytes + self.weights.nbytes

    @classmethod
    def build(cls, titles: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Postings of passages ``0 … n-1`` from their titles and texts."""
        n = len(texts)
        if len(titles) != n:
            raise ValueError(f"{len(titles)} titles for {n} texts")
        title_terms, title_rows = _tokens(titles)
        text_terms, text_rows = _tokens(texts)
        term = np.concatenate([*([title_terms] * TITLE_WEIGHT), text_terms])
        row = np.concatenate([*([title_rows] * TITLE_WEIGHT), text_rows])
        if not len(term):
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, np.zeros(1, dtype=np.int64), empty.astype(np.int32), empty.astype(np.float32), n)
        counts = np.bincount(row, minlength=n)
        order = np.lexsort((row, term))
        term, row = term[order], row[order]
        # one posting per (term, row): its term frequency is the length of the run
        starts = np.flatnonzero(np.r_[True, (term[1:] != term[:-1]) | (row[1:] != row[:-1])])
        tf = np.diff(np.r_[starts, len(term)]).astype(np.float32)
        term, row = term[starts], row[starts]
        unique, first, df = np.unique(term, return_index=True, return_counts=True)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        lengths = counts.astype(np.float32)
        norm = K1 * (1 - B + B * lengths / max(float(lengths.mean()) if n else 1.0, 1e-9))
        weight = np.repeat(idf, df) * tf * (K1 + 1) / (tf + norm[row])
        # within each term, highest weight first
        order = np.lexsort((-weight, np.repeat(np.arange(len(unique)), df)))
        offsets = np.r_[first, len(term)].astype(np.int64)
        return cls(unique, offsets, row[order].astype(np.int32), weight[order].astype(np.float32), n)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows for free text ``query``: ``(rows, scores)``, best first (none without a known term)."""
        wanted = np.unique(_tokens([query])[0])
        if not len(wanted) or not len(self.terms) or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        at = np.searchsorted(self.terms, wanted)
        at = at[(at < len(self.terms))]
        at = at[np.isin(self.terms[at], wanted)]
        if not len(at):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        parts = [slice(int(self.offsets[t]), int(min(self.offsets[t + 1], self.offsets[t] + MAX_POSTINGS))) for t in at]
        rows = np.concatenate([self.rows[p] for p in parts])
        weights = np.concatenate([self.weights[p] for p in parts])
        scores = np.bincount(rows, weights=weights, minlength=self.size)
        hit = min(k, int(np.count_nonzero(scores)))
        if hit == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, hit - 1)[:hit]
        top = top[np.lexsort((top, -scores[top]))]
        return top.astype(np.int64), scores[top].astype(np.float32)
