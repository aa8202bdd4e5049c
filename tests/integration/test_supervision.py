"""Supervised workers over real processes: replaced when they die or hang, drained on one signal, killed on two;
``truthgraph run`` keeps its API up while its worker is replaced; slow clients do not stall the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from truthgraph.heartbeats import Beat
from truthgraph.settings import Settings
from truthgraph.status_store import TaskStatusStore

from .service import ROOT, Service, wait_for
from .slow_clients import SlowLoris

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8]


def _state(pid: int) -> str | None:
    """The process's state letter from /proc (``Z`` for a zombie), None when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def running(pid: int) -> bool:
    return _state(pid) not in (None, "Z")


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def ready_workers(service: Service, count: int | None = None) -> list[Beat] | None:
    """The fresh heartbeats of running worker processes; None unless there are ``count`` of them."""
    beats = [b for b in service.heartbeats.fresh(now=time.time(), max_age_s=10) if running(b.pid)]
    return beats if count is None or len(beats) == count else None


def worker_health(service: Service) -> int:
    command = [sys.executable, "-m", "truthgraph.cli", "worker-health"]
    return subprocess.run(command, env=service.env, cwd=ROOT, capture_output=True, timeout=30).returncode


def started_pids(command: subprocess.Popen, name: str) -> list[int]:
    """The pids the supervisor logged as started for program ``name``."""
    prefix = f"Started {name} (pid "
    lines = command.log_path.read_text(errors="replace").splitlines()  # type: ignore[attr-defined]
    return [int(line.split(prefix, 1)[1].split(")")[0]) for line in lines if prefix in line]


def submit_and_wait_processing(service: Service, claim_text: str) -> str:
    response = service.post_claim(f"sup-{tag()}", claim_text)
    assert response.status_code == 202, response.text
    task_id = response.json()["task_id"]
    wait_for(lambda: service.task(task_id).json()["status"] == "processing", timeout=30, what="processing")
    return task_id


def test_a_killed_worker_process_is_replaced_while_its_sibling_keeps_running(make_service):
    service = make_service()
    supervisor = service.start_command("worker", "--processes", "2", "--threads", "1")
    victim, sibling = wait_for(lambda: ready_workers(service, 2), timeout=60, what="two ready worker processes")

    os.kill(victim.pid, signal.SIGKILL)
    replaced = wait_for(
        lambda: {b.pid for b in ready_workers(service) or []} - {victim.pid, sibling.pid},
        timeout=60, what="a new worker process in place of the killed one",
    )
    assert len(replaced) == 1
    assert running(sibling.pid) and sibling.pid in {b.pid for b in ready_workers(service, 2) or []}
    assert len(started_pids(supervisor, "worker-1") + started_pids(supervisor, "worker-2")) == 3

    wait_for(lambda: service.consumers() == 2, timeout=30, what="two consumers")
    response = service.post_claim(f"after-{tag()}", f"after the crash {tag()} true")
    assert service.wait_until_done(response.json()["task_id"])["status"] == "completed"
    assert supervisor.poll() is None


def test_a_worker_process_that_never_gets_ready_is_killed_and_started_again(make_service):
    service = make_service(TRUTHGRAPH_TEST_HANG_BOOTS="1")
    supervisor = service.start_command("worker", "--processes", "1", "--threads", "1", "--ready-timeout", "3")
    wait_for(lambda: ready_workers(service, 1), timeout=60, what="a ready worker process after the hung one")

    log = supervisor.log_path.read_text(errors="replace")  # type: ignore[attr-defined]
    assert "was not ready within 3 s: killing it" in log
    hung, *_ = started_pids(supervisor, "worker-1")
    assert group_members(hung) == []  # the dramatiq master and the worker process it started are both gone

    response = service.post_claim(f"after-hang-{tag()}", f"after the hang {tag()} true")
    assert service.wait_until_done(response.json()["task_id"])["status"] == "completed"


def test_one_sigterm_to_the_worker_command_lets_an_in_flight_task_finish(make_service):
    service = make_service()
    supervisor = service.start_command("worker", "--processes", "2", "--threads", "1")
    wait_for(lambda: ready_workers(service, 2), timeout=60, what="two ready worker processes")
    assert worker_health(service) == 0

    task_id = submit_and_wait_processing(service, f"sleep:3:{tag()} true")
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=90) == 0
    assert service.task(task_id).json()["status"] == "completed"
    assert service.heartbeats.beats() == []
    assert worker_health(service) == 1


def test_a_second_signal_kills_the_workers_at_once(make_service):
    service = make_service()
    supervisor = service.start_command("worker", "--processes", "1", "--threads", "1")
    wait_for(lambda: ready_workers(service, 1), timeout=60, what="a ready worker process")
    masters = started_pids(supervisor, "worker-1")

    task_id = submit_and_wait_processing(service, f"sleep:60:{tag()} true")
    supervisor.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=20) == 1
    assert all(group_members(pid) == [] for pid in masters)
    assert service.task(task_id).json()["status"] == "processing"  # unacknowledged: RabbitMQ will redeliver it


def test_run_keeps_the_api_answering_while_its_worker_is_replaced_and_one_ctrl_c_drains(make_service):
    service = make_service(api=False)
    run = service.start_command(
        "run", "--port", str(service.port), "--processes", "1", "--threads", "2", own_session=True
    )
    wait_for(lambda: _healthz(service.url), timeout=30, what="the API of truthgraph run")
    (victim,) = wait_for(lambda: ready_workers(service, 1), timeout=60, what="a ready worker process")
    (arbiter,) = started_pids(run, "api")

    os.kill(victim.pid, signal.SIGKILL)
    answered, failed = 0, 0
    deadline = time.monotonic() + 60
    while not {b.pid for b in ready_workers(service) or []} - {victim.pid}:
        assert time.monotonic() < deadline, "the killed worker process was not replaced"
        if _healthz(service.url):
            answered += 1
        else:
            failed += 1
        time.sleep(0.1)
    assert failed == 0 and answered > 0
    assert running(arbiter) and started_pids(run, "api") == [arbiter]

    wait_for(lambda: service.consumers() == 1, timeout=30, what="the new worker to consume")
    task_id = submit_and_wait_processing(service, f"sleep:3:{tag()} true")
    os.killpg(run.pid, signal.SIGINT)  # a terminal's Ctrl-C: SIGINT to its whole foreground process group
    assert run.wait(timeout=90) == 0
    status = TaskStatusStore.from_settings(Settings.from_env(service.env)).get(task_id)
    assert status is not None and status.status.value == "completed"


def test_slow_clients_do_not_stall_the_api(make_service):
    service = make_service()
    with SlowLoris(port=service.port, count=20, byte_interval_s=0.5):
        time.sleep(1.5)  # every slow connection is open and has sent part of its headers
        for _ in range(15):
            assert requests.get(f"{service.url}/healthz", timeout=5).status_code == 200
            time.sleep(0.2)
        assert service.post_claim(f"slow-{tag()}", "submitted among slow clients").status_code == 202


def _healthz(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
