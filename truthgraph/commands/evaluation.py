"""``truthgraph eval`` and ``truthgraph calibrate``: the command-line face of the evaluation harness."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from ..errors import InvalidInput, TruthGraphError
from ..settings import Settings
from ..verification.calibration import Calibrator
from ..verification.evaluation.harness import calibrate, evaluate, load_models, update_calibration
from ..verification.evaluation.runner import MODES


def add_eval_command(subparsers: argparse._SubParsersAction) -> None:
    """Add ``eval``: verify a claims file in oracle or open mode and report accuracy, calibration and speed."""
    parser = subparsers.add_parser(
        "eval",
        help="evaluate verification on a claims file",
        description="Verify every claim of a JSONL claims file and report label accuracy, macro-F1, per-class "
        "scores, ECE, recall@5 (open mode), claims per second and two baselines.",
    )
    parser.add_argument("claims", help="claims file (JSONL: id, claim, label, evidence)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="oracle",
        help="oracle: judge each claim against its own gold evidence; open: retrieve from the corpus (default oracle)",
    )
    parser.add_argument(
        "--corpus",
        help="corpus file for open mode (JSONL: id, title, text); default: the claims' own gold evidence",
    )
    parser.add_argument(
        "--default-corpus",
        action="store_true",
        help="open mode: retrieve from the default Wikipedia corpus (the claims' gold passages matched by text, a "
        "hashed third held back)",
    )
    parser.add_argument("--json", dest="json_out", metavar="OUT", help="also write the report as JSON to OUT")
    parser.add_argument("--outcomes", metavar="OUT",
                        help="also write each claim's outcome to OUT (JSON Lines: expected and given verdict, "
                        "confidence, the most decisive evidence with its stance probabilities)")
    _add_common_options(parser)
    parser.add_argument(
        "--calibration", metavar="FILE", help="calibration.json to apply (default: the stance model's own, if any)"
    )
    parser.set_defaults(func=eval_command)


def add_calibrate_command(subparsers: argparse._SubParsersAction) -> None:
    """Add ``calibrate``: fit verdict thresholds and temperature on a calibration split."""
    parser = subparsers.add_parser(
        "calibrate",
        help="fit verdict thresholds and confidence temperature on a calibration split",
        description="Verify a calibration claims file (never an evaluation set) and fit the verdict rule's thresholds "
        "and the temperature of its confidence: in open mode (the default) for retrieved evidence, in oracle mode for "
        "evidence a caller gives. Each mode rewrites only its own part of an existing --out file.",
    )
    parser.add_argument("claims", help="calibration claims file (JSONL: id, claim, label, evidence)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="open",
        help="open: retrieve from the corpus (retrieved evidence); oracle: each claim's own gold evidence "
        "(given evidence); default open",
    )
    parser.add_argument(
        "--corpus",
        help="corpus file for open mode (JSONL: id, title, text); default: the claims' gold evidence, each other's "
        "distractors",
    )
    parser.add_argument(
        "--distractors",
        metavar="CLAIMS",
        help="open mode without --corpus: add the gold evidence of this claims file to the corpus, as distractors on "
        "the same topics (e.g. the training claims), so that retrieval meets what it meets in service",
    )
    parser.add_argument(
        "--default-corpus",
        action="store_true",
        help="open mode: retrieve from the default Wikipedia corpus (for claims its summaries decide)",
    )
    parser.add_argument("--out", required=True, help="calibration.json to write (or update)")
    _add_common_options(parser)
    parser.set_defaults(func=calibrate_command)


def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``truthgraph eval``."""
    from ..verification.evaluation.report import format_report

    try:
        models = load_models(args.stance_model or settings.stance_model, embedder=args.mode == "open",
                             screen_spec=settings.screen_model, screen_keep=settings.screen_keep)
        if args.calibration:
            models = replace(models, calibrator=Calibrator.load(args.calibration))
        report = evaluate(args.claims, models, mode=args.mode, corpus_path=args.corpus, limit=args.limit,
                          default_corpus=args.default_corpus, outcomes_path=args.outcomes,
                          max_sentences=settings.max_sentences)
    except TruthGraphError as error:
        print(f"truthgraph eval: {error}", file=sys.stderr)
        return 2 if isinstance(error, InvalidInput) else 1
    print(format_report(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def calibrate_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``truthgraph calibrate``."""
    try:
        models = load_models(args.stance_model or settings.stance_model, embedder=args.mode == "open",
                             screen_spec=settings.screen_model, screen_keep=settings.screen_keep)
        fitted = calibrate(
            args.claims,
            models,
            mode=args.mode,
            corpus_path=args.corpus,
            distractors_path=args.distractors,
            limit=args.limit,
            default_corpus=args.default_corpus,
        )
        calibrator = update_calibration(args.out, fitted, mode=args.mode)
    except TruthGraphError as error:
        print(f"truthgraph calibrate: {error}", file=sys.stderr)
        return 2 if isinstance(error, InvalidInput) else 1
    print(f"{calibrator!r}\nwritten to {args.out}")
    fit = fitted.info["fit"]
    for name in ("default_thresholds", "fitted_thresholds_raw", "fitted"):
        print(f"  {name:<22}" + "  ".join(f"{k} {v:.4f}" for k, v in fit[name].items()))
    return 0


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N claims of the file")
    parser.add_argument(
        "--stance-model",
        metavar="SPEC",
        help="'default' or a model folder (default: the configured stance model, TRUTHGRAPH_STANCE_MODEL)",
    )
