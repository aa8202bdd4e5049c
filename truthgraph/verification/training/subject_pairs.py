"""Training pairs that teach what a claim is about, built from FEVER claims and the default Wikipedia summaries.

A model trained on FEVER's gold evidence and same-topic distractors reads a sentence about one thing the claim
names as evidence about another ("Kenya is a country in East Africa" → "Barack Obama was born in Kenya": entails).
Three builders, each over the pages of the Wikipedia lead summaries (``title: sentence`` evidence, as served):

- :func:`other_subject_pairs` — for a thing the claim names that is not its subject, sentences of that thing's page
  that mention neither the subject nor the rest of the claim: **neutral**.
- :func:`other_relation_pairs` — for a *supported* claim whose subject has a page, that page's sentences sharing no
  word with the claim's predicate: **neutral** (a true sentence cannot contradict a true claim, and one that shares
  nothing with what the claim says of its subject does not state it).
- :func:`exclusion_pairs` — a supported claim with one gold sentence, its year or a named thing the evidence states
  swapped for another of the same kind (another year; another country for a country, another planet for a planet):
  the evidence now excludes the claim, **contradicts**.

:func:`titled_claims` gives FEVER's untitled gold evidence the page title it was taken from where the sentence opens
with a page's name, so titled evidence is seen with every stance, not only with the neutral pairs above.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...domain import Stance
from ...text import STOPWORDS, split_sentences
from ..base import format_evidence
from ..subject import about_subject, page_topic, subject_keys
from .data import StancePair

#: Words a capitalised name may hold in lower case ("Bank of America", "The Lord of the Rings").
NAME_JOINERS = frozenset("of the and de del da la le von van y".split())
#: Kinds of page :func:`exclusion_pairs` swaps: places, where "in X" relations mostly exclude every other X.
PLACE_KINDS = frozenset(
    "country city capital state island continent region province planet river ocean sea mountain town county desert "
    "lake village municipality".split()
)
#: Years a claim may name for :func:`exclusion_pairs`.
YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-2]\d)\b")
#: Most years a swapped year lies from the true one.
YEAR_SHIFT = 30
_TOKEN = re.compile(r"[\w'’.-]+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Page:
    """A Wikipedia lead summary: its title, its sentences, and the head noun of its description ("country")."""

    title: str
    sentences: tuple[str, ...]
    kind: str = ""


@dataclass(frozen=True)
class Mention:
    """A page named in a claim: the words as written and the page."""

    text: str
    page: Page


def load_pages(path: str | Path) -> list[Page]:
    """The pages of a summaries file (JSON: title → ``{title, extract, description}``), in title order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    pages = []
    for key in sorted(data):
        entry = data[key]
        sentences = tuple(split_sentences(entry.get("extract") or ""))
        if sentences:
            pages.append(Page(entry.get("title") or key, sentences, _kind(entry.get("description") or "")))
    return pages


def _kind(description: str) -> str:
    """The head noun of a page description ("Country in East Africa" → "country", "1968 film by …" → "film")."""
    head = re.split(r"\b(?:in|of|by|from|on|at|for|that|which|located|and)\b|[,;(]", description.lower())[0]
    words = [w for w in re.findall(r"[a-z]+", head) if w not in STOPWORDS]
    return words[-1] if words else ""


def _key(text: str) -> str:
    return " ".join(_TOKEN.findall(re.sub(r"\s*\([^)]*\)\s*$", "", text).lower()))


class TitleIndex:
    """Finds the pages a text names: its capitalised phrases that are page titles."""

    def __init__(self, pages: Iterable[Page]) -> None:
        self.pages = list(pages)
        self._by_key: dict[str, Page] = {}
        for page in sorted(self.pages, key=lambda p: len(p.title)):  # "Mercury" before "Mercury (planet)"
            self._by_key.setdefault(_key(page.title), page)
        self._by_kind: dict[str, list[Page]] = {}
        for page in self.pages:
            if page.kind:
                self._by_kind.setdefault(page.kind, []).append(page)

    def page(self, name: str) -> Page | None:
        """The page titled ``name`` (parenthetical and case aside), if any."""
        return self._by_key.get(_key(name))

    def same_kind(self, page: Page) -> list[Page]:
        """Other pages whose description has the same head noun."""
        return [p for p in self._by_kind.get(page.kind, ()) if p is not page]

    def mentions(self, text: str) -> list[Mention]:
        """The pages named in ``text``: each whole capitalised phrase (a leading "The" aside) that is a title."""
        found = []
        for phrase in capitalised_phrases(text):
            found.extend(self._phrase_mentions(phrase))
        return found

    def _phrase_mentions(self, phrase: str) -> list[Mention]:
        """The phrase as one title, else each of its parts around "and" ("Kenya and Uganda")."""
        for candidate in (phrase, re.sub(r"^(?:The|A|An) ", "", phrase)):
            page = self.page(candidate)
            if page is not None:
                return [Mention(candidate, page)]
        parts = phrase.split(" and ")
        if len(parts) == 1:
            return []
        return [m for part in parts for m in self._phrase_mentions(part.strip())]


def capitalised_phrases(text: str) -> list[str]:
    """Maximal runs of capitalised words (joined by :data:`NAME_JOINERS` inside), as written."""
    tokens = re.findall(r"[\w'’.-]+", text)
    phrases, run = [], []
    for token in [*tokens, ""]:
        if token[:1].isupper() or (token[:1].isdigit() and run) or (run and token.lower() in NAME_JOINERS):
            run.append(token)
            continue
        while run and run[-1].lower() in NAME_JOINERS:
            run.pop()
        if run:
            phrases.append(" ".join(run).rstrip("."))
        run = []
    return phrases


def _stems(text: str) -> set[str]:
    return {w for w in page_topic(text) if len(w) > 1}


def titled_claims(claims: Sequence[dict[str, Any]], index: TitleIndex) -> list[dict[str, Any]]:
    """The claims with each untitled evidence sentence given the title of the page whose name it opens with."""
    titled = []
    for claim in claims:
        evidence = []
        for item in claim.get("evidence", []):
            title = item.get("title")
            if not title:
                opening = capitalised_phrases(item["text"][:80])
                page = index.page(opening[0]) if opening and item["text"].startswith(opening[0]) else None
                title = page.title if page is not None else title
            evidence.append({**item, "title": title})
        titled.append({**claim, "evidence": evidence})
    return titled


def other_subject_pairs(
    claims: Sequence[dict[str, Any]], index: TitleIndex, *, per_claim: int = 1, seed: int = 0
) -> list[StancePair]:
    """Sentences of the pages of things a claim names besides its subject, as neutral (see the module docstring)."""
    rng = random.Random(seed)
    pairs = []
    for claim in claims:
        text = claim["claim"]
        keys = subject_keys(text)
        if not keys:
            continue
        claim_words = _stems(text)
        for mention in index.mentions(text):
            if keys & page_topic(mention.page.title):
                continue  # the subject's own page
            rest = claim_words - _stems(mention.text) - _stems(mention.page.title)
            usable = [s for s in mention.page.sentences if not (_stems(s) & rest) and not about_subject(keys, "", s)]
            for sentence in _first_and_random(usable, per_claim, rng):
                pairs.append(StancePair(format_evidence(mention.page.title, sentence), text, Stance.NEUTRAL,
                                        "other-subject"))
    return pairs


def other_relation_pairs(
    claims: Sequence[dict[str, Any]], index: TitleIndex, *, per_claim: int = 1, seed: int = 0
) -> list[StancePair]:
    """Sentences of a supported claim's subject page that share nothing with its predicate, as neutral."""
    rng = random.Random(seed)
    pairs = []
    for claim in claims:
        if claim.get("label") != "SUPPORTED":
            continue
        text = claim["claim"]
        keys = subject_keys(text)
        subject = next((m for m in index.mentions(text) if keys & page_topic(m.page.title)), None)
        if subject is None:
            continue
        predicate = _stems(text) - _stems(subject.text) - _stems(subject.page.title)
        if not predicate:
            continue
        gold = {s for e in claim.get("evidence", []) for s in split_sentences(e["text"])}
        usable = [s for s in subject.page.sentences if not (_stems(s) & predicate) and s not in gold]
        for sentence in _first_and_random(usable, per_claim, rng):
            pairs.append(StancePair(format_evidence(subject.page.title, sentence), text, Stance.NEUTRAL,
                                    "other-relation"))
    return pairs


def exclusion_pairs(claims: Sequence[dict[str, Any]], index: TitleIndex, *, seed: int = 0) -> list[StancePair]:
    """Supported claims with a year or a named thing swapped for another of its kind, against their evidence."""
    rng = random.Random(seed)
    pairs = []
    for claim in claims:
        evidence = claim.get("evidence", [])
        if claim.get("label") != "SUPPORTED" or len(evidence) != 1:
            continue
        text, item = claim["claim"], evidence[0]
        premise = format_evidence(item.get("title") or "", item["text"])
        swapped = _swap_year(text, item["text"], rng) or _swap_thing(text, item["text"], index, rng)
        if swapped is not None:
            pairs.append(StancePair(premise, swapped, Stance.CONTRADICTS, "exclusion"))
    return pairs


def _swap_year(claim: str, evidence: str, rng: random.Random) -> str | None:
    """The claim with a year the evidence also states moved by 1-:data:`YEAR_SHIFT` years, or None."""
    years = [m for m in YEAR.finditer(claim) if m.group(0) in evidence]
    if not years:
        return None
    match = rng.choice(years)
    year = int(match.group(0))
    for _ in range(10):
        other = year + rng.choice((-1, 1)) * rng.randint(1, YEAR_SHIFT)
        if str(other) not in evidence and other <= 2029:
            return claim[: match.start()] + str(other) + claim[match.end() :]
    return None


def _swap_thing(claim: str, evidence: str, index: TitleIndex, rng: random.Random) -> str | None:
    """The claim with a named non-subject thing the evidence states replaced by another page of its kind, or None."""
    keys = subject_keys(claim)
    phrases = set(capitalised_phrases(claim))
    for mention in index.mentions(claim):
        if keys & page_topic(mention.page.title) or mention.page.kind not in PLACE_KINDS:
            continue
        if mention.text not in phrases or mention.text not in evidence:
            continue
        options = [p for p in index.same_kind(mention.page) if _key(p.title) not in _key(evidence)]
        if options:
            replacement = re.sub(r"\s*\([^)]*\)\s*$", "", rng.choice(options).title)
            return claim.replace(mention.text, replacement, 1)
    return None


def _first_and_random(sentences: list[str], n: int, rng: random.Random) -> list[str]:
    """The first sentence (a page's definition, the likeliest to be mistaken for evidence) and n-1 others at random."""
    if not sentences or n < 1:
        return []
    return [sentences[0], *rng.sample(sentences[1:], min(n - 1, len(sentences) - 1))]
