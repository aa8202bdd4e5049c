"""Negated training pairs: a stance model must not read "X is not Y" as support for "X is Y".

Gold FEVER pairs rarely turn on a negation in the evidence, while debunking evidence ("no astronaut has walked on
Mars") usually repeats the claim's words with a negation; a model trained on FEVER alone reads such evidence as
support. Two kinds of pair are made from the gold pairs by inserting ``not`` after the first auxiliary verb:

- the **claim** negated: evidence that supports a claim contradicts its negation, and evidence that refutes a claim
  supports its negation;
- the **evidence** negated, for supported claims whose evidence is one sentence and whose words lie in the negated
  part of it: the negated evidence contradicts the claim.

A sentence is negated only when the rule is safe enough: it has an auxiliary verb, no negation yet, and no relative
or subordinate clause before the auxiliary (whose verb may not be the main one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...domain import Stance
from .data import CLAIM_STANCE, StancePair, evidence_texts
from .negatives import sentences, words

#: Verbs after which ``not`` negates the clause.
#: (not "can", "will", "may" or "must", which are nouns too: "free will", "a can of paint").
AUXILIARIES = frozenset("is are was were has have had could would should does do did".split())
_NEGATIONS = frozenset("not no never nor cannot none nobody nothing neither".split())
_RELATIVE = frozenset("which who whom whose that where when while although though because if".split())
_ASIDE_START = re.compile(r"[(,;]")
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+")
_FLIPPED = {Stance.ENTAILS: Stance.CONTRADICTS, Stance.CONTRADICTS: Stance.ENTAILS}


def negate(sentence: str) -> str | None:
    """The sentence with ``not`` after its first auxiliary verb, or None where that rule is not safe."""
    parts = split_at_auxiliary(sentence)
    return f"{parts[0]} not{parts[1]}" if parts else None


def split_at_auxiliary(sentence: str) -> tuple[str, str] | None:
    """``(up to and with the first auxiliary verb, the rest)``, or None where negating there is not safe."""
    tokens = list(_TOKEN.finditer(sentence))
    if " yet to " in sentence or any(t.group().lower() in _NEGATIONS or t.group().endswith("n't") for t in tokens):
        return None  # already denies something
    for match in tokens:
        word = match.group()
        if word.lower() in _RELATIVE:
            return None
        if word in AUXILIARIES:  # lower-case only: "May 2016" is a month
            return sentence[: match.end()], sentence[match.end() :]
    return None


def negated_evidence(text: str, claim: str) -> str | None:
    """Evidence negated so that it denies what it says about the claim, or None where it may not.

    Only one sentence is negated, and only when the claim's words it repeats lie in its subject or the negated part:
    in "Ann (born 1990), known as Annie, is an actor", negating "is" denies "actor" but neither the birth year nor
    the name, which an aside before the verb gives.
    """
    if len(sentences(text)) != 1:
        return None
    parts = split_at_auxiliary(text)
    if parts is None:
        return None
    head, tail = parts
    claim_words = words(claim)
    subject = words(_ASIDE_START.split(head, maxsplit=1)[0])
    aside = words(head) - subject
    if not claim_words & words(tail) or claim_words & aside:
        return None
    return f"{head} not{tail}"


def negation_pairs(claims: Iterable[dict[str, Any]]) -> list[StancePair]:
    """Negated-claim pairs for every labelled claim, negated-evidence pairs for supported claims."""
    pairs = []
    for claim in claims:
        stance = CLAIM_STANCE.get(claim["label"])
        if stance is None:
            continue
        negated_claim = negate(claim["claim"])
        for text in evidence_texts(claim):
            if negated_claim is not None:
                pairs.append(StancePair(text, negated_claim, _FLIPPED[stance], "fever-negated-claim"))
            negated_text = negated_evidence(text, claim["claim"]) if stance is Stance.ENTAILS else None
            if negated_text is not None:
                pairs.append(StancePair(negated_text, claim["claim"], Stance.CONTRADICTS, "fever-negated-evidence"))
    return pairs
