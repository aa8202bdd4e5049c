"""Smaller storage of ONNX weights: float16 restored to float32 when a session opens, or int8 quantized.

With :func:`store_fp16`, float32 initializers are stored as float16 followed by a ``Cast`` back to float32.
onnxruntime folds those casts into float32 constants while it optimises the graph, so a running model computes in
float32 and loading needs onnxruntime alone. :func:`store_int8` quantizes weights to int8 per output channel
(onnxruntime's dynamic quantization: activations are quantized per call), a quarter of the float32 size and faster on
CPUs with integer dot-product instructions, at some cost in accuracy that must be measured. Both need the ``onnx``
package (export side); :func:`open_session` does not.

The int8 weights are stored shifted into uint8 with zero point 128 (:func:`unsigned_weights`), the same integers.
onnxruntime multiplies uint8 activations by *signed* weights on x86 CPUs with AVX2 but no VNNI instructions through
``vpmaddubsw``, which adds pairs of products in 16 bits and saturates: there the MPNet stance model's answers were
near chance (0.53 on the held-out everyday claims against 0.87). The uint8 × uint8 kernel does not saturate, so the
model gives the same answers on every CPU.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError

#: Suffix of the float16 copy of a float32 initializer named ``name``.
FP16_SUFFIX = "__fp16"
#: Largest magnitude float16 can hold; initializers beyond it stay float32.
FP16_MAX = 65504.0


def open_session(path: str | os.PathLike[str], *, threads: int | None = None) -> Any:
    """An onnxruntime CPU session for ``path`` with full graph optimisation (folds the float16 casts)."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"no ONNX model at {path}")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types
        raise ModelLoadError(f"cannot load ONNX model {path}: {exc}") from exc


def store_fp16(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rewrite the ONNX model at ``source`` into ``target`` with float16-stored weights."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    casts = []
    kept = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            kept.append(init)
            continue
        values = numpy_helper.to_array(init)
        if values.size < 2 or not np.all(np.abs(values) <= FP16_MAX):
            kept.append(init)
            continue
        half = numpy_helper.from_array(values.astype(np.float16), init.name + FP16_SUFFIX)
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=f"{init.name}_restore"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def store_int8(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rewrite the float32 ONNX model at ``source`` into ``target`` with int8 weights (dynamic quantization)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    unsigned_weights(target, target)


def unsigned_weights(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> int:
    """Rewrite the int8 weights of the ``MatMulInteger`` nodes of the model at ``source`` as uint8 (value + 128, zero
    point + 128) into ``target``; return how many weight tensors were rewritten. The products are unchanged."""
    import numpy as np
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.load(str(source))
    initializers = {init.name: init for init in model.graph.initializer}
    rewritten: set[str] = set()
    weights: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        weight = initializers.get(node.input[1])
        zero_point = initializers.get(node.input[3]) if len(node.input) > 3 and node.input[3] else None
        if weight is None or (weight.data_type != TensorProto.INT8 and weight.name not in rewritten):
            continue
        weights.add(weight.name)
        if zero_point is None:  # an absent zero point is 0; the shifted weights need 128
            name = f"{weight.name}_zero_point"
            if name not in initializers:
                model.graph.initializer.append(numpy_helper.from_array(np.zeros((), dtype=np.int8), name))
                initializers[name] = model.graph.initializer[-1]  # append copies; shift the stored one
            zero_point = initializers[name]
            inputs = list(node.input) + [""] * (4 - len(node.input))
            inputs[3] = name
            del node.input[:]
            node.input.extend(inputs)
        for init in (weight, zero_point):
            if init.data_type == TensorProto.INT8 and init.name not in rewritten:
                shifted = numpy_helper.to_array(init).astype(np.int16) + 128
                init.CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), init.name))
                rewritten.add(init.name)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return len(weights)
