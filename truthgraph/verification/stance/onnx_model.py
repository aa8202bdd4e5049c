"""A stance model exported to ONNX, run on onnxruntime and ``tokenizers`` alone (no torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ...domain import STANCE_ORDER
from ..onnx_folder import load_onnx_folder
from ..onnx_text import length_batches
from ..softmax import softmax
from .labels import stance_columns
from .self_check import run_self_check

#: Pairs longer than this many tokens are cut (the longer side first) when config.json names no ``max_length``.
DEFAULT_MAX_LENGTH = 256
#: Pairs per onnxruntime call of a model with float weights.
DEFAULT_BATCH_SIZE = 32
#: Pairs per onnxruntime call of a model with int8 weights. onnxruntime quantizes activations per tensor, over the
#: whole batch and its padding, so in a larger batch a pair's probabilities would depend on the pairs judged with it
#: (by up to 0.5 on real retrieved sentences). One pair a call costs little: its matrices are as long as its tokens.
QUANTIZED_BATCH_SIZE = 1


class OnnxStanceModel:
    """A :class:`~truthgraph.verification.base.StanceModel` from a folder with model.onnx, tokenizer.json, config.json.

    The ONNX graph takes ``input_ids``, ``attention_mask`` (and ``token_type_ids``) and returns class logits whose
    order ``config.json`` gives as ``id2label`` (or ``labels``). ``max_length`` defaults to the length the model was
    trained with (``config.json`` → ``max_length``): longer inputs than it saw in training make it slightly worse.
    A ``self_check`` in ``config.json`` is run on load (:mod:`.self_check`): ModelLoadError if this machine computes
    the model differently from the one that exported it. Models with int8 weights (``weights_storage``) judge one
    pair per call unless ``batch_size`` is given (:data:`QUANTIZED_BATCH_SIZE`), so that a pair's answer never depends
    on the others judged with it.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        max_length: int | None = None,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> None:
        loaded = load_onnx_folder(
            folder, what="stance model", default_max_length=DEFAULT_MAX_LENGTH, max_length=max_length,
            threads=threads, config_required=True,
        )
        self.name: str = loaded.name
        self.max_length = loaded.max_length
        quantized = loaded.config.get("weights_storage") == "int8"
        self.batch_size = QUANTIZED_BATCH_SIZE if quantized else DEFAULT_BATCH_SIZE  # the self-check's, as at export
        self._columns = stance_columns(_id2label(loaded.config))
        self._tokenizer = loaded.tokenizer
        self._session = loaded.session
        self._inputs = loaded.inputs
        if "self_check" in loaded.config:
            run_self_check(self, loaded.config["self_check"], name=self.name)
        self.batch_size = batch_size or self.batch_size

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities of shape ``(len(pairs), 3)`` in STANCE_ORDER for ``(evidence, claim)`` pairs."""
        out = np.zeros((len(pairs), len(STANCE_ORDER)), dtype=np.float32)
        if not pairs:
            return out
        encodings = self._tokenizer.encode_batch([(evidence, claim) for evidence, claim in pairs])
        for indices, feed in length_batches(encodings, self.batch_size, self._inputs):
            logits = self._session.run(None, feed)[0]
            out[indices] = softmax(logits).astype(np.float32)[:, self._columns]
        return out


def _id2label(config: dict) -> dict:
    """``id2label`` of a config, or one built from its ``labels`` list."""
    if config.get("id2label"):
        return config["id2label"]
    return dict(enumerate(config.get("labels") or []))
