"""The ingest actor's work: add documents to a corpus."""

from __future__ import annotations

from typing import Any, Callable

from ..domain import Passage
from ..errors import PermanentError
from .pipeline_loader import PipelineLoader

#: The name the ingest actor is declared under.
INGEST_ACTOR = "ingest_documents"


def ingest_documents_with(loader: PipelineLoader, report: Callable[[int, str], None]) -> Callable[..., dict[str, Any]]:
    """The ``ingest_documents`` function of an actor whose worker loads its ingester with ``loader``."""

    def ingest_documents(corpus: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """Add documents to a corpus (created when new) and return what was stored."""
        return loader.ingester().ingest(corpus, passages_of(documents), report)

    return ingest_documents


def passages_of(documents: list[dict[str, Any]]) -> list[Passage]:
    """The passages of an ingest message, whose documents the API checked when it accepted them."""
    try:
        return [Passage(id=doc["id"], title=doc["title"], text=doc["text"]) for doc in documents]
    except (KeyError, TypeError) as error:
        raise PermanentError(f"the ingest message is malformed: {error!r}") from None
