"""A synthetic corpus for scale benchmarks: seeded passages over a Zipf-distributed vocabulary, and an embedder.

The most frequent words are English stop words (which queries drop, as they do real ones), the others pronounceable
made-up strings; their frequencies follow a Zipf law, like a natural language's, so a lexical query matches many
passages through its common words and few through its rare ones.
The embedder is a fixed random projection of the words (unit vectors of the embedder's dimension): searching its
vectors costs what searching real sentence-embedding vectors costs, which is all a scale benchmark needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

from truthgraph.domain import Passage
from truthgraph.text import STOPWORDS

#: Distinct words of the vocabulary.
DEFAULT_VOCABULARY = 30_000
#: Dimension of the vectors (that of the default MiniLM embedder).
DEFAULT_DIMENSION = 384
#: Exponent of the Zipf law of word frequencies.
ZIPF_EXPONENT = 1.1
#: Words of a passage's title and text (inclusive ranges).
TITLE_WORDS, TEXT_WORDS = (1, 3), (30, 70)
#: Words of a query, taken in order from a passage's text.
QUERY_WORDS = (8, 14)
#: Passages drawn together from one seeded generator (a passage is the same however many are asked for).
BLOCK = 1000
#: Passages embedded per matrix operation (bounds the memory of the projection).
EMBED_BATCH = 500

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
_WORD = re.compile(r"\w+")


class SyntheticCorpus:
    """The vocabulary, its frequencies and its projection, all from one seed."""

    def __init__(self, *, seed: int = 7, vocabulary: int = DEFAULT_VOCABULARY, dimension: int = DEFAULT_DIMENSION):
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.dimension = dimension
        words: dict[str, None] = dict.fromkeys(sorted(STOPWORDS))
        self.stopwords = len(words)  # the first words
        while len(words) < vocabulary:
            length = int(rng.integers(2, 5))
            words["".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), length))] = None
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        weights = 1.0 / np.arange(1, vocabulary + 1) ** ZIPF_EXPONENT
        self.cumulative = np.cumsum(weights / weights.sum())
        # one projection row per word, and an all-zero last row that padding and stop words point at
        self.projection = np.vstack([rng.standard_normal((vocabulary, dimension)), np.zeros((1, dimension))])
        self.projection = self.projection.astype(np.float32)

    @property
    def embedder_name(self) -> str:
        return f"synthetic-projection-{self.dimension}-seed{self.seed}"

    def passages(self, start: int, count: int) -> tuple[list[Passage], np.ndarray]:
        """Passages ``start`` … ``start + count - 1`` (each the same however it is asked for) and their unit vectors."""
        first, last = start // BLOCK, (start + count - 1) // BLOCK
        passages: list[Passage] = []
        vectors: list[np.ndarray] = []
        for block in range(first, last + 1):
            block_passages, block_vectors = self._block(block)
            low = max(start - block * BLOCK, 0)
            high = min(start + count - block * BLOCK, BLOCK)
            passages.extend(block_passages[low:high])
            vectors.append(block_vectors[low:high])
        return passages, np.concatenate(vectors) if vectors else np.zeros((0, self.dimension), dtype=np.float32)

    def _block(self, block: int) -> tuple[list[Passage], np.ndarray]:
        """The passages of one block, drawn from a generator seeded with the block's number."""
        rng = np.random.default_rng([self.seed, block])
        title_lengths = rng.integers(TITLE_WORDS[0], TITLE_WORDS[1] + 1, BLOCK)
        text_lengths = rng.integers(TEXT_WORDS[0], TEXT_WORDS[1] + 1, BLOCK)
        lengths = title_lengths + text_lengths
        drawn = np.searchsorted(self.cumulative, rng.random(int(lengths.sum())), side="right")
        drawn = np.minimum(drawn, len(self.words) - 1)
        ids = np.split(drawn, np.cumsum(lengths)[:-1])
        passages = []
        for number, words, cut in zip(range(block * BLOCK, (block + 1) * BLOCK), ids, title_lengths):
            names = [self.words[i] for i in words]
            passages.append(
                Passage(
                    id=f"p{number}",
                    title=" ".join(names[:cut]).capitalize(),
                    text=" ".join(names[cut:]).capitalize() + ".",
                )
            )
        return passages, self.embed_ids(ids)

    def queries(self, n: int, size: int) -> Iterator[tuple[str, str]]:
        """``(query, id of the passage it came from)``: runs of consecutive words of random passages."""
        rng = np.random.default_rng([self.seed, size, 1])
        for number in rng.integers(0, size, n):
            [passage], _ = self.passages(int(number), 1)
            words = passage.text.rstrip(".").split()
            length = int(rng.integers(QUERY_WORDS[0], QUERY_WORDS[1] + 1))
            first = int(rng.integers(0, max(1, len(words) - length)))
            yield " ".join(words[first : first + length]), passage.id

    def embed_ids(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """Unit vectors: the sum of each passage's word projections, normalized."""
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        padding = len(self.words)
        for start in range(0, len(ids), EMBED_BATCH):
            chunk = ids[start : start + EMBED_BATCH]
            padded = np.full((len(chunk), max(len(c) for c in chunk)), padding)
            for row, words in enumerate(chunk):
                padded[row, : len(words)] = words
            padded[padded < self.stopwords] = padding  # stop words carry no meaning
            out[start : start + len(chunk)] = self.projection[padded].sum(axis=1)
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


class SyntheticEmbedder:
    """An Embedder over a synthetic corpus's projection (unknown words count for nothing)."""

    def __init__(self, corpus: SyntheticCorpus) -> None:
        self.corpus = corpus
        self.name = corpus.embedder_name
        self.dimension = corpus.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = [
            np.array([self.corpus.index[w] for w in _WORD.findall(t.lower()) if w in self.corpus.index] or [0])
            for t in texts
        ]
        return self.corpus.embed_ids(ids)
