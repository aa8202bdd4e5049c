"""The verdict rule: from per-sentence stance probabilities to a verdict.

Input: for each evidence sentence ``i`` the stance model's probabilities ``(e_i, c_i, n_i)`` in
:data:`truthgraph.domain.STANCE_ORDER` (entails, contradicts, neutral), and optionally its retrieval score ``r_i``.

1. **Which sentences count.** Every sentence, unless ``min_retrieval_score`` is set: then a sentence whose retrieval
   score is below it cannot decide the verdict.
2. **Subject.** A sentence whose page is about something other than the claim's subject, and which does not name the
   subject itself (:mod:`truthgraph.verification.subject`), has its ``e_i`` and ``c_i`` scaled by
   ``off_subject_weight`` (``w``, 1 by default: the rule is off): "Kenya is a country in East Africa" may not decide
   "Barack Obama was born in Kenya" alone.
3. **Features.** Support ``S = max_i w_i e_i`` and refutation ``R = max_i w_i c_i`` over the sentences that count
   (both 0 when none counts; ``w_i`` is 1 for sentences about the subject): the strongest entailment against the
   strongest contradiction. One sentence that settles the claim is enough; many weak ones do not add up.
4. **Verdict scores** (logits, in the order SUPPORTED, REFUTED, NOT_ENOUGH_INFO)::

       z_SUP = ln(S / t_S)      z_REF = ln(R / t_R)      z_NEI = 0

   with the support threshold ``t_S`` and refutation threshold ``t_R`` (``S`` and ``R`` are floored at
   :data:`SCORE_FLOOR` so the logarithms stay finite).
5. **Label.** ``NOT_ENOUGH_INFO`` when neither side reaches its threshold (``S < t_S`` and ``R < t_R``); otherwise
   the side with the larger ``S / t_S`` or ``R / t_R``; an exact tie between the two sides (conflicting evidence of
   equal strength) is ``NOT_ENOUGH_INFO``. No evidence at all is ``NOT_ENOUGH_INFO``. This is the argmax of the verdict
   scores.
6. **Raw probabilities** are ``softmax(z)``, i.e. proportional to ``(S / t_S, R / t_R, 1)``. The calibrator turns them
   into calibrated ones as ``softmax(z / T)`` with a fitted temperature ``T``; that never changes the label. The
   thresholds are stored with the calibration (``calibration.json``) and fitted on a calibration split with the
   temperature.
7. **Which evidence decided it.** Sentences are ranked by the (scaled) probability of the verdict's own stance
   (entails for SUPPORTED, contradicts for REFUTED, the larger of the two for NOT_ENOUGH_INFO: what came closest to
   deciding), ties broken by retrieval score, then by input order; sentences that do not count come last. The *decisive* sentences are
   the leading ones whose stance probability reaches the verdict's threshold (none for NOT_ENOUGH_INFO).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..domain import STANCE_ORDER, Evidence, Label, Stance
from .softmax import softmax

#: The order verdict scores and probabilities are given in.
VERDICT_ORDER: tuple[Label, ...] = (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO)
#: Default smallest strongest-entailment probability that makes a claim SUPPORTED.
DEFAULT_SUPPORT_THRESHOLD = 0.5
#: Default smallest strongest-contradiction probability that makes a claim REFUTED.
DEFAULT_REFUTE_THRESHOLD = 0.5
#: Default smallest retrieval score a sentence needs to count; ``None`` lets every sentence count.
DEFAULT_MIN_RETRIEVAL_SCORE: float | None = None
#: Default scale of the stance of sentences not about the claim's subject; 1 leaves them as they are.
DEFAULT_OFF_SUBJECT_WEIGHT = 1.0
#: The floor of the support and refutation scores, which keeps their logarithms finite.
SCORE_FLOOR = 1e-6

_ENTAILS = STANCE_ORDER.index(Stance.ENTAILS)
_CONTRADICTS = STANCE_ORDER.index(Stance.CONTRADICTS)
_NEUTRAL = STANCE_ORDER.index(Stance.NEUTRAL)


@dataclass(frozen=True)
class Decision:
    """A verdict with its scores and the evidence that decided it.

    Attributes:
      label: the verdict.
      probabilities: verdict probabilities by label value (raw, or calibrated once a calibrator applied them).
      logits: verdict scores ``z`` in :data:`VERDICT_ORDER`; ``probabilities`` is ``softmax(logits / temperature)``.
      decisive_indices: input rows of the sentences that decided the verdict, most decisive first.
      ranking: every input row, most decisive first (the order to show evidence in).
      features: the numbers the rule used (``support_score``, ``refute_score``, ``n_evidence`` …).
      temperature: the temperature ``probabilities`` were computed with (1.0 for raw ones).
    """

    label: Label
    probabilities: dict[str, float]
    logits: tuple[float, float, float]
    decisive_indices: tuple[int, ...] = ()
    ranking: tuple[int, ...] = ()
    features: dict[str, float] = field(default_factory=dict)
    temperature: float = 1.0

    @property
    def confidence(self) -> float:
        """The probability of the verdict's own label."""
        return self.probabilities[self.label.value]


class Aggregator:
    """Turns per-sentence stance probabilities into a :class:`Decision` (the rule in this module's docstring).

    Args:
      support_threshold: smallest strongest-entailment probability for SUPPORTED, in (0, 1].
      refute_threshold: smallest strongest-contradiction probability for REFUTED, in (0, 1].
      min_retrieval_score: sentences retrieved with a lower score cannot decide; ``None`` lets all count.
      off_subject_weight: scale of the entailment and contradiction of sentences not about the claim's subject, in
        (0, 1].
    """

    def __init__(
        self,
        *,
        support_threshold: float = DEFAULT_SUPPORT_THRESHOLD,
        refute_threshold: float = DEFAULT_REFUTE_THRESHOLD,
        min_retrieval_score: float | None = DEFAULT_MIN_RETRIEVAL_SCORE,
        off_subject_weight: float = DEFAULT_OFF_SUBJECT_WEIGHT,
    ) -> None:
        for name, value in (
            ("support_threshold", support_threshold),
            ("refute_threshold", refute_threshold),
            ("off_subject_weight", off_subject_weight),
        ):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        self.support_threshold = float(support_threshold)
        self.refute_threshold = float(refute_threshold)
        self.min_retrieval_score = min_retrieval_score
        self.off_subject_weight = float(off_subject_weight)

    def decide(
        self,
        stance_probs: np.ndarray | Sequence[Sequence[float]],
        retrieval_scores: Sequence[float] | None = None,
        on_subject: Sequence[bool] | None = None,
    ) -> Decision:
        """The verdict for one claim from its evidence's ``(n, 3)`` stance probabilities.

        ``on_subject`` tells, per row, whether the sentence is about the claim's subject (all are when not given).
        """
        probs = _as_matrix(stance_probs)
        scores = None if retrieval_scores is None else np.asarray(retrieval_scores, dtype=np.float64).reshape(-1)
        if scores is not None and len(scores) != len(probs):
            raise ValueError(f"{len(scores)} retrieval scores for {len(probs)} evidence rows")
        off = np.zeros(len(probs), dtype=bool) if on_subject is None else ~np.asarray(on_subject, dtype=bool)
        if len(off) != len(probs):
            raise ValueError(f"{len(off)} subject flags for {len(probs)} evidence rows")
        probs = scale_off_subject(probs, off, self.off_subject_weight)
        counts = self._counting(scores, len(probs))
        support, support_at = _column_max(probs[:, _ENTAILS], counts)
        refute, refute_at = _column_max(probs[:, _CONTRADICTS], counts)
        logits = tuple(float(z) for z in verdict_logits(support, refute, self.support_threshold, self.refute_threshold))
        label = VERDICT_ORDER[int(verdict_labels(support, refute, self.support_threshold, self.refute_threshold))]
        ranking = self._ranking(probs, scores, counts, label)
        decisive = self._decisive(probs, ranking, counts, label)
        features = {
            "support_score": support,
            "refute_score": refute,
            "support_index": float(support_at),
            "refute_index": float(refute_at),
            "mean_neutral": float(probs[counts, _NEUTRAL].mean()) if counts.any() else 1.0,
            "n_evidence": float(len(probs)),
            "n_counted": float(counts.sum()),
            "n_off_subject": float(off.sum()),
        }
        if scores is not None and len(scores):
            features["max_retrieval_score"] = float(scores.max())
        return Decision(
            label=label,
            probabilities=probabilities_from_logits(logits),
            logits=logits,
            decisive_indices=decisive,
            ranking=ranking,
            features=features,
        )

    def _counting(self, scores: np.ndarray | None, n: int) -> np.ndarray:
        if scores is None or self.min_retrieval_score is None:
            return np.ones(n, dtype=bool)
        return scores >= self.min_retrieval_score

    def _key(self, probs: np.ndarray, label: Label) -> np.ndarray:
        if label is Label.SUPPORTED:
            return probs[:, _ENTAILS]
        if label is Label.REFUTED:
            return probs[:, _CONTRADICTS]
        return np.maximum(probs[:, _ENTAILS], probs[:, _CONTRADICTS])

    def _ranking(
        self, probs: np.ndarray, scores: np.ndarray | None, counts: np.ndarray, label: Label
    ) -> tuple[int, ...]:
        key = self._key(probs, label)
        tie = scores if scores is not None else np.zeros(len(probs))
        # np.lexsort sorts by the last key first; negate to sort descending, the index keeps it stable.
        order = np.lexsort((np.arange(len(probs)), -tie, -key, ~counts))
        return tuple(int(i) for i in order)

    def _decisive(
        self, probs: np.ndarray, ranking: tuple[int, ...], counts: np.ndarray, label: Label
    ) -> tuple[int, ...]:
        if label is Label.NOT_ENOUGH_INFO:
            return ()
        threshold = self.support_threshold if label is Label.SUPPORTED else self.refute_threshold
        key = self._key(probs, label)
        return tuple(i for i in ranking if counts[i] and key[i] >= threshold)

    def parameters(self) -> dict[str, float | None]:
        """The rule's parameters, as stored with a calibration."""
        return {
            "support_threshold": self.support_threshold,
            "refute_threshold": self.refute_threshold,
            "min_retrieval_score": self.min_retrieval_score,
            "off_subject_weight": self.off_subject_weight,
        }


def scale_off_subject(probs: np.ndarray, off: np.ndarray, weight: float) -> np.ndarray:
    """The stance probabilities with the entailment and contradiction of the ``off`` rows scaled by ``weight``."""
    if weight == 1.0 or not off.any():
        return probs
    scaled = probs.copy()
    scaled[off, _ENTAILS] *= weight
    scaled[off, _CONTRADICTS] *= weight
    return scaled


def verdict_logits(
    support: np.ndarray | float, refute: np.ndarray | float, support_threshold: float, refute_threshold: float
) -> np.ndarray:
    """The rule's verdict scores ``(z_SUP, z_REF, z_NEI)``: shape ``(3,)`` for one claim, ``(n, 3)`` for arrays."""
    s = np.log(np.maximum(np.asarray(support, dtype=np.float64), SCORE_FLOOR) / support_threshold)
    r = np.log(np.maximum(np.asarray(refute, dtype=np.float64), SCORE_FLOOR) / refute_threshold)
    return np.stack([s, r, np.zeros_like(s)], axis=-1)


def verdict_labels(
    support: np.ndarray | float, refute: np.ndarray | float, support_threshold: float, refute_threshold: float
) -> np.ndarray:
    """The rule's labels, as positions in :data:`VERDICT_ORDER`, for (arrays of) support and refutation scores."""
    s = np.asarray(support, dtype=np.float64) / support_threshold
    r = np.asarray(refute, dtype=np.float64) / refute_threshold
    strong = (s >= 1.0) | (r >= 1.0)
    return np.where(strong & (s > r), 0, np.where(strong & (r > s), 1, 2))


def probabilities_from_logits(logits: Sequence[float], temperature: float = 1.0) -> dict[str, float]:
    """``softmax(logits / temperature)`` keyed by label value in :data:`VERDICT_ORDER`."""
    p = softmax(np.asarray(logits, dtype=np.float64) / temperature)
    return {label.value: float(v) for label, v in zip(VERDICT_ORDER, p)}


def stance_matrix(evidence: Sequence[Evidence]) -> np.ndarray:
    """The ``(n, 3)`` stance probabilities of judged evidence, in :data:`~truthgraph.domain.STANCE_ORDER`."""
    rows = [[float(e.stance_probabilities.get(s.value, 0.0)) for s in STANCE_ORDER] for e in evidence]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(STANCE_ORDER))


def _as_matrix(stance_probs: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    probs = np.asarray(stance_probs, dtype=np.float64)
    if probs.size == 0:
        return np.zeros((0, len(STANCE_ORDER)))
    if probs.ndim != 2 or probs.shape[1] != len(STANCE_ORDER):
        raise ValueError(f"stance probabilities must have shape (n, {len(STANCE_ORDER)}), got {probs.shape}")
    return probs


def _column_max(column: np.ndarray, counts: np.ndarray) -> tuple[float, int]:
    if not counts.any():
        return 0.0, -1
    masked = np.where(counts, column, -np.inf)
    at = int(np.argmax(masked))
    return float(column[at]), at
