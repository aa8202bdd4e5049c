"""Reference points for the evaluation: what a claim-only model and a word-overlap rule score on the same claims.

``claim_only`` never sees evidence. It is a bag-of-words logistic regression (numpy) over the claim text, scored by
deterministic 5-fold cross-validation on the evaluated claims themselves: each claim is predicted by a model trained on
the other folds. That is about the best a claim-only model can learn from the file's own label distribution and
wording, so a verifier that does not beat it clearly is reading the claims, not the evidence.

``word_overlap`` uses no model. It picks the evidence sentence sharing most content words with the claim; below
:data:`OVERLAP_THRESHOLD` of the claim's content words it says NOT_ENOUGH_INFO; otherwise REFUTED when exactly one of
claim and sentence carries a negation cue, else SUPPORTED. Its thresholds were fixed before looking at any results.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ...domain import Label
from ...text import STOPWORDS
from ..softmax import softmax

#: Folds of the claim-only cross-validation.
DEFAULT_FOLDS = 5
#: Most n-gram features the claim-only model keeps (the most frequent in its training folds).
DEFAULT_MAX_FEATURES = 5000
#: An n-gram must occur in at least this many training claims to become a feature.
DEFAULT_MIN_COUNT = 2
#: L2 penalty of the claim-only logistic regression.
DEFAULT_L2 = 1e-4
#: Gradient steps of the claim-only logistic regression.
DEFAULT_STEPS = 300
#: Step size of the claim-only logistic regression (features are unit-length rows).
DEFAULT_LEARNING_RATE = 2.0
#: Share of the claim's content words its best evidence sentence must contain for a verdict other than NEI.
OVERLAP_THRESHOLD = 0.5

_WORD = re.compile(r"[a-z0-9]+(?:['’]t)?")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b")


def claim_only_predictions(
    claim_ids: Sequence[str],
    claims: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = DEFAULT_FOLDS,
) -> list[str]:
    """Cross-validated claim-only predictions: each claim labelled by a model trained on the other folds.

    Folds are assigned by a hash of the claim id, so they do not depend on file order. A fold whose training part
    holds a single label predicts that label; with no training claims at all the prediction is NOT_ENOUGH_INFO.
    """
    if not (len(claim_ids) == len(claims) == len(labels)):
        raise ValueError("claim ids, claims and labels must have the same length")
    folds = max(1, min(folds, len(claims)))
    fold_of = np.array([int(hashlib.sha256(f"fold:{cid}".encode()).hexdigest(), 16) % folds for cid in claim_ids])
    tokens = [claim_ngrams(text) for text in claims]
    gold = np.asarray(labels)
    predictions = np.full(len(claims), Label.NOT_ENOUGH_INFO.value, dtype=object)
    for fold in range(folds):
        test = np.flatnonzero(fold_of == fold)
        train = np.flatnonzero(fold_of != fold)
        if len(test) == 0 or len(train) == 0:
            continue
        model = BagOfWordsClassifier.fit([tokens[i] for i in train], list(gold[train]))
        predictions[test] = model.predict([tokens[i] for i in test])
    return [str(p) for p in predictions]


class BagOfWordsClassifier:
    """Multinomial logistic regression over binary n-gram features with unit-length rows (sparse, numpy only)."""

    def __init__(self, *, vocabulary: dict[str, int], classes: list[str], weights: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.classes = classes
        self.weights = weights

    @classmethod
    def fit(
        cls,
        documents: Sequence[Sequence[str]],
        labels: Sequence[str],
        *,
        max_features: int = DEFAULT_MAX_FEATURES,
        min_count: int = DEFAULT_MIN_COUNT,
        l2: float = DEFAULT_L2,
        steps: int = DEFAULT_STEPS,
        learning_rate: float = DEFAULT_LEARNING_RATE,
    ) -> "BagOfWordsClassifier":
        """Train on tokenised documents by full-batch gradient descent with Nesterov momentum."""
        classes = sorted(set(labels))
        counts = Counter(term for doc in documents for term in set(doc))
        frequent = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        vocabulary = {t: i for i, t in enumerate(frequent[:max_features])}
        weights = np.zeros((len(vocabulary) + 1, len(classes)))
        model = cls(vocabulary=vocabulary, classes=classes, weights=weights)
        if len(classes) < 2:
            return model
        x = model._features(documents)
        y = np.zeros((len(labels), len(classes)))
        y[np.arange(len(labels)), [classes.index(label) for label in labels]] = 1.0
        velocity = np.zeros_like(weights)
        for _ in range(steps):
            ahead = weights + 0.9 * velocity
            gradient = x.transpose_times(softmax(x.times(ahead)) - y) / len(labels) + l2 * ahead
            velocity = 0.9 * velocity - learning_rate * gradient
            weights += velocity
        model.weights = weights
        return model

    def predict(self, documents: Sequence[Sequence[str]]) -> list[str]:
        """The most probable label of each tokenised document."""
        if len(self.classes) == 1:
            return [self.classes[0]] * len(documents)
        scores = self._features(documents).times(self.weights)
        return [self.classes[i] for i in np.argmax(scores, axis=1)]

    def _features(self, documents: Sequence[Sequence[str]]) -> "_SparseRows":
        bias = len(self.vocabulary)
        rows: list[int] = []
        columns: list[int] = []
        values: list[float] = []
        for row, doc in enumerate(documents):
            found = sorted({self.vocabulary[t] for t in doc if t in self.vocabulary})
            scale = 1.0 / np.sqrt(len(found)) if found else 0.0
            rows.extend([row] * (len(found) + 1))
            columns.extend(found + [bias])
            values.extend([scale] * len(found) + [1.0])
        return _SparseRows(np.asarray(rows), np.asarray(columns), np.asarray(values), len(documents), bias + 1)


class _SparseRows:
    """A sparse matrix in coordinate form with the two products logistic regression needs."""

    def __init__(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray, n_rows: int, n_columns: int) -> None:
        self.rows, self.columns, self.values = rows, columns, values
        self.shape = (n_rows, n_columns)

    def times(self, dense: np.ndarray) -> np.ndarray:
        """``X @ dense``."""
        n = self.shape[0]
        return np.stack([np.bincount(self.rows, self.values * col[self.columns], n) for col in dense.T], axis=1)

    def transpose_times(self, dense: np.ndarray) -> np.ndarray:
        """``X.T @ dense``."""
        n = self.shape[1]
        return np.stack([np.bincount(self.columns, self.values * col[self.rows], n) for col in dense.T], axis=1)


def claim_ngrams(text: str) -> list[str]:
    """Lower-case word unigrams and bigrams of a claim (stop words and negations kept: they carry claim-only cues)."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def word_overlap_label(claim: str, sentences: Sequence[str]) -> str:
    """The word-overlap rule's label for a claim and the evidence sentences it was given."""
    wanted = _content_words(claim)
    if not wanted or not sentences:
        return Label.NOT_ENOUGH_INFO.value
    best = max(sentences, key=lambda s: len(wanted & _content_words(s)))
    if len(wanted & _content_words(best)) / len(wanted) < OVERLAP_THRESHOLD:
        return Label.NOT_ENOUGH_INFO.value
    if has_negation(claim) != has_negation(best):
        return Label.REFUTED.value
    return Label.SUPPORTED.value


def has_negation(text: str) -> bool:
    """Whether the text carries a negation cue ("not", "never", "n't" …)."""
    return _NEGATION.search(text.lower()) is not None


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and not _NEGATION.search(w)}
