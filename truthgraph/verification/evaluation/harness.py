"""The evaluation harness: verify a claims file in oracle or open mode and report, or fit a calibration on one.

:mod:`truthgraph.commands.evaluation` is its command-line face (``truthgraph eval`` and ``truthgraph calibrate``).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...db.engine import create_database_engine
from ...db.migrate import upgrade
from ...domain import Passage
from ...errors import InvalidInput
from ...evidence_store import EvidenceStore
from ...limits import DEFAULT_MAX_SENTENCES, DEFAULT_SCREEN_KEEP
from ..base import Embedder, StanceModel
from ..calibration import Calibrator
from ..ingest import ingest_documents, read_jsonl
from ..pipeline import Pipeline, SentenceScreen
from ..retrieval import HybridRetriever
from .dataset import ClaimRecord, OpenSplit, corpus_from_claims, load_claims, open_split
from .runner import MODES, Run, run_open, run_oracle

#: The name of the temporary corpus an open-mode run retrieves from.
EVAL_CORPUS = "eval"


@dataclass(frozen=True)
class Models:
    """What an evaluation runs with: the stance model, the embedder and screen (open mode) and the calibration."""

    stance_model: StanceModel
    embedder: Embedder | None = None
    calibrator: Calibrator = field(default_factory=Calibrator)
    load_seconds: float = 0.0
    screen: SentenceScreen | None = None


def load_models(
    stance_spec: str, *, embedder: bool, screen_spec: str = "none", screen_keep: int = DEFAULT_SCREEN_KEEP
) -> Models:
    """The stance model the spec names (``"default"`` or a folder) with its calibration; with ``embedder`` (open mode)
    the embedder and the screen ``screen_spec`` names (see :func:`..screening.load_screen`)."""
    from ..embedding import load_default_embedder
    from ..screening import load_screen
    from ..stance import load_stance_model, stance_model_folder

    spec = stance_spec.strip()
    started = time.perf_counter()
    stance_model = load_stance_model(spec)
    calibrator = Calibrator.for_model(stance_model_folder(spec))
    return Models(
        stance_model=stance_model,
        embedder=load_default_embedder() if embedder else None,
        calibrator=calibrator,
        load_seconds=time.perf_counter() - started,
        screen=load_screen(screen_spec, screen_keep) if embedder else None,
    )


def evaluate(
    claims_path: str,
    models: Models,
    *,
    mode: str = "oracle",
    corpus_path: str | None = None,
    limit: int | None = None,
    default_corpus: bool = False,
    outcomes_path: str | Path | None = None,
    max_sentences: int = DEFAULT_MAX_SENTENCES,
) -> dict[str, Any]:
    """Evaluate a claims file in oracle or open mode and return the report (see :mod:`.report`).

    With ``default_corpus`` open mode retrieves from the default Wikipedia corpus (its shipped vectors) instead of a
    corpus file. With ``outcomes_path`` each claim's outcome is written there too, a JSON line each
    (:meth:`.runner.ClaimOutcome.to_dict`). ``max_sentences`` is the most sentences judged per claim.
    """
    from .report import build_report

    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    started = time.perf_counter()
    claims = _load(claims_path, limit)
    timings = {"load": time.perf_counter() - started, "model_load": models.load_seconds}
    applied = models.calibrator.for_given_evidence if mode == "oracle" else models.calibrator
    parameters = {k: v for k, v in applied.to_dict().items() if k not in ("info", "given_evidence")}
    parameters["evidence"] = "given" if mode == "oracle" else "retrieved"
    parameters["max_sentences"] = max_sentences
    if mode == "open":
        parameters["screen"] = models.screen.name if models.screen is not None else None
    extra: dict[str, Any] = {"calibration": parameters}
    with _temporary_store() as store:
        pipeline = _pipeline(store, models, models.calibrator, max_sentences)
        if mode == "open":
            started = time.perf_counter()
            split = _index(store, models, claims, corpus_path, default_corpus=default_corpus)
            timings["index"] = time.perf_counter() - started
            run = _run_open(pipeline, claims, split)
            extra["corpus"] = _corpus_name(corpus_path, default_corpus)
            extra["protocol"] = split.summary()
        else:
            run = run_oracle(pipeline, claims, wrap=_progress_bar)
    if outcomes_path is not None:
        lines = (json.dumps(o.to_dict(), ensure_ascii=False) + "\n" for o in run.outcomes)
        Path(outcomes_path).write_text("".join(lines), encoding="utf-8")
    return build_report(run, mode=mode, file=Path(claims_path).name, timings_s=timings, extra=extra)


def calibrate(
    claims_path: str,
    models: Models,
    *,
    mode: str = "open",
    corpus_path: str | None = None,
    distractors_path: str | None = None,
    limit: int | None = None,
    default_corpus: bool = False,
) -> Calibrator:
    """Fit thresholds and temperature on a calibration claims file, verified in ``mode``.

    Open mode fits the calibration of retrieved evidence, oracle mode that of given evidence (the claims' own). In
    open mode without a corpus file the corpus is the claims' gold evidence plus that of the ``distractors_path``
    claims file, if given; with ``default_corpus`` it is the default Wikipedia corpus.
    """
    from .fitting import fit_on_outcomes

    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    if distractors_path and (corpus_path or default_corpus or mode != "open"):
        raise InvalidInput("distractors are for open mode without a corpus file", field="distractors")
    claims = _load(claims_path, limit)
    distractors = load_claims(distractors_path) if distractors_path else []
    info: dict[str, Any] = {
        "fitted_on": Path(claims_path).name,
        "protocol": mode,
        "model": str(getattr(models.stance_model, "name", "")),
    }
    with _temporary_store() as store:
        pipeline = _pipeline(store, models, Calibrator())
        if mode == "open":
            split = _index(store, models, claims, corpus_path, distractors, default_corpus=default_corpus)
            run = _run_open(pipeline, claims, split)
            info["corpus"] = _corpus_name(corpus_path, default_corpus)
            if distractors_path:
                info["corpus"] += f" and of {Path(distractors_path).name}"
            info["open_protocol"] = split.summary()
        else:
            run = run_oracle(pipeline, claims, wrap=_progress_bar)
            info["corpus"] = "each claim's own gold evidence"
    return fit_on_outcomes(run.outcomes, info=info)


def update_calibration(path: str | Path, fitted: Calibrator, *, mode: str) -> Calibrator:
    """Write ``fitted`` into the calibration file at ``path`` and return what was written.

    Each mode rewrites only its own part of an existing file: oracle mode the given-evidence calibration, open mode
    the retrieved-evidence one (keeping the given-evidence part).
    """
    existing = Calibrator.load(path) if Path(path).is_file() else Calibrator()
    if mode == "oracle":
        calibrator = existing.with_given_evidence(fitted)
    else:
        calibrator = fitted.with_given_evidence(existing.given_evidence)
    calibrator.save(path)
    return calibrator


def _load(path: str, limit: int | None) -> list[ClaimRecord]:
    if limit is not None and limit < 1:
        raise InvalidInput("--limit must be at least 1", field="limit")
    claims = load_claims(path, limit=limit)
    if not claims:
        raise InvalidInput(f"{path} holds no claims", field="claims")
    return claims


@contextmanager
def _temporary_store() -> Iterator[EvidenceStore]:
    """An evidence store on a fresh SQLite database in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="truthgraph-eval-") as folder:
        engine = create_database_engine(f"sqlite:///{Path(folder) / 'evaluation.sqlite3'}")
        upgrade(engine)
        store = EvidenceStore(engine)
        try:
            yield store
        finally:
            store.close()


def _pipeline(
    store: EvidenceStore, models: Models, calibrator: Calibrator, max_sentences: int = DEFAULT_MAX_SENTENCES
) -> Pipeline:
    """A pipeline over the store whose verdicts keep every judged sentence (the word-overlap baseline reads them)."""
    return Pipeline(
        store,
        HybridRetriever(store, models.embedder),
        models.stance_model,
        **calibrator.pipeline_rules(),
        default_corpus=EVAL_CORPUS,
        max_sentences=max_sentences,
        max_evidence=DEFAULT_MAX_SENTENCES,
        screen=models.screen,
    )


def _index(
    store: EvidenceStore,
    models: Models,
    claims: list[ClaimRecord],
    corpus_path: str | None,
    distractors: Sequence[ClaimRecord] = (),
    *,
    default_corpus: bool = False,
) -> OpenSplit:
    """Apply the open-mode protocol and load what is left of the corpus into the store.

    The corpus is the corpus file, the default Wikipedia corpus (``default_corpus``), or else the gold evidence of the
    claims and of the distractor claims.
    """
    if default_corpus:
        if corpus_path:
            raise InvalidInput("give a corpus file or the default corpus, not both", field="corpus")
        return _index_default_corpus(store, models, claims)
    corpus: list[Passage] = read_jsonl(corpus_path) if corpus_path else corpus_from_claims([*claims, *distractors])
    split = open_split(claims, corpus)
    print(f"indexing {len(split.passages)} passages", file=sys.stderr, flush=True)
    ingest_documents(store, models.embedder, EVAL_CORPUS, split.passages)
    return split


def _corpus_name(corpus_path: str | None, default_corpus: bool) -> str:
    """What an open-mode run retrieved from, for reports."""
    if default_corpus:
        return "the default Wikipedia corpus"
    return Path(corpus_path).name if corpus_path else "gold evidence of the claims"


def _index_default_corpus(store: EvidenceStore, models: Models, claims: list[ClaimRecord]) -> OpenSplit:
    """The open-mode protocol over the default Wikipedia corpus, stored with its shipped vectors where they match."""
    from .. import wikipedia

    path = wikipedia.source_path()
    corpus = wikipedia.load_passages(path)
    split = open_split(claims, corpus)
    vectors = None
    if models.embedder is not None:
        shipped = wikipedia.load_vectors(corpus, models.embedder, wikipedia.source_checksum(path))
        if shipped is not None:
            kept = {p.id for p in split.passages}
            vectors = shipped[[i for i, p in enumerate(corpus) if p.id in kept]]
    print(f"indexing {len(split.passages)} passages of the default corpus", file=sys.stderr, flush=True)
    if models.embedder is not None and vectors is None:
        ingest_documents(store, models.embedder, EVAL_CORPUS, split.passages)
    else:
        store.create_corpus(EVAL_CORPUS, embedder=models.embedder.name if models.embedder else None,
                            passages=split.passages, vectors=vectors)
    return split


def _run_open(pipeline: Pipeline, claims: list[ClaimRecord], split: OpenSplit) -> Run:
    return run_open(pipeline, claims, split, options={"corpus_ids": [EVAL_CORPUS]}, wrap=_progress_bar)


def _progress_bar(items: Iterable[Any]) -> Iterable[Any]:
    from tqdm import tqdm

    return tqdm(items, unit="claim", file=sys.stderr, disable=None, mininterval=2.0)
