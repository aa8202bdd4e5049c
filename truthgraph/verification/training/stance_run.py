"""One stance-model run: build pairs, fine-tune, export, check on the held-out claims, write the model card."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...domain import STANCE_ORDER, Stance
from .base_model import BASE_NAMES
from .contrast_pairs import contrast_pairs
from .corpus_pairs import corpus_pairs
from .cross_encoder import TrainSettings, train_cross_encoder
from .data import StancePair, claim_pairs, document_pairs, nli_pairs, read_jsonl, split_claims, subsample, write_jsonl
from .export import OPSET, export_stance
from .model_card import write_model_card
from .negation import negation_pairs
from .negatives import context_pairs, distractors, neutral_pairs
from .recover import recover_checkpoint
from .subject_pairs import (
    TitleIndex,
    exclusion_pairs,
    load_pages,
    other_relation_pairs,
    other_subject_pairs,
    titled_claims,
)
from .title_balance import drop_titles, title_claims, titled_share

#: Name (by base model) and version written into the exported model's config.
MODEL_NAMES = {"minilm": "minilm-stance-v1", "mpnet": "mpnet-stance-v1"}
MODEL_VERSION = "1"


def run_train_stance(
    fever_train: Path,
    snli_train: Path,
    out: Path,
    settings: TrainSettings,
    *,
    limit: int | None = None,
    init_from: Path | None = None,
    negatives_per_claim: int = 1,
    context: bool = False,
    negation: bool = False,
    subject_pages: Path | None = None,
    corpus: bool = False,
    corpus_share: float = 0.5,
    contrast_pages: Path | None = None,
    extra_claims: Sequence[Path] = (),
    name: str | None = None,
    title_balance: bool = False,
    relation_pairs: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train and export a stance model into ``out``; return the run statistics.

    ``negatives_per_claim`` neutral distractor sentences are paired with each claim; with ``context`` each claim's
    gold evidence is also read together with a distractor sentence (see :func:`.negatives.context_pairs`); with
    ``negation`` negated claims and evidence are added (see :mod:`.negation`); with ``subject_pages`` (a Wikipedia
    summaries file) the gold evidence gets page titles and other-subject, other-relation and exclusion pairs are
    added (see :mod:`.subject_pairs`), and with ``corpus`` too pairs made from the summaries themselves (see
    :mod:`.corpus_pairs`; at most ``corpus_share`` of a limited run). With ``contrast_pages`` (a summaries file) rank
    and negation contrast pairs are added (see :mod:`.contrast_pairs`; they too at most ``corpus_share``). Each of
    ``extra_claims`` (claims files with gold evidence, such as Fool Me Twice) adds its claims' pairs, each page's
    evidence read together (see :func:`.data.document_pairs`), all of them kept under a limit. ``init_from`` is a
    checkpoint folder of an earlier run or an exported model folder (its checkpoint is recovered first, see
    :mod:`.recover`). With ``title_balance`` FEVER evidence is titled by the name it opens with and a quarter of the
    titled neutral pairs lose their title, so that a title is no cue for neutral (see :mod:`.title_balance`).
    Without ``relation_pairs`` the subject pairs leave out the other-relation ones.
    ``name`` is the exported model's name (default: :data:`MODEL_NAMES` of the base); it keys the verdict cache, so a
    model with other weights needs another name.
    """
    out.mkdir(parents=True, exist_ok=True)
    if init_from is not None and (init_from / "model.onnx").is_file():
        init_from = recover_checkpoint(init_from, out / "recovered")
    train_claims, calibration = split_claims(read_jsonl(fever_train))
    write_jsonl(out / "calibration_claims.jsonl", calibration)
    subject: list[StancePair] = []
    if subject_pages is not None:
        index = TitleIndex(load_pages(subject_pages))
        train_claims = titled_claims(train_claims, index)
        relation = other_relation_pairs(train_claims, index, per_claim=2, seed=settings.seed) if relation_pairs else []
        subject = (other_subject_pairs(train_claims, index, per_claim=2, seed=settings.seed) + relation
                   + exclusion_pairs(train_claims, index, seed=settings.seed))
        if corpus:  # at most corpus_share of a limited run, so that FEVER and NLI keep theirs
            made = corpus_pairs(index.pages, index, seed=settings.seed)
            subject += subsample(made, None if limit is None else int(limit * corpus_share), settings.seed)
    contrast: list[StancePair] = []
    if contrast_pages is not None:  # capped as the corpus pairs are
        contrast = subsample(contrast_pairs(load_pages(contrast_pages), seed=settings.seed),
                             None if limit is None else int(limit * corpus_share), settings.seed)
        subject += contrast
    if title_balance:
        train_claims = title_claims(train_claims)
    fever = claim_pairs(train_claims)
    extra = [pair for path in extra_claims for pair in document_pairs(read_jsonl(path), source=path.stem)]
    found = distractors(train_claims, max(negatives_per_claim, 1))  # one search for neutral and context pairs
    neutral = neutral_pairs(train_claims, negatives_per_claim, found)
    joint = context_pairs(train_claims, settings.seed, found) if context else []
    negated = negation_pairs(train_claims) if negation else []
    snli = nli_pairs(snli_train)
    # Every subject pair and extra-claims pair is kept (they are few and teach what the rest does not); the limit
    # draws the others.
    rest = None if limit is None else max(limit - len(subject) - len(extra), 0)
    pairs = subject + extra + subsample(fever + neutral + joint + negated + snli, rest, settings.seed)
    if title_balance:
        pairs = drop_titles(pairs, seed=settings.seed)
    log(f"pairs: fever {len(fever)}, neutral {len(neutral)}, context {len(joint)}, negated {len(negated)}, "
        f"subject {len(subject)}, extra {len(extra)}, snli {len(snli)}; training on {len(pairs)}; "
        f"{len(calibration)} calibration claims held out")

    stats: dict[str, Any] = {"n_fever": len(fever), "n_neutral": len(neutral), "n_context": len(joint),
                             "n_negated": len(negated), "n_subject": len(subject), "n_extra": len(extra),
                             "n_snli": len(snli), "n_contrast": len(contrast), "n_calibration": len(calibration),
                             "limit": limit, "negatives_per_claim": negatives_per_claim, "context": context,
                             "negation": negation, "subject_pairs": subject_pages is not None,
                             "corpus_pairs": corpus and subject_pages is not None,
                             "contrast_pairs": contrast_pages is not None,
                             "corpus_share": corpus_share if corpus or contrast_pages is not None else None,
                             "extra_claims": [path.name for path in extra_claims], "title_balance": title_balance,
                             "relation_pairs": relation_pairs and subject_pages is not None,
                             **titled_share(pairs)}
    if init_from is not None:
        stats["continued_from"] = "an earlier train-stance checkpoint"
    stats.update(train_cross_encoder(pairs, out / "checkpoint", settings, log=log, init_from=init_from))
    name = name or MODEL_NAMES[settings.base]
    export_stance(out / "checkpoint", out, max_length=settings.max_length, name=name, version=MODEL_VERSION,
                  base_model=BASE_NAMES[settings.base], weights=settings.weights)
    stats.update(held_out_check(out, calibration, index if subject_pages is not None else None))
    log(f"held-out: {json.dumps(stats)}")
    (out / "training_stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    write_model_card(out, name=name, opset=OPSET, settings=settings, stats=stats)
    return stats


def held_out_check(
    folder: Path, calibration: list[dict[str, Any]], index: TitleIndex | None = None
) -> dict[str, Any]:
    """Held-out figures of the exported model on the calibration claims.

    Accuracy of entails vs contradicts on their gold evidence and on its negated pairs (:mod:`.negation`), and the
    share of retrieved non-evidence judged neutral; with a title index also the share of their other-subject and
    other-relation pairs judged neutral and the accuracy on their exclusion pairs (:mod:`.subject_pairs`).
    """
    from ..stance.onnx_model import OnnxStanceModel

    model = OnnxStanceModel(folder)
    accuracy = _stance_accuracy(model, claim_pairs(calibration))
    negated = _stance_accuracy(model, negation_pairs(calibration))
    negatives = neutral_pairs(calibration)
    neg_probs = model.predict([(p.evidence, p.claim) for p in negatives])
    neutral = float((neg_probs.argmax(axis=1) == STANCE_ORDER.index(Stance.NEUTRAL)).mean()) if negatives else 0.0
    figures = {"calibration_accuracy": round(accuracy, 4), "calibration_negated": round(negated, 4),
               "calibration_neutral": round(neutral, 4)}
    if index is not None:
        titled = titled_claims(calibration, index)
        unrelated = other_subject_pairs(titled, index) + other_relation_pairs(titled, index)
        probs = model.predict([(p.evidence, p.claim) for p in unrelated]) if unrelated else np.zeros((0, 3))
        figures["calibration_subject_neutral"] = (
            round(float((probs.argmax(axis=1) == STANCE_ORDER.index(Stance.NEUTRAL)).mean()), 4) if unrelated else 0.0
        )
        figures["calibration_exclusion"] = round(_stance_accuracy(model, exclusion_pairs(titled, index)), 4)
    return figures


def _stance_accuracy(model: Any, pairs: list[StancePair]) -> float:
    """How often the larger of entails and contradicts is the pair's stance."""
    if not pairs:
        return 0.0
    probs = model.predict([(p.evidence, p.claim) for p in pairs])
    want = np.array([STANCE_ORDER.index(p.stance) for p in pairs])
    return float((probs[:, :2].argmax(axis=1) == want).mean())
