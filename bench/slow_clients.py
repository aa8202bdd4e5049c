"""Does the API keep answering while slow clients hold connections open? Probes against a baseline of the same run.

Starts the API as ``truthgraph serve`` does (real gunicorn, the project's settings, a namespace of its own, the real
RabbitMQ and Redis; no worker: submitted tasks wait in the queue and are deleted at the end), then, twice for
``--seconds`` each:

- baseline: probes ``GET /healthz`` every 0.2 s and ``POST /api/v1/claims/{id}/verify`` every second;
- slow clients: the same probes while ``--clients`` slow-loris connections (loopback only) each send the headers of
  a request one byte every ``--byte-interval`` seconds and never finish them; a connection the server closes is
  opened again.

Prints, for each phase, the share of probes answered (2xx) within 1 s and the p50/p95 latency, and the ratio of the
slow phase to the baseline. Bounded in count and time: it stops by itself.

    python bench/slow_clients.py [--clients 50] [--seconds 30] [--serve-arg=--threads=8 ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.service import RABBITMQ_URL, REDIS_URL, Service, delete_namespace, service_env  # noqa: E402
from tests.integration.slow_clients import SlowLoris  # noqa: E402

#: A probe answered within this many seconds counts as answered in time.
ANSWER_BOUND_S = 1.0
#: A probe still unanswered after this many seconds counts as failed.
PROBE_TIMEOUT_S = 10.0
#: Time between two /healthz probes, and between two POST verify probes, in seconds.
HEALTH_EVERY_S = 0.2
SUBMIT_EVERY_S = 1.0
#: The most slow connections the bench opens, whatever it is asked.
MAX_CLIENTS = 500


@dataclass
class Probes:
    """Latencies of answered probes (seconds) and the count of failed ones, for one kind of request."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency: float | None) -> None:
        with self.lock:
            if latency is None:
                self.failures += 1
            else:
                self.latencies.append(latency)

    @property
    def total(self) -> int:
        return len(self.latencies) + self.failures

    def share_within(self, bound_s: float) -> float:
        return sum(1 for latency in self.latencies if latency <= bound_s) / max(1, self.total)

    def percentile(self, q: float) -> float:
        """The q-quantile latency in seconds, failed probes counting as the probe timeout."""
        values = sorted(self.latencies + [PROBE_TIMEOUT_S] * self.failures)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def probe(url: str, method: str, probes: Probes, body: dict | None = None) -> None:
    started = time.perf_counter()
    try:
        response = requests.request(method, url, json=body, timeout=PROBE_TIMEOUT_S)
        probes.record(time.perf_counter() - started if response.ok else None)
    except requests.RequestException:
        probes.record(None)


def measure(service: Service, seconds: float) -> tuple[Probes, Probes]:
    """Probe /healthz every 0.2 s and POST verify every second for ``seconds``; each probe on a new connection."""
    health, submit = Probes(), Probes()
    calls: list[tuple[float, Callable[[], None]]] = []
    for i in range(int(seconds / HEALTH_EVERY_S)):
        calls.append((i * HEALTH_EVERY_S, lambda: probe(f"{service.url}/healthz", "GET", health)))
    for i in range(int(seconds / SUBMIT_EVERY_S)):
        claim = {"claim_text": f"slow-client probe {uuid.uuid4().hex[:8]}"}
        url = f"{service.url}/api/v1/claims/slow-{uuid.uuid4().hex[:8]}/verify"
        calls.append((i * SUBMIT_EVERY_S + 0.1, lambda url=url, claim=claim: probe(url, "POST", submit, claim)))
    calls.sort(key=lambda call: call[0])
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for at, call in calls:
            time.sleep(max(0.0, started + at - time.monotonic()))
            pool.submit(call)
    return health, submit


def report(name: str, health: Probes, submit: Probes, base: Probes | None = None) -> None:
    ratio = f"  p50 {health.percentile(0.5) / base.percentile(0.5):.1f}x baseline" if base else ""
    print(f"{name:<22} GET /healthz: {health.share_within(ANSWER_BOUND_S):6.1%} of {health.total} within 1 s, "
          f"p50 {health.percentile(0.5) * 1000:7.1f} ms, p95 {health.percentile(0.95) * 1000:7.1f} ms{ratio}")
    print(f"{'':<22} POST verify:  {submit.share_within(ANSWER_BOUND_S):6.1%} of {submit.total} within 1 s, "
          f"p50 {submit.percentile(0.5) * 1000:7.1f} ms, p95 {submit.percentile(0.95) * 1000:7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help=f"slow connections (at most {MAX_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase (at most 300)")
    parser.add_argument("--byte-interval", type=float, default=1.0, help="seconds between two bytes of a slow client")
    parser.add_argument("--serve-arg", action="append", default=[], help="an extra `truthgraph serve` argument")
    args = parser.parse_args()
    clients = min(args.clients, MAX_CLIENTS)
    seconds = min(args.seconds, 300)

    with tempfile.TemporaryDirectory() as tmp:
        service = Service(env=service_env(Path(tmp)), log_dir=Path(tmp))
        try:
            service.start_api(serve_args=args.serve_arg)
            print(f"API: truthgraph serve --workers 2 {' '.join(args.serve_arg)}".rstrip())
            base_health, base_submit = measure(service, seconds)
            report("baseline", base_health, base_submit)
            with SlowLoris(port=service.port, count=clients, byte_interval_s=args.byte_interval) as loris:
                time.sleep(2 * args.byte_interval)  # every slow connection is open and has sent bytes
                health, submit = measure(service, seconds)
            report(f"{clients} slow clients", health, submit, base_health)
            print(f"slow connections closed by the server and opened again: {loris.reopened}")
        finally:
            service.stop()
            delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
