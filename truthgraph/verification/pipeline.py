"""The verification pipeline: retrieve passages, judge the stance of their sentences, aggregate a verdict."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..domain import STANCE_ORDER, Evidence, Passage, Stance, Verdict
from ..errors import InvalidInput
from ..evidence_store import EvidenceStore
from ..limits import DEFAULT_MAX_SENTENCES, DEFAULT_TOP_K, check_claim_text, check_corpus_ids, check_top_k
from ..text import content_words, split_sentences
from .base import ProgressCallback, StanceModel, format_evidence, no_progress
from .cache_key import verdict_cache_key
from .retrieval import RetrievedPassage
from .subject import about_subject, subject_keys

if TYPE_CHECKING:
    from .aggregation import Decision

#: Sentence pairs per stance-model call (progress advances once per batch).
DEFAULT_STANCE_BATCH = 16
#: Most evidence sentences a verdict carries, most decisive first.
DEFAULT_MAX_EVIDENCE = 10
#: Retrieval score of passages given to :meth:`Pipeline.judge` without scores.
GIVEN_PASSAGE_SCORE = 1.0
#: Most sentences of one document that given evidence reads together, as one premise (what fits the stance model's
#: input); a document given with more is judged sentence by sentence.
MAX_JOINT_SENTENCES = 3
#: Joins the passage ids of evidence read together.
JOINT_ID_SEPARATOR = "+"

#: Where each stage ends, in percent.
RETRIEVAL_END, STANCE_END = 30, 85


class Retriever(Protocol):
    """Finds passages for a query (see :class:`~truthgraph.verification.retrieval.HybridRetriever`)."""

    def retrieve(self, query: str, corpora: Sequence[str], top_k: int) -> list[RetrievedPassage]:
        """The ``top_k`` best passages, best first."""
        ...


class SentenceScreen(Protocol):
    """Picks the retrieved sentences the stance model judges (see :class:`.screening.Screen`)."""

    #: What the screen is, for verdict cache keys.
    name: str

    def select(self, claim: str, evidence: Sequence[Evidence]) -> list[Evidence]:
        """The items worth judging, in their order."""
        ...


class VerdictRule(Protocol):
    """Decides a verdict from judged evidence (see :class:`truthgraph.verification.aggregation.Aggregator`)."""

    def decide(
        self,
        stance_probs: np.ndarray,
        retrieval_scores: Sequence[float] | None = None,
        on_subject: Sequence[bool] | None = None,
    ) -> Decision:
        """The verdict for one claim from its evidence's ``(n, 3)`` stance probabilities."""
        ...


class ConfidenceCalibration(Protocol):
    """Turns a decision's raw verdict probabilities into calibrated ones, never changing the label.

    See :class:`truthgraph.verification.calibration.Calibrator`.
    """

    def apply(self, decision: Decision) -> Decision:
        """The decision with calibrated probabilities."""
        ...


class Pipeline:
    """A :class:`~truthgraph.verification.base.VerificationPipeline` over an evidence store.

    Retrieved evidence is aggregated by ``aggregator`` and calibrated by ``calibrator``; evidence a caller gives
    (:meth:`judge`) by ``given_aggregator`` and ``given_calibrator`` where they are set (see
    :mod:`truthgraph.verification.calibration`), else by the same two. With a ``screen``, retrieved sentences pass
    through it before the stance model judges them (see :mod:`truthgraph.verification.screening`). With
    ``given_untitled_view`` (the default) given evidence is judged twice, with its page title and without, and the two
    judgements averaged (see :meth:`judge`); retrieved evidence is always judged with its title.
    """

    def __init__(
        self,
        store: EvidenceStore,
        retriever: Retriever,
        stance_model: StanceModel,
        *,
        aggregator: VerdictRule,
        calibrator: ConfidenceCalibration | None = None,
        given_aggregator: VerdictRule | None = None,
        given_calibrator: ConfidenceCalibration | None = None,
        default_corpus: str,
        top_k: int = DEFAULT_TOP_K,
        max_sentences: int = DEFAULT_MAX_SENTENCES,
        stance_batch: int = DEFAULT_STANCE_BATCH,
        max_evidence: int = DEFAULT_MAX_EVIDENCE,
        screen: SentenceScreen | None = None,
        given_untitled_view: bool = True,
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.stance_model = stance_model
        self.aggregator = aggregator
        self.calibrator = calibrator
        self.given_aggregator = given_aggregator or aggregator
        self.given_calibrator = given_calibrator or calibrator
        self.default_corpus = default_corpus
        self.top_k = top_k
        self.max_sentences = max_sentences
        self.stance_batch = stance_batch
        self.max_evidence = max_evidence
        self.screen = screen
        self.given_untitled_view = given_untitled_view

    def verify(
        self, claim_text: str, options: Mapping[str, Any] | None = None, progress: ProgressCallback = no_progress
    ) -> Verdict:
        """Retrieve evidence for the claim from the chosen corpora, judge it, and aggregate a verdict.

        Options: ``corpus_ids`` (list of corpus names; default the default corpus) and ``top_k`` (passages to
        retrieve, 1-20). Other keys are ignored.
        """
        claim = _check_claim(claim_text)
        corpora, top_k = self.parse_options(options or {})
        started = time.perf_counter()
        progress(0, "retrieval")
        retrieved = self.retriever.retrieve(claim, corpora, top_k)
        retrieval_ms = _ms_since(started)
        progress(RETRIEVAL_END, "retrieval")
        sentences = self._sentences(claim, [r.passage for r in retrieved], [r.score for r in retrieved])
        timings = {"retrieval": retrieval_ms}
        if self.screen is not None:
            screened = time.perf_counter()
            sentences = self.screen.select(claim, sentences)
            timings["screening"] = _ms_since(screened)
        verdict = self._judge(claim, sentences, True, _Span(progress, RETRIEVAL_END), self.aggregator, self.calibrator,
                              untitled_view=False)
        verdict.timings_ms = {**timings, **verdict.timings_ms, "total": _ms_since(started)}
        verdict.retrieved = tuple(r.passage.id for r in retrieved)
        return verdict

    def cache_key(self, claim_text: str, options: Mapping[str, Any] | None = None) -> str:
        """The verdict cache's key of verifying this claim with these options now (see :mod:`.cache_key`)."""
        corpora, top_k = self.parse_options(options or {})
        return verdict_cache_key(
            _check_claim(claim_text),
            generations=self.store.generations(corpora),
            model=self.stance_model.name,
            calibration=repr(self.calibrator),
            top_k=top_k,
            selection={"max_sentences": self.max_sentences, "screen": self.screen.name if self.screen else None},
        )

    def judge(
        self,
        claim_text: str,
        passages: Sequence[Passage],
        progress: ProgressCallback = no_progress,
        *,
        scores: Sequence[float] | None = None,
    ) -> Verdict:
        """Verify the claim against given passages (no retrieval); ``scores`` are their retrieval scores, if any.

        Given passages are evidence the caller chose, and the sentences of one document often settle a claim only
        together (one names the person, the next says what they did). So the given passages that share a title are
        read together, as one premise, when they hold :data:`MAX_JOINT_SENTENCES` sentences or fewer; otherwise
        each sentence is judged alone, as retrieved evidence is.

        The stance model learned to read a sentence with its page title, and the title makes it cautious: it reads
        "Paris: Paris is the capital and largest city of France." as neutral to "Paris is the capital of Spain" (0.96)
        and, without the title, as contradicting it (0.79). Among retrieved sentences that caution is right, since
        most are about something else; given evidence was chosen because it bears on the claim. So with
        ``given_untitled_view`` each piece of given evidence is judged with its title and without, and the stance
        probabilities of the two averaged (README, Accuracy, has the figures).
        """
        claim = _check_claim(claim_text)
        if scores is not None and len(scores) != len(passages):
            raise InvalidInput(f"{len(scores)} scores for {len(passages)} passages", field="scores")
        started = time.perf_counter()
        progress(0, "stance")
        verdict = self._judge(
            claim,
            self._documents(claim, list(passages), None if scores is None else list(scores)),
            scores is not None,
            _Span(progress, 0),
            self.given_aggregator,
            self.given_calibrator,
            untitled_view=self.given_untitled_view,
        )
        verdict.timings_ms["total"] = _ms_since(started)
        return verdict

    def parse_options(self, options: Mapping[str, Any]) -> tuple[list[str], int]:
        """The corpora and ``top_k`` the options ask for; InvalidInput or CorpusNotFound when they cannot be met."""
        if not isinstance(options, Mapping):
            raise InvalidInput("options must be an object", field="options")
        corpus_ids = options.get("corpus_ids")
        corpora = check_corpus_ids([self.default_corpus] if corpus_ids is None else corpus_ids)
        top_k = self.top_k if options.get("top_k") is None else check_top_k(options["top_k"])
        self.store.require(corpora)
        return corpora, top_k

    def _judge(
        self,
        claim: str,
        evidence: list[Evidence],
        scored: bool,
        progress: _Span,
        aggregator: VerdictRule,
        calibrator: ConfidenceCalibration | None,
        *,
        untitled_view: bool,
    ) -> Verdict:
        """Judge the evidence items and aggregate; progress runs from the span's start to 100.

        ``scored`` tells whether the items' retrieval scores are real ones the verdict rule may use; with
        ``untitled_view`` titled items are judged with and without their title and the two judgements averaged.
        """
        started = time.perf_counter()
        pairs = [(format_evidence(e.title, e.text), claim) for e in evidence]
        untitled = [i for i, e in enumerate(evidence) if untitled_view and e.title.strip()]
        pairs += [(evidence[i].text.strip(), claim) for i in untitled]
        judged = np.zeros((len(pairs), len(STANCE_ORDER)), dtype=np.float64)
        for start in range(0, len(pairs), self.stance_batch):
            batch = pairs[start : start + self.stance_batch]
            judged[start : start + len(batch)] = self.stance_model.predict(batch)
            progress.at(STANCE_END, (start + len(batch)) / len(pairs), "stance")
        probs = judged[: len(evidence)].copy()
        probs[untitled] = (probs[untitled] + judged[len(evidence) :]) / 2
        for row, item in zip(probs, evidence, strict=True):
            item.stance_probabilities = {s.value: float(p) for s, p in zip(STANCE_ORDER, row, strict=True)}
            item.stance = STANCE_ORDER[int(np.argmax(row))]
        stance_ms = _ms_since(started)
        progress.at(STANCE_END, 1.0, "aggregation")

        started = time.perf_counter()
        keys = subject_keys(claim)
        decision = aggregator.decide(
            probs,
            [e.retrieval_score for e in evidence] if scored else None,
            [about_subject(keys, e.title, e.text) for e in evidence],
        )
        if calibrator is not None:
            decision = calibrator.apply(decision)
        ranked = [evidence[i] for i in decision.ranking][: self.max_evidence]
        verdict = Verdict(
            claim=claim,
            label=decision.label,
            confidence=float(decision.confidence),
            evidence=ranked,
            probabilities=dict(decision.probabilities),
            timings_ms={"stance": stance_ms, "aggregation": _ms_since(started)},
            model=self.stance_model.name,
            rule_scores=dict(decision.features),
        )
        progress.at(100, 1.0, "aggregation")
        return verdict

    def _sentences(self, claim: str, passages: list[Passage], scores: list[float] | None) -> list[Evidence]:
        """One unjudged evidence item per sentence; beyond ``max_sentences`` those sharing most words with the claim."""
        items = [
            _unjudged(passage, passage.id, sentence, _score(scores, [i]))
            for i, passage in enumerate(passages)
            for sentence in _split(passage.text)
        ]
        return self._keep_most_relevant(claim, items)

    def _documents(self, claim: str, passages: list[Passage], scores: list[float] | None) -> list[Evidence]:
        """Given evidence as unjudged items: one per document (title) read together when short, else per sentence."""
        documents: dict[tuple[str, int], list[int]] = {}
        for i, passage in enumerate(passages):  # an untitled passage is a document of its own
            documents.setdefault((passage.title, -1) if passage.title else ("", i), []).append(i)
        items: list[Evidence] = []
        for members in documents.values():
            sentences = [(i, sentence) for i in members for sentence in _split(passages[i].text)]
            if len(sentences) > MAX_JOINT_SENTENCES:
                items.extend(_unjudged(passages[i], passages[i].id, text, _score(scores, [i])) for i, text in sentences)
                continue
            ids = JOINT_ID_SEPARATOR.join(dict.fromkeys(passages[i].id for i in members))
            text = " ".join(sentence for _, sentence in sentences)
            items.append(_unjudged(passages[members[0]], ids, text, _score(scores, members)))
        return self._keep_most_relevant(claim, items)

    def _keep_most_relevant(self, claim: str, items: list[Evidence]) -> list[Evidence]:
        """The items, or beyond ``max_sentences`` of them those sharing most words with the claim, in their order."""
        if len(items) <= self.max_sentences:
            return items
        words = content_words(claim)
        overlap = [len(words & content_words(f"{e.title} {e.text}")) for e in items]
        keep = sorted(sorted(range(len(items)), key=lambda i: -overlap[i])[: self.max_sentences])
        return [items[i] for i in keep]


class _Span:
    """Reports progress from ``start`` upward, never going back."""

    def __init__(self, callback: ProgressCallback, start: int) -> None:
        self.callback = callback
        self.start = start
        self.last = start

    def at(self, end: int, fraction: float, stage: str) -> None:
        """Report the point ``fraction`` of the way from the current stage start to ``end``."""
        value = max(self.last, int(self.start + (end - self.start) * min(max(fraction, 0.0), 1.0)))
        if fraction >= 1.0:
            self.start = end
        self.last = value
        self.callback(value, stage)


def _split(text: str) -> list[str]:
    return split_sentences(text) or [text.strip()]


def _score(scores: list[float] | None, rows: list[int]) -> float:
    """The best retrieval score of these rows (the given-passage score without scores)."""
    return GIVEN_PASSAGE_SCORE if scores is None else max(float(scores[i]) for i in rows)


def _unjudged(passage: Passage, passage_id: str, text: str, score: float) -> Evidence:
    return Evidence(passage_id, passage.corpus, passage.title, text, score, Stance.NEUTRAL)


def _check_claim(claim_text: Any) -> str:
    return check_claim_text(claim_text)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 3)
