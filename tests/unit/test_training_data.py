"""Training pairs for the stance model: gold pairs, the calibration split, distractors, context pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from truthgraph.domain import Stance
from truthgraph.verification.training.cross_encoder import TrainSettings
from truthgraph.verification.training.data import claim_pairs, document_pairs, is_calibration_claim, split_claims
from truthgraph.verification.training.model_card import write_model_card
from truthgraph.verification.training.negation import negate, negated_evidence, negation_pairs
from truthgraph.verification.training.negatives import context_pairs, distractors, neutral_pairs


def _claim(claim_id: str, claim: str, label: str, *evidence: str) -> dict[str, Any]:
    return {"id": claim_id, "claim": claim, "label": label, "evidence": [{"title": None, "text": t} for t in evidence]}


CLAIMS = [
    _claim("c1", "Soul Food was released by Fox 2000 Pictures.", "SUPPORTED",
           "Soul Food is a 1997 American film released by Fox 2000 Pictures."),
    _claim("c2", "Savages is a German film.", "REFUTED", "Savages is a 2012 American crime thriller film."),
    _claim("c3", "Mogadishu is the capital of Kenya.", "REFUTED",
           "Mogadishu is the capital and most populous city of Somalia."),
    _claim("c4", "Fox 2000 Pictures was a film studio.", "SUPPORTED",
           "Fox 2000 Pictures was an American film production company, a division of 20th Century Fox."),
    _claim("c5", "Savages, the 2012 film, was directed by Oliver Stone.", "SUPPORTED",
           "Savages was directed by Oliver Stone and written by Shane Salerno."),
]


def test_calibration_split_follows_the_claim_id_hash() -> None:
    claims = [_claim(f"fever-{i}", "x", "SUPPORTED", "y") for i in range(200)]
    train, calibration = split_claims(claims)
    assert {c["id"] for c in calibration} == {c["id"] for c in claims if is_calibration_claim(c["id"])}
    assert len(train) + len(calibration) == 200
    assert 5 <= len(calibration) <= 40  # about a tenth


def test_claim_pairs_map_labels_to_stances_and_skip_unlabelled_evidence() -> None:
    pairs = claim_pairs([*CLAIMS[:2], _claim("n", "Nothing to see.", "NOT_ENOUGH_INFO")])
    assert [(p.claim, p.stance) for p in pairs] == [
        (CLAIMS[0]["claim"], Stance.ENTAILS),
        (CLAIMS[1]["claim"], Stance.CONTRADICTS),
    ]


def test_document_pairs_read_each_pages_evidence_together_in_order() -> None:
    claim = {"id": "f1", "claim": "The Natural is about a boxer.", "label": "REFUTED", "evidence": [
        {"title": "The Natural", "text": "The Natural is a 1952 novel about baseball."},
        {"title": "Bernard Malamud", "text": "Malamud wrote novels."},
        {"title": "The Natural", "text": "It follows Roy Hobbs, a baseball prodigy."},
    ]}
    pairs = document_pairs([claim, _claim("n", "Nothing.", "NOT_ENOUGH_INFO")], source="fm2")
    assert [(p.evidence, p.stance, p.source) for p in pairs] == [
        ("The Natural: The Natural is a 1952 novel about baseball. It follows Roy Hobbs, a baseball prodigy.",
         Stance.CONTRADICTS, "fm2"),
        ("Bernard Malamud: Malamud wrote novels.", Stance.CONTRADICTS, "fm2"),
    ]


def test_document_pairs_judge_a_long_page_sentence_by_sentence() -> None:
    claim = _claim("f2", "Savages is a film.", "SUPPORTED", "One.", "Two.", "Three.")
    assert [p.evidence for p in document_pairs([claim], source="x", max_sentences=3)] == ["One. Two. Three."]
    assert [p.evidence for p in document_pairs([claim], source="x", max_sentences=2)] == ["One.", "Two.", "Three."]


def test_distractors_are_never_the_claims_own_evidence() -> None:
    found = distractors(CLAIMS, per_claim=3)
    assert len(found) == len(CLAIMS)
    for claim, sentences in zip(CLAIMS, found):
        own = {e["text"] for e in claim["evidence"]}
        assert not own & set(sentences)
        assert len(sentences) <= 3
    assert sum(map(len, found)) > len(CLAIMS)


def test_a_sentence_covering_the_claims_words_is_not_a_distractor() -> None:
    claims = [
        _claim("a", "Oliver Stone directed Savages.", "SUPPORTED", "Stone made many films."),
        _claim("b", "Savages premiered in 2012.", "SUPPORTED", "Oliver Stone directed Savages in 2012."),
    ]
    assert distractors(claims, per_claim=1)[0] == []  # b's evidence states a's claim


def test_neutral_pairs_take_up_to_per_claim_distractors() -> None:
    one = neutral_pairs(CLAIMS, per_claim=1)
    two = neutral_pairs(CLAIMS, per_claim=2)
    assert all(p.stance is Stance.NEUTRAL for p in one + two)
    assert len(one) <= len(CLAIMS) < len(two)


def test_context_pairs_keep_the_stance_and_hold_the_gold_sentence() -> None:
    pairs = context_pairs(CLAIMS, seed=7)
    assert pairs
    by_claim = {c["claim"]: c for c in CLAIMS}
    for pair in pairs:
        claim = by_claim[pair.claim]
        gold = claim["evidence"][0]["text"]
        assert gold in pair.evidence and pair.evidence != gold
        assert pair.stance is (Stance.ENTAILS if claim["label"] == "SUPPORTED" else Stance.CONTRADICTS)
        assert pair.source == "fever-context"


def test_context_pairs_are_reproducible_and_vary_the_order() -> None:
    assert context_pairs(CLAIMS, seed=7) == context_pairs(CLAIMS, seed=7)
    gold = CLAIMS[0]["evidence"][0]["text"]
    copies = [_claim(f"copy-{i}", CLAIMS[0]["claim"], "SUPPORTED", gold) for i in range(8)]
    pairs = [p for p in context_pairs([*copies, *CLAIMS[1:]], seed=3) if p.claim == CLAIMS[0]["claim"]]
    assert len(pairs) == 8
    assert {p.evidence.startswith(gold) for p in pairs} == {True, False}  # the gold sentence first or second


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("Savages is a German film.", "Savages is not a German film."),
        ("The film was released in May 2016.", "The film was not released in May 2016."),
        ("Ann has won two awards.", "Ann has not won two awards."),
        # "will" is a noun here; it is never taken for the auxiliary
        ("Ideas such as free will have shaped religions.", "Ideas such as free will have not shaped religions."),
    ],
)
def test_negate_puts_not_after_the_first_auxiliary(sentence: str, negated: str) -> None:
    assert negate(sentence) == negated


@pytest.mark.parametrize(
    "sentence",
    [
        "Fox released the film.",  # no auxiliary
        "Savages is not a German film.",  # already negated
        "No one has seen it.",
        "Rob McElhenney has yet to appear on television.",
        "The film, which was shot in 2010, is a drama.",  # the first auxiliary is in a relative clause
        "He won in May.",  # a month, not the modal
    ],
)
def test_negate_refuses_where_the_rule_is_unsafe(sentence: str) -> None:
    assert negate(sentence) is None


def test_negated_claims_flip_the_stance_and_negated_evidence_contradicts() -> None:
    claims = [
        _claim("s", "Savages is an American film.", "SUPPORTED", "Savages is a 2012 American crime thriller film."),
        _claim("r", "Savages is a German film.", "REFUTED", "Savages is a 2012 American crime thriller film."),
    ]
    got = {(p.evidence, p.claim, p.stance, p.source) for p in negation_pairs(claims)}
    american = "Savages is a 2012 American crime thriller film."
    assert got == {
        (american, "Savages is not an American film.", Stance.CONTRADICTS, "fever-negated-claim"),
        (american, "Savages is not a German film.", Stance.ENTAILS, "fever-negated-claim"),
        ("Savages is not a 2012 American crime thriller film.", "Savages is an American film.", Stance.CONTRADICTS,
         "fever-negated-evidence"),
    }


@pytest.mark.parametrize(
    ("evidence", "claim"),
    [
        # the claim's fact is in an aside before the verb, which the negation does not reach
        ("Duff McKagan (born February 5, 1964) is an American musician.", "Duff McKagan was born on February 5."),
        ("Tracy Marrow, better known as Ice-T, is an American rapper.", "Ice-T is the stage name of Tracy Marrow."),
        # two sentences: the auxiliary may belong to the one that does not decide the claim
        ("Filmfare is a magazine. The film got nine Filmfare nominations.", "Mohra got nine nominations."),
        # nothing of the claim in the negated part
        ("Savages is a 2012 film.", "Oliver Stone directed Savages."),
    ],
)
def test_evidence_is_not_negated_where_that_would_not_deny_the_claim(evidence: str, claim: str) -> None:
    assert negated_evidence(evidence, claim) is None


def test_model_card_names_the_pairs_and_options_a_run_used(tmp_path: Path) -> None:
    stats = {"n_fever": 10, "n_neutral": 9, "n_negated": 7, "n_snli": 5, "n_calibration": 2, "limit": 20,
             "negation": True, "continued_from": "an earlier train-stance checkpoint", "calibration_negated": 0.9}
    card = write_model_card(tmp_path, name="m", opset=17, settings=TrainSettings(seed=18), stats=stats).read_text()
    assert "| 7 | entails ↔ contradicts" in card
    assert "--seed 18" in card and "--limit 20 --negation-pairs --init-from PREVIOUS_OUT/checkpoint" in card
    assert "negated claims and evidence: accuracy of entails vs contradicts | 0.9 |" in card
    assert "context" not in card.split("## Training data")[1].split("## Settings")[0]  # no row for unused pairs


def test_model_card_names_extra_claims_files(tmp_path: Path) -> None:
    stats = {"n_fever": 10, "n_neutral": 9, "n_snli": 5, "n_calibration": 2, "limit": 20, "n_extra": 4,
             "extra_claims": ["fm2_dev.jsonl"]}
    card = write_model_card(tmp_path, name="m", opset=17, settings=TrainSettings(), stats=stats).read_text()
    assert "(fm2_dev.jsonl), each page's gold evidence read together | 4 | entails / contradicts" in card
    assert "--limit 20 --extra-claims fm2_dev.jsonl" in card


def test_model_card_names_contrast_pairs_and_their_share(tmp_path: Path) -> None:
    stats = {"n_fever": 10, "n_neutral": 9, "n_snli": 5, "n_calibration": 2, "limit": 20, "n_contrast": 8,
             "contrast_pairs": True, "corpus_share": 0.4, "negation": True}
    card = write_model_card(tmp_path, name="m", opset=17, settings=TrainSettings(), stats=stats).read_text()
    assert "(`--contrast-pairs`): a rank dropped or added" in card and "| 8 | contradicts; neutral;" in card
    assert "--limit 20 --negation-pairs --contrast-pairs --corpus-share 0.4" in card


def test_model_card_of_an_mpnet_run_names_its_base(tmp_path: Path) -> None:
    stats = {"n_fever": 10, "n_neutral": 9, "n_snli": 5, "n_calibration": 2, "limit": 20}
    card = write_model_card(tmp_path, name="mpnet-stance-v1", opset=17,
                            settings=TrainSettings(base="mpnet", weights="int8"), stats=stats).read_text()
    assert "`sentence-transformers/all-mpnet-base-v2` (12 layers" in card
    assert "--base mpnet --epochs 1" in card
    assert "MiniLM" not in card
    assert "quantized to int8 per output channel" in card and "float16" not in card


def test_train_stance_passes_the_model_name_it_is_given(monkeypatch, tmp_path: Path) -> None:
    """The exported model's name keys the verdict cache, so a retrained model can be given its own."""
    from truthgraph.cli import main
    from truthgraph.verification.training import stance_run

    calls: list[dict] = []
    monkeypatch.setattr(stance_run, "run_train_stance", lambda *args, **kwargs: calls.append(kwargs) or {})
    common = ["train-stance", "--fever-train", "f.jsonl", "--snli-train", "s.jsonl", "--out", str(tmp_path)]
    assert main([*common, "--name", "mpnet-stance-v9"], environ={}) == 0
    assert main(common, environ={}) == 0
    assert [call["name"] for call in calls] == ["mpnet-stance-v9", None]
    assert main([*common, "--title-balance"], environ={}) == 0
    assert [call["title_balance"] for call in calls] == [False, False, True]
    assert main([*common, "--subject-pairs", "--no-relation-pairs"], environ={}) == 0
    assert [call["relation_pairs"] for call in calls] == [True, True, True, False]
