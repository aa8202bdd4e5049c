"""Classification and retrieval metrics over labels of any kind (numpy only)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import Any

import numpy as np


def label_accuracy(expected: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """The share of predictions equal to the expected label (0.0 for no claims)."""
    e, p = _pair(expected, predicted)
    return float(np.mean(e == p)) if len(e) else 0.0


def per_class(
    expected: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Hashable]
) -> dict[Any, dict[str, Any]]:
    """Precision, recall, F1, support and prediction count of each label.

    Precision is ``None`` for a label never predicted, recall for a label never expected; F1 is ``None`` for a label
    neither expected nor predicted, and 0.0 when only one of the two is undefined.
    """
    e, p = _pair(expected, predicted)
    out: dict[Any, dict[str, Any]] = {}
    for label in labels:
        tp = int(np.sum((e == label) & (p == label)))
        support = int(np.sum(e == label))
        predictions = int(np.sum(p == label))
        precision = tp / predictions if predictions else None
        recall = tp / support if support else None
        if precision is None and recall is None:
            f1 = None
        elif not precision or not recall:
            f1 = 0.0
        else:
            f1 = 2 * precision * recall / (precision + recall)
        out[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support, "predicted": predictions}
    return out


def macro_f1(expected: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """F1 averaged over the labels that occur among the expected ones (0.0 for no claims)."""
    e, p = _pair(expected, predicted)
    scores = []
    for label in np.unique(e):
        tp = float(np.sum((p == label) & (e == label)))
        scores.append(2 * tp / (float(np.sum(p == label)) + float(np.sum(e == label))))
    return float(np.mean(scores)) if scores else 0.0


def confusion(
    expected: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Hashable]
) -> dict[Any, dict[Any, int]]:
    """Counts by expected label, then predicted label."""
    e, p = _pair(expected, predicted)
    return {a: {b: int(np.sum((e == a) & (p == b))) for b in labels} for a in labels}


def recall_at_k(retrieved: Sequence[Sequence[Hashable]], gold: Sequence[Collection[Hashable]], k: int) -> float | None:
    """The share of queries with at least one gold item among their first ``k`` retrieved (``None`` for no queries)."""
    if len(retrieved) != len(gold):
        raise ValueError(f"{len(retrieved)} retrieval lists for {len(gold)} gold sets")
    if not gold:
        return None
    hits = sum(1 for found, wanted in zip(retrieved, gold) if set(found[:k]) & set(wanted))
    return hits / len(gold)


def _pair(expected: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    e, p = np.asarray(expected), np.asarray(predicted)
    if e.shape != p.shape:
        raise ValueError(f"{len(e)} expected labels for {len(p)} predictions")
    return e, p


#: Default number of equal-width confidence bins of the expected calibration error.
DEFAULT_ECE_BINS = 10


def expected_calibration_error(
    confidences: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray, bins: int = DEFAULT_ECE_BINS
) -> float:
    """Expected calibration error: the mean |accuracy − confidence| over equal-width bins, weighted by bin size.

    Bin ``k`` holds confidences in ``(k/bins, (k+1)/bins]`` (a confidence of 0 goes to the first bin).
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    hits = np.asarray(correct, dtype=np.float64).reshape(-1)
    if len(conf) != len(hits):
        raise ValueError(f"{len(conf)} confidences for {len(hits)} outcomes")
    if bins < 1:
        raise ValueError("bins must be at least 1")
    if len(conf) == 0:
        return 0.0
    which = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for k in range(bins):
        members = which == k
        if members.any():
            total += members.sum() * abs(hits[members].mean() - conf[members].mean())
    return float(total / len(conf))


#: Simulated sets :func:`ece_noise_floor` averages over.
NOISE_FLOOR_DRAWS = 2000


def ece_noise_floor(
    confidences: Sequence[float] | np.ndarray, bins: int = DEFAULT_ECE_BINS, *, draws: int = NOISE_FLOOR_DRAWS,
    seed: int = 0,
) -> float:
    """The mean ECE that perfectly calibrated verdicts with these confidences would show on a set this size.

    Each simulated verdict is right with probability equal to its confidence. Binned ECE is biased upward on small
    sets (a bin of a few verdicts rarely matches its mean confidence), so an ECE is only evidence of miscalibration
    once it clearly exceeds this floor; on 60 verdicts near 0.6 the floor is about 0.11. Seeded: the same
    confidences always give the same floor.
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    if len(conf) == 0:
        return 0.0
    outcomes = np.random.default_rng(seed).random((draws, len(conf))) < conf
    return float(np.mean([expected_calibration_error(conf, hits, bins) for hits in outcomes]))


#: Coverages at which the risk-coverage table reports the accuracy of the most confident verdicts.
DEFAULT_COVERAGES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)


def confidence_auroc(confidences: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray) -> float | None:
    """The probability that a right verdict has a higher confidence than a wrong one (ties count half).

    ``None`` when every verdict is right or every one is wrong (nothing to rank).
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    hits = np.asarray(correct, dtype=bool).reshape(-1)
    if len(conf) != len(hits):
        raise ValueError(f"{len(conf)} confidences for {len(hits)} outcomes")
    right, wrong = conf[hits], conf[~hits]
    if not len(right) or not len(wrong):
        return None
    order = np.argsort(conf, kind="mergesort")
    ranks = np.empty(len(conf))
    sorted_conf = conf[order]
    # Average ranks (1-based) over ties: the Mann-Whitney U statistic.
    start = 0
    while start < len(conf):
        end = start
        while end + 1 < len(conf) and sorted_conf[end + 1] == sorted_conf[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    u = ranks[hits].sum() - len(right) * (len(right) + 1) / 2
    return float(u / (len(right) * len(wrong)))


def risk_coverage(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
) -> list[dict[str, float]]:
    """For each coverage, the accuracy of the verdicts kept when only the most confident share is kept.

    Each row gives the coverage asked for, the verdicts kept (the ``ceil(coverage * n)`` most confident; ties at the
    cut are all kept or all dropped, whichever is closer), their accuracy and the lowest confidence kept.
    """
    conf = np.asarray(confidences, dtype=np.float64).reshape(-1)
    hits = np.asarray(correct, dtype=np.float64).reshape(-1)
    if len(conf) != len(hits):
        raise ValueError(f"{len(conf)} confidences for {len(hits)} outcomes")
    rows: list[dict[str, float]] = []
    if not len(conf):
        return rows
    order = np.argsort(-conf, kind="mergesort")
    for coverage in coverages:
        if not 0.0 < coverage <= 1.0:
            raise ValueError(f"coverage must be in (0, 1], got {coverage}")
        wanted = max(1, int(np.ceil(coverage * len(conf))))
        cut = conf[order[wanted - 1]]
        above, at = int(np.sum(conf > cut)), int(np.sum(conf >= cut))
        kept = at if at - wanted <= wanted - above or above == 0 else above
        chosen = order[:kept]
        rows.append({"coverage": coverage, "kept": float(kept), "accuracy": float(hits[chosen].mean()),
                     "min_confidence": float(conf[chosen].min())})
    return rows
