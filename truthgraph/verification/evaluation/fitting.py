"""Fitting a calibration to the outcomes of an open-mode run over a calibration split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..aggregation import Aggregator, stance_matrix
from ..calibration import Calibrator, fit_calibrator
from .runner import ClaimOutcome


def rule_scores(outcomes: Sequence[ClaimOutcome]) -> tuple[np.ndarray, np.ndarray]:
    """Each claim's support and refutation scores, recomputed from its verdict's judged evidence."""
    rule = Aggregator()
    features = [rule.decide(stance_matrix(o.verdict.evidence)).features for o in outcomes]
    return (
        np.asarray([f["support_score"] for f in features], dtype=np.float64),
        np.asarray([f["refute_score"] for f in features], dtype=np.float64),
    )


def fit_on_outcomes(outcomes: Sequence[ClaimOutcome], *, info: Mapping[str, Any] | None = None) -> Calibrator:
    """Thresholds and temperature fitted so the rule's verdicts match the outcomes' expected labels.

    The verdicts must carry every judged evidence sentence (not a shortened list), or the scores come out low.
    """
    support, refute = rule_scores(outcomes)
    return fit_calibrator(support, refute, [o.expected for o in outcomes], info=info)
