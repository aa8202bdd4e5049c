"""The shared input rules: one source for the API, the pipeline and the evidence store."""

from __future__ import annotations

import pytest

from truthgraph import limits
from truthgraph.domain import Passage
from truthgraph.errors import InvalidInput


@pytest.mark.parametrize("name", ["wikipedia", "my-corpus", "a", "v1.2_x", "A" * 64])
def test_corpus_names_that_are_accepted(name):
    assert limits.check_corpus_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", ".hidden", "..", "_x", "a b", "a/b", "a:b", "é", "A" * 65, None, 3])
def test_corpus_names_that_are_refused(name):
    with pytest.raises(InvalidInput) as info:
        limits.check_corpus_name(name, "options.corpus_ids[0]")
    assert info.value.field == "options.corpus_ids[0]"


def test_corpus_ids_drop_repeats_and_name_the_bad_item():
    assert limits.check_corpus_ids(["a", "b", "a"]) == ["a", "b"]
    assert limits.check_corpus_ids(["a"] * limits.MAX_CORPORA_PER_CLAIM) == ["a"]
    with pytest.raises(InvalidInput) as info:
        limits.check_corpus_ids(["a"] * (limits.MAX_CORPORA_PER_CLAIM + 1), "options.corpus_ids")
    assert info.value.field == "options.corpus_ids"
    with pytest.raises(InvalidInput) as info:
        limits.check_corpus_ids(["a", ".."], "options.corpus_ids")
    assert info.value.field == "options.corpus_ids[1]"


@pytest.mark.parametrize("value", [0, limits.MAX_TOP_K + 1, "5", 2.0, True, None])
def test_top_k_outside_its_range_is_refused(value):
    with pytest.raises(InvalidInput) as info:
        limits.check_top_k(value)
    assert info.value.field == "top_k"


def test_top_k_at_its_bounds_is_accepted():
    assert limits.check_top_k(limits.MIN_TOP_K) == limits.MIN_TOP_K
    assert limits.check_top_k(limits.MAX_TOP_K) == limits.MAX_TOP_K


def test_claim_text_is_stripped_and_bounded():
    assert limits.check_claim_text("  The sky is blue. ") == "The sky is blue."
    assert limits.check_claim_text("x" * limits.MAX_CLAIM_CHARS) == "x" * limits.MAX_CLAIM_CHARS
    for bad in ("", "   ", "x" * (limits.MAX_CLAIM_CHARS + 1), "a\x00b", "\ud800", 5):
        with pytest.raises(InvalidInput):
            limits.check_claim_text(bad)


@pytest.mark.parametrize(
    "doc, field",
    [
        ({"title": "T", "text": "t"}, "id"),
        ({"id": 1, "title": "T", "text": "t"}, "id"),
        ({"id": " ", "title": "T", "text": "t"}, "id"),
        ({"id": "x" * (limits.MAX_DOCUMENT_ID_CHARS + 1), "title": "T", "text": "t"}, "id"),
        ({"id": "a", "title": 3, "text": "t"}, "title"),
        ({"id": "a", "title": "x" * (limits.MAX_DOCUMENT_TITLE_CHARS + 1), "text": "t"}, "title"),
        ({"id": "a", "title": "T", "text": ""}, "text"),
        ({"id": "a", "title": "T", "text": ["t"]}, "text"),
        ({"id": "a", "title": "T", "text": "x" * (limits.MAX_DOCUMENT_TEXT_CHARS + 1)}, "text"),
        ({"id": "a", "title": "T", "text": "a\x00b"}, "text"),
    ],
)
def test_check_document_names_the_field(doc, field):
    with pytest.raises(InvalidInput) as info:
        limits.check_document(doc, "line 7")
    assert info.value.field == field and "line 7" in str(info.value)


def test_check_document_puts_the_prefix_before_the_field():
    with pytest.raises(InvalidInput) as info:
        limits.check_document({"id": "a", "title": "T", "text": " "}, "documents[2]", field_prefix="documents[2].")
    assert info.value.field == "documents[2].text"


@pytest.mark.parametrize("doc", [{"id": "a", "text": "t"}, {"id": "a", "title": None, "text": "t"}])
def test_a_null_or_absent_title_is_no_title(doc):
    assert limits.check_document(doc, "line 7").title == ""
    with pytest.raises(InvalidInput) as info:
        limits.check_document(doc, "documents[0]", field_prefix="documents[0].", title_required=True)
    assert info.value.field == "documents[0].title"


def test_a_passage_is_taken_as_it_is():
    passage = Passage(id="p", title="T", text="t")
    assert limits.check_document(passage, "line 1") is passage


def test_check_documents_refuses_a_repeated_id_naming_both_places():
    docs = [("line 1", {"id": "a", "title": "", "text": "t"}), ("line 4", {"id": "a", "title": "", "text": "u"})]
    with pytest.raises(InvalidInput) as info:
        limits.check_documents(docs)
    assert info.value.field == "id" and "line 4" in str(info.value) and "line 1" in str(info.value)
