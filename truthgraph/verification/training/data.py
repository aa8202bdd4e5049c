"""Stance training pairs from FEVER claims and NLI files, with a held-out calibration split."""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...domain import Stance
from ..base import format_evidence
from ..pipeline import MAX_JOINT_SENTENCES

#: FEVER claim labels and the stance their gold evidence takes.
CLAIM_STANCE = {"SUPPORTED": Stance.ENTAILS, "REFUTED": Stance.CONTRADICTS}
#: NLI labels and the matching stance.
NLI_STANCE = {"entailment": Stance.ENTAILS, "contradiction": Stance.CONTRADICTS, "neutral": Stance.NEUTRAL}
#: One claim in this many (by hash of its id) is held out for calibration.
CALIBRATION_MODULUS = 10


@dataclass(frozen=True)
class StancePair:
    """One training example: evidence text, claim text and the stance between them."""

    evidence: str
    claim: str
    stance: Stance
    source: str


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write ``rows`` as JSON Lines."""
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def is_calibration_claim(claim_id: str) -> bool:
    """Whether a claim belongs to the calibration split (never trained on)."""
    return int(hashlib.sha256(claim_id.encode("utf-8")).hexdigest(), 16) % CALIBRATION_MODULUS == 0


def split_claims(claims: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(training claims, calibration claims)`` by the hash of each claim id."""
    train, calibration = [], []
    for claim in claims:
        (calibration if is_calibration_claim(claim["id"]) else train).append(claim)
    return train, calibration


def evidence_texts(claim: dict[str, Any]) -> list[str]:
    """The gold evidence of a claim as stance-pair evidence strings."""
    return [format_evidence(e.get("title") or "", e["text"]) for e in claim.get("evidence", [])]


def claim_pairs(claims: Iterable[dict[str, Any]], source: str = "fever") -> list[StancePair]:
    """Gold-evidence pairs of SUPPORTED and REFUTED claims."""
    pairs = []
    for claim in claims:
        stance = CLAIM_STANCE.get(claim["label"])
        if stance is None:
            continue
        pairs.extend(StancePair(text, claim["claim"], stance, source) for text in evidence_texts(claim))
    return pairs


def document_pairs(
    claims: Iterable[dict[str, Any]], source: str, max_sentences: int = MAX_JOINT_SENTENCES
) -> list[StancePair]:
    """Gold-evidence pairs with each page's evidence read together, as verification reads given evidence.

    A claim's gold sentences often settle it only together (one names the subject, the next states the fact), so
    the sentences that share a title become one premise, in their order, when they are ``max_sentences`` or fewer;
    a longer set gives one pair per sentence.
    """
    pairs = []
    for claim in claims:
        stance = CLAIM_STANCE.get(claim["label"])
        if stance is None:
            continue
        pages: dict[str, list[str]] = {}
        for evidence in claim.get("evidence", []):
            pages.setdefault(evidence.get("title") or "", []).append(evidence["text"].strip())
        for title, texts in pages.items():
            premises = [" ".join(texts)] if len(texts) <= max_sentences else texts
            pairs.extend(StancePair(format_evidence(title, text), claim["claim"], stance, source) for text in premises)
    return pairs


def nli_pairs(path: str | os.PathLike[str], source: str = "cad-snli") -> list[StancePair]:
    """Premise/hypothesis pairs of an NLI file."""
    return [
        StancePair(row["premise"], row["hypothesis"], NLI_STANCE[row["label"]], source)
        for row in read_jsonl(path)
        if row.get("label") in NLI_STANCE
    ]


def subsample(pairs: list[StancePair], limit: int | None, seed: int) -> list[StancePair]:
    """At most ``limit`` pairs drawn at random (all of them when ``limit`` is None)."""
    if limit is None or limit >= len(pairs):
        return list(pairs)
    return random.Random(seed).sample(pairs, limit)
