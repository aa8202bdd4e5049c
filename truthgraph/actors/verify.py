"""The verify actor's work: verify one claim, or return the verdict already reached for it, and return the verdict."""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

from ..db.verdicts import VerdictRecord
from ..errors import ServiceUnavailable
from .pipeline_loader import PipelineLoader

logger = logging.getLogger(__name__)

#: The name the verify actor is declared under.
VERIFY_ACTOR = "verify_claim"
#: The verification option that skips the verdict cache.
FRESH_OPTION = "fresh"


class VerdictCache(Protocol):
    """Verdicts by cache key; see ``truthgraph.db.verdicts.VerdictHistory``."""

    def cached(self, cache_key: str) -> VerdictRecord | None:
        """The newest verdict reached with this key."""
        ...


def verify_claim_with(
    loader: PipelineLoader, report: Callable[[int, str], None], cache: VerdictCache | None = None
) -> Callable[..., dict[str, Any]]:
    """The ``verify_claim`` function of an actor whose worker loads its pipeline with ``loader``.

    With a ``cache``, a claim verified before against the same corpus generations by the same model and calibration
    gets that verdict back (``cached_from`` names its task) without running the model, unless ``options.fresh``.
    """

    def verify_claim(claim_id: str, claim_text: str, options: dict[str, Any]) -> dict[str, Any]:
        """Verify one claim and return its verdict as JSON-ready data (its time is the task's ``completed_at``)."""
        options = options or {}
        pipeline = loader.pipeline()
        key = pipeline.cache_key(claim_text, options) if cache is not None else None
        if key is not None and not options.get(FRESH_OPTION):
            hit = _lookup(cache, key)
            if hit is not None:
                report(100, "cached")
                result = {k: v for k, v in hit.result.items() if k not in ("claim_id", "cached_from")}
                return {"claim_id": claim_id, **result, "cache_key": key, "cached_from": hit.task_id}
        verdict = pipeline.verify(claim_text, options, report)
        return {"claim_id": claim_id, **verdict.to_dict(), **({"cache_key": key} if key is not None else {})}

    return verify_claim


def _lookup(cache: VerdictCache | None, key: str) -> VerdictRecord | None:
    """A cached verdict; a database that does not answer is a miss (the model runs), not a failure."""
    try:
        return cache.cached(key) if cache is not None else None
    except ServiceUnavailable as error:
        logger.warning("The verdict cache does not answer (%s); verifying.", error)
        return None
