"""POST /api/v1/corpora/{name}/documents: queue documents for ingestion into a corpus."""

from __future__ import annotations

import falcon

from ..ports import Publisher
from ..validation import check_corpus_name, parse_ingest_request, read_json_object
from .common import accepted


class CorpusDocuments:
    """Validates an upload and hands it to the broker; answers 202 and the task's URL."""

    def __init__(self, publisher: Publisher, *, max_body_bytes: int) -> None:
        self.publisher = publisher
        self.max_body_bytes = max_body_bytes

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """Queue the documents in the body for ingestion into corpus ``name``."""
        check_corpus_name(name)
        documents = parse_ingest_request(read_json_object(req, limit=self.max_body_bytes))
        accepted(resp, self.publisher.submit_ingest(corpus=name, documents=documents))
