"""Title balance: page titles spread over every stance in the training mix."""

from __future__ import annotations

import pytest

from truthgraph.domain import Stance
from truthgraph.verification.training.data import StancePair
from truthgraph.verification.training.title_balance import (
    drop_titles,
    opening_name,
    split_title,
    title_claims,
    titled_share,
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Soul Food is a 1997 American comedy-drama film.", "Soul Food"),
        ("The Beatles were an English rock band.", "The Beatles"),
        ("Paris, the capital of France, is large.", "Paris"),
        ("It is the second-largest city.", None),
        ("In 1997 it won an award.", None),
        ("He was born in Hawaii.", None),
        ("A dog barked at the moon.", None),
        ("the lower-case start names nothing.", None),
    ],
)
def test_opening_name(text: str, name: str | None) -> None:
    assert opening_name(text) == name


def test_title_claims_titles_only_untitled_evidence_that_opens_with_a_name() -> None:
    claims = [{"id": "1", "claim": "c", "evidence": [
        {"title": None, "text": "Soul Food is a 1997 film."},
        {"title": "Given", "text": "Soul Food is a film."},
        {"title": None, "text": "It was released by Fox."},
    ]}]
    titled = title_claims(claims)
    assert [e["title"] for e in titled[0]["evidence"]] == ["Soul Food", "Given", None]
    assert claims[0]["evidence"][0]["title"] is None  # the input is left as it was


def test_split_title() -> None:
    assert split_title("Kenya: Kenya is a country.") == ("Kenya", "Kenya is a country.")
    assert split_title("Kenya is a country. Its capital: Nairobi.") is None
    assert split_title("No title here") is None


def _pairs(n: int) -> list[StancePair]:
    return ([StancePair(f"Kenya: Sentence {i}.", "claim", Stance.NEUTRAL, "subject") for i in range(n)]
            + [StancePair(f"Obama: Sentence {i}.", "claim", Stance.ENTAILS, "fever") for i in range(n)])


def test_drop_titles_drops_a_seeded_share_of_titled_neutral_pairs_only() -> None:
    pairs = _pairs(400)
    dropped = drop_titles(pairs, 0.25, seed=3)
    untitled = [p for p in dropped if split_title(p.evidence) is None]
    assert 70 <= len(untitled) <= 130 and all(p.stance is Stance.NEUTRAL for p in untitled)
    assert {p.evidence for p in untitled} <= {f"Sentence {i}." for i in range(400)}
    assert dropped == drop_titles(pairs, 0.25, seed=3)
    assert drop_titles(pairs, 0.0) == pairs
    with pytest.raises(ValueError):
        drop_titles(pairs, 1.5)


def test_titled_share_measures_the_neutral_share_by_title() -> None:
    pairs = _pairs(10) + [StancePair("Untitled sentence.", "claim", Stance.NEUTRAL, "snli")]
    assert titled_share(pairs) == {"titled_pairs": 20.0, "titled_neutral_share": 0.5, "untitled_neutral_share": 1.0}
