"""The packaged ONNX sentence embedder."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from truthgraph.verification.embedding import DEFAULT_EMBEDDER_DIR, OnnxEmbedder, load_default_embedder


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return load_default_embedder(threads=1)


def test_shape_dtype_and_unit_length(embedder: OnnxEmbedder) -> None:
    vectors = embedder.encode(["The Eiffel Tower is in Paris.", "Bananas are yellow.", "word " * 600])
    assert embedder.dimension == 384
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrase_is_closer_than_unrelated(embedder: OnnxEmbedder) -> None:
    anchor, paraphrase, unrelated = embedder.encode([
        "The Eiffel Tower is in Paris.",
        "The famous iron tower stands in the French capital, Paris.",
        "Bananas are a good source of potassium.",
    ])
    assert anchor @ paraphrase > anchor @ unrelated + 0.2


def test_empty_input(embedder: OnnxEmbedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_batching_does_not_change_vectors(embedder: OnnxEmbedder) -> None:
    texts = ["short", "a somewhat longer sentence about towers", "mid length text"]
    together = OnnxEmbedder(DEFAULT_EMBEDDER_DIR, batch_size=2, threads=1).encode(texts)
    alone = np.vstack([embedder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_packaged_artifact_is_small() -> None:
    assert (DEFAULT_EMBEDDER_DIR / "model.onnx").stat().st_size < 50_000_000


def test_embedder_never_imports_torch() -> None:
    code = (
        "import sys\n"
        "from truthgraph.verification.embedding import load_default_embedder\n"
        "load_default_embedder().encode(['a sentence'])\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
