"""What a claim is about: its subject, and whether an evidence page or sentence speaks of it.

A sentence on the same topic as a claim is not evidence about the claim's subject: "Kenya is a country in East
Africa" says nothing of where Barack Obama was born. The verdict rule (``docs/verdict-rule.md``) reads each retrieved
sentence with its page title and does not let a sentence whose page is about something else decide alone.

The subject is found without a parser: the words before the claim's first auxiliary verb ("Barack Obama" in "Barack
Obama was born in Kenya"), else its leading capitalised phrase ("Fox 2000 Pictures released …"), else its first word.
Its *key words* are the capitalised words of that phrase when it has any ("Australia" in "The capital of Australia is
Sydney"), else its content words. Words are compared lower-case with a final plural ``s`` dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..text import STOPWORDS

#: Verbs that end a claim's subject phrase.
AUXILIARIES = frozenset(
    "is are was were am be been being has have had do does did can could will would shall should may might must".split()
)
#: Words that open a claim but name no subject ("Nothing travels faster than light").
NO_SUBJECT = frozenset(
    "nothing nobody no none everything everyone everybody all some most many every each any there it this these those "
    "one someone something".split()
)
#: A subject phrase longer than this many words is not one (the claim has no auxiliary where expected).
MAX_SUBJECT_WORDS = 8
_TOKEN = re.compile(r"[\w'’-]+", re.UNICODE)
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")


def _stem(word: str) -> str:
    """Lower-case, possessive and final plural ``s`` dropped ("Penguins" and "penguin's" → "penguin")."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'-")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _stems(text: str) -> set[str]:
    return {_stem(t) for t in _TOKEN.findall(text)}


def subject_phrase(claim: str) -> list[str]:
    """The words of the claim's subject phrase (possibly empty)."""
    tokens = _TOKEN.findall(claim)
    for i, token in enumerate(tokens):
        if token.lower() in AUXILIARIES:
            if 0 < i <= MAX_SUBJECT_WORDS:
                return tokens[:i]
            break
    leading = []
    for i, token in enumerate(tokens):
        if i == 0 or token[0].isupper() or token[0].isdigit() or (token.lower() in ("of", "and", "the") and leading):
            leading.append(token)
        else:
            break
    while leading and leading[-1].lower() in ("of", "and", "the"):
        leading.pop()
    return leading[:MAX_SUBJECT_WORDS]


def subject_keys(claim: str) -> frozenset[str]:
    """The key words of the claim's subject, stemmed; empty when the claim names no subject."""
    phrase = subject_phrase(claim)
    if not phrase or phrase[0].lower() in NO_SUBJECT:
        return frozenset()
    words = [w for w in phrase if w.lower() not in STOPWORDS and w.lower() not in NO_SUBJECT]
    # The claim's first word is capitalised because it opens the sentence; it is a name only beside another capital.
    opener_is_name = len(phrase) > 1 and (phrase[1][:1].isupper() or phrase[1][:1].isdigit())
    proper = [w for w in words if w[:1].isupper() and (w is not phrase[0] or opener_is_name or len(words) == 1)]
    return frozenset(_stem(w) for w in proper or words if len(w) > 1)


def page_topic(title: str) -> set[str]:
    """The stemmed words of a page title, without its parenthetical ("Mercury (planet)" → {"mercury"})."""
    return {w for w in _stems(_PARENTHETICAL.sub("", title)) if w not in STOPWORDS}


def about_subject(keys: Iterable[str], title: str, sentence: str) -> bool:
    """Whether evidence speaks of the subject: its page title or the sentence itself names one of its key words.

    With no key words (the claim names no subject) every sentence is taken to speak of it.
    """
    keys = set(keys)
    if not keys:
        return True
    return bool(keys & page_topic(title)) or bool(keys & _stems(sentence))
