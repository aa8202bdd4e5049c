"""``truthgraph db upgrade`` and ``db current``: the database's schema migrations."""

from __future__ import annotations

import argparse
import sys

from ..db.engine import create_database_engine, database_url
from ..db.migrate import current_revision, head_revision, upgrade
from ..errors import TruthGraphError
from ..settings import Settings


def add_database_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``db upgrade`` and ``db current``."""
    db = subparsers.add_parser("db", help="manage the database's schema")
    commands = db.add_subparsers(dest="db_command", required=True)
    commands.add_parser("upgrade", help="run the migrations the database has not had").set_defaults(func=upgrade_command)
    commands.add_parser("current", help="print the database's schema revision").set_defaults(func=current_command)


def upgrade_command(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the database to the newest schema."""
    try:
        migrate(settings)
    except TruthGraphError as error:
        print(f"truthgraph db upgrade: {error}", file=sys.stderr)
        return 1
    print(f"database at schema {head_revision()}")
    return 0


def current_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print the database's schema revision and the newest one."""
    try:
        current = current_revision(create_database_engine(database_url(settings)))
    except TruthGraphError as error:
        print(f"truthgraph db current: {error}", file=sys.stderr)
        return 1
    print(f"current {current or 'none'}, newest {head_revision()}")
    return 0 if current == head_revision() else 1


def migrate(settings: Settings) -> None:
    """Run the migrations on the settings' database (what the service commands do at start when asked)."""
    engine = create_database_engine(database_url(settings))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
