"""The supervisor's decisions, on fake processes and an injected clock: restarts, backoff, readiness, stopping."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Sequence

import pytest

from truthgraph.commands.supervisor import HeartbeatProbe, Program, RestartBackoff, Supervisor
from truthgraph.heartbeats import Beat, Heartbeats


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeChild:
    """A process that exits when told to, recording the signals it was sent."""

    def __init__(self, pid: int, argv: Sequence[str]) -> None:
        self.pid = pid
        self.argv = list(argv)
        self.code: int | None = None
        self.signals: list[str] = []
        self.group_killed = False

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        self.signals.append("TERM")

    def kill_group(self) -> None:
        self.group_killed = True
        if self.code is None:
            self.signals.append("KILL")
            self.code = -9


class FakeSpawner:
    def __init__(self) -> None:
        self.children: list[FakeChild] = []

    def __call__(self, argv: Sequence[str]) -> FakeChild:
        child = FakeChild(100 + len(self.children), argv)
        self.children.append(child)
        return child

    def running(self, name: str) -> list[FakeChild]:
        return [c for c in self.children if c.argv == [name] and c.code is None]


class FakeProbe:
    """Heartbeat ages by pid, set by the test."""

    def __init__(self) -> None:
        self.ages: dict[int, float] = {}
        self.forgotten: list[int] = []

    def age_s(self, pid: int) -> float | None:
        return self.ages.get(pid)

    def forget(self, pid: int) -> None:
        self.forgotten.append(pid)


def supervisor(
    names: Sequence[str] = ("a", "b"), *, probe: FakeProbe | None = None, **options: float
) -> tuple[Supervisor, FakeSpawner, FakeClock]:
    clock, spawner = FakeClock(), FakeSpawner()
    programs = [Program(name=name, argv=[name], probe=probe) for name in names]
    options.setdefault("ready_timeout_s", 60)
    options.setdefault("stable_after_s", 30)
    sup = Supervisor(
        programs=programs,
        backoff=RestartBackoff(min_delay_s=0.5, max_delay_s=4),
        clock=clock,
        spawn=spawner,
        **options,
    )
    return sup, spawner, clock


def test_the_backoff_doubles_per_early_death_and_is_capped():
    backoff = RestartBackoff(min_delay_s=0.5, max_delay_s=4)
    assert [backoff.delay_s(n) for n in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert backoff.delay_s(10_000) == 4


def test_a_dead_process_is_replaced_after_the_delay_and_its_sibling_is_left_alone():
    sup, spawner, clock = supervisor()
    sup.step()
    a, b = spawner.running("a")[0], spawner.running("b")[0]
    a.code = -9
    sup.step()
    assert a.group_killed  # whatever it left behind in its group goes too
    assert spawner.running("a") == []
    clock.advance(0.4)
    sup.step()
    assert spawner.running("a") == []
    clock.advance(0.1)
    sup.step()
    assert len(spawner.running("a")) == 1
    assert spawner.running("b") == [b] and b.signals == []


def test_early_deaths_in_a_row_wait_longer_and_a_good_run_resets_the_wait():
    sup, spawner, clock = supervisor(["a"])
    delays = []
    for _ in range(5):
        sup.step()
        spawner.running("a")[0].code = 1
        sup.step()
        delays.append(sup.slots[0].start_due_at - clock.now)
        clock.advance(delays[-1])
    assert delays == [0.5, 1, 2, 4, 4]

    sup.step()  # started; ready at once (no probe), then runs well
    clock.advance(1)
    sup.step()
    clock.advance(30)
    spawner.running("a")[0].code = 1
    sup.step()
    assert sup.slots[0].start_due_at - clock.now == 0.5


def test_a_process_that_never_becomes_ready_is_killed_and_started_again():
    probe = FakeProbe()
    sup, spawner, clock = supervisor(["w"], probe=probe, ready_timeout_s=60)
    sup.step()
    first = spawner.running("w")[0]
    clock.advance(59)
    sup.step()
    assert first.signals == []
    clock.advance(2)
    sup.step()
    assert first.signals == ["KILL"]
    sup.step()  # reaped
    assert probe.forgotten == [first.pid]
    clock.advance(0.5)
    sup.step()
    second = spawner.running("w")[0]
    assert second is not first
    probe.ages[second.pid] = 0.5
    clock.advance(3)
    sup.step()
    assert sup.slots[0].ready_at == clock.now
    clock.advance(120)
    sup.step()
    assert second.signals == []


def test_a_stale_heartbeat_of_a_ready_process_gets_it_killed():
    probe = FakeProbe()
    sup, spawner, clock = supervisor(["w"], probe=probe, max_heartbeat_age_s=30)
    sup.step()
    child = spawner.running("w")[0]
    probe.ages[child.pid] = 1
    sup.step()
    probe.ages[child.pid] = 30
    sup.step()
    assert child.signals == []
    probe.ages[child.pid] = 31
    sup.step()
    assert child.signals == ["KILL"]


def test_an_old_heartbeat_does_not_make_a_new_process_ready():
    probe = FakeProbe()
    sup, spawner, clock = supervisor(["w"], probe=probe, max_heartbeat_age_s=30)
    sup.step()
    probe.ages[spawner.running("w")[0].pid] = 45
    sup.step()
    assert sup.slots[0].ready_at is None


def test_one_signal_terminates_each_process_once_and_nothing_restarts_while_stopping():
    sup, spawner, clock = supervisor()
    sup.step()
    a, b = spawner.running("a")[0], spawner.running("b")[0]
    sup.request_stop()
    for _ in range(5):
        sup.step()
    assert a.signals == ["TERM"] and b.signals == ["TERM"]
    a.code = 0
    clock.advance(10)
    sup.step()
    assert spawner.running("a") == [] and not sup.stopped
    b.code = 0
    sup.step()
    assert sup.stopped and not sup.forced
    assert len(spawner.children) == 2


def test_a_second_signal_kills_every_process():
    sup, spawner, clock = supervisor()
    sup.step()
    sup.request_stop()
    sup.step()
    sup.request_stop()
    sup.step()
    assert all(child.signals == ["TERM", "KILL"] for child in spawner.children)
    sup.step()
    assert sup.stopped and sup.forced


def test_a_stop_that_takes_too_long_is_forced():
    sup, spawner, clock = supervisor(stop_timeout_s=100)
    sup.step()
    sup.request_stop()
    sup.step()
    clock.advance(100)
    sup.step()
    assert not sup.forced
    clock.advance(1)
    sup.step()
    assert sup.forced and all(child.signals == ["TERM", "KILL"] for child in spawner.children)


def test_run_forwards_one_sigterm_and_returns_once_every_process_stopped(monkeypatch):
    sup, spawner, clock = supervisor()
    sup.poll_interval_s = 0

    def step_then_signal(original=sup.step) -> None:
        original()
        if sup.signals == 0:
            signal.raise_signal(signal.SIGTERM)
        elif sup.stopping:
            for child in spawner.children:
                child.code = 0

    monkeypatch.setattr(sup, "step", step_then_signal)
    before = signal.getsignal(signal.SIGTERM)
    assert sup.run() == 0
    assert [child.signals for child in spawner.children] == [["TERM"], ["TERM"]]
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_heartbeat_probe_reads_the_beat_of_a_child_of_the_supervised_process(tmp_path: Path):
    heartbeats = Heartbeats(path=tmp_path / "beats")
    probe = HeartbeatProbe(heartbeats=heartbeats, clock=lambda: 1010.0)
    assert probe.age_s(7) is None
    heartbeats.write(Beat(pid=70, ppid=7, beat_at=1000.0))
    heartbeats.write(Beat(pid=80, ppid=8, beat_at=1009.0))
    assert probe.age_s(7) == pytest.approx(10.0)
    probe.forget(7)
    assert probe.age_s(7) is None and probe.age_s(8) == pytest.approx(1.0)
