"""Calibrated confidence: temperature scaling of the verdict scores, fitted with the verdict thresholds.

A :class:`Calibrator` holds the temperature ``T`` and the thresholds of the verdict rule
(:mod:`truthgraph.verification.aggregation`); calibrated probabilities are ``softmax(z / T)`` of the rule's verdict
scores ``z``. It is saved as ``calibration.json`` next to the stance model it was fitted for; without that file the
calibrator is the identity (``T = 1``, default thresholds).

Fitting (:func:`fit_calibrator`) runs on a calibration split, never on an evaluation set. The thresholds are biases of
the verdict scores (``z_SUP = ln S − ln t_S``), so thresholds and temperature are fitted together to one objective, the
negative log-likelihood of the expected labels (convex after a change of variables; Newton's method, numpy only). The
verdict is then the most probable label under the calibrated probabilities, and its confidence that probability.

Evidence a caller gives (:meth:`~truthgraph.verification.pipeline.Pipeline.judge`, the oracle mode of the evaluation) is
not retrieved evidence: it was chosen because it bears on the claim, so "none of it settles the claim" is far rarer
than among retrieved sentences. A calibration may therefore carry a second one, ``given_evidence``, fitted on the
calibration split's claims judged against their own gold evidence; without it, given evidence uses the main one.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..domain import Label
from ..errors import ModelLoadError
from .aggregation import (
    DEFAULT_MIN_RETRIEVAL_SCORE,
    DEFAULT_REFUTE_THRESHOLD,
    DEFAULT_SUPPORT_THRESHOLD,
    SCORE_FLOOR,
    VERDICT_ORDER,
    Aggregator,
    Decision,
    probabilities_from_logits,
    verdict_labels,
    verdict_logits,
)
from .evaluation.metrics import macro_f1

#: The temperature of an uncalibrated model.
DEFAULT_TEMPERATURE = 1.0
#: The file a calibration is saved in, inside the stance model's folder.
CALIBRATION_FILENAME = "calibration.json"
#: Default number of equal-width confidence bins of the expected calibration error.
DEFAULT_ECE_BINS = 10
#: Smallest and largest temperature a fit may return.
TEMPERATURE_BOUNDS = (0.01, 100.0)
#: Smallest and largest threshold a fit may return. Given evidence almost always settles its claim, so its fit drives
#: the thresholds toward zero (NOT_ENOUGH_INFO only when the model sees no stance at all); the floor stays well above
#: the score floor so the verdict scores keep finite.
THRESHOLD_BOUNDS = (1e-4, 1.0)
#: The version of the ``calibration.json`` layout.
FORMAT_VERSION = 1


class Calibrator:
    """Turns raw verdict scores into calibrated probabilities, and carries the thresholds fitted with them.

    Args:
      temperature: the divisor of the verdict scores before the softmax; above 1 softens, below 1 sharpens.
      support_threshold: the verdict rule's support threshold fitted with this temperature.
      refute_threshold: the verdict rule's refutation threshold fitted with this temperature.
      min_retrieval_score: the verdict rule's retrieval-score floor (``None``: every sentence counts).
      info: how and on what the calibration was fitted (file name, sizes, metrics), stored as is.
      given_evidence: the calibration for evidence a caller gives instead of retrieved evidence, if fitted apart.
    """

    def __init__(
        self,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        support_threshold: float = DEFAULT_SUPPORT_THRESHOLD,
        refute_threshold: float = DEFAULT_REFUTE_THRESHOLD,
        min_retrieval_score: float | None = DEFAULT_MIN_RETRIEVAL_SCORE,
        info: Mapping[str, Any] | None = None,
        given_evidence: Calibrator | None = None,
    ) -> None:
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature = float(temperature)
        self.support_threshold = float(support_threshold)
        self.refute_threshold = float(refute_threshold)
        self.min_retrieval_score = min_retrieval_score
        self.info: dict[str, Any] = dict(info or {})
        if given_evidence is not None and given_evidence.given_evidence is not None:
            raise ValueError("a given-evidence calibration cannot carry one of its own")
        self.given_evidence = given_evidence

    @property
    def for_given_evidence(self) -> Calibrator:
        """The calibration for evidence a caller gives: ``given_evidence`` when fitted, else this one."""
        return self.given_evidence if self.given_evidence is not None else self

    @property
    def is_identity(self) -> bool:
        """Whether this calibrator leaves the default rule and its raw probabilities unchanged."""
        return (
            self.temperature == DEFAULT_TEMPERATURE
            and self.support_threshold == DEFAULT_SUPPORT_THRESHOLD
            and self.refute_threshold == DEFAULT_REFUTE_THRESHOLD
            and self.min_retrieval_score == DEFAULT_MIN_RETRIEVAL_SCORE
            and self.given_evidence is None
        )

    def aggregator(self) -> Aggregator:
        """The verdict rule with this calibration's thresholds."""
        return Aggregator(
            support_threshold=self.support_threshold,
            refute_threshold=self.refute_threshold,
            min_retrieval_score=self.min_retrieval_score,
        )

    def pipeline_rules(self) -> dict[str, Any]:
        """The verdict rules and calibrations of a pipeline, as its keyword arguments."""
        given = self.for_given_evidence
        return {
            "aggregator": self.aggregator(),
            "calibrator": self,
            "given_aggregator": given.aggregator(),
            "given_calibrator": given,
        }

    def apply(self, decision: Decision) -> Decision:
        """The decision with calibrated probabilities (its label never changes)."""
        return replace(
            decision,
            probabilities=probabilities_from_logits(decision.logits, self.temperature),
            temperature=self.temperature,
        )

    def with_given_evidence(self, given_evidence: Calibrator | None) -> Calibrator:
        """This calibration with another given-evidence one (``None`` drops it)."""
        return Calibrator(
            temperature=self.temperature,
            support_threshold=self.support_threshold,
            refute_threshold=self.refute_threshold,
            min_retrieval_score=self.min_retrieval_score,
            info=self.info,
            given_evidence=given_evidence,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form saved in ``calibration.json``."""
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "temperature": self.temperature,
            "support_threshold": self.support_threshold,
            "refute_threshold": self.refute_threshold,
            "min_retrieval_score": self.min_retrieval_score,
            "info": self.info,
        }
        if self.given_evidence is not None:
            data["given_evidence"] = {k: v for k, v in self.given_evidence.to_dict().items() if k != "format_version"}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Calibrator":
        """A calibrator from its JSON form."""
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(f"calibration format_version {version} is not {FORMAT_VERSION}")
        given = data.get("given_evidence")
        if given is not None and not isinstance(given, Mapping):
            raise ValueError("given_evidence must be an object")
        return cls(
            temperature=float(data.get("temperature", DEFAULT_TEMPERATURE)),
            support_threshold=float(data.get("support_threshold", DEFAULT_SUPPORT_THRESHOLD)),
            refute_threshold=float(data.get("refute_threshold", DEFAULT_REFUTE_THRESHOLD)),
            min_retrieval_score=data.get("min_retrieval_score", DEFAULT_MIN_RETRIEVAL_SCORE),
            info=data.get("info") or {},
            given_evidence=None if given is None else cls.from_dict({**given, "format_version": version}),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write this calibration as JSON to ``path``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Calibrator":
        """The calibration saved at ``path``; ModelLoadError when it cannot be read."""
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise ModelLoadError(f"calibration {path}: {error}") from None

    @classmethod
    def for_model(cls, model_dir: str | os.PathLike[str] | None) -> "Calibrator":
        """The calibration saved in a stance model's folder, or the identity when it has none."""
        if model_dir is None:
            return cls()
        path = Path(model_dir) / CALIBRATION_FILENAME
        return cls.load(path) if path.is_file() else cls()

    def __repr__(self) -> str:
        given = "" if self.given_evidence is None else f", given_evidence={self.given_evidence!r}"
        return (
            f"Calibrator(temperature={self.temperature:.4g}, support_threshold={self.support_threshold:.4g}, "
            f"refute_threshold={self.refute_threshold:.4g}, min_retrieval_score={self.min_retrieval_score}{given})"
        )


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
    log_norm = _logsumexp(z)
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
        scaled = inverse_t * z
        p = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
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
        return float(np.mean(_logsumexp(z) - z[np.arange(n), y]))

    theta = np.array([1.0, math.log(DEFAULT_SUPPORT_THRESHOLD), math.log(DEFAULT_REFUTE_THRESHOLD)])
    current = loss(theta)
    for _ in range(iterations):
        z = jacobian @ theta
        p = np.exp(z - _logsumexp(z)[:, None])
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
        p = np.exp(logits / t - _logsumexp(logits / t)[:, None])
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
        info={**(info or {}), "fit": fit},
    )


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=1))
