"""A trainable checkpoint recovered from an exported stance model, so a shipped model can be trained further.

The ONNX export keeps the names of the bias, LayerNorm, embedding and head tensors; the weights of the linear layers
become anonymous ``MatMul`` inputs (transposed), in the order each encoder layer uses them: query, key, value,
attention output, intermediate, output. An int8 export stores each weight ``W`` as ``W_quantized``, ``W_scale`` and
``W_zero_point`` (per output channel for the linear layers, read by ``MatMulInteger`` in that same order; per tensor
for the embeddings); they are dequantized, which gives back the int8 model's own weights: quantizing them again gives
the same integers. :func:`recover_checkpoint` rebuilds the transformers model (MiniLM or MPNet, by the config's base
model) from them and checks that it gives the exported model's answers before writing it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from ...errors import ModelLoadError
from .base_model import BASE_NAMES, base_dir

#: The linear layers of one encoder layer, in the order the exported graph uses their weights, by base model.
LAYER_LINEARS = {
    "minilm": ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
               "intermediate.dense", "output.dense"),
    "mpnet": ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "intermediate.dense",
              "output.dense"),
}
#: Where the encoder layers live in each base model's state dict.
LAYER_PREFIX = {"minilm": "bert.encoder.layer", "mpnet": "mpnet.encoder.layer"}
#: Largest difference from the exported model's probabilities that a recovered checkpoint may show, by weight
#: storage: float16 rounds the weights; int8 also quantizes the activations of each call, which float training does not.
MAX_PROBABILITY_ERROR = {"float16": 0.02, "int8": 0.15}


def recover_checkpoint(exported: Path, out: Path) -> Path:
    """Write a transformers checkpoint of the stance model exported in ``exported`` to ``out`` and return ``out``."""
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import AutoModelForSequenceClassification

    config = json.loads((exported / "config.json").read_text(encoding="utf-8"))
    labels = config["labels"]
    base = next((short for short, name in BASE_NAMES.items() if name == config.get("base_model")), "minilm")
    graph = onnx.load(str(exported / "model.onnx")).graph
    arrays = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    linear_inputs = [node.input[1] for node in graph.node if node.op_type == "MatMulInteger"]
    named: dict[str, np.ndarray] = {}
    anonymous: list[np.ndarray] = []
    for name in linear_inputs or [name for name in arrays if name.startswith("onnx::MatMul")]:
        weight = _dequantized(arrays, name)
        if name.startswith("inner."):  # a named linear layer (the head): stored transposed, as MatMul reads it
            named[_weight_name(name).removeprefix("inner.")] = weight.T
        else:
            anonymous.append(weight)
    for name in arrays:
        if name.startswith("inner.") and not name.endswith(("_scale", "_zero_point")):
            key = _weight_name(name).removeprefix("inner.")
            named.setdefault(key, _dequantized(arrays, name))
    # Local folder, local_files_only: nothing is downloaded (bandit B615 does not apply).
    model = AutoModelForSequenceClassification.from_pretrained(  # nosec B615
        str(base_dir(base)), local_files_only=True, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)}, attn_implementation="eager",
    )
    layers = model.config.num_hidden_layers
    linears = LAYER_LINEARS[base]
    if len(anonymous) != layers * len(linears):
        raise ModelLoadError(f"{exported}: {len(anonymous)} linear weights for {layers} layers")
    for i in range(layers):
        for j, linear in enumerate(linears):
            named[f"{LAYER_PREFIX[base]}.{i}.{linear}.weight"] = anonymous[i * len(linears) + j].T
    state = model.state_dict()
    missing = [k for k in state if k not in named and "pooler" not in k and "position_ids" not in k]
    if missing:
        raise ModelLoadError(f"{exported}: no weights for {missing[:3]}")
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in named.items() if k in state},
                          strict=False)
    _check_probabilities(model, exported, MAX_PROBABILITY_ERROR.get(config.get("weights_storage", "float16"), 0.02))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    shutil.copy2(exported / "tokenizer.json", out / "tokenizer.json")
    return out


def _weight_name(name: str) -> str:
    """The tensor's name without the suffix its storage added."""
    return name.removesuffix("__fp16").removesuffix("_quantized")


def _dequantized(arrays: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Initializer ``name`` as float32: a ``_quantized`` one as (value - zero point) × scale, per its last axis."""
    values = arrays[name].astype(np.float32)
    if not name.endswith("_quantized"):
        return values
    stem = name.removesuffix("_quantized")
    zero_point = arrays[f"{stem}_zero_point"].astype(np.float32)
    return (values - zero_point) * arrays[f"{stem}_scale"].astype(np.float32)


def _check_probabilities(model: object, exported: Path, tolerance: float) -> None:
    """Raise ModelLoadError unless the recovered model gives the exported model's probabilities on a few pairs."""
    import torch

    from ..stance.onnx_model import OnnxStanceModel
    from .export import model_inputs

    pairs = [("Paris: Paris is the capital of France.", "Paris is in France."),
             ("Kenya is a country in East Africa.", "Barack Obama was born in Kenya."),
             ("The Moon orbits the Earth.", "The Earth orbits the Moon.")]
    onnx_model = OnnxStanceModel(exported)
    want = onnx_model.predict(pairs)
    tokenizer = onnx_model._tokenizer  # noqa: SLF001 - the exported tokenizer, as it encodes at run time
    model.eval()  # type: ignore[attr-defined]
    got = []
    with torch.no_grad():
        for evidence, claim in pairs:
            encoding = tokenizer.encode(evidence, claim)
            ids = torch.tensor([encoding.ids])
            features = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
                        "token_type_ids": torch.tensor([encoding.type_ids])}
            logits = model(**{k: features[k] for k in model_inputs(model)}).logits  # type: ignore[operator]
            got.append(torch.softmax(logits, dim=-1)[0].numpy())
    error = float(np.abs(np.array(got) - want).max())
    if error > tolerance:
        raise ModelLoadError(f"{exported}: the recovered model differs from the exported one by {error:.3f}")
