"""The packaged ONNX stance model and the stance model loader."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from truthgraph.domain import STANCE_ORDER, Stance
from truthgraph.errors import ModelLoadError
from truthgraph.verification.stance import DEFAULT_STANCE_DIR, load_stance_model
from truthgraph.verification.stance.onnx_model import OnnxStanceModel

ENTAILS = STANCE_ORDER.index(Stance.ENTAILS)
CONTRADICTS = STANCE_ORDER.index(Stance.CONTRADICTS)
EIFFEL = "Paris: The Eiffel Tower is a wrought-iron lattice tower in Paris, France."


@pytest.fixture(scope="module")
def model() -> OnnxStanceModel:
    return OnnxStanceModel(DEFAULT_STANCE_DIR, threads=1)


def test_default_spec_loads_the_packaged_onnx_model() -> None:
    assert isinstance(load_stance_model("default"), OnnxStanceModel)


def test_packaged_artifact_is_complete_and_small() -> None:
    for name in ("model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md"):
        assert (DEFAULT_STANCE_DIR / name).is_file(), name
    assert (DEFAULT_STANCE_DIR / "model.onnx").stat().st_size <= 120_000_000
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text())
    assert config["labels"] == [s.value for s in STANCE_ORDER]


def test_plain_entailment_and_contradiction(model: OnnxStanceModel) -> None:
    probs = model.predict([(EIFFEL, f"The Eiffel Tower is in {city}.") for city in ("Paris", "Berlin", "Rome")])
    assert probs[0].argmax() == ENTAILS
    assert probs[1].argmax() == CONTRADICTS
    # Rome is a closer call for this model (contradicts 0.45, neutral 0.52), but never read as support.
    assert probs[2][CONTRADICTS] > 10 * probs[2][ENTAILS]


@pytest.mark.parametrize(
    ("evidence", "claim"),
    [
        ("Great Wall of China: The Great Wall of China is not visible from space with the naked eye.",
         "The Great Wall of China is visible from space with the naked eye."),
        ("Mars: No human astronauts have traveled to Mars.", "Mars has been visited by human astronauts."),
    ],
)
def test_negated_evidence_is_read_as_contradiction(model: OnnxStanceModel, evidence: str, claim: str) -> None:
    probs = model.predict([(evidence, claim)])[0]
    assert probs[CONTRADICTS] > probs[ENTAILS]


def test_probabilities_shape_and_sum(model: OnnxStanceModel) -> None:
    pairs = [(EIFFEL, "The Eiffel Tower is in Paris."), ("Bananas are yellow.", "Water boils at 100 degrees."),
             ("word " * 500, "A very long evidence passage is cut to the token limit.")]
    probs = model.predict(pairs)
    assert probs.shape == (3, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_empty_input(model: OnnxStanceModel) -> None:
    assert model.predict([]).shape == (0, 3)


def test_order_is_restored_after_length_sorting(model: OnnxStanceModel) -> None:
    pairs = [(EIFFEL + " It was built for the 1889 World's Fair.", "The tower is in Rome."), ("Cats purr.", "Cats purr."),
             (EIFFEL, "The Eiffel Tower is in Paris.")]
    alone = np.vstack([model.predict([pair]) for pair in pairs])
    # One pair per call, sorted by length and put back: each row is exactly the pair judged alone.
    sorted_singly = OnnxStanceModel(DEFAULT_STANCE_DIR, batch_size=1, threads=1).predict(pairs)
    np.testing.assert_array_equal(sorted_singly, alone)
    # Padded together: int8 activations are quantized over the whole batch, so the figures move a little, never the
    # stance (a padding mask that leaked would change it).
    together = OnnxStanceModel(DEFAULT_STANCE_DIR, batch_size=2, threads=1).predict(pairs)
    np.testing.assert_array_equal(together.argmax(axis=1), alone.argmax(axis=1))
    np.testing.assert_allclose(together, alone, atol=0.2)


def test_an_int8_models_answer_does_not_depend_on_the_pairs_judged_with_it(model: OnnxStanceModel) -> None:
    assert model.batch_size == 1  # int8 weights: activations are quantized per call, so one pair a call
    pair = (EIFFEL, "The Eiffel Tower is in Rome.")
    others = [("Rome: " + "Rome is the capital city of Italy and of the Lazio region. " * 6, "Rome is in Italy."),
              ("Cats purr.", "Dogs bark.")]
    alone = model.predict([pair])[0]
    for company in ([pair, *others], [*others, pair]):
        np.testing.assert_array_equal(model.predict(company)[company.index(pair)], alone)


def test_float_models_batch_by_default(tmp_path: Path) -> None:
    for name in ("model.onnx", "tokenizer.json"):
        os.symlink(DEFAULT_STANCE_DIR / name, tmp_path / name)
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text())
    config["weights_storage"] = "float16"
    del config["self_check"]  # recorded one pair a call, as the int8 model is judged
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert OnnxStanceModel(tmp_path, threads=1).batch_size == 32
    assert OnnxStanceModel(tmp_path, threads=1, batch_size=4).batch_size == 4


def test_config_label_order_is_respected(tmp_path: Path, model: OnnxStanceModel) -> None:
    for name in ("model.onnx", "tokenizer.json"):
        os.symlink(DEFAULT_STANCE_DIR / name, tmp_path / name)
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text())
    # Say the graph's outputs are neutral, entails, contradicts: the model must reorder them by name.
    config["id2label"] = {"0": "neutral", "1": "entailment", "2": "contradiction"}
    del config["self_check"]  # its answers are recorded in the true order, which this config denies
    (tmp_path / "config.json").write_text(json.dumps(config))
    pairs = [(EIFFEL, "The Eiffel Tower is in Paris.")]
    relabelled = OnnxStanceModel(tmp_path, threads=1).predict(pairs)
    raw = model.predict(pairs)  # columns entails, contradicts, neutral = graph outputs 0, 1, 2
    np.testing.assert_allclose(relabelled, raw[:, [1, 2, 0]], atol=1e-6)


def test_two_way_config_is_refused(tmp_path: Path) -> None:
    shutil.copy(DEFAULT_STANCE_DIR / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "model.onnx").symlink_to(DEFAULT_STANCE_DIR / "model.onnx")
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "entailment", "1": "contradiction"}}))
    with pytest.raises(ModelLoadError):
        OnnxStanceModel(tmp_path)


def test_loader_refuses_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such folder"):
        load_stance_model(str(tmp_path / "absent"))
    with pytest.raises(ModelLoadError, match="neither model.onnx"):
        load_stance_model(str(tmp_path))


def test_onnx_path_never_imports_torch() -> None:
    code = (
        "import sys\n"
        "from truthgraph.verification.stance import load_stance_model\n"
        "m = load_stance_model('default'); m.predict([('a b', 'c')])\n"
        "bad = [name for name in ('torch', 'transformers', 'sentence_transformers') if name in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_max_length_defaults_to_the_training_length(model: OnnxStanceModel) -> None:
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text())
    assert model.max_length == config["max_length"]
    assert OnnxStanceModel(DEFAULT_STANCE_DIR, max_length=64).max_length == 64
