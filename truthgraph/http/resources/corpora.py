"""POST /api/v1/corpora/{name}/documents: queue documents for ingestion into a corpus."""

from __future__ import annotations

import falcon

from ...db.keys import Scope
from ..auth import SUBMIT, Access, Forbidden, owner_of, sees_everything
from ..ports import Publisher
from ..validation import check_corpus_name, parse_ingest_request, read_json_object
from .common import accepted


class CorpusDocuments:
    """Validates an upload and hands it to the broker; answers 202 and the task's URL."""

    access = {"POST": Access(Scope.CORPUS_WRITE, SUBMIT)}

    def __init__(self, publisher: Publisher, *, max_body_bytes: int, protected: frozenset[str] = frozenset()) -> None:
        self.publisher = publisher
        self.max_body_bytes = max_body_bytes
        self.protected = protected

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """Queue the documents in the body for ingestion into corpus ``name``.

        The ``protected`` corpora (the default corpus) are read-only unless an ``admin`` key asks.
        """
        check_corpus_name(name)
        if name in self.protected and not sees_everything(req, Scope.ADMIN):
            raise Forbidden(f"corpus {name!r} is the default corpus: only an admin key may change it")
        documents = parse_ingest_request(read_json_object(req, limit=self.max_body_bytes))
        accepted(resp, self.publisher.submit_ingest(corpus=name, documents=documents, owner=owner_of(req)))
