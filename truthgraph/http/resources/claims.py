"""POST /api/v1/claims/{claim_id}/verify: queue a claim for verification."""

from __future__ import annotations

import falcon

from ...db.keys import Scope
from ...errors import InvalidInput
from ..auth import SUBMIT, Access, owner_of
from ..ports import CorpusCatalog, Publisher
from ..validation import check_claim_id, parse_verify_request, read_json_object
from .common import accepted


class ClaimVerification:
    """Validates a claim and hands it to the broker; answers 202 and the task's URL."""

    access = {"POST": Access(Scope.VERIFY, SUBMIT)}

    def __init__(self, publisher: Publisher, *, max_body_bytes: int, catalog: CorpusCatalog | None = None) -> None:
        self.publisher = publisher
        self.max_body_bytes = max_body_bytes
        self.catalog = catalog

    def on_post(self, req: falcon.Request, resp: falcon.Response, claim_id: str) -> None:
        """Queue the claim in the body for verification."""
        check_claim_id(claim_id)
        claim_text, options = parse_verify_request(read_json_object(req, limit=self.max_body_bytes))
        missing = self.catalog.missing(options.get("corpus_ids", [])) if self.catalog is not None else []
        if missing:  # checked at the door: a worker would only fail it for good
            raise InvalidInput(f"corpus {missing[0]!r} does not exist", field="options.corpus_ids")
        status = self.publisher.submit_verification(
            claim_id=claim_id, claim_text=claim_text, options=options, owner=owner_of(req)
        )
        accepted(resp, status)
