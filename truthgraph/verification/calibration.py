"""Calibrated confidence: temperature scaling of the verdict scores, fitted with the verdict thresholds.

A :class:`Calibrator` holds the temperature ``T`` and the thresholds of the verdict rule
(:mod:`truthgraph.verification.aggregation`); calibrated probabilities are ``softmax(z / T)`` of the rule's verdict
scores ``z``. It is saved as ``calibration.json`` next to the stance model it was fitted for; without that file the
calibrator is the identity (``T = 1``, default thresholds).

Fitting (:func:`~truthgraph.verification.evaluation.fitting.fit_calibrator`) runs on a calibration split, never on an evaluation set. The thresholds are biases of
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
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError
from .aggregation import (
    DEFAULT_MIN_RETRIEVAL_SCORE,
    DEFAULT_OFF_SUBJECT_WEIGHT,
    DEFAULT_REFUTE_THRESHOLD,
    DEFAULT_SUPPORT_THRESHOLD,
    Aggregator,
    Decision,
    probabilities_from_logits,
)

#: The temperature of an uncalibrated model.
DEFAULT_TEMPERATURE = 1.0
#: The file a calibration is saved in, inside the stance model's folder.
CALIBRATION_FILENAME = "calibration.json"
#: The version of the ``calibration.json`` layout.
FORMAT_VERSION = 1


class Calibrator:
    """Turns raw verdict scores into calibrated probabilities, and carries the thresholds fitted with them.

    Args:
      temperature: the divisor of the verdict scores before the softmax; above 1 softens, below 1 sharpens.
      support_threshold: the verdict rule's support threshold fitted with this temperature.
      refute_threshold: the verdict rule's refutation threshold fitted with this temperature.
      min_retrieval_score: the verdict rule's retrieval-score floor (``None``: every sentence counts).
      off_subject_weight: the verdict rule's scale of sentences not about the claim's subject (1: left as they are).
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
        off_subject_weight: float = DEFAULT_OFF_SUBJECT_WEIGHT,
        info: Mapping[str, Any] | None = None,
        given_evidence: Calibrator | None = None,
    ) -> None:
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature = float(temperature)
        self.support_threshold = float(support_threshold)
        self.refute_threshold = float(refute_threshold)
        self.min_retrieval_score = min_retrieval_score
        self.off_subject_weight = float(off_subject_weight)
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
            and self.off_subject_weight == DEFAULT_OFF_SUBJECT_WEIGHT
            and self.given_evidence is None
        )

    def aggregator(self) -> Aggregator:
        """The verdict rule with this calibration's thresholds."""
        return Aggregator(
            support_threshold=self.support_threshold,
            refute_threshold=self.refute_threshold,
            min_retrieval_score=self.min_retrieval_score,
            off_subject_weight=self.off_subject_weight,
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
            off_subject_weight=self.off_subject_weight,
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
            "off_subject_weight": self.off_subject_weight,
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
            off_subject_weight=float(data.get("off_subject_weight", DEFAULT_OFF_SUBJECT_WEIGHT)),
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
            f"refute_threshold={self.refute_threshold:.4g}, min_retrieval_score={self.min_retrieval_score}, "
            f"off_subject_weight={self.off_subject_weight:.4g}{given})"
        )
