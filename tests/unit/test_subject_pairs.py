"""The training pairs that teach what a claim is about: other-subject, other-relation, exclusion and corpus pairs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from truthgraph.domain import Stance
from truthgraph.verification.training.corpus_pairs import corpus_pairs, swap_number
from truthgraph.verification.training.subject_pairs import (
    Page,
    TitleIndex,
    capitalised_phrases,
    exclusion_pairs,
    load_pages,
    other_relation_pairs,
    other_subject_pairs,
    titled_claims,
)

PAGES = [
    Page("Kenya", ("Kenya is a country in East Africa.", "Its capital is Nairobi.",
                   "Barack Obama's father was born in Kenya."), "country"),
    Page("Barack Obama", ("Barack Obama is an American politician who served as the 44th president.",
                          "Obama was born in Honolulu, Hawaii.", "He studied law at Harvard."), "president"),
    Page("Uganda", ("Uganda is a landlocked country in East Africa.",), "country"),
    Page("Honolulu", ("Honolulu is the capital of Hawaii.",), "city"),
    Page("Mercury (planet)", ("Mercury is the smallest planet in the Solar System.",), "planet"),
]


@pytest.fixture
def index() -> TitleIndex:
    return TitleIndex(PAGES)


def _claim(text: str, label: str = "SUPPORTED", evidence: str = "x") -> dict:
    return {"id": text, "claim": text, "label": label, "evidence": [{"title": None, "text": evidence}]}


def test_capitalised_phrases_keep_joined_names() -> None:
    assert capitalised_phrases("The Lord of the Rings was written in England.") == ["The Lord of the Rings", "England"]


def test_mentions_find_whole_titles_without_parentheticals(index: TitleIndex) -> None:
    found = [m.page.title for m in index.mentions("Barack Obama visited Kenya and Mercury.")]
    assert found == ["Barack Obama", "Kenya", "Mercury (planet)"]


def test_other_subject_pairs_take_sentences_that_mention_neither_subject_nor_predicate(index: TitleIndex) -> None:
    pairs = other_subject_pairs([_claim("Barack Obama was born in Kenya.", "REFUTED")], index, per_claim=3)
    assert pairs and all(p.stance is Stance.NEUTRAL and p.evidence.startswith("Kenya: ") for p in pairs)
    texts = [p.evidence for p in pairs]
    assert "Kenya: Kenya is a country in East Africa." in texts
    assert not any("Obama" in t or "born" in t for t in texts)  # such a sentence may settle the claim


def test_other_relation_pairs_only_for_supported_claims_and_never_on_the_predicate(index: TitleIndex) -> None:
    claim = _claim("Barack Obama was born in Honolulu.", evidence="Obama was born in Honolulu, Hawaii.")
    pairs = other_relation_pairs([claim], index, per_claim=3)
    assert {p.evidence for p in pairs} <= {
        "Barack Obama: Barack Obama is an American politician who served as the 44th president.",
        "Barack Obama: He studied law at Harvard.",
    }
    assert pairs and all(p.stance is Stance.NEUTRAL for p in pairs)
    assert other_relation_pairs([{**claim, "label": "REFUTED"}], index) == []  # a true sentence may contradict it


def test_exclusion_pairs_swap_a_year_or_a_place_the_evidence_states(index: TitleIndex) -> None:
    year = _claim("Obama was born in 1961.", evidence="Barack Obama (born 1961) is a politician.")
    place = _claim("Obama's father was born in Kenya.", evidence="His father was born in Kenya.")
    pairs = exclusion_pairs([year, place], index, seed=3)
    assert len(pairs) == 2 and all(p.stance is Stance.CONTRADICTS for p in pairs)
    assert "1961" not in pairs[0].claim and pairs[0].claim.startswith("Obama was born in ")
    assert pairs[1].claim == "Obama's father was born in Uganda."  # the only other page of the kind "country"


def test_exclusion_pairs_skip_refuted_claims_and_facts_the_evidence_does_not_state(index: TitleIndex) -> None:
    refuted = _claim("Obama was born in 1961.", "REFUTED", evidence="Barack Obama (born 1961) is a politician.")
    unstated = _claim("Obama visited Kenya.", evidence="Obama travelled widely.")
    assert exclusion_pairs([refuted, unstated], index) == []


def test_titled_claims_title_evidence_that_opens_with_a_page_name(index: TitleIndex) -> None:
    claims = titled_claims([_claim("Kenya is in Africa.", evidence="Kenya is a country in East Africa."),
                            _claim("Nairobi is big.", evidence="Nairobi is a large city.")], index)
    assert claims[0]["evidence"][0]["title"] == "Kenya"
    assert claims[1]["evidence"][0]["title"] is None


@pytest.mark.parametrize(
    ("sentence", "pattern"),
    [
        ("Harry Potter is a series of seven novels.", "Harry Potter is a series of (six|eight) novels."),
        ("Obama served as the 44th president.", "Obama served as the (41st|42nd|43rd|45th|46th|47th) president."),
        ("A team has 11 players.", r"A team has (?!11 )\d+ players."),
    ],
)
def test_swap_number_changes_one_count(sentence: str, pattern: str) -> None:
    import re

    swapped = swap_number(sentence, random.Random(1))
    assert swapped is not None and re.fullmatch(pattern, swapped)


def test_swap_number_leaves_sentences_without_counts() -> None:
    assert swap_number("Paris is the capital of France.", random.Random(1)) is None


def test_corpus_pairs_hold_the_claim_sentence_in_their_entailing_window(index: TitleIndex) -> None:
    pairs = corpus_pairs(PAGES, index, seed=5)
    entailed = [p for p in pairs if p.stance is Stance.ENTAILS]
    assert entailed and all(p.claim in p.evidence for p in entailed)
    for p in pairs:
        if p.stance is Stance.NEUTRAL:
            assert p.claim not in p.evidence
        if p.source == "corpus-swapped":
            assert p.stance is Stance.CONTRADICTS and p.claim not in p.evidence
    assert corpus_pairs(PAGES, index, seed=5) == pairs  # seeded


def test_load_pages_reads_a_summaries_file(tmp_path: Path) -> None:
    path = tmp_path / "summaries.json"
    path.write_text(json.dumps({"kenya": {"title": "Kenya", "extract": "Kenya is a country. Its capital is Nairobi.",
                                          "description": "Country in East Africa"},
                                "empty": {"title": "Empty", "extract": ""}}), encoding="utf-8")
    assert load_pages(path) == [Page("Kenya", ("Kenya is a country.", "Its capital is Nairobi."), "country")]
