"""Claims files, and the open-mode protocol that holds back the evidence of a third of the claims."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ...domain import Label, Passage
from ...errors import InvalidInput
from ..ingest import json_lines

#: A claim is chosen to lose its evidence in open mode when the SHA-256 of its id is 0 modulo this.
DROP_MODULUS = 3


@dataclass(frozen=True)
class GoldEvidence:
    """One piece of a claim's gold evidence."""

    title: str
    text: str


@dataclass(frozen=True)
class ClaimRecord:
    """One line of a claims file."""

    id: str
    claim: str
    label: Label
    evidence: tuple[GoldEvidence, ...] = ()
    source: str = ""


def load_claims(path: str | os.PathLike[str], *, limit: int | None = None) -> list[ClaimRecord]:
    """The claims of a JSONL claims file, in file order (the first ``limit`` when given)."""
    claims: list[ClaimRecord] = []
    seen: set[str] = set()
    for where, row in json_lines(path):
        if limit is not None and len(claims) >= limit:
            break
        claim = _claim_from(row, where)
        if claim.id in seen:
            raise InvalidInput(f"{where}: claim id {claim.id!r} appears twice", field="id")
        seen.add(claim.id)
        claims.append(claim)
    return claims


def drops_evidence(claim_id: str) -> bool:
    """Whether open mode removes this claim's gold evidence from the corpus (a fixed third of ids)."""
    return int(hashlib.sha256(claim_id.encode("utf-8")).hexdigest(), 16) % DROP_MODULUS == 0


def gold_passages(claim: ClaimRecord) -> list[Passage]:
    """A claim's gold evidence as passages, for oracle mode."""
    return [
        Passage(id=f"{claim.id}#gold{i}", title=e.title, text=e.text, corpus="gold")
        for i, e in enumerate(claim.evidence)
    ]


def corpus_from_claims(claims: Iterable[ClaimRecord]) -> list[Passage]:
    """One passage per distinct gold evidence text of the claims: each claim's evidence is the others' distractors."""
    passages: dict[str, Passage] = {}
    for claim in claims:
        for e in claim.evidence:
            key = _text_key(e.text)
            if key and key not in passages:
                digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
                passages[key] = Passage(id=f"ev-{digest}", title=e.title, text=e.text)
    return list(passages.values())


@dataclass(frozen=True)
class OpenSplit:
    """The open-mode protocol applied to a claims file and its corpus.

    Attributes:
      passages: the corpus without the held-back gold evidence.
      expected: the label each claim should get from that corpus.
      gold_ids: per claim, the ids of its gold passages still in the corpus (empty where recall is not measured).
      in_recall: per claim, whether it counts in recall@k (it has gold evidence in the corpus and was not held back).
      held_back: claims chosen by :func:`drops_evidence` whose gold evidence was removed.
      orphaned: other claims whose every gold passage was removed with a held-back claim's (expected NOT_ENOUGH_INFO).
      gold_not_in_corpus: SUPPORTED or REFUTED claims none of whose gold evidence text is in the corpus file
        (they keep their label and are left out of recall).
      removed_passages: how many passages were removed.
    """

    passages: list[Passage]
    expected: list[Label]
    gold_ids: list[frozenset[str]]
    in_recall: list[bool]
    held_back: int
    orphaned: int
    gold_not_in_corpus: int
    removed_passages: int

    def summary(self) -> dict[str, int]:
        """The protocol's counts, for reports."""
        return {
            "corpus_passages": len(self.passages),
            "removed_passages": self.removed_passages,
            "held_back_claims": self.held_back,
            "orphaned_claims": self.orphaned,
            "gold_not_in_corpus": self.gold_not_in_corpus,
            "recall_claims": sum(self.in_recall),
        }


def open_split(claims: Sequence[ClaimRecord], corpus: Sequence[Passage]) -> OpenSplit:
    """Hold back the gold evidence of the claims :func:`drops_evidence` chooses; they are expected NOT_ENOUGH_INFO.

    Gold evidence is matched to corpus passages by exact text (surrounding whitespace aside), or, when it is a part
    of a passage (a sentence), to the passages of the same title that hold it. A claim that was not
    chosen but whose every gold passage went with a chosen claim's is expected NOT_ENOUGH_INFO too, since the corpus
    no longer holds its evidence.
    """
    ids_by_text: dict[str, list[str]] = {}
    for passage in corpus:
        ids_by_text.setdefault(_text_key(passage.text), []).append(passage.id)
    by_title: dict[str, list[Passage]] = {}
    for passage in corpus:
        by_title.setdefault(passage.title.strip().casefold(), []).append(passage)

    def matches(e: GoldEvidence) -> tuple[str, ...]:
        exact = ids_by_text.get(_text_key(e.text))
        if exact:
            return tuple(exact)
        key = _text_key(e.text)  # a sentence of a passage: the passage of the same title that holds it
        return tuple(p.id for p in by_title.get(e.title.strip().casefold(), ()) if key and key in p.text)

    gold_all = [frozenset(pid for e in claim.evidence for pid in matches(e)) for claim in claims]
    chosen = [bool(claim.evidence) and drops_evidence(claim.id) for claim in claims]
    removed = frozenset().union(*(ids for ids, c in zip(gold_all, chosen) if c))
    expected: list[Label] = []
    gold_ids: list[frozenset[str]] = []
    in_recall: list[bool] = []
    orphaned = not_in_corpus = 0
    for claim, ids, held in zip(claims, gold_all, chosen):
        remaining = ids - removed
        verifiable = claim.label is not Label.NOT_ENOUGH_INFO and bool(claim.evidence)
        if held:
            label = Label.NOT_ENOUGH_INFO
        elif verifiable and not ids:
            label = claim.label
            not_in_corpus += 1
        elif verifiable and not remaining:
            label = Label.NOT_ENOUGH_INFO
            orphaned += 1
        else:
            label = claim.label
        counted = not held and verifiable and bool(remaining)
        expected.append(label)
        gold_ids.append(remaining if counted else frozenset())
        in_recall.append(counted)
    kept = [p for p in corpus if p.id not in removed]
    return OpenSplit(
        passages=kept,
        expected=expected,
        gold_ids=gold_ids,
        in_recall=in_recall,
        held_back=sum(chosen),
        orphaned=orphaned,
        gold_not_in_corpus=not_in_corpus,
        removed_passages=len(corpus) - len(kept),
    )


def _text_key(text: str) -> str:
    return text.strip()


def _claim_from(row: Any, where: str) -> ClaimRecord:
    if not isinstance(row, dict):
        raise InvalidInput(f"{where}: a claim must be an object")
    for name in ("id", "claim", "label"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            raise InvalidInput(f"{where}: field {name!r} must be a non-empty string", field=name)
    try:
        label = Label(row["label"])
    except ValueError:
        raise InvalidInput(f"{where}: unknown label {row['label']!r}", field="label") from None
    evidence = row.get("evidence") or []
    if not isinstance(evidence, list):
        raise InvalidInput(f"{where}: field 'evidence' must be a list", field="evidence")
    items = []
    for e in evidence:
        if not isinstance(e, dict) or not isinstance(e.get("text"), str):
            raise InvalidInput(f"{where}: each evidence item needs a string 'text'", field="evidence")
        title = e.get("title")
        if e["text"].strip():
            items.append(GoldEvidence(title="" if title is None else str(title), text=e["text"]))
    return ClaimRecord(
        id=row["id"], claim=row["claim"], label=label, evidence=tuple(items), source=row.get("source") or ""
    )
