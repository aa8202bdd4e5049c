"""The verdict rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from truthgraph.domain import STANCE_ORDER, Evidence, Label
from truthgraph.verification.aggregation import (
    DEFAULT_REFUTE_THRESHOLD,
    DEFAULT_SUPPORT_THRESHOLD,
    VERDICT_ORDER,
    Aggregator,
    probabilities_from_logits,
    stance_matrix,
    verdict_labels,
    verdict_logits,
)

ENTAILS = [0.9, 0.05, 0.05]
CONTRADICTS = [0.05, 0.85, 0.10]
NEUTRAL = [0.1, 0.1, 0.8]


def test_no_evidence_is_not_enough_info() -> None:
    decision = Aggregator().decide(np.zeros((0, 3)))
    assert decision.label is Label.NOT_ENOUGH_INFO
    assert decision.probabilities[Label.NOT_ENOUGH_INFO.value] > 0.999
    assert decision.decisive_indices == () and decision.ranking == ()
    assert decision.features["n_evidence"] == 0


def test_an_empty_list_is_no_evidence_too() -> None:
    assert Aggregator().decide([]).label is Label.NOT_ENOUGH_INFO


def test_strongest_entailment_supports_and_is_cited_first() -> None:
    decision = Aggregator().decide([NEUTRAL, ENTAILS, [0.6, 0.2, 0.2]])
    assert decision.label is Label.SUPPORTED
    assert decision.decisive_indices == (1, 2)
    assert decision.ranking == (1, 2, 0)
    assert decision.features["support_score"] == pytest.approx(0.9)
    assert decision.features["support_index"] == 1


def test_strongest_contradiction_refutes() -> None:
    decision = Aggregator().decide([NEUTRAL, CONTRADICTS])
    assert decision.label is Label.REFUTED
    assert decision.decisive_indices == (1,)
    assert decision.confidence == decision.probabilities[Label.REFUTED.value]


def test_weak_evidence_is_not_enough_info_and_closest_comes_first() -> None:
    decision = Aggregator().decide([NEUTRAL, [0.3, 0.45, 0.25]])
    assert decision.label is Label.NOT_ENOUGH_INFO
    assert decision.decisive_indices == ()
    assert decision.ranking == (1, 0)


def test_many_weak_sentences_do_not_add_up() -> None:
    assert Aggregator().decide([[0.45, 0.05, 0.5]] * 20).label is Label.NOT_ENOUGH_INFO


def test_conflicting_evidence_goes_to_the_stronger_side() -> None:
    assert Aggregator().decide([ENTAILS, CONTRADICTS]).label is Label.SUPPORTED
    assert Aggregator().decide([[0.6, 0.3, 0.1], [0.1, 0.8, 0.1]]).label is Label.REFUTED


def test_an_exact_tie_between_sides_is_not_enough_info() -> None:
    assert Aggregator().decide([[0.7, 0.0, 0.3], [0.0, 0.7, 0.3]]).label is Label.NOT_ENOUGH_INFO


def test_a_score_equal_to_the_threshold_is_strong_enough() -> None:
    assert Aggregator(support_threshold=0.6).decide([[0.6, 0.1, 0.3]]).label is Label.SUPPORTED


def test_thresholds_are_parameters() -> None:
    probs = [[0.4, 0.1, 0.5]]
    assert Aggregator().decide(probs).label is Label.NOT_ENOUGH_INFO
    assert Aggregator(support_threshold=0.3).decide(probs).label is Label.SUPPORTED
    # Sides compare relative to their own thresholds.
    both = [[0.6, 0.5, 0.0]]
    assert Aggregator(support_threshold=0.8, refute_threshold=0.5).decide(both).label is Label.REFUTED


def test_probabilities_are_a_softmax_of_the_logits_and_agree_with_the_label() -> None:
    for probs in ([ENTAILS], [CONTRADICTS], [NEUTRAL], [ENTAILS, CONTRADICTS]):
        decision = Aggregator().decide(probs)
        assert sum(decision.probabilities.values()) == pytest.approx(1.0)
        assert max(decision.probabilities, key=decision.probabilities.get) == decision.label.value
        assert decision.probabilities == pytest.approx(probabilities_from_logits(decision.logits))
        assert decision.logits[2] == 0.0
    support = Aggregator().decide([ENTAILS])
    assert support.logits[0] == pytest.approx(math.log(0.9 / DEFAULT_SUPPORT_THRESHOLD))
    assert support.logits[1] == pytest.approx(math.log(0.05 / DEFAULT_REFUTE_THRESHOLD))


def test_low_retrieval_scores_cannot_decide_when_a_floor_is_set() -> None:
    probs = [ENTAILS, NEUTRAL]
    assert Aggregator().decide(probs, [0.1, 0.9]).label is Label.SUPPORTED
    decision = Aggregator(min_retrieval_score=0.5).decide(probs, [0.1, 0.9])
    assert decision.label is Label.NOT_ENOUGH_INFO
    assert decision.ranking == (1, 0)
    assert decision.features["n_counted"] == 1


def test_retrieval_scores_break_ties_in_the_ranking() -> None:
    decision = Aggregator().decide([ENTAILS, ENTAILS], [0.2, 0.7])
    assert decision.ranking == (1, 0)
    assert decision.features["max_retrieval_score"] == pytest.approx(0.7)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        Aggregator().decide([[0.5, 0.5]])
    with pytest.raises(ValueError):
        Aggregator().decide([ENTAILS], [0.1, 0.2])
    with pytest.raises(ValueError):
        Aggregator(support_threshold=0.0)
    with pytest.raises(ValueError):
        Aggregator(refute_threshold=1.5)


def test_vectorised_labels_and_logits_match_the_aggregator() -> None:
    rng = np.random.default_rng(0)
    support, refute = rng.random(200), rng.random(200)
    labels = verdict_labels(support, refute, 0.6, 0.4)
    logits = verdict_logits(support, refute, 0.6, 0.4)
    rule = Aggregator(support_threshold=0.6, refute_threshold=0.4)
    for s, r, k, z in zip(support, refute, labels, logits):
        decision = rule.decide([[s, r, 0.0]])
        assert decision.label is VERDICT_ORDER[k]
        assert decision.logits == pytest.approx(tuple(z))


def test_stance_matrix_reads_evidence_in_stance_order() -> None:
    evidence = [
        Evidence("p1", "c", "T", "a", 1.0, stance_probabilities={"neutral": 0.2, "entails": 0.7, "contradicts": 0.1}),
        Evidence("p2", "c", "T", "b", 1.0),
    ]
    matrix = stance_matrix(evidence)
    assert [s.value for s in STANCE_ORDER] == ["entails", "contradicts", "neutral"]
    assert matrix.tolist() == [[0.7, 0.1, 0.2], [0.0, 0.0, 0.0]]
    assert stance_matrix([]).shape == (0, 3)


def test_a_sentence_off_the_subject_cannot_decide_alone_when_weighted() -> None:
    rule = Aggregator(support_threshold=0.5, refute_threshold=0.5, off_subject_weight=0.4)
    off = rule.decide([[0.95, 0.02, 0.03]], on_subject=[False])
    assert off.label is Label.NOT_ENOUGH_INFO
    assert off.features["support_score"] == pytest.approx(0.38) and off.features["n_off_subject"] == 1.0
    on = rule.decide([[0.95, 0.02, 0.03], [0.1, 0.8, 0.1]], on_subject=[False, True])
    assert on.label is Label.REFUTED and on.decisive_indices == (1,)
    assert rule.decide([[0.95, 0.02, 0.03]], on_subject=[True]).label is Label.SUPPORTED


def test_the_subject_rule_is_off_by_default_and_checks_its_input() -> None:
    assert Aggregator().decide([[0.95, 0.02, 0.03]], on_subject=[False]).label is Label.SUPPORTED
    with pytest.raises(ValueError):
        Aggregator(off_subject_weight=0.0)
    with pytest.raises(ValueError):
        Aggregator().decide([[0.95, 0.02, 0.03]], on_subject=[True, False])
