"""The one softmax and log-sum-exp of the verification library."""

from __future__ import annotations

import numpy as np
import pytest

from truthgraph.verification.softmax import logsumexp, softmax


def test_softmax_rows_sum_to_one_and_survive_large_scores() -> None:
    p = softmax(np.array([[1000.0, 1000.0, 0.0], [0.0, 1.0, 2.0]]))
    assert p.sum(axis=-1) == pytest.approx([1.0, 1.0])
    assert p[0] == pytest.approx([0.5, 0.5, 0.0])
    assert p[1] == pytest.approx(np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum())


def test_logsumexp_matches_the_naive_formula_and_takes_one_vector() -> None:
    z = np.array([[0.1, -2.0, 3.0], [5.0, 5.0, 5.0]])
    assert logsumexp(z) == pytest.approx(np.log(np.exp(z).sum(axis=1)))
    assert float(logsumexp(np.array([2000.0, 2000.0]))) == pytest.approx(2000.0 + np.log(2.0))
