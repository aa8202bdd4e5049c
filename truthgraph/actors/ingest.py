"""The ingest actor's work: add documents to a corpus."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import PermanentError
from .pipeline_loader import PipelineLoader

#: The name the ingest actor is declared under.
INGEST_ACTOR = "ingest_documents"


def ingest_documents_with(loader: PipelineLoader, report: Callable[[int, str], None]) -> Callable[..., dict[str, Any]]:
    """The ``ingest_documents`` function of an actor whose worker loads its pipeline with ``loader``."""

    def ingest_documents(corpus: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """Add documents to a corpus (created when new) and return what was stored."""
        pipeline = loader.pipeline()
        ingest = getattr(pipeline, "ingest", None)
        if ingest is None:
            raise PermanentError("this worker's pipeline cannot ingest documents")
        return ingest(corpus, documents, report)

    return ingest_documents
