"""The claim's subject, and whether evidence speaks of it (the verdict rule's subject step)."""

from __future__ import annotations

import pytest

from truthgraph.verification.subject import about_subject, page_topic, subject_keys, subject_phrase


@pytest.mark.parametrize(
    ("claim", "keys"),
    [
        ("Barack Obama was born in Kenya.", {"barack", "obama"}),
        ("The capital of Australia is Sydney.", {"australia"}),
        ("Penguins live in the Arctic.", {"penguin"}),
        ("Humans have walked on Mars.", {"human"}),
        ("The Eiffel Tower is in Rome.", {"eiffel", "tower"}),
        ("Fox 2000 Pictures released the film Soul Food.", {"fox", "picture"}),
        ("Light bulbs were invented by Thomas Edison.", {"light", "bulb"}),
    ],
)
def test_subject_keys_are_the_names_before_the_verb(claim: str, keys: set[str]) -> None:
    assert subject_keys(claim) == keys


@pytest.mark.parametrize("claim", ["Nothing travels faster than light in a vacuum.", "There is no cure for HIV.", ""])
def test_a_claim_that_names_no_subject_has_no_keys(claim: str) -> None:
    assert subject_keys(claim) == frozenset()


def test_the_subject_phrase_stops_at_the_first_auxiliary() -> None:
    assert subject_phrase("The Great Wall of China is in Japan.") == ["The", "Great", "Wall", "of", "China"]


def test_page_topic_drops_the_parenthetical() -> None:
    assert page_topic("Mercury (planet)") == {"mercury"}


def test_a_page_about_another_thing_the_claim_names_is_not_about_its_subject() -> None:
    keys = subject_keys("Barack Obama was born in Kenya.")
    assert not about_subject(keys, "Kenya", "Kenya is a country in East Africa.")
    assert about_subject(keys, "Barack Obama", "He was born in Honolulu, Hawaii.")
    assert about_subject(keys, "Kenya", "Obama's father was born in Kenya.")  # the sentence names the subject


def test_plural_and_possessive_forms_match() -> None:
    keys = subject_keys("Penguins live in the Arctic.")
    assert about_subject(keys, "Penguin", "They live almost exclusively in the Southern Hemisphere.")
    assert about_subject(keys, "Bird", "The penguin's wings are flippers.")


def test_without_a_subject_every_sentence_counts() -> None:
    assert about_subject(frozenset(), "Kenya", "Kenya is a country.")
