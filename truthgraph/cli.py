"""The ``truthgraph`` command: run the service, verify claims, manage corpora and models."""

from __future__ import annotations

import argparse
import sys
from typing import Mapping, Sequence

from .commands.corpus import add_corpus_command
from .commands.database import add_database_command
from .commands.evaluation import add_calibrate_command, add_eval_command
from .commands.keys import add_keys_command
from .commands.service import add_service_commands
from .commands.training import add_export_embedder_command, add_train_stance_command
from .commands.verify import add_verify_commands
from .errors import InvalidInput
from .settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``truthgraph`` subcommand."""
    parser = argparse.ArgumentParser(prog="truthgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_service_commands(commands)
    add_verify_commands(commands)
    add_corpus_command(commands)
    add_database_command(commands)
    add_keys_command(commands)
    add_eval_command(commands)
    add_calibrate_command(commands)
    add_train_stance_command(commands)
    add_export_embedder_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point of the ``truthgraph`` command: settings are read once, from ``environ`` (default the process's)."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(environ)
    except InvalidInput as error:
        print(f"truthgraph: {error}", file=sys.stderr)
        return 2
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
