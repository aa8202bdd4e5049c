"""Heartbeat files: the worker middleware that writes them and the health command that reads them."""

from __future__ import annotations

import os
import time
from pathlib import Path

from truthgraph.actors.heartbeat import Heartbeat
from truthgraph.cli import main
from truthgraph.heartbeats import Beat, Heartbeats


def test_a_beat_is_written_at_boot_kept_fresh_and_removed_at_shutdown(tmp_path: Path):
    heartbeats = Heartbeats(path=tmp_path / "beats")
    ticks = iter(range(1000, 2000))
    middleware = Heartbeat(heartbeats=heartbeats, interval_s=0.01, clock=lambda: float(next(ticks)))
    middleware.after_worker_boot(None, None)
    try:
        first = heartbeats.beats()
        assert [(b.pid, b.ppid) for b in first] == [(os.getpid(), os.getppid())]
        deadline = time.monotonic() + 10
        while heartbeats.beats()[0].beat_at == first[0].beat_at:
            assert time.monotonic() < deadline, "the heartbeat was never rewritten"
            time.sleep(0.01)
    finally:
        middleware.after_worker_shutdown(None, None)
    assert heartbeats.beats() == []
    assert list((tmp_path / "beats").iterdir()) == []


def test_unreadable_files_are_skipped_and_beats_come_newest_first(tmp_path: Path):
    heartbeats = Heartbeats(path=tmp_path)
    heartbeats.write(Beat(pid=1, ppid=0, beat_at=10.0))
    heartbeats.write(Beat(pid=2, ppid=0, beat_at=20.0))
    (tmp_path / "worker-3.json").write_text("{not json")
    assert [b.pid for b in heartbeats.beats()] == [2, 1]
    assert [b.pid for b in heartbeats.fresh(now=45.0, max_age_s=30)] == [2]


def test_worker_health_is_0_with_a_fresh_heartbeat_and_1_without(tmp_path: Path, capsys):
    environ = {"TRUTHGRAPH_HEARTBEAT_DIR": str(tmp_path)}
    assert main(["worker-health"], environ=environ) == 1
    Heartbeats(path=tmp_path).write(Beat(pid=4242, ppid=1, beat_at=time.time() - 60))
    assert main(["worker-health"], environ=environ) == 1
    assert main(["worker-health", "--max-age", "120"], environ=environ) == 0
    Heartbeats(path=tmp_path).write(Beat(pid=4343, ppid=1, beat_at=time.time()))
    assert main(["worker-health"], environ=environ) == 0
    assert "4343" in capsys.readouterr().out
