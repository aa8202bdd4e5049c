"""Fitting a calibration: the verdict thresholds and the confidence temperature, fitted together on a calibration split.

The runtime side, :class:`~truthgraph.verification.calibration.Calibrator`, only applies what is fitted here; workers
never import this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...domain import Label
from ..aggregation import (
    DEFAULT_OFF_SUBJECT_WEIGHT,
    DEFAULT_REFUTE_THRESHOLD,
    DEFAULT_SUPPORT_THRESHOLD,
    SCORE_FLOOR,
    VERDICT_ORDER,
    scale_off_subject,
    stance_matrix,
    verdict_labels,
    verdict_logits,
)
from ..calibration import DEFAULT_TEMPERATURE, Calibrator
from ..softmax import logsumexp, softmax
from ..subject import about_subject, subject_keys
from .metrics import DEFAULT_ECE_BINS, expected_calibration_error, macro_f1
from .runner import ClaimOutcome

#: Smallest and largest temperature a fit may return.
TEMPERATURE_BOUNDS = (0.01, 100.0)
#: Smallest and largest threshold a fit may return. Given evidence almost always settles its claim, so its fit drives
#: the thresholds toward zero (NOT_ENOUGH_INFO only when the model sees no stance at all); the floor stays well above
#: the score floor so the verdict scores keep finite.
THRESHOLD_BOUNDS = (1e-4, 1.0)
#: The scales of sentences not about the claim's subject that a fit tries (the verdict rule's step 2).
OFF_SUBJECT_WEIGHTS = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)


def rule_scores(outcomes: Sequence[ClaimOutcome]) -> tuple[np.ndarray, np.ndarray]:
    """Each claim's support and refutation scores, as the verdict rule computed them."""
    return (
        np.asarray([o.verdict.rule_scores["support_score"] for o in outcomes], dtype=np.float64),
        np.asarray([o.verdict.rule_scores["refute_score"] for o in outcomes], dtype=np.float64),
    )


def off_subject_evidence(outcomes: Sequence[ClaimOutcome]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each claim's judged stance probabilities and which of its sentences are not about its subject.

    Read from the verdicts' evidence, which must hold every judged sentence.
    """
    judged = []
    for o in outcomes:
        keys = subject_keys(o.claim.claim)
        off = np.array([not about_subject(keys, e.title, e.text) for e in o.verdict.evidence], dtype=bool)
        judged.append((stance_matrix(o.verdict.evidence), off))
    return judged


def subject_scores(judged: Sequence[tuple[np.ndarray, np.ndarray]], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Each claim's support and refutation scores with sentences not about its subject scaled by ``weight``."""
    support, refute = [], []
    for probs, off in judged:
        scaled = scale_off_subject(probs, off, weight)
        support.append(float(scaled[:, 0].max()) if len(scaled) else 0.0)
        refute.append(float(scaled[:, 1].max()) if len(scaled) else 0.0)
    return np.asarray(support), np.asarray(refute)


def fit_on_outcomes(outcomes: Sequence[ClaimOutcome], *, info: Mapping[str, Any] | None = None) -> Calibrator:
    """Off-subject weight, thresholds and temperature fitted so the rule's verdicts match the expected labels.

    The verdicts must come from a pipeline with the default rule (no retrieval-score floor, off-subject weight 1)
    that keeps every judged sentence among their evidence. Each weight of :data:`OFF_SUBJECT_WEIGHTS` is fitted and
    the one with the lowest negative log-likelihood kept.
    """
    labels = [o.expected for o in outcomes]
    judged = off_subject_evidence(outcomes)
    tried: dict[str, float] = {}
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None
    for weight in OFF_SUBJECT_WEIGHTS:
        support, refute = subject_scores(judged, weight) if weight != 1.0 else rule_scores(outcomes)
        t_s, t_r, temperature = fit_rule(support, refute, labels)
        nll = negative_log_likelihood(verdict_logits(support, refute, t_s, t_r), labels, temperature)
        tried[f"{weight:g}"] = nll
        if best is None or nll < best[0] - 1e-9:
            best = (nll, weight, support, refute)
    assert best is not None
    _, weight, support, refute = best
    return fit_calibrator(support, refute, labels, info={**(info or {}), "off_subject_nll": tried},
                          off_subject_weight=weight)


def label_indices(labels: Sequence[Label | str] | np.ndarray) -> np.ndarray:
    """Positions of labels in :data:`~truthgraph.verification.aggregation.VERDICT_ORDER` (positions pass through)."""
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "iu":
        return labels
    values = [label.value for label in VERDICT_ORDER]
    return np.asarray([values.index(Label(label).value) for label in labels], dtype=np.int64)


def negative_log_likelihood(logits: np.ndarray, labels: Sequence[Label | str], temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the gold labels under ``softmax(logits / temperature)``."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    y = label_indices(labels)
    if len(y) == 0:
        return 0.0
    log_norm = logsumexp(z)
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(logits: np.ndarray, labels: Sequence[Label | str], *, iterations: int = 100) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` under ``softmax(logits / T)``.

    The likelihood is convex in ``b = 1/T`` and its derivative ``mean(E_p[z] − z_gold)`` rises with ``b``, so bisection
    on the derivative finds the optimum; it is clipped to :data:`TEMPERATURE_BOUNDS`.
    """
    z = np.asarray(logits, dtype=np.float64)
    y = label_indices(labels)
    if len(y) == 0:
        return DEFAULT_TEMPERATURE
    gold = z[np.arange(len(y)), y]

    def slope(inverse_t: float) -> float:
        p = softmax(inverse_t * z)
        return float(np.mean((p * z).sum(axis=1) - gold))

    low, high = math.log(1 / TEMPERATURE_BOUNDS[1]), math.log(1 / TEMPERATURE_BOUNDS[0])
    if slope(math.exp(low)) >= 0:
        return TEMPERATURE_BOUNDS[1]
    if slope(math.exp(high)) <= 0:
        return TEMPERATURE_BOUNDS[0]
    for _ in range(iterations):
        middle = (low + high) / 2
        if slope(math.exp(middle)) < 0:
            low = middle
        else:
            high = middle
    return float(1 / math.exp((low + high) / 2))


def fit_rule(
    support: np.ndarray, refute: np.ndarray, labels: Sequence[Label | str] | np.ndarray, *, iterations: int = 50
) -> tuple[float, float, float]:
    """The support threshold, refutation threshold and temperature that together minimise the NLL of ``labels``.

    With ``a = 1/T`` and ``c = a ln t`` the scaled verdict scores ``(a ln S − c_S, a ln R − c_R, 0)`` are linear in
    ``(a, c_S, c_R)``, so the likelihood is convex in them: a multinomial logistic regression with one shared slope,
    solved by Newton's method with backtracking. Thresholds are then clipped to :data:`THRESHOLD_BOUNDS` and the
    temperature refitted for them (within :data:`TEMPERATURE_BOUNDS`).
    """
    y = label_indices(labels)
    n = len(y)
    u = np.log(np.maximum(np.asarray(support, dtype=np.float64), SCORE_FLOOR))
    v = np.log(np.maximum(np.asarray(refute, dtype=np.float64), SCORE_FLOOR))
    # d logits / d params, per claim: rows are the logits (SUP, REF, NEI), columns the parameters (a, c_S, c_R).
    jacobian = np.zeros((n, 3, 3))
    jacobian[:, 0, 0], jacobian[:, 1, 0] = u, v
    jacobian[:, 0, 1] = jacobian[:, 1, 2] = -1.0
    onehot = np.eye(3)[y]

    def loss(theta: np.ndarray) -> float:
        z = jacobian @ theta
        return float(np.mean(logsumexp(z) - z[np.arange(n), y]))

    theta = np.array([1.0, math.log(DEFAULT_SUPPORT_THRESHOLD), math.log(DEFAULT_REFUTE_THRESHOLD)])
    current = loss(theta)
    for _ in range(iterations):
        z = jacobian @ theta
        p = softmax(z)
        gradient = np.einsum("nkj,nk->j", jacobian, p - onehot) / n
        covariance = np.einsum("nk,kl->nkl", p, np.eye(3)) - np.einsum("nk,nl->nkl", p, p)
        hessian = np.einsum("nki,nkl,nlj->ij", jacobian, covariance, jacobian) / n + 1e-9 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-6 and loss(theta - scale * step) > current:
            scale /= 2
        theta = theta - scale * step
        previous, current = current, loss(theta)
        if previous - current < 1e-12 or theta[0] > 1 / TEMPERATURE_BOUNDS[0]:
            break
    slope = max(float(theta[0]), 1 / TEMPERATURE_BOUNDS[1])
    low, high = np.log(THRESHOLD_BOUNDS)
    t_s, t_r = (float(np.exp(np.clip(c / slope, low, high))) for c in theta[1:])
    return t_s, t_r, fit_temperature(verdict_logits(support, refute, t_s, t_r), y)


def fit_calibrator(
    support: Sequence[float] | np.ndarray,
    refute: Sequence[float] | np.ndarray,
    labels: Sequence[Label | str],
    *,
    bins: int = DEFAULT_ECE_BINS,
    info: Mapping[str, Any] | None = None,
    off_subject_weight: float = DEFAULT_OFF_SUBJECT_WEIGHT,
) -> Calibrator:
    """Fit thresholds and temperature to the per-claim support and refutation scores of a calibration split.

    The fitted calibrator's ``info`` records the split's size and the figures of the rule with the default thresholds,
    with the fitted thresholds before temperature scaling, and fully fitted.
    """
    support = np.asarray(support, dtype=np.float64)
    refute = np.asarray(refute, dtype=np.float64)
    gold = label_indices(labels)
    if len(gold) == 0:
        raise ValueError("cannot calibrate on no claims")
    t_s, t_r, temperature = fit_rule(support, refute, gold)

    def figures(support_threshold: float, refute_threshold: float, t: float) -> dict[str, float]:
        logits = verdict_logits(support, refute, support_threshold, refute_threshold)
        predicted = verdict_labels(support, refute, support_threshold, refute_threshold)
        p = softmax(logits / t)
        return {
            "label_accuracy": float(np.mean(predicted == gold)),
            "macro_f1": macro_f1(gold, predicted),
            "nll": negative_log_likelihood(logits, labels, t),
            "ece": expected_calibration_error(p[np.arange(len(gold)), predicted], predicted == gold, bins),
        }

    fit = {
        "n": int(len(gold)),
        "label_counts": {label.value: int(np.sum(gold == k)) for k, label in enumerate(VERDICT_ORDER)},
        "default_thresholds": figures(DEFAULT_SUPPORT_THRESHOLD, DEFAULT_REFUTE_THRESHOLD, DEFAULT_TEMPERATURE),
        "fitted_thresholds_raw": figures(t_s, t_r, DEFAULT_TEMPERATURE),
        "fitted": figures(t_s, t_r, temperature),
    }
    return Calibrator(
        temperature=temperature,
        support_threshold=t_s,
        refute_threshold=t_r,
        off_subject_weight=off_subject_weight,
        info={**(info or {}), "fit": fit},
    )
