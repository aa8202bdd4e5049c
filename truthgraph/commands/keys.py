"""``truthgraph keys create|list|revoke``: the API keys; and the local admin key ``truthgraph run`` makes."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..db.engine import create_database_engine, database_url
from ..db.keys import KeyStore, Scope, parse_duration, parse_rate, parse_scopes
from ..errors import TruthGraphError
from ..settings import Settings


def add_keys_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``keys create``, ``keys list`` and ``keys revoke``."""
    keys = subparsers.add_parser("keys", help="manage API keys")
    commands = keys.add_subparsers(dest="keys_command", required=True)

    create = commands.add_parser("create", help="create a key and print it (once: only its hash is kept)")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(s.value for s in Scope)}")
    create.add_argument("--expires", help="lifetime, e.g. 30d, 12h (default: none)")
    create.add_argument("--rate", help="submissions: RATE/BURST per second, e.g. 20/100 (default: the settings')")
    create.add_argument("--read-rate", help="reads: RATE/BURST per second (default: the settings')")
    create.set_defaults(func=create_command)

    listing = commands.add_parser("list", help="list the keys (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=list_command)

    revoke = commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=revoke_command)


def key_store(settings: Settings) -> KeyStore:
    """The keys of the settings' database."""
    return KeyStore(create_database_engine(database_url(settings)))


def create_command(args: argparse.Namespace, settings: Settings) -> int:
    """Create a key and print it once."""
    try:
        key, token = key_store(settings).create(
            name=args.name,
            scopes=parse_scopes(args.scopes),
            expires_in=parse_duration(args.expires) if args.expires else None,
            submit_limit=parse_rate(args.rate) if args.rate else None,
            read_limit=parse_rate(args.read_rate) if args.read_rate else None,
        )
    except TruthGraphError as error:
        print(f"truthgraph keys create: {error}", file=sys.stderr)
        return 2
    print(token)
    print(f"key {key.key_id} ({', '.join(sorted(s.value for s in key.scopes))}): keep it now, it is not shown again",
          file=sys.stderr)
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the keys."""
    try:
        keys = key_store(settings).list()
    except TruthGraphError as error:
        print(f"truthgraph keys list: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([k.to_dict() for k in keys], indent=2))
        return 0
    for key in keys:
        state = "revoked" if key.revoked_at else f"expires {key.expires_at}" if key.expires_at else "active"
        print(f"{key.key_id}  {key.name:<24}  {','.join(sorted(s.value for s in key.scopes)):<28}  {state}")
    return 0


def revoke_command(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke a key."""
    try:
        revoked = key_store(settings).revoke(args.key_id)
    except TruthGraphError as error:
        print(f"truthgraph keys revoke: {error}", file=sys.stderr)
        return 1
    if not revoked:
        print(f"no active key {args.key_id}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


def ensure_local_admin_key(settings: Settings) -> None:
    """Make an admin key on first start and keep it in a file only its owner can read; say where, once.

    A key file whose key is still active is kept. With authentication off nothing is made.
    """
    if not settings.auth:
        print("WARNING: TRUTHGRAPH_AUTH is off: anyone who reaches the API may use it.", file=sys.stderr)
        return
    path = settings.admin_key_path
    store = key_store(settings)
    if path.is_file():
        try:
            store.authenticate(path.read_text(encoding="utf-8").strip())
            print(f"The local admin API key is in {path}", flush=True)
            return
        except TruthGraphError:
            pass  # revoked, expired, or from another database: make a new one
    _, token = store.create(name="local admin", scopes=frozenset({Scope.ADMIN}))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    print(f"Created a local admin API key (kept in {path}, readable by you alone):\n  {token}\n"
          f"Send it as: Authorization: Bearer $(cat {path})", flush=True)
