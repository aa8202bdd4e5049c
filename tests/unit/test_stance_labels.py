"""Stance label mapping: by name, never by position."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from truthgraph.domain import STANCE_ORDER, Stance
from truthgraph.errors import ModelLoadError
from truthgraph.verification.stance.labels import normalise_label, stance_columns, stance_of


@pytest.mark.parametrize(
    ("name", "stance"),
    [
        ("ENTAILMENT", Stance.ENTAILS),
        ("entails", Stance.ENTAILS),
        ("Supports", Stance.ENTAILS),
        ("contradiction", Stance.CONTRADICTS),
        ("REFUTES", Stance.CONTRADICTS),
        ("Neutral", Stance.NEUTRAL),
        ("NOT ENOUGH INFO", Stance.NEUTRAL),
        ("not-enough-info", Stance.NEUTRAL),
    ],
)
def test_stance_of_known_names(name: str, stance: Stance) -> None:
    assert stance_of(name) is stance


def test_normalise_label() -> None:
    assert normalise_label("  Not Enough-Info ") == "not_enough_info"


def test_columns_follow_names_not_positions() -> None:
    columns = stance_columns({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"})
    assert columns == [2, 0, 1]
    probs = np.array([[0.7, 0.2, 0.1]])  # contradiction, neutral, entailment
    assert probs[:, columns].tolist() == [[0.1, 0.7, 0.2]]


def test_string_keys_as_in_json_configs() -> None:
    assert stance_columns({"0": "entailment", "1": "neutral", "2": "contradiction"}) == [0, 2, 1]


def test_identity_in_stance_order() -> None:
    assert stance_columns(dict(enumerate(s.value for s in STANCE_ORDER))) == [0, 1, 2]


@pytest.mark.parametrize(
    "id2label",
    [
        None,
        {},
        {0: "entailment", 1: "contradiction"},  # 2-way: no neutral
        {0: "entailment", 1: "contradiction", 2: "maybe"},  # unknown name
        {0: "entailment", 1: "supports", 2: "neutral"},  # two names for one stance
        {0: "entailment", 1: "contradiction", 3: "neutral"},  # indices not 0..n-1
        {"a": "entailment", "b": "contradiction", "c": "neutral"},
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},  # a checkpoint without real names
    ],
)
def test_bad_label_sets_are_refused(id2label: dict | None) -> None:
    with pytest.raises(ModelLoadError):
        stance_columns(id2label)


def _tiny_checkpoint(folder: Path, id2label: dict[int, str]) -> None:
    """A random 1-layer BERT classifier with its own tiny vocabulary."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    words = "the eiffel tower is in paris rome a wrought iron lattice france".split()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(str(folder))


def test_hf_checkpoint_with_permuted_labels_maps_right(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from truthgraph.verification.stance import load_stance_model
    from truthgraph.verification.stance.hf_model import HFStanceModel

    torch.manual_seed(0)
    _tiny_checkpoint(tmp_path, {0: "NEUTRAL", 1: "CONTRADICTION", 2: "ENTAILMENT"})
    pairs = [("the eiffel tower is in paris", "the tower is in rome"), ("a lattice", "iron france")]

    model = load_stance_model(str(tmp_path))
    assert isinstance(model, HFStanceModel)
    probs = model.predict(pairs)

    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path))
    raw_model = AutoModelForSequenceClassification.from_pretrained(str(tmp_path)).eval()
    with torch.no_grad():
        raw = torch.softmax(raw_model(**tokenizer([p[0] for p in pairs], [p[1] for p in pairs], padding=True,
                                                  return_tensors="pt")).logits, -1).numpy()
    # STANCE_ORDER is entails, contradicts, neutral = raw columns 2, 1, 0.
    np.testing.assert_allclose(probs, raw[:, [2, 1, 0]], atol=1e-5)
    assert probs.shape == (2, 3) and probs.dtype == np.float32
