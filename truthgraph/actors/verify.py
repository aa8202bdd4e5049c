"""The verify actor's work: verify one claim and return its verdict."""

from __future__ import annotations

from typing import Any, Callable

from .pipeline_loader import PipelineLoader

#: The name the verify actor is declared under.
VERIFY_ACTOR = "verify_claim"


def verify_claim_with(loader: PipelineLoader, report: Callable[[int, str], None]) -> Callable[..., dict[str, Any]]:
    """The ``verify_claim`` function of an actor whose worker loads its pipeline with ``loader``."""

    def verify_claim(claim_id: str, claim_text: str, options: dict[str, Any]) -> dict[str, Any]:
        """Verify one claim and return its verdict as JSON-ready data (its time is the task's ``completed_at``)."""
        verdict = loader.pipeline().verify(claim_text, options or {}, report)
        return {"claim_id": claim_id, **verdict.to_dict()}

    return verify_claim
