"""A stance model refuses to load where it computes other answers than where it was exported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from truthgraph.errors import ModelLoadError
from truthgraph.verification.stance.loader import DEFAULT_STANCE_DIR
from truthgraph.verification.stance.onnx_model import OnnxStanceModel
from truthgraph.verification.stance.self_check import (
    SELF_CHECK_PAIRS,
    TOLERANCE,
    run_self_check,
    self_check_reference,
)


class _FixedModel:
    """Returns the same probabilities for every pair."""

    name = "fixed"

    def __init__(self, row: list[float]) -> None:
        self.row = row

    def predict(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return np.array([self.row] * len(pairs), dtype=np.float32)


def _folder_with_config(tmp_path: Path, config: dict) -> Path:
    shutil.copy(DEFAULT_STANCE_DIR / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "model.onnx").symlink_to(DEFAULT_STANCE_DIR / "model.onnx")
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return tmp_path


def test_the_shipped_model_carries_a_self_check_and_passes_it() -> None:
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text(encoding="utf-8"))
    assert [(e["evidence"], e["claim"]) for e in config["self_check"]] == list(SELF_CHECK_PAIRS)

    model = OnnxStanceModel(DEFAULT_STANCE_DIR)  # runs the check

    again = self_check_reference(model)
    for entry, fresh in zip(config["self_check"], again):
        for label, p in entry["probabilities"].items():
            assert abs(fresh["probabilities"][label] - p) <= TOLERANCE


def test_a_model_whose_answers_moved_is_refused(tmp_path: Path) -> None:
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text(encoding="utf-8"))
    moved = config["self_check"][0]["probabilities"]
    moved["entails"], moved["neutral"] = moved["neutral"], moved["entails"]  # as a saturating CPU would answer

    with pytest.raises(ModelLoadError, match="different answers on this machine.*Paris is the capital of France"):
        OnnxStanceModel(_folder_with_config(tmp_path, config))


def test_the_check_allows_float_rounding_but_not_more() -> None:
    reference = [{"evidence": "e", "claim": "c", "probabilities": {"entails": 0.5, "contradicts": 0.3, "neutral": 0.2}}]
    run_self_check(_FixedModel([0.5 + TOLERANCE / 2, 0.3 - TOLERANCE / 2, 0.2]), reference, name="m")
    with pytest.raises(ModelLoadError, match="moved by 0.15"):
        run_self_check(_FixedModel([0.35, 0.45, 0.2]), reference, name="m")


@pytest.mark.parametrize("self_check", [[{"claim": "c"}], [{"evidence": "e", "claim": "c", "probabilities": {}}], 7])
def test_an_unreadable_self_check_is_a_load_error(self_check: object) -> None:
    with pytest.raises(ModelLoadError, match="unreadable self_check"):
        run_self_check(_FixedModel([1.0, 0.0, 0.0]), self_check, name="m")


def test_a_model_without_a_self_check_loads_as_before(tmp_path: Path) -> None:
    config = json.loads((DEFAULT_STANCE_DIR / "config.json").read_text(encoding="utf-8"))
    del config["self_check"]
    model = OnnxStanceModel(_folder_with_config(tmp_path, config))
    assert model.predict([SELF_CHECK_PAIRS[0]]).shape == (1, 3)
