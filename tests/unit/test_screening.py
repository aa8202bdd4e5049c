"""Screening: a small stance model picks the retrieved sentences the stance model judges."""

from __future__ import annotations

import pytest

from tests.support.fakes import KeywordStanceModel
from truthgraph.domain import Evidence, Stance
from truthgraph.errors import InvalidInput
from truthgraph.settings import Settings
from truthgraph.verification.screening import DEFAULT_SCREEN_DIR, Screen, load_screen
from truthgraph.verification.stance.onnx_model import OnnxStanceModel


def item(text: str) -> Evidence:
    return Evidence(text, "c", "T", text, 1.0, Stance.NEUTRAL)


def test_keeps_the_least_neutral_in_their_order() -> None:
    items = [item(t) for t in ("plain one", "it denies", "plain two", "it confirms", "plain three")]
    kept = Screen(KeywordStanceModel(), keep=2).select("claim", items)
    assert [e.text for e in kept] == ["it denies", "it confirms"]


def test_ties_keep_the_earlier_items() -> None:
    items = [item(t) for t in ("a", "b", "c it confirms", "d")]
    kept = Screen(KeywordStanceModel(), keep=3).select("claim", items)
    assert [e.text for e in kept] == ["a", "b", "c it confirms"]


def test_no_more_than_keep_are_passed_on_unjudged() -> None:
    model = KeywordStanceModel()
    items = [item("a"), item("b")]
    assert Screen(model, keep=2).select("claim", items) == items
    assert model.calls == []


def test_the_screen_judges_evidence_then_claim_with_the_title() -> None:
    model = KeywordStanceModel()
    Screen(model, keep=1).select("the claim", [item("a"), item("b")])
    assert model.calls == [[("T: a", "the claim"), ("T: b", "the claim")]]


def test_keep_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Screen(KeywordStanceModel(), keep=0)


def test_none_turns_screening_off_and_default_loads_the_packaged_screen() -> None:
    assert load_screen("none", 6) is None and load_screen(" None ", 6) is None
    screen = load_screen("default", 4)
    assert isinstance(screen.model, OnnxStanceModel) and screen.keep == 4
    assert screen.name == f"{screen.model.name}:4"
    assert (DEFAULT_SCREEN_DIR / "model.onnx").stat().st_size <= 30_000_000


def test_the_packaged_screen_finds_the_deciding_sentence() -> None:
    claim = "The Eiffel Tower is in Rome."
    items = [
        Evidence("a", "w", "Rome", "Rome is the capital city of Italy.", 1.0, Stance.NEUTRAL),
        Evidence("b", "w", "Eiffel Tower", "The tower was named after the engineer Gustave Eiffel.", 1.0,
                 Stance.NEUTRAL),
        Evidence("c", "w", "Eiffel Tower", "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.", 1.0,
                 Stance.NEUTRAL),
        Evidence("d", "w", "Colosseum", "The Colosseum is an ancient amphitheatre in the centre of Rome.", 1.0,
                 Stance.NEUTRAL),
    ]
    assert [e.passage_id for e in load_screen("default", 1).select(claim, items)] == ["c"]


def test_settings_refuse_a_screen_keeping_nothing() -> None:
    with pytest.raises(InvalidInput, match="TRUTHGRAPH_SCREEN_KEEP"):
        Settings.from_env({"TRUTHGRAPH_SCREEN_KEEP": "0"})
    assert Settings.from_env({"TRUTHGRAPH_SCREEN_MODEL": "none"}).screen_model == "none"
