"""The input rules shared by the API, the pipeline and the evidence store: one source for each.

The API checks a request against these rules at the door (422 naming the field); the pipeline and the evidence store
apply the same functions to what reaches them by other ways (command line, files, library calls), so no worker ever
discovers a rule the API let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .domain import Passage
from .errors import InvalidInput

#: Claim ids and task ids.
ID_PATTERN = r"[A-Za-z0-9._:-]{1,128}"
#: Corpus names: a letter or digit, then letters, digits, ``_``, ``-`` or ``.``; 64 characters at most (so no name
#: can start with a dot or a dash, as ``..``, ``.hidden`` or ``-x`` would).
CORPUS_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
#: Longest accepted claim, in characters.
MAX_CLAIM_CHARS = 5000
#: Accepted range of ``top_k``, the passages retrieved per claim.
MIN_TOP_K, MAX_TOP_K = 1, 20
#: Passages retrieved per claim unless a request says otherwise.
DEFAULT_TOP_K = 5
#: Most sentences judged per claim unless the settings say otherwise; beyond it those sharing most words with the claim
#: are kept.
DEFAULT_MAX_SENTENCES = 48
#: Retrieved sentences the stance model judges per claim after screening, unless the settings say otherwise (see
#: :mod:`truthgraph.verification.screening`).
DEFAULT_SCREEN_KEEP = 4
#: Most corpora one claim may be checked against.
MAX_CORPORA_PER_CLAIM = 10
#: Most documents in one upload.
MAX_DOCUMENTS_PER_UPLOAD = 1000
#: Longest accepted document id, title and text, in characters.
MAX_DOCUMENT_ID_CHARS, MAX_DOCUMENT_TITLE_CHARS, MAX_DOCUMENT_TEXT_CHARS = 256, 1000, 20_000

_ID = re.compile(ID_PATTERN)
_CORPUS_NAME = re.compile(CORPUS_NAME_PATTERN)
_DOCUMENT_LIMITS = {"id": MAX_DOCUMENT_ID_CHARS, "title": MAX_DOCUMENT_TITLE_CHARS, "text": MAX_DOCUMENT_TEXT_CHARS}


def check_id(value: Any, field: str) -> str:
    """Return a claim or task id if it matches :data:`ID_PATTERN`."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInput(f"{field} must match {ID_PATTERN}", field=field)
    return value


def check_corpus_name(name: Any, field: str = "name") -> str:
    """Return a corpus name if it matches :data:`CORPUS_NAME_PATTERN`."""
    if not isinstance(name, str) or not _CORPUS_NAME.fullmatch(name):
        raise InvalidInput(
            f"{field} must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit", field=field
        )
    return name


def check_text(value: Any, field: str, *, max_chars: int, allow_blank: bool = False) -> str:
    """Return ``value`` if it is a string of at most ``max_chars`` characters, encodable and NUL-free."""
    problem = text_problem(value, max_chars=max_chars, allow_blank=allow_blank)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", field=field)
    return value


def text_problem(value: Any, *, max_chars: int, allow_blank: bool = False) -> str | None:
    """What keeps ``value`` from being acceptable text (``"must be a string"`` …), or None when nothing does."""
    if not isinstance(value, str):
        return "must be a string"
    if not allow_blank and not value.strip():
        return "must not be empty"
    if len(value) > max_chars:
        return f"must be at most {max_chars} characters long"
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogates"
    return None


def check_claim_text(value: Any, field: str = "claim_text") -> str:
    """The claim text, stripped, if it is non-blank text of at most :data:`MAX_CLAIM_CHARS` characters."""
    return check_text(value, field, max_chars=MAX_CLAIM_CHARS).strip()


def check_top_k(value: Any, field: str = "top_k") -> int:
    """Return ``top_k`` if it is an integer in ``[MIN_TOP_K, MAX_TOP_K]``."""
    if type(value) is not int or not MIN_TOP_K <= value <= MAX_TOP_K:
        raise InvalidInput(f"{field} must be an integer from {MIN_TOP_K} to {MAX_TOP_K}", field=field)
    return value


def check_corpus_ids(value: Any, field: str = "corpus_ids") -> list[str]:
    """The corpus names of a claim, each checked, repeats dropped: 1 to :data:`MAX_CORPORA_PER_CLAIM` of them."""
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_CORPORA_PER_CLAIM:
        raise InvalidInput(f"{field} must be a list of 1 to {MAX_CORPORA_PER_CLAIM} corpus names", field=field)
    return list(dict.fromkeys(check_corpus_name(name, f"{field}[{i}]") for i, name in enumerate(value)))


def check_document(doc: Any, where: str, *, field_prefix: str = "", title_required: bool = False) -> Passage:
    """A :class:`Passage` from a ``{"id", "title", "text"}`` mapping that keeps the document rules.

    ``where`` names the document in messages (``"documents[3]"``, ``"corpus.jsonl line 7"``); ``field_prefix`` is put
    before the field name in the error's ``field``. A title that is null or absent is no title (``""``) unless
    ``title_required``. Other keys are ignored. A :class:`Passage` is returned as it is: passages are made from
    checked documents (or by TruthGraph's own loaders), so a document is checked once, where it enters.
    """
    if isinstance(doc, Passage):
        return doc
    if not isinstance(doc, Mapping):
        raise InvalidInput(f"{where}: a document must be an object with id, title and text",
                           field=field_prefix.rstrip(".") or None)
    if not title_required and doc.get("title") is None:
        doc = {**doc, "title": ""}
    for name, limit in _DOCUMENT_LIMITS.items():
        if name not in doc:
            raise InvalidInput(f"{where}: field {name!r} is missing", field=field_prefix + name)
        problem = text_problem(doc[name], max_chars=limit, allow_blank=name == "title")
        if problem is not None:
            raise InvalidInput(f"{where}: field {name!r} {problem}", field=field_prefix + name)
    return Passage(id=doc["id"], title=doc["title"], text=doc["text"])


def check_documents(
    documents: Iterable[tuple[str, Any]], *, field_prefix: str = "", title_required: bool = False
) -> list[Passage]:
    """Checked passages from ``(where, document)`` pairs; an id given twice is an error naming both places.

    ``field_prefix`` may hold ``{where}``, replaced by each document's ``where``.
    """
    passages: list[Passage] = []
    first_seen: dict[str, str] = {}
    for where, doc in documents:
        prefix = field_prefix.format(where=where)
        passage = check_document(doc, where, field_prefix=prefix, title_required=title_required)
        if passage.id in first_seen:
            raise InvalidInput(f"{where}: id {passage.id!r} was already given at {first_seen[passage.id]}",
                               field=prefix + "id")
        first_seen[passage.id] = where
        passages.append(passage)
    return passages
