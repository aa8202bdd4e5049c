"""Service throughput and latency over real gunicorn and dramatiq processes, as ratios to a baseline.

Starts the API and one worker on the real RabbitMQ and Redis with the scripted test pipeline (so the
figures measure the messaging path, not a model), then:

- baseline: ``GET /healthz`` latency (the cost of an HTTP round trip through gunicorn);
- submit: ``POST /api/v1/claims/{id}/verify`` latency (validation, status write, confirmed publish);
- end to end: claims per second from the first submit to the last completed task.

    python bench/bench_service.py [--claims 300] [--threads 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.service import RABBITMQ_URL, REDIS_URL, Service, delete_namespace, service_env  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4, help="concurrent HTTP clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        service = Service(env=service_env(Path(tmp)), log_dir=Path(tmp))
        try:
            service.start_api()
            service.start_worker()
            session = requests.Session()
            health = [timed(lambda: session.get(f"{service.url}/healthz", timeout=5)) for _ in range(args.claims)]

            task_ids: list[str] = []

            def submit(i: int) -> float:
                started = time.perf_counter()
                response = requests.post(
                    f"{service.url}/api/v1/claims/bench-{i}/verify",
                    json={"claim_text": f"claim {i} {uuid.uuid4().hex[:6]} is true"},
                    timeout=10,
                )
                response.raise_for_status()
                task_ids.append(response.json()["task_id"])
                return (time.perf_counter() - started) * 1000

            started = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                submits = list(pool.map(submit, range(args.claims)))
            submitted_s = time.perf_counter() - started
            for task_id in task_ids:
                status = service.wait_until_done(task_id, timeout=300)
                assert status["status"] == "completed", status
            total_s = time.perf_counter() - started
        finally:
            service.stop()
            delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)

    base = statistics.median(health)
    print(f"claims: {args.claims}, client threads: {args.threads}")
    print(f"baseline GET /healthz     p50 {base:7.2f} ms  p95 {percentile(health, 0.95):7.2f} ms")
    print(f"POST verify (202)         p50 {statistics.median(submits):7.2f} ms  p95 {percentile(submits, 0.95):7.2f} ms"
          f"  = {statistics.median(submits) / base:.1f}x baseline")
    print(f"submit rate               {args.claims / submitted_s:7.1f} claims/s")
    print(f"end to end (to completed) {args.claims / total_s:7.1f} claims/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
