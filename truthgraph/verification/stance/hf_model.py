"""Any Hugging Face NLI sequence-classification checkpoint in a local folder, as a stance model (torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...domain import STANCE_ORDER
from ...errors import ModelLoadError
from .labels import stance_columns

#: Pairs longer than this many tokens are cut.
DEFAULT_MAX_LENGTH = 256
#: Pairs per forward pass.
DEFAULT_BATCH_SIZE = 32


class HFStanceModel:
    """A :class:`~truthgraph.verification.base.StanceModel` over a transformers checkpoint; labels come from its config.

    ``threads`` sets torch's process-wide intra-op thread count.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        folder = Path(folder)
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ModelLoadError("a Hugging Face checkpoint needs torch and transformers installed") from exc
        try:
            # A local folder read with local_files_only=True: nothing is downloaded (bandit B615 does not apply).
            self._tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)  # nosec B615
            self._model = AutoModelForSequenceClassification.from_pretrained(  # nosec B615
                str(folder), local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load a Hugging Face checkpoint from {folder}: {exc}") from exc
        self._model.eval()
        self._columns = stance_columns(self._model.config.id2label)
        self._torch: Any = torch
        if threads:
            torch.set_num_threads(threads)
        self.name: str = folder.name
        self.max_length = max_length
        self.batch_size = batch_size

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities of shape ``(len(pairs), 3)`` in STANCE_ORDER for ``(evidence, claim)`` pairs."""
        out = np.zeros((len(pairs), len(STANCE_ORDER)), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            features = self._tokenizer(
                [pairs[i][0] for i in indices],
                [pairs[i][1] for i in indices],
                truncation="longest_first",
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            )
            with self._torch.no_grad():
                logits = self._model(**features).logits
            probs = self._torch.softmax(logits.float(), dim=-1).numpy()
            out[indices] = probs[:, self._columns]
        return out
