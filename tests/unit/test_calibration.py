"""Calibrated confidence: ECE, temperature and threshold fitting, the saved calibration."""

from __future__ import annotations

import numpy as np
import pytest

from truthgraph.domain import Label
from truthgraph.errors import ModelLoadError
from truthgraph.verification.aggregation import VERDICT_ORDER, Aggregator, verdict_logits
from truthgraph.verification.calibration import CALIBRATION_FILENAME, Calibrator
from truthgraph.verification.evaluation.fitting import (
    fit_calibrator,
    fit_rule,
    fit_temperature,
    negative_log_likelihood,
)
from truthgraph.verification.evaluation.metrics import ece_noise_floor, expected_calibration_error


def test_ece_of_known_inputs() -> None:
    # One bin (0.8, 0.9]: accuracy 0.75 against confidence 0.9.
    assert expected_calibration_error([0.9, 0.9, 0.9, 0.9], [1, 1, 1, 0]) == pytest.approx(0.15)
    # Two bins of two: |0.5 - 0.55| and |1.0 - 0.95|, equally weighted.
    assert expected_calibration_error([0.55, 0.55, 0.95, 0.95], [1, 0, 1, 1]) == pytest.approx(0.05)
    # Bin edges are closed on the right: 0.1 and 0.2 fall in different bins of ten.
    assert expected_calibration_error([0.1, 0.2], [False, False]) == pytest.approx(0.15)
    assert expected_calibration_error([0.0, 1.0], [False, True]) == 0.0
    assert expected_calibration_error([0.7, 0.7], [1, 0], bins=1) == pytest.approx(0.2)
    assert expected_calibration_error([], []) == 0.0


def test_ece_noise_floor_shrinks_as_the_set_grows() -> None:
    small, large = np.full(60, 0.6), np.full(6000, 0.6)
    # 60 verdicts in one bin: E|mean of 60 Bernoulli(0.6) − 0.6| = sqrt(0.24 / 60) · sqrt(2 / π) ≈ 0.050.
    assert ece_noise_floor(small) == pytest.approx(0.050, abs=0.004)
    assert ece_noise_floor(large) < 0.01
    assert ece_noise_floor(np.linspace(0.4, 0.95, 60)) > ece_noise_floor(small)  # spread over bins: fewer per bin
    assert ece_noise_floor(small) == ece_noise_floor(small)  # seeded
    assert ece_noise_floor([1.0, 1.0]) == 0.0 and ece_noise_floor([]) == 0.0


def test_ece_is_near_zero_for_calibrated_confidences() -> None:
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.34, 1.0, 50_000)
    correct = rng.random(50_000) < confidence
    assert expected_calibration_error(confidence, correct) < 0.01


def test_ece_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [True, False])


def _sample(temperature: float, n: int, seed: int) -> tuple[np.ndarray, list[Label]]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, size=(n, 3))
    p = np.exp(logits / temperature)
    p /= p.sum(axis=1, keepdims=True)
    draws = (rng.random((n, 1)) > p.cumsum(axis=1)).sum(axis=1)
    return logits, [VERDICT_ORDER[min(k, 2)] for k in draws]


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.5])
def test_temperature_fit_recovers_a_known_temperature(temperature: float) -> None:
    logits, labels = _sample(temperature, 20_000, seed=7)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(temperature, rel=0.08)
    assert negative_log_likelihood(logits, labels, fitted) <= negative_log_likelihood(logits, labels, 1.0) + 1e-9


def test_temperature_fit_on_separable_data_hits_the_lower_bound() -> None:
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    assert fit_temperature(logits, [Label.SUPPORTED, Label.REFUTED]) == pytest.approx(0.01)


def test_rule_fit_recovers_known_thresholds_and_temperature() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    support, refute = rng.random(n), rng.random(n)
    p = np.exp(verdict_logits(support, refute, 0.7, 0.3) / 0.5)
    p /= p.sum(axis=1, keepdims=True)
    labels = (rng.random((n, 1)) > p.cumsum(axis=1)).sum(axis=1).clip(0, 2)
    t_s, t_r, temperature = fit_rule(support, refute, labels)
    assert t_s == pytest.approx(0.7, abs=0.05)
    assert t_r == pytest.approx(0.3, abs=0.05)
    assert temperature == pytest.approx(0.5, rel=0.1)


def test_fit_calibrator_fits_thresholds_then_temperature_and_reports() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    which = rng.integers(0, 3, n)
    support = np.where(which == 0, rng.uniform(0.4, 1.0, n), rng.uniform(0.0, 0.5, n))
    refute = np.where(which == 1, rng.uniform(0.4, 1.0, n), rng.uniform(0.0, 0.5, n))
    labels = [VERDICT_ORDER[k] for k in which]
    calibrator = fit_calibrator(support, refute, labels, info={"fitted_on": "synthetic"})
    fit = calibrator.info["fit"]
    assert calibrator.info["fitted_on"] == "synthetic"
    assert fit["n"] == n and sum(fit["label_counts"].values()) == n
    assert fit["fitted"]["nll"] <= min(fit["fitted_thresholds_raw"]["nll"], fit["default_thresholds"]["nll"]) + 1e-9
    assert fit["fitted"]["label_accuracy"] > 0.8
    assert 0.3 < calibrator.support_threshold < 0.6 and 0.3 < calibrator.refute_threshold < 0.6


def test_fit_calibrator_needs_claims() -> None:
    with pytest.raises(ValueError):
        fit_calibrator([], [], [])


def test_apply_rescales_probabilities_and_keeps_the_label() -> None:
    decision = Aggregator().decide([[0.8, 0.1, 0.1]])
    softer = Calibrator(temperature=2.0).apply(decision)
    sharper = Calibrator(temperature=0.5).apply(decision)
    assert softer.label is sharper.label is decision.label
    assert sum(softer.probabilities.values()) == pytest.approx(1.0)
    assert sharper.confidence > decision.confidence > softer.confidence
    assert softer.temperature == 2.0
    assert Calibrator().apply(decision).probabilities == pytest.approx(decision.probabilities)


def test_aggregator_carries_the_calibrated_thresholds() -> None:
    rule = Calibrator(support_threshold=0.3, refute_threshold=0.8).aggregator()
    assert rule.parameters() == {"support_threshold": 0.3, "refute_threshold": 0.8, "min_retrieval_score": None,
                                 "off_subject_weight": 1.0}
    assert Calibrator(off_subject_weight=0.4).aggregator().off_subject_weight == 0.4


def test_save_load_round_trip(tmp_path) -> None:
    calibrator = Calibrator(temperature=1.7, support_threshold=0.45, refute_threshold=0.55, off_subject_weight=0.3,
                            info={"n": 3})
    path = tmp_path / CALIBRATION_FILENAME
    calibrator.save(path)
    loaded = Calibrator.load(path)
    assert loaded.to_dict() == calibrator.to_dict()
    assert Calibrator.for_model(tmp_path).temperature == 1.7


def test_without_a_file_the_calibrator_is_the_identity(tmp_path) -> None:
    assert Calibrator.for_model(tmp_path).is_identity
    assert Calibrator.for_model(None).is_identity
    assert not Calibrator(temperature=1.2).is_identity
    assert not Calibrator(off_subject_weight=0.5).is_identity


def test_bad_calibrations_are_rejected(tmp_path) -> None:
    with pytest.raises(ValueError):
        Calibrator(temperature=0.0)
    with pytest.raises(ValueError):
        Calibrator.from_dict({"format_version": 99})
    (tmp_path / CALIBRATION_FILENAME).write_text("{not json")
    with pytest.raises(ModelLoadError, match="calibration"):
        Calibrator.for_model(tmp_path)
    with pytest.raises(ModelLoadError):
        Calibrator.load(tmp_path / "missing.json")


def test_given_evidence_calibration_round_trips_and_falls_back(tmp_path) -> None:
    given = Calibrator(temperature=1.2, support_threshold=0.01, refute_threshold=0.02, info={"protocol": "oracle"})
    calibrator = Calibrator(temperature=1.5, support_threshold=0.3, refute_threshold=0.6, given_evidence=given)
    assert calibrator.for_given_evidence is given and not calibrator.is_identity
    assert Calibrator(temperature=1.5).for_given_evidence.temperature == 1.5
    calibrator.save(tmp_path / CALIBRATION_FILENAME)
    loaded = Calibrator.for_model(tmp_path)
    assert loaded.to_dict() == calibrator.to_dict()
    assert loaded.for_given_evidence.refute_threshold == 0.02
    assert loaded.with_given_evidence(None).given_evidence is None
    rules = loaded.pipeline_rules()
    assert rules["calibrator"] is loaded and rules["given_calibrator"].temperature == 1.2
    assert rules["given_aggregator"].parameters()["support_threshold"] == 0.01
    with pytest.raises(ValueError):
        Calibrator(given_evidence=calibrator)
    with pytest.raises(ValueError):
        Calibrator.from_dict({"given_evidence": "oracle"})


def test_a_worker_imports_no_fitting_code() -> None:
    """The runtime calibrator stands alone: loading it imports neither the fitting code nor the evaluation package."""
    import subprocess
    import sys

    script = (
        "import sys, truthgraph.verification.calibration, truthgraph.verification.pipeline\n"
        "print(sorted(m for m in sys.modules if m.startswith('truthgraph.verification.evaluation')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_fit_scales_down_evidence_off_the_subject_when_it_misleads() -> None:
    from truthgraph.domain import Evidence, Verdict
    from truthgraph.verification.evaluation.dataset import ClaimRecord
    from truthgraph.verification.evaluation.fitting import fit_on_outcomes
    from truthgraph.verification.evaluation.runner import ClaimOutcome

    def outcome(i: int, title: str, text: str, probs: tuple[float, float, float], expected: Label) -> ClaimOutcome:
        evidence = Evidence(f"p{i}", "c", title, text, 1.0, stance_probabilities=dict(zip(
            ("entails", "contradicts", "neutral"), probs)))
        claim = ClaimRecord(f"c{i}", f"Person{i} Smith was born in Kenya.", expected)
        verdict = Verdict(claim.claim, Label.SUPPORTED, 0.5, [evidence],
                          rule_scores={"support_score": probs[0], "refute_score": probs[1]})
        return ClaimOutcome(claim=claim, expected=expected, verdict=verdict)

    rng = np.random.default_rng(0)
    outcomes = []
    for i in range(120):
        e = float(rng.uniform(0.7, 0.99))
        if i % 2:  # a page about another thing: strong entailment, but nothing is known of the claim
            outcomes.append(outcome(i, "Kenya", "Kenya is a country.", (e, 0.01, 0.99 - e), Label.NOT_ENOUGH_INFO))
        else:
            outcomes.append(outcome(i, f"Person{i} Smith", "She was born in Kenya.", (e, 0.01, 0.99 - e),
                                    Label.SUPPORTED))
    fitted = fit_on_outcomes(outcomes)
    assert fitted.off_subject_weight < 0.5
    assert set(fitted.info["off_subject_nll"]) >= {"1", "0.5", "0.1"}
    assert fitted.info["fit"]["fitted"]["label_accuracy"] > 0.9
