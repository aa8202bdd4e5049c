"""Screening: a small stance model picks which retrieved sentences the full stance model judges.

Most retrieved sentences are neutral to a claim; a verdict is decided by the few that entail or contradict it. A
screen judges every retrieved sentence with a cross-encoder several times cheaper than the stance model (the packaged
MiniLM screen runs about 140 pairs a second on two cores, the MPNet stance model about 20) and passes on only the
``keep`` sentences it finds least neutral. Retrieved evidence alone is screened: evidence a caller gives is judged
whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..domain import STANCE_ORDER, Evidence, Stance
from .base import StanceModel, format_evidence

#: The screen packaged with TruthGraph (a MiniLM stance cross-encoder, int8 ONNX).
DEFAULT_SCREEN_DIR = Path(__file__).resolve().parent / "models" / "stance-screen"
#: The setting that turns screening off.
NO_SCREEN = "none"

_NEUTRAL = STANCE_ORDER.index(Stance.NEUTRAL)


class Screen:
    """Keeps the ``keep`` evidence items a small stance model finds most decisive (least neutral)."""

    def __init__(self, model: StanceModel, keep: int) -> None:
        if keep < 1:
            raise ValueError("a screen keeps at least one sentence")
        self.model = model
        self.keep = keep

    @property
    def name(self) -> str:
        """What the screen is, for verdict cache keys: its model and how many sentences it keeps."""
        return f"{self.model.name}:{self.keep}"

    def select(self, claim: str, evidence: Sequence[Evidence]) -> list[Evidence]:
        """The most decisive ``keep`` of the items (all of them when there are no more), in their order.

        Ties keep the earlier item, so retrieval order breaks them.
        """
        if len(evidence) <= self.keep:
            return list(evidence)
        probs = self.model.predict([(format_evidence(e.title, e.text), claim) for e in evidence])
        decisive = 1.0 - probs[:, _NEUTRAL]
        kept = np.argsort(-decisive, kind="stable")[: self.keep]
        return [evidence[i] for i in sorted(kept.tolist())]


def load_screen(spec: str, keep: int, *, threads: int | None = None) -> Screen | None:
    """The screen a setting names (``"default"``, a stance model folder, or ``"none"`` for no screening)."""
    if spec.strip().lower() == NO_SCREEN:
        return None
    from .stance import load_stance_model, stance_model_folder

    return Screen(load_stance_model(str(stance_model_folder(spec, DEFAULT_SCREEN_DIR)), threads=threads), keep)
