"""Page titles spread over every stance, so that a title is no cue for neutral.

At run time every sentence is read after its page title ("Paris: Paris is the capital …"). In the training mix, though,
titles come mostly with neutral pairs: the other-subject pairs and the corpus windows are titled, FEVER's gold evidence
is not. With the shipped recipe about 70 % of titled pairs are neutral against about 30 % of untitled ones, and the
model learnt the title itself as a cue: "Paris: Paris is the capital and largest city of France." is neutral to "Paris
is the capital of Spain" (0.96), and without the title contradicts it (0.79).

Two corrections, both keeping every label true:

- FEVER evidence without a title gets the name it opens with as its title ("Soul Food is a 1997 American film …" →
  "Soul Food: Soul Food is …"), as a page about that name would give it; what it entails or contradicts is unchanged.
- A quarter of the titled neutral pairs lose their title: a sentence about Kenya settles nothing about where Barack
  Obama was born, with its page title or without.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from ...domain import Stance
from ...text import STOPWORDS
from .data import StancePair
from .subject_pairs import capitalised_phrases

#: The longest opening name taken as a title, in words.
MAX_TITLE_WORDS = 6
#: The longest title a pair's evidence is read as having ("Title: sentence"), in characters.
MAX_TITLE_CHARS = 80
#: Opening words that start no name ("It", "In 1997", "After the war").
_NOT_NAMES = STOPWORDS | frozenset("after before during since although while we our".split())
#: The share of titled neutral pairs that lose their title.
DEFAULT_DROP_SHARE = 0.25


def opening_name(text: str) -> str | None:
    """The capitalised name a sentence opens with ("Soul Food" in "Soul Food is a 1997 film"), if any."""
    phrases = capitalised_phrases(text[:MAX_TITLE_CHARS])
    if not phrases or not text.startswith(phrases[0]):
        return None
    name = phrases[0].strip()
    words = name.split()
    first = words[0].lower()
    if len(words) > MAX_TITLE_WORDS or (first in _NOT_NAMES and not (first == "the" and len(words) > 1)):
        return None
    return name


def title_claims(claims: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims with each untitled evidence sentence titled by the name it opens with, where it opens with one."""
    titled = []
    for claim in claims:
        evidence = []
        for item in claim.get("evidence", []):
            title = item.get("title") or opening_name(item["text"])
            evidence.append({**item, "title": title})
        titled.append({**claim, "evidence": evidence})
    return titled


def split_title(evidence: str) -> tuple[str, str] | None:
    """``(title, text)`` of evidence read as "Title: text", or ``None`` when it has no title."""
    title, sep, text = evidence.partition(": ")
    if not sep or not title or len(title) > MAX_TITLE_CHARS or "." in title or not text:
        return None
    return title, text


def drop_titles(pairs: Sequence[StancePair], share: float = DEFAULT_DROP_SHARE, *, seed: int = 0) -> list[StancePair]:
    """The pairs with a seeded ``share`` of the titled neutral ones read without their title."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    rng = random.Random(seed)
    out = []
    for pair in pairs:
        parts = split_title(pair.evidence) if pair.stance is Stance.NEUTRAL else None
        out.append(replace(pair, evidence=parts[1]) if parts is not None and rng.random() < share else pair)
    return out


def titled_share(pairs: Iterable[StancePair]) -> dict[str, float]:
    """The share of neutral pairs among titled and among untitled ones (what the corrections even out)."""
    counts = {True: [0, 0], False: [0, 0]}
    for pair in pairs:
        entry = counts[split_title(pair.evidence) is not None]
        entry[0] += pair.stance is Stance.NEUTRAL
        entry[1] += 1
    return {
        "titled_pairs": float(counts[True][1]),
        "titled_neutral_share": counts[True][0] / counts[True][1] if counts[True][1] else 0.0,
        "untitled_neutral_share": counts[False][0] / counts[False][1] if counts[False][1] else 0.0,
    }
