"""Lexical search over the passages, one way per dialect: FTS5's BM25 on SQLite, full-text search on PostgreSQL.

Both search for the same terms (:func:`query_terms`), any of them matching; user text only ever reaches the
database as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

from ..text import STOPWORDS, words

#: Most distinct query terms searched for; longer queries keep their first terms.
MAX_QUERY_TERMS = 64
#: PostgreSQL's text-search configuration: the one the ``search`` column is built with (migration 0002).
TEXT_SEARCH_CONFIG = "english"
#: PostgreSQL's ranking function, and its normalization: the rank divided by one plus the logarithm of the passage's
#: length, so that long passages do not win merely by repeating terms (BM25 normalizes by length too). ``ts_rank``
#: rather than ``ts_rank_cd``: for OR queries over the Wikipedia corpus (300 sentence queries, bench_retrieval) its
#: recall@5 was 0.997 against ts_rank_cd's 0.940 (0.990 at its best normalization, 4), in half the time.
RANK_FUNCTION, RANK_NORMALIZATION = "ts_rank", 1

_FTS5_SEARCH = text(
    "SELECT f.rowid AS key, bm25(passages_fts, :title_weight, 1.0) AS score FROM passages_fts AS f "
    "JOIN passages AS p INDEXED BY passages_key_corpus ON p.key = f.rowid "
    "WHERE passages_fts MATCH :match AND p.corpus IN :corpora ORDER BY score, key LIMIT :k"
).bindparams(bindparam("corpora", expanding=True))

# Only this module's constants are formatted in; the query and corpora are bound parameters (bandit B608 does not apply).
_POSTGRES_SEARCH = text(
    "SELECT p.key AS key, "  # nosec B608
    f"{RANK_FUNCTION}(CAST(:weights AS real[]), p.search, to_tsquery('{TEXT_SEARCH_CONFIG}', :match), "
    f"{RANK_NORMALIZATION}) AS score "
    f"FROM passages AS p WHERE p.search @@ to_tsquery('{TEXT_SEARCH_CONFIG}', :match) AND p.corpus IN :corpora "
    "ORDER BY score DESC, key LIMIT :k"
).bindparams(bindparam("corpora", expanding=True))


def query_terms(query: str) -> list[str]:
    """The distinct lower-case words of ``query``, in order; common words dropped when others remain."""
    terms = list(dict.fromkeys(words(query)))
    content = [t for t in terms if t not in STOPWORDS]
    return (content or terms)[:MAX_QUERY_TERMS]


def fts_query(query: str) -> str:
    """A safe FTS5 query for free text: each term quoted, joined by OR (empty when there is no term)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in query_terms(query))


def ts_query(query: str) -> str:
    """A safe ``to_tsquery`` expression for free text: each term a quoted lexeme, joined by ``|`` (OR)."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in query_terms(query))


def rank_weights(title_weight: float) -> list[float]:
    """The ranking function's weights of the labels D, C, B (text) and A (title): A is ``title_weight`` times B."""
    scale = max(title_weight, 1.0)
    return [0.1, 0.2, 1.0 / scale, title_weight / scale]


def lexical_search(
    connection: Connection, query: str, corpora: Sequence[str], k: int, *, title_weight: float
) -> list[tuple[int, float]]:
    """``(passage key, score)`` of the ``k`` best lexical matches in ``corpora``, best (highest score) first."""
    if not corpora or k <= 0:
        return []
    if connection.dialect.name == "postgresql":
        match = ts_query(query)
        if not match:
            return []
        rows = connection.execute(
            _POSTGRES_SEARCH,
            {"weights": rank_weights(title_weight), "match": match, "corpora": list(corpora), "k": k},
        )
        return [(int(key), float(score)) for key, score in rows]
    match = fts_query(query)
    if not match:
        return []
    rows = connection.execute(
        _FTS5_SEARCH, {"title_weight": title_weight, "match": match, "corpora": list(corpora), "k": k}
    )
    return [(int(key), -float(score)) for key, score in rows]
