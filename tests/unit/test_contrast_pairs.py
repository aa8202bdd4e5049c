"""Rank and negation contrast pairs from summary sentences."""

from __future__ import annotations

import pytest

from truthgraph.domain import Stance
from truthgraph.verification.training.contrast_pairs import contrast_pairs, denial_pairs, rank_pairs
from truthgraph.verification.training.subject_pairs import Page

DANUBE = "The Danube is a river in Europe, the second-longest after the Volga."
PAGES = [
    Page("Danube", ("The Danube flows through ten countries of Central Europe.", DANUBE)),
    Page("Greenland", ("Greenland is the largest island in the world.",
                       "Greenlanders are citizens of Denmark, although Greenland is not part of the EU.")),
    Page("Gold", ("Gold is one of the least reactive chemical elements in the periodic table.",)),
    Page("Mars", ("Mars is the fourth planet from the Sun in the Solar System.",
                  "Its surface is covered in iron oxide dust and rocks.")),
]


def test_a_rank_below_the_first_dropped_contradicts_and_the_runner_up_clause_goes() -> None:
    assert rank_pairs(DANUBE) == [
        (DANUBE, Stance.ENTAILS, "contrast-rank-kept"),
        ("The Danube is a river in Europe, the longest.", Stance.CONTRADICTS, "contrast-rank-first"),
    ]
    third = "It is the third most populous city in Brazil."
    assert rank_pairs(third)[1][0] == "It is the most populous city in Brazil."


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [("Greenland is the largest island in the world.", "Greenland is the second-largest island in the world."),
     ("Tokyo is the most populous city in Japan.", "Tokyo is the second most populous city in Japan.")],
)
def test_a_first_made_second_contradicts(sentence: str, claim: str) -> None:
    assert rank_pairs(sentence) == [(sentence, Stance.ENTAILS, "contrast-rank-kept"),
                                    (claim, Stance.CONTRADICTS, "contrast-rank-second")]


def test_one_of_the_largest_is_neutral_on_the_largest() -> None:
    assert rank_pairs("Gold is one of the least reactive chemical elements.") == [
        ("Gold is the least reactive chemical elements.", Stance.NEUTRAL, "contrast-rank-one-of")]


def test_sentences_without_a_rank_make_no_rank_pair() -> None:
    assert rank_pairs("Mars is the fourth planet from the Sun.") == []
    assert rank_pairs("The forest is west of the river.") == []


@pytest.mark.parametrize(
    ("sentence", "affirmed"),
    [("Greenland is not part of the EU.", "Greenland is part of the EU."),
     ("He did not survive the war.", "He did survive the war."),
     ("She never married.", "She married.")],
)
def test_a_denial_entails_itself_and_contradicts_its_affirmation(sentence: str, affirmed: str) -> None:
    assert denial_pairs(sentence) == [(sentence, Stance.ENTAILS, "contrast-denial-kept"),
                                      (affirmed, Stance.CONTRADICTS, "contrast-denial-removed")]


@pytest.mark.parametrize("sentence", ["It is not only a city but also a province.", "Paris is in France.",
                                      "It was not until 1900 that the bridge opened."])
def test_denials_that_cannot_be_removed_cleanly_are_skipped(sentence: str) -> None:
    assert denial_pairs(sentence) == []


def test_contrast_pairs_are_titled_windows_holding_the_sentence_and_seeded() -> None:
    pairs = contrast_pairs(PAGES, seed=3)
    by_claim = {pair.claim: pair for pair in pairs}

    assert by_claim["The Danube is a river in Europe, the longest."].stance is Stance.CONTRADICTS
    assert by_claim["The Danube is a river in Europe, the longest."].evidence.startswith("Danube: ")
    assert DANUBE in by_claim["The Danube is a river in Europe, the longest."].evidence
    affirmed = "Greenlanders are citizens of Denmark, although Greenland is part of the EU."
    assert by_claim[affirmed].stance is Stance.CONTRADICTS
    assert "although Greenland is not part of the EU" in by_claim[affirmed].evidence
    assert all(pair.evidence.split(": ", 1)[0] in {p.title for p in PAGES} for pair in pairs)
    assert contrast_pairs(PAGES, seed=3) == pairs


def test_negated_both_pairs_negate_the_window_and_the_claim_alike() -> None:
    pages = [Page(f"Page {i}", (f"Page {i} is a town in the north of the country.",)) for i in range(200)]
    both = [pair for pair in contrast_pairs(pages, seed=1) if pair.source == "contrast-negated-both"]

    assert 0 < len(both) < 40  # a small share of the sentences that deny nothing
    for pair in both:
        assert pair.stance is Stance.ENTAILS and " is not a town" in pair.claim
        assert pair.evidence.endswith(pair.claim)
