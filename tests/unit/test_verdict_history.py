"""The verdict history and its migrations, on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect

from tests.support.databases import ENGINES, database_url_for, release
from truthgraph.db.engine import create_database_engine, database_url
from truthgraph.db.migrate import SchemaOutOfDate, current_revision, head_revision, require_current, upgrade
from truthgraph.db.verdicts import VerdictHistory, decode_cursor, encode_cursor
from truthgraph.errors import InvalidInput, ServiceUnavailable
from truthgraph.settings import Settings


@pytest.fixture
def engine(database: Engine) -> Engine:
    """A fresh, migrated database of each engine."""
    return database


def result(verdict: str = "SUPPORTED", text: str = "The sky is blue.") -> dict:
    return {"claim_text": text, "verdict": verdict, "confidence": 0.9, "evidence": [{"passage_id": "p1"}],
            "model": "m"}


def test_migrations_bring_an_empty_database_to_the_newest_schema(engine):
    assert current_revision(engine) == head_revision()
    require_current(engine)
    assert "verdicts" in inspect(engine).get_table_names()
    upgrade(engine)  # running them again changes nothing
    assert current_revision(engine) == head_revision()


def test_an_unmigrated_database_stops_start_up_saying_what_to_run(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(SchemaOutOfDate, match="truthgraph db upgrade"):
        require_current(engine)


def test_a_task_writes_its_verdict_once(engine):
    history = VerdictHistory(engine)
    assert history.record(task_id="t1", claim_id="c1", result=result(), verified_at="2026-01-01T00:00:00.000Z")
    again = history.record(task_id="t1", claim_id="c1", result=result("REFUTED"), verified_at="2026-01-02T00:00:00.000Z")
    assert again is False
    kept = history.for_task("t1")
    assert kept.result["verdict"] == "SUPPORTED" and kept.verified_at == "2026-01-01T00:00:00.000Z"
    assert history.count("c1") == 1


def test_history_pages_newest_first_with_a_cursor(engine):
    history = VerdictHistory(engine)
    for i in range(5):
        history.record(task_id=f"t{i}", claim_id="c1", result=result(text=f"claim {i}"), verified_at=f"2026-01-0{i + 1}")
    history.record(task_id="other", claim_id="c2", result=result(), verified_at="2026-01-09")
    first = history.page("c1", limit=2)
    assert [v.task_id for v in first.verdicts] == ["t4", "t3"] and first.next_cursor
    second = history.page("c1", limit=2, cursor=first.next_cursor)
    third = history.page("c1", limit=2, cursor=second.next_cursor)
    assert [v.task_id for v in second.verdicts] == ["t2", "t1"]
    assert [v.task_id for v in third.verdicts] == ["t0"] and third.next_cursor is None
    assert history.latest("c1").to_dict() == {**result(text="claim 4"), "claim_id": "c1", "task_id": "t4",
                                              "verified_at": "2026-01-05"}
    assert history.latest("nobody") is None


@pytest.mark.parametrize("cursor", ["", "abc", encode_cursor(3)[:-1] + "!", "djI6Mw"])
def test_a_cursor_we_did_not_give_is_invalid_input(cursor):
    with pytest.raises(InvalidInput):
        decode_cursor(cursor)


def test_a_database_that_does_not_answer_is_service_unavailable():
    history = VerdictHistory(create_database_engine("postgresql://postgres@127.0.0.1:1/none"))
    with pytest.raises(ServiceUnavailable) as info:
        history.latest("c1")
    assert info.value.service == "database"


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    assert database_url(Settings(data_dir=str(tmp_path))) == f"sqlite:///{tmp_path / 'truthgraph.sqlite3'}"
    assert database_url(Settings(database_url="postgresql://h/db")) == "postgresql://h/db"
    with pytest.raises(InvalidInput):
        create_database_engine("mysql://h/db")


@pytest.mark.parametrize("engine_name", ENGINES)
def test_processes_that_migrate_together_take_turns(engine_name, tmp_path):
    import threading

    url = database_url_for(engine_name, tmp_path)
    engines = [create_database_engine(url) for _ in range(3)]
    errors: list[BaseException] = []

    def migrate(engine: Engine) -> None:
        try:
            upgrade(engine)
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == [] and current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            engine.dispose()
        release(url)
