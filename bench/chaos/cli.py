"""The fault campaign's command line and its course: start, load, inject, settle, read back, classify.

    python bench/chaos.py [--submissions 600] [--faults 35] [--rate 4] [--settle 120]
                          [--redis-persistence aof|none] [--use-shared-services] [--json OUT] [--check]

It starts its own Redis (AOF by default) and RabbitMQ node on free loopback ports, the real API
(``truthgraph serve``) and two ``truthgraph worker`` commands with the scripted test pipeline, submits
claims with known verdicts at a steady rate while a thread injects faults (worker kill -9, worker SIGTERM,
gunicorn worker kill -9, RabbitMQ restart, Redis kill -9 and restart), restarts the top-level processes
that exit, waits for every accepted task to finish, and classifies each submission from what a client can
see. Everything it started is stopped on the way out, Ctrl-C included. Exit code 0 unless ``--check`` finds
a broken promise (1) or the campaign could not run (2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.service import RABBITMQ_URL, REDIS_URL, delete_namespace, free_port

from .backing import BackingServiceError, RabbitNode, RedisServer
from .faults import FAULT_KINDS, FaultInjector, fault_plan
from .load import Client, Follower, Submission, make_submissions, submit_all
from .processes import Interrupted, ProcessGroups, wait_until
from .report import Executions, Report, classify
from .service import TruthGraph

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SUBMISSIONS = 600
DEFAULT_FAULTS = 35
#: Submissions per second.
DEFAULT_RATE = 4.0
DEFAULT_CLIENTS = 4
#: Longest wait for the accepted tasks to finish once submitting and faults are over, in seconds.
DEFAULT_SETTLE_S = 120
#: ``truthgraph worker`` commands (each one dramatiq process with two threads).
WORKERS = 2
#: Final reads retried this many times while the API answers 503 or nothing.
FINAL_READ_ATTEMPTS = 5


def build_parser() -> argparse.ArgumentParser:
    """The campaign's options."""
    parser = argparse.ArgumentParser(prog="bench/chaos.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=DEFAULT_SUBMISSIONS, help="claims to submit")
    parser.add_argument("--faults", type=int, default=DEFAULT_FAULTS, help="faults in all, spread over the kinds")
    parser.add_argument("--kinds", default=",".join(FAULT_KINDS), help="fault kinds, comma-separated")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="submissions per second")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="client threads")
    parser.add_argument("--settle", type=float, default=DEFAULT_SETTLE_S, help="seconds to wait for tasks to finish")
    parser.add_argument("--redis-persistence", choices=("aof", "none"), default="aof",
                        help="the campaign's Redis: AOF fsynced every second (the target setup) or nothing")
    parser.add_argument("--use-shared-services", action="store_true",
                        help="use the shared RabbitMQ and Redis (own namespace; their restarts are skipped)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the claims, the fault order and the targets (default: a fresh one, reported)")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="write the full classification")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, AOF, execution log)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when anything is lost, stuck, duplicated, conflicting, 503-but-executed or 5xx")
    return parser


def say(text: str) -> None:
    """Progress, on stderr."""
    print(text, file=sys.stderr, flush=True)


@dataclass
class Campaign:
    """One run of the campaign; :meth:`close` undoes everything :meth:`run` started, whatever happened."""

    args: argparse.Namespace
    stopping: threading.Event = field(default_factory=threading.Event)
    redis: RedisServer | None = None
    rabbit: RabbitNode | None = None
    service: TruthGraph | None = None
    threads: list[threading.Thread] = field(default_factory=list)
    failed: bool = False

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.epoch_at_start = time.time()
        self.run_id = uuid.uuid4().hex[:6]
        self.namespace = f"chaos-{self.run_id}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"truthgraph-chaos-{self.run_id}-"))
        (self.workdir / "logs").mkdir()
        self.groups = ProcessGroups(self.workdir / "logs")
        if self.args.seed is None:
            self.args.seed = random.randrange(2**32)
        self.rng = random.Random(self.args.seed)
        self.marks: dict[str, float] = {}

    def clock(self) -> float:
        """Seconds since the campaign began."""
        return time.monotonic() - self.started

    def _mark(self, phase: str, since: float) -> float:
        now = self.clock()
        self.marks[phase] = now - since
        return now

    def run(self) -> Report:
        """Start, load with faults, settle, read back and classify."""
        args = self.args
        rabbitmq_url, redis_url = self._start_backing()
        env = self._service_env(rabbitmq_url, redis_url)
        self.service = TruthGraph(groups=self.groups, stopping=self.stopping, env=env, root=ROOT, port=free_port(),
                                  worker_count=WORKERS, clock=self.clock)
        self.service.start()
        phase = self._mark("startup", 0.0)
        say(f"[{phase:6.1f} s] service up in {self.workdir}: namespace {self.namespace}, API {self.service.url}")

        submissions = make_submissions(args.submissions, self.run_id, self.rng)
        client = Client(self.service.url, self.clock)
        follower = Follower(client, submissions, self.stopping)
        window_s = args.submissions / args.rate
        kinds = tuple(k for k in args.kinds.split(",") if k)
        injector = FaultInjector(
            service=self.service, redis=self.redis, rabbit=self.rabbit, plan=fault_plan(kinds, args.faults, self.rng),
            interval_s=window_s / (args.faults + 1), deadline_s=self.clock() + 2 * window_s + 120, clock=self.clock,
            rng=self.rng, stopping=self.stopping, report=say,
        )
        for name, target in (("follower", follower.run), ("faults", injector.run)):
            self.threads.append(threading.Thread(target=target, name=name, daemon=True))
            self.threads[-1].start()
        submit_all(client, submissions, rate=args.rate, clients=args.clients, stopping=self.stopping)
        phase = self._mark("submitting", phase)
        say(f"[{phase:6.1f} s] submitted {len(submissions)}; waiting for the faults to end")
        self.threads[1].join(timeout=max(0.0, injector.deadline_s - self.clock()) + 300)
        phase = self._mark("faults-after-submitting", phase)
        self._settle(follower, phase)
        phase = self._mark("settle", phase)
        self.stopping.set()
        self.threads[0].join(timeout=30)
        self._read_back(client, submissions)
        self._mark("reads", phase)
        self.marks["total"] = self.clock()

        executions = Executions.read(self.workdir / "executions.jsonl", epoch_at_start=self.epoch_at_start)
        errors = [f"fault thread: {injector.error!r}"] if injector.error else []
        return Report(
            settings={**{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                      "namespace": self.namespace, "workdir": str(self.workdir), "workers": WORKERS},
            faults=injector.faults, restarts=self.service.restarts,
            classified=[classify(s, executions, injector.faults) for s in submissions],
            get_5xx_other=len(client.get_5xx_other), seconds=self.marks, errors=errors,
        )

    def _start_backing(self) -> tuple[str, str]:
        """The campaign's own Redis and RabbitMQ node, or the shared ones with ``--use-shared-services``."""
        if self.args.use_shared_services:
            return RABBITMQ_URL, REDIS_URL
        self.redis = RedisServer(self.groups, self.stopping, free_port(), self.workdir / "redis",
                                 self.args.redis_persistence)
        self.redis.start()
        self.rabbit = RabbitNode(self.groups, self.stopping, f"chaos-{os.getpid()}-{self.run_id}@localhost",
                                 free_port(), free_port(), self.workdir / "rabbitmq")
        self.rabbit.start()
        return self.rabbit.url, self.redis.url

    def _service_env(self, rabbitmq_url: str, redis_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRUTHGRAPH_")}
        env.update(
            TRUTHGRAPH_NAMESPACE=self.namespace,
            TRUTHGRAPH_RABBITMQ_URL=rabbitmq_url,
            TRUTHGRAPH_RABBITMQ_MANAGEMENT_URL="http://127.0.0.1:9",  # no management plugin: statistics over AMQP
            TRUTHGRAPH_REDIS_URL=redis_url,
            TRUTHGRAPH_DATA_DIR=str(self.workdir / "data"),
            TRUTHGRAPH_PIPELINE="tests.support.pipelines:scripted_pipeline",
            TRUTHGRAPH_AUTH="off",  # the campaign measures what faults do to tasks; keys are tested on their own
            TRUTHGRAPH_TEST_EXECUTION_LOG=str(self.workdir / "executions.jsonl"),
            TRUTHGRAPH_MIN_BACKOFF_S="0.2",
            TRUTHGRAPH_MAX_BACKOFF_S="1",
            PYTHONPATH=str(ROOT),
        )
        return env

    def _settle(self, follower: Follower, since: float) -> None:
        """Wait, at most ``--settle`` seconds, until the service is whole and every accepted task is terminal."""
        deadline = time.monotonic() + self.args.settle
        assert self.service is not None
        try:
            wait_until(self.service.whole, timeout_s=self.args.settle, stopping=self.stopping,
                       what="restarted service")
        except TimeoutError as e:
            say(f"[{self.clock():6.1f} s] {e}")
        last_said = 0.0
        while follower.unsettled() and time.monotonic() < deadline and not self.stopping.is_set():
            if time.monotonic() - last_said > 10:
                say(f"[{self.clock():6.1f} s] settling: {follower.unsettled()} tasks not finished")
                last_said = time.monotonic()
            time.sleep(0.5)

    def _read_back(self, client: Client, submissions: list[Submission]) -> None:
        """The final reads: task and verdict of every accepted claim; the verdict of every other one."""
        for submission in submissions:
            readers = [client.read_task, client.read_verdict] if submission.accepted else [client.read_verdict]
            for read in readers:
                for _ in range(FINAL_READ_ATTEMPTS):
                    seen = read(submission)
                    if seen.http_status not in (None, 503):
                        break
                    time.sleep(1)

    def close(self) -> None:
        """Stop every thread and process the campaign started; remove its folder unless kept (or it failed)."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
        for stop in (self.service and self.service.stop, self.rabbit and self.rabbit.stop,
                     self.redis and self.redis.stop):
            if stop:
                try:
                    stop()
                except Exception as e:  # keep going: the sweep below ends what this left
                    say(f"while stopping: {e!r}")
        self.groups.end_all()
        if self.args.use_shared_services:
            try:
                delete_namespace(RABBITMQ_URL, REDIS_URL, self.namespace)
            except Exception as e:
                say(f"could not remove namespace {self.namespace}: {e!r}")
        if self.args.keep or self.failed:
            say(f"work folder kept: {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the campaign, print the summary, write ``--json``; 1 on a failed ``--check``, 2 when it cannot run."""
    args = build_parser().parse_args(argv)
    unknown = set(filter(None, args.kinds.split(","))) - set(FAULT_KINDS)
    if unknown or args.submissions < 1 or args.faults < 0 or args.rate <= 0 or args.clients < 1:
        build_parser().error(f"bad options (unknown kinds: {sorted(unknown)})" if unknown else "bad counts")
    # SIGINT too: a shell that starts the campaign in the background leaves it ignoring Ctrl-C's signal.
    previous = {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    campaign = Campaign(args)
    try:
        report = campaign.run()
    except (KeyboardInterrupt, Interrupted):
        say("interrupted: stopping everything the campaign started")
        return 130
    except (BackingServiceError, TimeoutError, RuntimeError, OSError) as e:
        campaign.failed = True
        say(f"chaos: the campaign could not run: {e}")
        return 2
    finally:
        for signum in previous:  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signum, signal.SIG_IGN)
        campaign.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print(report.summary_line())
    for line in report.detail_lines():
        print(f"  {line}")
    if args.json is not None:
        args.json.write_text(json.dumps(report.to_json(), indent=1))
    if args.check:
        failures = report.failures()
        print("check: " + (f"FAILED ({', '.join(f'{k} {n}' for k, n in failures.items())})" if failures else "passed"))
        return 1 if failures else 0
    return 0
