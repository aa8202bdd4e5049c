"""The evaluation report: figures from a run's outcomes, as a JSON-ready dict and as a readable table."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ...domain import Label
from .baselines import claim_only_predictions, word_overlap_label
from .metrics import (
    DEFAULT_ECE_BINS,
    confidence_auroc,
    confusion,
    ece_noise_floor,
    expected_calibration_error,
    label_accuracy,
    macro_f1,
    per_class,
    recall_at_k,
    risk_coverage,
)
from .runner import RECALL_K, ClaimOutcome, Run

#: Labels in the order reports list them.
LABELS: tuple[str, ...] = tuple(label.value for label in Label)
#: Per-claim pipeline stages reported, in order (as the pipeline names them in a verdict's timings).
STAGES = ("retrieval", "screening", "stance", "aggregation", "total")
_SHORT = {Label.SUPPORTED.value: "SUP", Label.REFUTED.value: "REF", Label.NOT_ENOUGH_INFO.value: "NEI"}


def build_report(
    run: Run,
    *,
    mode: str,
    file: str,
    timings_s: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of a run: accuracy, macro-F1, per-class scores, ECE, recall@5, speed, baselines, timings.

    ``timings_s`` are the seconds of stages outside the verification loop (loading, indexing); ``extra`` is merged in.
    """
    outcomes = run.outcomes
    expected = [o.expected.value for o in outcomes]
    predicted = [o.verdict.label.value for o in outcomes]
    started = time.perf_counter()
    baselines = baseline_scores(outcomes)
    baseline_s = time.perf_counter() - started
    models = sorted({o.verdict.model for o in outcomes if o.verdict.model})
    confidences = [o.verdict.confidence for o in outcomes]
    correct = [o.correct for o in outcomes]
    recall = None
    if mode == "open":
        counted = [o for o in outcomes if o.in_recall]
        recall = recall_at_k([list(o.retrieved) for o in counted], [o.gold_ids for o in counted], RECALL_K)
    report: dict[str, Any] = {
        "file": file,
        "mode": mode,
        "model": ", ".join(models),
        "n": len(outcomes),
        "label_accuracy": label_accuracy(expected, predicted),
        "macro_f1": macro_f1(expected, predicted),
        "per_class": per_class(expected, predicted, LABELS),
        "confusion": confusion(expected, predicted, LABELS),
        "ece": expected_calibration_error(
            [o.verdict.confidence for o in outcomes], [o.correct for o in outcomes], DEFAULT_ECE_BINS
        ),
        "ece_noise_floor": ece_noise_floor(confidences, DEFAULT_ECE_BINS),
        "mean_confidence": sum(o.verdict.confidence for o in outcomes) / len(outcomes) if outcomes else None,
        "confidence_auroc": confidence_auroc(confidences, correct),
        "risk_coverage": risk_coverage(confidences, correct),
        "false_supported_rate": false_supported_rate(outcomes),
        "recall_at_5": recall,
        "claims_per_second": len(outcomes) / run.seconds if run.seconds > 0 else None,
        "baselines": baselines,
        "timings": {
            "stages_s": {**dict(timings_s or {}), "verify": run.seconds, "baselines": baseline_s},
            "per_claim_mean_ms": _stage_means(outcomes),
        },
    }
    report.update(extra or {})
    return report


def false_supported_rate(outcomes: Sequence[ClaimOutcome]) -> float | None:
    """The share of claims expected REFUTED that were called SUPPORTED (``None`` when none is expected REFUTED)."""
    false = [o for o in outcomes if o.expected is Label.REFUTED]
    return sum(o.verdict.label is Label.SUPPORTED for o in false) / len(false) if false else None


def baseline_scores(outcomes: Sequence[ClaimOutcome]) -> dict[str, dict[str, float]]:
    """Label accuracy and macro-F1 of the claim-only and word-overlap baselines on the run's claims."""
    expected = [o.expected.value for o in outcomes]
    claim_only = claim_only_predictions([o.claim.id for o in outcomes], [o.claim.claim for o in outcomes], expected)
    overlap = [
        word_overlap_label(o.claim.claim, [f"{e.title} {e.text}" for e in o.verdict.evidence]) for o in outcomes
    ]
    return {
        name: {"label_accuracy": label_accuracy(expected, predicted), "macro_f1": macro_f1(expected, predicted)}
        for name, predicted in (("claim_only", claim_only), ("word_overlap", overlap))
    }


def format_report(report: Mapping[str, Any]) -> str:
    """The report as a readable plain-text table."""
    lines = [
        f"{report['file']}  mode={report['mode']}  claims={report['n']}  model={report['model'] or '-'}",
        "",
        f"  label accuracy  {_num(report['label_accuracy'])}",
        f"  macro-F1        {_num(report['macro_f1'])}",
        f"  ECE (10 bins)   {_num(report['ece'])}   mean confidence {_num(report.get('mean_confidence'))}   "
        f"ECE of a perfectly calibrated model on this many claims {_num(report.get('ece_noise_floor'))}",
        f"  confidence AUROC (right vs wrong) {_num(report.get('confidence_auroc'))}",
        f"  false claims called SUPPORTED     {_num(report.get('false_supported_rate'))}",
        f"  recall@5        {_num(report['recall_at_5'])}",
        f"  claims/second   {_num(report['claims_per_second'], 2)}",
        "",
        f"  {'label':<17}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}{'predicted':>11}",
    ]
    for label in LABELS:
        row = report["per_class"][label]
        lines.append(
            f"  {label:<17}{_num(row['precision']):>10}{_num(row['recall']):>10}{_num(row['f1']):>10}"
            f"{row['support']:>9}{row['predicted']:>11}"
        )
    lines += ["", f"  {'expected/predicted':<17}" + "".join(f"{_SHORT[label]:>10}" for label in LABELS)]
    for label in LABELS:
        lines.append(f"  {label:<17}" + "".join(f"{report['confusion'][label][p]:>10}" for p in LABELS))
    rows = report.get("risk_coverage") or []
    if rows:
        lines += ["", "  risk-coverage: accuracy of the verdicts kept when only the most confident are kept",
                  f"  {'coverage':>10}{'kept':>8}{'accuracy':>10}{'min confidence':>16}"]
        lines += [f"  {r['coverage']:>10.0%}{int(r['kept']):>8}{_num(r['accuracy']):>10}{_num(r['min_confidence']):>16}"
                  for r in rows]
    lines += ["", f"  {'baseline':<17}{'accuracy':>10}{'macro-F1':>10}"]
    for name, scores in report["baselines"].items():
        lines.append(f"  {name:<17}{_num(scores['label_accuracy']):>10}{_num(scores['macro_f1']):>10}")
    timings = report["timings"]
    lines += ["", "  stage seconds   " + "  ".join(f"{k} {v:.1f}" for k, v in timings["stages_s"].items())]
    lines.append("  per claim (ms)  " + "  ".join(f"{k} {v:.1f}" for k, v in timings["per_claim_mean_ms"].items()))
    protocol = report.get("protocol")
    if protocol:
        lines.append("  open protocol   " + "  ".join(f"{k} {v}" for k, v in protocol.items()))
    return "\n".join(lines)


def _stage_means(outcomes: Sequence[ClaimOutcome]) -> dict[str, float]:
    means = {}
    for stage in STAGES:
        values = [o.verdict.timings_ms[stage] for o in outcomes if stage in o.verdict.timings_ms]
        if values:
            means[stage] = sum(values) / len(values)
    return means


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
