"""Running a claims file through a pipeline, in oracle or open mode, and keeping what each claim got."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ...domain import Label, Passage, Verdict
from ..base import ProgressCallback, no_progress
from .dataset import ClaimRecord, OpenSplit, gold_passages

#: The two ways of using a claims file.
MODES = ("oracle", "open")
#: Recall is measured over this many retrieved passages.
RECALL_K = 5
#: Evidence sentences written per claim by :meth:`ClaimOutcome.to_dict` (``eval --outcomes``).
OUTCOME_EVIDENCE = 3


class Verifier(Protocol):
    """What the evaluation needs of a pipeline (see :class:`truthgraph.verification.pipeline.Pipeline`)."""

    def verify(
        self, claim_text: str, options: Mapping[str, Any] | None = None, progress: ProgressCallback = no_progress
    ) -> Verdict:
        """Retrieve evidence and verify the claim."""
        ...

    def judge(self, claim_text: str, passages: Sequence[Passage], progress: ProgressCallback = no_progress) -> Verdict:
        """Verify the claim against the given passages."""
        ...


@dataclass(frozen=True)
class ClaimOutcome:
    """What one claim got: the verdict, the label it should have had, and (open mode) what was retrieved."""

    claim: ClaimRecord
    expected: Label
    verdict: Verdict
    retrieved: tuple[str, ...] = ()
    gold_ids: frozenset[str] = frozenset()
    in_recall: bool = False

    @property
    def correct(self) -> bool:
        """Whether the verdict's label is the expected one."""
        return self.verdict.label is self.expected

    def to_dict(self, evidence: int = OUTCOME_EVIDENCE) -> dict[str, Any]:
        """The claim, what it should have got and what it got, with its ``evidence`` most decisive sentences."""
        return {
            "id": self.claim.id,
            "claim": self.claim.claim,
            "expected": self.expected.value,
            "verdict": self.verdict.label.value,
            "correct": self.correct,
            "confidence": round(self.verdict.confidence, 4),
            "evidence": [
                {"title": e.title, "text": e.text, "stance": e.stance.value,
                 "probabilities": {k: round(v, 4) for k, v in e.stance_probabilities.items()}}
                for e in self.verdict.evidence[:evidence]
            ],
            **({"retrieved": list(self.retrieved[:RECALL_K]), "gold": sorted(self.gold_ids)} if self.retrieved else {}),
        }


@dataclass(frozen=True)
class Run:
    """The outcomes of a run and how long the verification loop took, in seconds."""

    outcomes: list[ClaimOutcome]
    seconds: float


def run_oracle(
    pipeline: Verifier, claims: Sequence[ClaimRecord], *, wrap: Callable[[Iterable[Any]], Iterable[Any]] = iter
) -> Run:
    """Verify each claim against its own gold evidence (a claim without any is judged against nothing)."""
    outcomes = []
    started = time.perf_counter()
    for claim in wrap(claims):
        verdict = pipeline.judge(claim.claim, gold_passages(claim))
        outcomes.append(ClaimOutcome(claim=claim, expected=claim.label, verdict=verdict))
    return Run(outcomes, time.perf_counter() - started)


def run_open(
    pipeline: Verifier,
    claims: Sequence[ClaimRecord],
    split: OpenSplit,
    *,
    options: Mapping[str, Any],
    wrap: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> Run:
    """Retrieve and verify each claim over the split's corpus.

    What was retrieved is the verdict's own record of it; a pipeline that keeps none is read from its evidence.
    """
    outcomes = []
    started = time.perf_counter()
    for i in wrap(range(len(claims))):
        claim = claims[i]
        verdict = pipeline.verify(claim.claim, options)
        retrieved = verdict.retrieved or retrieved_from_evidence(verdict)
        outcomes.append(
            ClaimOutcome(
                claim=claim,
                expected=split.expected[i],
                verdict=verdict,
                retrieved=retrieved,
                gold_ids=split.gold_ids[i],
                in_recall=split.in_recall[i],
            )
        )
    return Run(outcomes, time.perf_counter() - started)


def retrieved_from_evidence(verdict: Verdict) -> tuple[str, ...]:
    """The distinct passage ids of a verdict's evidence, highest retrieval score first."""
    best: dict[str, float] = {}
    for e in verdict.evidence:
        best[e.passage_id] = max(best.get(e.passage_id, float("-inf")), e.retrieval_score)
    return tuple(sorted(best, key=lambda pid: -best[pid]))
