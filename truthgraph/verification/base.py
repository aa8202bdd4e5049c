"""The interfaces the verification library is built from."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from ..domain import Verdict

#: Called by a pipeline as it advances: ``progress(percentage 0-100, stage name)``.
ProgressCallback = Callable[[int, str], None]


def no_progress(percentage: int, stage: str) -> None:
    """A progress callback that ignores what it is told."""


class StanceModel(Protocol):
    """Judges what evidence says about a claim."""

    #: A short name for reports and verdicts, e.g. ``"minilm-stance-v1"``.
    name: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities for each ``(evidence, claim)`` pair, shape ``(n, 3)``.

        Columns follow :data:`truthgraph.domain.STANCE_ORDER`: entails, contradicts, neutral.
        """
        ...


class Embedder(Protocol):
    """Turns texts into unit-length vectors for dense retrieval."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Float32 vectors of shape ``(len(texts), dimension)``, each of unit length."""
        ...


class VerificationPipeline(Protocol):
    """Verifies one claim end to end."""

    def verify(
        self, claim_text: str, options: Mapping[str, Any], progress: ProgressCallback = no_progress
    ) -> Verdict:
        """Retrieve evidence, judge its stance, and aggregate a verdict."""
        ...

    def cache_key(self, claim_text: str, options: Mapping[str, Any]) -> str | None:
        """The verdict cache's key of this verification, or None when its verdicts are not to be cached."""
        ...


def format_evidence(title: str, text: str) -> str:
    """The evidence side of a stance pair: the page title gives a sentence its subject."""
    title = title.strip()
    return f"{title}: {text.strip()}" if title else text.strip()
