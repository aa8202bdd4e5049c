"""Domain records: claims, evidence, verdicts and task status."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any


def utc_now() -> str:
    """The current UTC time as ISO 8601 text."""
    return utc_iso(datetime.now(timezone.utc))


def parse_utc_iso(text: str) -> datetime:
    """The aware moment of ISO 8601 text as :func:`utc_iso` writes it (``2024-05-01T12:00:00.000Z``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc_iso(moment: datetime) -> str:
    """An aware ``moment`` as ISO 8601 UTC text, to the millisecond (``2024-05-01T12:00:00.000Z``)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Label(str, enum.Enum):
    """The verdict a claim can get."""

    SUPPORTED = "SUPPORTED"
    REFUTED = "REFUTED"
    NOT_ENOUGH_INFO = "NOT_ENOUGH_INFO"


class Stance(str, enum.Enum):
    """What one piece of evidence says about a claim."""

    ENTAILS = "entails"
    CONTRADICTS = "contradicts"
    NEUTRAL = "neutral"


#: The order stance probabilities are given in everywhere in TruthGraph.
STANCE_ORDER: tuple[Stance, ...] = (Stance.ENTAILS, Stance.CONTRADICTS, Stance.NEUTRAL)


@dataclass(frozen=True)
class Passage:
    """A passage of an evidence corpus."""

    id: str
    title: str
    text: str
    corpus: str = ""


@dataclass
class Evidence:
    """A sentence of a retrieved passage, with its stance toward the claim."""

    passage_id: str
    source: str
    title: str
    text: str
    retrieval_score: float
    stance: Stance = Stance.NEUTRAL
    stance_probabilities: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stance"] = self.stance.value
        return data


@dataclass
class Verdict:
    """The outcome of verifying one claim (:meth:`to_dict` is what clients read; the rule scores stay inside)."""

    claim: str
    label: Label
    confidence: float
    evidence: list[Evidence]
    probabilities: dict[str, float] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    model: str = ""
    #: The numbers the verdict rule decided on (``support_score``, ``refute_score`` …), for evaluation and calibration.
    rule_scores: dict[str, float] = field(default_factory=dict)
    #: The ids of the passages retrieved for the claim, best first (empty when the evidence was given).
    retrieved: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_text": self.claim,
            "verdict": self.label.value,
            "confidence": self.confidence,
            "probabilities": self.probabilities,
            "evidence": [e.to_dict() for e in self.evidence],
            "timings_ms": self.timings_ms,
            "model": self.model,
        }


class TaskState(str, enum.Enum):
    """Where a background task stands."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        return self in (TaskState.COMPLETED, TaskState.FAILED)


@dataclass
class TaskStatus:
    """The status record of one task (its id is the Dramatiq message id)."""

    task_id: str
    task_type: str
    status: TaskState
    claim_id: str | None = None
    corpus: str | None = None
    #: the id of the API key that submitted it (None with authentication off)
    owner: str | None = None
    progress_percentage: int = 0
    stage: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    retry_count: int = 0
    result: Any = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data
