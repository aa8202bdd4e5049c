"""Text helpers shared by retrieval, serving and training: stop words, content words and sentence splitting.

Serving and training split passages into sentences with the same :func:`split_sentences`, so the stance model learns
on sentences cut the way it will meet them.
"""

from __future__ import annotations

import re

#: Common English words left out of BM25 queries and of word-overlap measures.
STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his how i if in into is it its "
    "of on or she so than that the their them then there these they this to was were what when where which who "
    "whom why will with you".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)

#: Words that end with a full stop without ending a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt ft vs etc e.g i.e cf al approx ca c ed eds ph.d "
    "inc ltd co corp bros dept univ gen col lt sgt capt cmdr adm gov pres sen rep rev hon est "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n u.s.a e.u d.c a.m p.m".split()
)
#: Abbreviations that do not end a sentence when a number follows ("No. 1", "pp. 4-9").
NUMBER_ABBREVIATIONS = frozenset("no nos vol vols fig figs p pp art op".split())

# A candidate boundary: terminal punctuation, optional closing quotes or brackets, whitespace, then something that
# can start a sentence (a capital letter, a digit, or an opening quote or bracket).
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])""")
_LAST_WORD = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped; abbreviations, initials and decimals do not end a sentence."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        head = text[start : match.start(1) + 1]
        if match.group(1)[0] == "." and not _ends_sentence(head, text[match.end() : match.end() + 1]):
            continue
        _append(sentences, text[start:end])
        start = match.end()
    _append(sentences, text[start:])
    return sentences


def _ends_sentence(head: str, following: str) -> bool:
    """Whether the full stop closing ``head`` ends a sentence (not an abbreviation or an initial)."""
    found = _LAST_WORD.search(head)
    if found is None:
        return True
    word = found.group(1).lstrip("\"'“‘([")
    bare = word[:-1]
    if not bare:
        return True
    if bare.lower() in ABBREVIATIONS or (following.isdigit() and bare.lower() in NUMBER_ABBREVIATIONS):
        return False
    if len(bare) == 1 and bare.isalpha():  # an initial such as "J." in "J. R. R. Tolkien"
        return False
    return not _INITIAL.match(bare)  # "U.S.", "Ph.D."


def _append(sentences: list[str], piece: str) -> None:
    piece = " ".join(piece.split())
    if piece:
        sentences.append(piece)


def words(text: str) -> list[str]:
    """The lower-case words of ``text``, in order."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """The lower-case words of ``text`` that are not :data:`STOPWORDS`."""
    return {w for w in words(text) if w not in STOPWORDS}
