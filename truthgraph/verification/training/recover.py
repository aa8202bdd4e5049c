"""A trainable checkpoint recovered from an exported stance model, so a shipped model can be trained further.

The ONNX export keeps the names of the bias, LayerNorm, embedding and head tensors; the weights of the linear layers
become anonymous ``MatMul`` inputs (transposed), in the order each encoder layer uses them: query, key, value,
attention output, intermediate, output. :func:`recover_checkpoint` rebuilds the transformers model from them and
checks that it gives the exported model's logits before writing it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from ...errors import ModelLoadError
from .base_model import minilm_dir

#: The linear layers of one encoder layer, in the order the exported graph uses their weights.
LAYER_LINEARS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
#: Largest difference from the exported model's logits that a recovered checkpoint may show (float16 storage).
MAX_LOGIT_ERROR = 0.05


def recover_checkpoint(exported: Path, out: Path) -> Path:
    """Write a transformers checkpoint of the stance model exported in ``exported`` to ``out`` and return ``out``."""
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import AutoModelForSequenceClassification

    config = json.loads((exported / "config.json").read_text(encoding="utf-8"))
    labels = config["labels"]
    graph = onnx.load(str(exported / "model.onnx")).graph
    named: dict[str, np.ndarray] = {}
    anonymous: list[np.ndarray] = []
    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor).astype(np.float32)
        name = tensor.name.removesuffix("__fp16")
        if name.startswith("inner."):
            named[name.removeprefix("inner.")] = array
        elif name.startswith("onnx::MatMul"):
            anonymous.append(array)
    source = minilm_dir()
    # Local folder, local_files_only: nothing is downloaded (bandit B615 does not apply).
    model = AutoModelForSequenceClassification.from_pretrained(  # nosec B615
        str(source), local_files_only=True, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, attn_implementation="eager",
    )
    layers = model.config.num_hidden_layers
    if len(anonymous) != layers * len(LAYER_LINEARS):
        raise ModelLoadError(f"{exported}: {len(anonymous)} linear weights for {layers} layers")
    for i in range(layers):
        for j, linear in enumerate(LAYER_LINEARS):
            named[f"bert.encoder.layer.{i}.{linear}.weight"] = anonymous[i * len(LAYER_LINEARS) + j].T
    state = model.state_dict()
    missing = [k for k in state if k not in named and "pooler" not in k and "position_ids" not in k]
    if missing:
        raise ModelLoadError(f"{exported}: no weights for {missing[:3]}")
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in named.items() if k in state},
                          strict=False)
    _check_logits(model, exported)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    shutil.copy2(exported / "tokenizer.json", out / "tokenizer.json")
    return out


def _check_logits(model: object, exported: Path) -> None:
    """Raise ModelLoadError unless the recovered model gives the exported model's logits on a few pairs."""
    import torch

    from ..stance.onnx_model import OnnxStanceModel

    pairs = [("Paris: Paris is the capital of France.", "Paris is in France."),
             ("Kenya is a country in East Africa.", "Barack Obama was born in Kenya."),
             ("The Moon orbits the Earth.", "The Earth orbits the Moon.")]
    onnx_model = OnnxStanceModel(exported)
    want = np.log(onnx_model.predict(pairs))
    tokenizer = onnx_model._tokenizer  # noqa: SLF001 - the exported tokenizer, as it encodes at run time
    model.eval()  # type: ignore[attr-defined]
    got = []
    with torch.no_grad():
        for evidence, claim in pairs:
            encoding = tokenizer.encode(evidence, claim)
            ids = torch.tensor([encoding.ids])
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids),  # type: ignore[operator]
                           token_type_ids=torch.tensor([encoding.type_ids])).logits
            got.append(torch.log_softmax(logits, dim=-1)[0].numpy())
    error = float(np.abs(np.array(got) - want).max())
    if error > MAX_LOGIT_ERROR:
        raise ModelLoadError(f"{exported}: the recovered model differs from the exported one by {error:.3f}")
