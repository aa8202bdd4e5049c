"""Pairs made from the corpus the service searches: titled Wikipedia lead summaries, read as the pipeline reads them.

FEVER's evidence is one untitled sentence; at run time the model reads ``"Title: sentence"`` and, for given evidence,
up to three sentences of one page together. A model that met only the former reads much overlap as entailment
("Title: The Mona Lisa is a … painting by … Leonardo da Vinci." → "The Mona Lisa was painted by Michelangelo.":
entails). From each page's sentences that name the page's subject, :func:`corpus_pairs` makes:

- **entails**: a window of one to three sentences holding the sentence, titled, against the sentence as the claim;
- **contradicts**: the same window against the sentence with one fact swapped — a year moved, a count or an ordinal
  changed ("seven" → "eight", "44th" → "43rd"), or a place the sentence names replaced by another of its kind — and
  against the sentence negated (``not`` after its first auxiliary verb, see :mod:`.negation`);
- **neutral**: another sentence of the page that shares no content word with it beyond the subject, against the
  sentence (or its swapped form): a sentence about the subject that states something else.

The claims are the corpus's own sentences, not paraphrases; FEVER's claims in the same training run supply the
paraphrasing. No claim of any evaluation set is used.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from ...domain import Stance
from ...text import words
from ..base import format_evidence
from ..subject import page_topic
from .data import StancePair
from .negation import negate
from .subject_pairs import Page, TitleIndex, _stems, _swap_thing, _swap_year

#: Sentences longer than this many words make poor claims.
MAX_CLAIM_WORDS = 32
#: Sentences shorter than this many words say too little.
MIN_CLAIM_WORDS = 5
#: Share of entailed claims also negated into a contradiction.
NEGATED_SHARE = 0.3
NUMBER_WORDS = ("two three four five six seven eight nine ten eleven twelve").split()
ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth").split()
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS + ORDINAL_WORDS) + r")\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,3})(st|nd|rd|th)\b")
_COUNT = re.compile(r"(?<![\d.,])\b(\d{1,3})\b(?![\d.,]\d)(?!(?:st|nd|rd|th)\b)")


def corpus_pairs(pages: Sequence[Page], index: TitleIndex, *, seed: int = 0) -> list[StancePair]:
    """Entailed, contradicted and neutral pairs from one sentence of each page (see the module docstring)."""
    rng = random.Random(seed)
    pairs: list[StancePair] = []
    for page in pages:
        keys = page_topic(page.title)
        usable = [i for i, s in enumerate(page.sentences)
                  if keys & _stems(s) and MIN_CLAIM_WORDS <= len(words(s)) <= MAX_CLAIM_WORDS]
        if not usable:
            continue
        at = rng.choice(usable)
        claim = page.sentences[at]
        premise = titled_window(page, at, rng)
        pairs.append(StancePair(premise, claim, Stance.ENTAILS, "corpus"))
        swapped = _swap_year(claim, claim, rng) or swap_number(claim, rng) or _swap_thing(claim, claim, index, rng)
        if swapped is not None:
            pairs.append(StancePair(premise, swapped, Stance.CONTRADICTS, "corpus-swapped"))
        negated = negate(claim) if rng.random() < NEGATED_SHARE else None
        if negated is not None:
            pairs.append(StancePair(premise, negated, Stance.CONTRADICTS, "corpus-negated"))
        said = _stems(claim) - keys
        others = [s for i, s in enumerate(page.sentences) if i != at and not (_stems(s) - keys) & said]
        if others:
            other = format_evidence(page.title, rng.choice(others))
            pairs.append(StancePair(other, swapped if swapped and rng.random() < 0.5 else claim, Stance.NEUTRAL,
                                    "corpus-other-relation"))
    return pairs


def titled_window(page: Page, at: int, rng: random.Random) -> str:
    """A window of one to three sentences of ``page`` holding sentence ``at``, titled as the pipeline reads it."""
    first = rng.randint(max(0, at - 2), at)
    return format_evidence(page.title, " ".join(page.sentences[first : first + rng.randint(at - first + 1, 3)]))


def swap_number(sentence: str, rng: random.Random) -> str | None:
    """The sentence with a count, an ordinal or a number word changed, or None when it has none."""
    match = _NUMBER_WORD.search(sentence)
    if match:
        word = match.group(1)
        pool = NUMBER_WORDS if word.lower() in NUMBER_WORDS else ORDINAL_WORDS
        at = pool.index(word.lower())
        other = pool[min(max(at + rng.choice((-1, 1)), 0), len(pool) - 1)]
        other = other if other != word.lower() else pool[at + 1 if at + 1 < len(pool) else at - 1]
        other = other.capitalize() if word[0].isupper() else other
        return sentence[: match.start(1)] + other + sentence[match.end(1) :]
    match = _ORDINAL.search(sentence)
    if match:
        n = int(match.group(1))
        m = max(1, n + rng.choice((-1, 1)) * rng.randint(1, 3))
        m = m if m != n else n + 1
        return sentence[: match.start()] + _ordinal(m) + sentence[match.end() :]
    match = _COUNT.search(sentence)
    if match and int(match.group(1)) > 1:
        n = int(match.group(1))
        m = max(2, n + rng.choice((-1, 1)) * rng.randint(1, max(1, n // 2)))
        m = m if m != n else n + 1
        return sentence[: match.start(1)] + str(m) + sentence[match.end(1) :]
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
