"""Contrast pairs from the Wikipedia summaries: one word of the claim decides between support and contradiction.

Two failures of the model trained on FEVER, SNLI and :mod:`.corpus_pairs`, seen on everyday claims with their
deciding passage given:

- a **rank** read as overlap: "The Danube is a river in Europe, the second-longest after the Volga" entails "The
  Danube is the longest river in Europe" (0.91), and "It is the second most commonly consumed type of meat" entails
  "Pork is the most widely eaten meat";
- a **negation** in the claim read as contradiction: "… although Greenland is not part of the EU" contradicts
  "Greenland is not part of the European Union" (0.74). Every negated pair the model met before made the negated side
  the false one (:mod:`.negation`, and the negated corpus claims).

From the summaries' sentences, each read in a titled window of up to three sentences as the pipeline reads a page,
:func:`contrast_pairs` makes:

- rank: a sentence with a rank below the first ("the second-longest … after the Volga") against it with the rank
  dropped ("the longest …", the "after …" cut): **contradicts**; a sentence with a first ("the largest") against it
  with "second" put in: **contradicts**; either against itself: **entails** (so that a rank in the claim is not
  read as contradiction either); "one of the largest" against "the largest": **neutral**;
- negation: a sentence that denies something ("is not", "never") against itself: **entails**, and against it with the
  denial removed: **contradicts**; a sentence negated in the window (``not`` after its first auxiliary, see
  :func:`.negation.negate`) against the same negated sentence: **entails**.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from ...domain import Stance
from ...text import words
from .corpus_pairs import MAX_CLAIM_WORDS, MIN_CLAIM_WORDS, titled_window
from .data import StancePair
from .negation import negate
from .subject_pairs import Page

#: Superlatives a rank is given with ("the largest", "the most populous").
SUPERLATIVES = (
    "largest biggest longest tallest highest oldest smallest deepest fastest greatest busiest richest youngest "
    "earliest heaviest lowest shortest widest coldest hottest driest wettest brightest"
).split()
_SUPERLATIVE = r"(?:" + "|".join(SUPERLATIVES) + r"|most [a-z]+|least [a-z]+)"
_BELOW_FIRST = re.compile(r"\b(second|third|fourth|fifth)[- ](" + _SUPERLATIVE + r")\b", re.IGNORECASE)
_RUNNER_UP_TO = re.compile(r"\s*,?\s*\b(?:after|behind|following|only to|surpassed (?:only )?by)\b[^,.;]*")
_ONE_OF = re.compile(r"\bone of the (" + _SUPERLATIVE + r")\b")
_FIRST = re.compile(r"\bthe (" + _SUPERLATIVE + r")\b")
_DENIAL = re.compile(r"\b(is|are|was|were|has|have|had|does|do|did|could|would|should) not\b|\bnever ")
#: Phrases after which a removed denial leaves nonsense ("not only … but also").
_NOT_DENIALS = re.compile(r"\bnot only\b|\bnot until\b|\bnever before\b|\bif not\b", re.IGNORECASE)
#: Share of the sentences that deny nothing which are also negated on both sides.
NEGATED_BOTH_SHARE = 0.05


def contrast_pairs(pages: Sequence[Page], *, seed: int = 0) -> list[StancePair]:
    """Rank and negation contrast pairs from every usable sentence of ``pages`` (see the module docstring)."""
    rng = random.Random(seed)
    pairs: list[StancePair] = []
    for page in pages:
        for at, sentence in enumerate(page.sentences):
            if not MIN_CLAIM_WORDS <= len(words(sentence)) <= MAX_CLAIM_WORDS:
                continue
            made = rank_pairs(sentence) + denial_pairs(sentence)
            if made:
                premise = titled_window(page, at, rng)
                pairs.extend(StancePair(premise, claim, stance, source) for claim, stance, source in made)
            elif rng.random() < NEGATED_BOTH_SHARE and (negated := negate(sentence)) is not None:
                window = page.sentences[:at] + (negated,) + page.sentences[at + 1 :]
                pairs.append(StancePair(titled_window(Page(page.title, window, page.kind), at, rng), negated,
                                        Stance.ENTAILS, "contrast-negated-both"))
    return pairs


def rank_pairs(sentence: str) -> list[tuple[str, Stance, str]]:
    """``(claim, stance, source)`` for the rank the sentence states, if it states one."""
    below = _BELOW_FIRST.search(sentence)
    if below:
        first = sentence[: below.start()] + below.group(2) + _RUNNER_UP_TO.sub("", sentence[below.end() :], count=1)
        return [(sentence, Stance.ENTAILS, "contrast-rank-kept"), (first, Stance.CONTRADICTS, "contrast-rank-first")]
    one_of = _ONE_OF.search(sentence)
    if one_of:
        return [(sentence[: one_of.start()] + "the " + one_of.group(1) + sentence[one_of.end() :], Stance.NEUTRAL,
                 "contrast-rank-one-of")]
    first = _FIRST.search(sentence)
    if first:
        joiner = " " if first.group(1).startswith(("most ", "least ")) else "-"
        second = sentence[: first.start(1)] + "second" + joiner + sentence[first.start(1) :]
        return [(sentence, Stance.ENTAILS, "contrast-rank-kept"), (second, Stance.CONTRADICTS, "contrast-rank-second")]
    return []


def denial_pairs(sentence: str) -> list[tuple[str, Stance, str]]:
    """``(claim, stance, source)``: a sentence that denies something supports itself, not its affirmation."""
    denial = _DENIAL.search(sentence)
    if denial is None or _NOT_DENIALS.search(sentence):
        return []
    if denial.group(1):
        affirmed = sentence[: denial.end(1)] + sentence[denial.end() :]
    else:
        affirmed = sentence[: denial.start()] + sentence[denial.end() :]
        affirmed = affirmed[0].upper() + affirmed[1:] if denial.start() == 0 else affirmed
    return [(sentence, Stance.ENTAILS, "contrast-denial-kept"),
            (affirmed, Stance.CONTRADICTS, "contrast-denial-removed")]
