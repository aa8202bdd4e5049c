"""Lexical search on both engines: PostgreSQL's full-text search finds what SQLite's FTS5 finds."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.databases import ENGINES, database_url_for, migrated_engine, release
from truthgraph.db.lexical import query_terms, rank_weights
from truthgraph.evidence_store import EvidenceStore

CORPUS = [
    {"id": "paris", "title": "Paris", "text": "Paris is the capital and largest city of France, on the Seine."},
    {"id": "berlin", "title": "Berlin", "text": "Berlin is the capital of Germany and its largest city."},
    {"id": "seine", "title": "Seine",
     "text": "The Seine is a river that flows through Paris into the English Channel."},
    {"id": "moon", "title": "Moon", "text": "The Moon is Earth's only natural satellite, orbiting it every 27 days."},
    {"id": "mars", "title": "Mars", "text": "Mars is the fourth planet from the Sun; two small moons orbit it."},
    {"id": "everest", "title": "Mount Everest", "text": "Mount Everest is Earth's highest mountain above sea level."},
    {"id": "nile", "title": "Nile",
     "text": "The Nile is a major river flowing north through Egypt to the Mediterranean."},
    {"id": "piano", "title": "Piano",
     "text": "The piano is a keyboard instrument whose strings are struck by hammers."},
    {"id": "violin", "title": "Violin", "text": "The violin is a string instrument played with a bow."},
    {"id": "einstein", "title": "Albert Einstein", "text": "Albert Einstein developed the theory of relativity."},
    {"id": "curie", "title": "Marie Curie", "text": "Marie Curie researched radioactivity and won two Nobel Prizes."},
    {"id": "python", "title": "Python", "text": "Python is a programming language that emphasises readable code."},
]

#: Plain questions and statements, each with the passage it is about.
QUERIES = {
    "What is the capital of Germany?": "berlin",
    "Which river flows through Egypt?": "nile",
    "the highest mountain on Earth": "everest",
    "Earth's natural satellites": "moon",
    "Which planet is fourth from the Sun?": "mars",
    "a keyboard instrument with hammers": "piano",
    "instruments played with a bow": "violin",
    "Who developed relativity theory?": "einstein",
    "Nobel prize for radioactivity research": "curie",
    "a readable programming language": "python",
    "Paris": "paris",
    "Seine river": "seine",
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, EvidenceStore]]:
    """The same corpus in a SQLite and in a PostgreSQL database."""
    made = {}
    for engine_name in ENGINES:
        url = database_url_for(engine_name, tmp_path_factory.mktemp(engine_name))
        store = EvidenceStore(migrated_engine(url))
        store.create_corpus("facts", passages=CORPUS)
        made[engine_name] = (url, store)
    yield {name: store for name, (_, store) in made.items()}
    for url, store in made.values():
        release(url, store.engine)


def ids(store: EvidenceStore, query: str, k: int) -> list[str]:
    return [p.id for p in store.get_passages([h.key for h in store.bm25_search(query, ["facts"], k)])]


@pytest.mark.parametrize("query, expected", QUERIES.items(), ids=list(QUERIES.values()))
def test_both_engines_rank_the_same_passage_first(stores, query, expected):
    assert {name: ids(store, query, 1) for name, store in stores.items()} == {name: [expected] for name in stores}


@pytest.mark.parametrize("query", QUERIES)
def test_both_engines_find_the_same_passages(stores, query):
    found = {name: sorted(ids(store, query, len(CORPUS))) for name, store in stores.items()}
    assert found["postgresql"] == found["sqlite"]


def test_a_title_match_outranks_the_same_match_in_the_text(stores):
    for store in stores.values():  # "Seine" is Seine's title and a word of Paris's text
        assert ids(store, "seine", 2) == ["seine", "paris"]


def test_query_terms_and_rank_weights():
    assert query_terms("The Moon, the moon and THE MOONS") == ["moon", "moons"]
    assert query_terms("to be or to be") == ["to", "be", "or"]  # nothing but common words: keep them
    assert rank_weights(2.0) == [0.1, 0.2, 0.5, 1.0]
    assert rank_weights(0.5) == [0.1, 0.2, 1.0, 0.5]
