"""``truthgraph keys`` and the local admin key of ``truthgraph run``."""

from __future__ import annotations

import json
import stat

from truthgraph.cli import main
from truthgraph.commands.database import migrate
from truthgraph.commands.keys import ensure_local_admin_key, key_store
from truthgraph.db.keys import Scope
from truthgraph.settings import Settings


def environ(tmp_path) -> dict[str, str]:
    return {"TRUTHGRAPH_DATA_DIR": str(tmp_path / "data")}


def test_create_list_and_revoke_a_key(tmp_path, capsys):
    assert main(["db", "upgrade"], environ(tmp_path)) == 0
    capsys.readouterr()
    assert main(["keys", "create", "--name", "ci", "--scopes", "verify,read", "--expires", "30d"], environ(tmp_path)) == 0
    token = capsys.readouterr().out.strip()
    key = key_store(Settings.from_env(environ(tmp_path))).authenticate(token)
    assert key.scopes == frozenset({Scope.VERIFY, Scope.READ}) and key.expires_at
    assert main(["keys", "list", "--json"], environ(tmp_path)) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["key_id"] for k in listed] == [key.key_id] and "secret" not in json.dumps(listed)
    assert token.split("_")[-1] not in json.dumps(listed)
    assert main(["keys", "revoke", key.key_id], environ(tmp_path)) == 0
    assert main(["keys", "revoke", key.key_id], environ(tmp_path)) == 1
    assert main(["keys", "create", "--name", "x", "--scopes", "root"], environ(tmp_path)) == 2
    assert "scopes" in capsys.readouterr().err


def test_the_local_admin_key_is_made_once_and_kept_for_its_owner_alone(tmp_path, capsys):
    settings = Settings(data_dir=str(tmp_path / "data"))
    migrate(settings)
    ensure_local_admin_key(settings)
    printed = capsys.readouterr().out
    token = settings.admin_key_path.read_text().strip()
    assert token in printed and str(settings.admin_key_path) in printed
    assert stat.S_IMODE(settings.admin_key_path.stat().st_mode) == 0o600
    store = key_store(settings)
    assert store.authenticate(token).allows(Scope.ADMIN)
    ensure_local_admin_key(settings)  # a second start keeps it, and does not print it again
    again = capsys.readouterr().out
    assert token not in again and str(settings.admin_key_path) in again
    store.revoke(store.authenticate(token).key_id)
    ensure_local_admin_key(settings)  # a revoked key is replaced
    assert settings.admin_key_path.read_text().strip() != token
