"""int8 weights stored as uint8: the same integer products on every CPU, the shipped stance model included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from truthgraph.verification.onnx_weights import open_session, unsigned_weights
from truthgraph.verification.stance.loader import DEFAULT_STANCE_DIR


def _matmul_integer_model(path: Path, weight: np.ndarray, zero_point: np.ndarray | None) -> None:
    """uint8 activations (an input) times int8 ``weight``, the int32 products as the output."""
    inputs = ["a", "w", "", "wz"] if zero_point is not None else ["a", "w"]
    initializers = [numpy_helper.from_array(weight, "w")]
    if zero_point is not None:
        initializers.append(numpy_helper.from_array(zero_point, "wz"))
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", inputs, ["y"])],
        "matmul",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, ["n", weight.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, ["n", weight.shape[1]])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))


def _weight_types(path: Path) -> set[int]:
    model = onnx.load(str(path))
    initializers = {init.name: init.data_type for init in model.graph.initializer}
    return {initializers[n.input[1]] for n in model.graph.node if n.op_type == "MatMulInteger"}


def test_unsigned_weights_give_the_exact_products_where_signed_ones_could_saturate(tmp_path: Path) -> None:
    # Large activations times large weights of one sign: pairs of products overflow 16 bits, which is where a
    # uint8 x int8 kernel built on vpmaddubsw saturates.
    rng = np.random.default_rng(3)
    weight = rng.integers(100, 128, size=(64, 8)).astype(np.int8) * np.array([1, -1] * 4, dtype=np.int8)
    activations = rng.integers(200, 256, size=(5, 64)).astype(np.uint8)
    exact = activations.astype(np.int64) @ weight.astype(np.int64)
    for zero_point in (np.zeros(8, dtype=np.int8), None):
        signed, unsigned = tmp_path / "signed.onnx", tmp_path / "unsigned.onnx"
        _matmul_integer_model(signed, weight, zero_point)

        assert unsigned_weights(signed, unsigned) == 1

        assert _weight_types(unsigned) == {TensorProto.UINT8}
        products = open_session(unsigned).run(None, {"a": activations})[0]
        np.testing.assert_array_equal(products, exact)


def test_unsigned_weights_leave_a_model_without_int8_weights_alone(tmp_path: Path) -> None:
    source, target = tmp_path / "signed.onnx", tmp_path / "unsigned.onnx"
    _matmul_integer_model(source, np.ones((4, 2), dtype=np.int8), np.zeros(2, dtype=np.int8))
    unsigned_weights(source, source)

    assert unsigned_weights(source, target) == 0  # already unsigned: nothing shifted twice
    products = open_session(target).run(None, {"a": np.full((1, 4), 3, dtype=np.uint8)})[0]
    np.testing.assert_array_equal(products, [[12, 12]])


def test_the_shipped_stance_model_stores_no_signed_weights() -> None:
    assert _weight_types(DEFAULT_STANCE_DIR / "model.onnx") == {TensorProto.UINT8}


def test_recovery_dequantizes_per_output_channel_and_keeps_float_tensors() -> None:
    from truthgraph.verification.training.recover import _dequantized

    arrays = {
        "w_quantized": np.array([[128, 0], [255, 130]], dtype=np.uint8),  # stored shifted, zero point 128
        "w_scale": np.array([0.5, 0.25], dtype=np.float32),
        "w_zero_point": np.array([128, 128], dtype=np.uint8),
        "bias": np.array([1.5, -2.0], dtype=np.float32),
    }
    np.testing.assert_allclose(_dequantized(arrays, "w_quantized"), [[0.0, -32.0], [63.5, 0.5]])
    np.testing.assert_array_equal(_dequantized(arrays, "bias"), arrays["bias"])
