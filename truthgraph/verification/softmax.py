"""Numerically stable softmax and log-sum-exp over the last axis (numpy only)."""

from __future__ import annotations

import numpy as np


def logsumexp(z: np.ndarray) -> np.ndarray:
    """``log(sum(exp(z)))`` over the last axis, without overflow."""
    z = np.asarray(z, dtype=np.float64)
    top = z.max(axis=-1, keepdims=True)
    return (top + np.log(np.exp(z - top).sum(axis=-1, keepdims=True)))[..., 0]


def softmax(z: np.ndarray) -> np.ndarray:
    """Float64 probabilities from scores, along the last axis."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z - logsumexp(z)[..., None])
