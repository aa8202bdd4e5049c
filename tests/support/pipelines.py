"""Pipelines for tests whose behaviour is scripted by the claim text.

- ``fail-temporary:N:<tag>`` raises TemporaryError on the first N attempts, then verifies;
- ``fail-permanent:<tag>`` raises PermanentError;
- ``sleep:SECONDS:<tag>`` takes that long (in small steps, reporting progress);
- ``crash:<tag>`` kills the worker process that runs it (SIGKILL), every time: a poison message;
- anything else is verified by a word rule: "true" → SUPPORTED, "false" → REFUTED, else NOT_ENOUGH_INFO.

``scripted_pipeline`` counts attempts in Redis (``TRUTHGRAPH_REDIS_URL``), so they survive across worker
processes; ``in_process_scripted_pipeline`` counts them in memory, for a StubBroker worker whose retries stay in
its process.

``TRUTHGRAPH_TEST_HANG_BOOTS=N`` (read only here) makes the first N loads of ``scripted_pipeline`` in a namespace
hang, counted in Redis: a worker process that never becomes ready, for the supervisor's tests.

With ``TRUTHGRAPH_TEST_EXECUTION_LOG=path`` set, ``scripted_pipeline`` appends a JSON line to that file when an
execution starts and when it finishes, so a fault campaign (``bench/chaos.py``) can tell which claims ran, and
how often, even when the client never learnt of it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Mapping

import redis

from truthgraph.domain import Evidence, Label, Stance, Verdict
from truthgraph.errors import PermanentError, TemporaryError
from truthgraph.settings import Settings
from truthgraph.verification.base import ProgressCallback, no_progress


class RedisAttempts:
    """Counts the attempts at each claim text in Redis, under the settings' namespace."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redis = redis.Redis.from_url(settings.redis_url)

    def __call__(self, claim_text: str) -> int:
        key = f"{self.settings.namespace}:test-attempts:{claim_text}"
        attempt = int(self.redis.incr(key))
        self.redis.expire(key, 600)
        return attempt


class InProcessAttempts:
    """Counts the attempts at each claim text in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()

    def __call__(self, claim_text: str) -> int:
        with self._lock:
            self._attempts[claim_text] += 1
            return self._attempts[claim_text]


class ExecutionLog:
    """Appends one JSON line per event to a file that every worker process shares."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def record(self, event: str, claim_text: str, **details: Any) -> None:
        """Append ``{"event", "claim", "pid", "at", **details}`` in one O_APPEND write, so lines never interleave."""
        line = {"event": event, "claim": claim_text, "pid": os.getpid(), "at": time.time(), **details}
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
        finally:
            os.close(fd)


class ScriptedPipeline:
    """A VerificationPipeline whose behaviour the claim text chooses.

    ``attempts`` returns the number of the attempt being made at a claim text (1 for the first);
    by default they are counted in Redis. ``execution_log``, when given, records each execution's start and end.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        attempts: Callable[[str], int] | None = None,
        execution_log: ExecutionLog | None = None,
    ) -> None:
        self.settings = settings
        self._attempt = attempts or RedisAttempts(settings)
        self._log = execution_log

    def verify(self, claim_text: str, options: Mapping[str, Any], progress: ProgressCallback = no_progress) -> Verdict:
        if self._log is not None:
            self._log.record("start", claim_text)
        verdict = self._verify(claim_text, progress)
        if self._log is not None:
            self._log.record("done", claim_text, verdict=verdict.label.value)
        return verdict

    def cache_key(self, claim_text: str, options: Mapping[str, Any]) -> None:
        """Scripted verdicts are never cached: every submission runs (the fault campaign counts executions)."""
        return None

    def _verify(self, claim_text: str, progress: ProgressCallback) -> Verdict:
        progress(10, "retrieval")
        command, _, rest = claim_text.partition(":")
        if command == "crash":  # a poison message: it kills the worker process that runs it, every time
            os.kill(os.getpid(), signal.SIGKILL)
        if command == "fail-temporary":
            failures = int(rest.split(":", 1)[0])
            attempt = self._attempt(claim_text)
            if attempt <= failures:
                raise TemporaryError(f"scripted temporary failure {attempt} of {failures}")
        elif command == "fail-permanent":
            self._attempt(claim_text)
            raise PermanentError("scripted permanent failure")
        elif command == "sleep":
            seconds = float(rest.split(":", 1)[0])
            steps = 10
            for step in range(steps):
                time.sleep(seconds / steps)
                progress(10 + 8 * (step + 1), "stance")
        progress(60, "stance")
        words = claim_text.lower().split()
        label = Label.SUPPORTED if "true" in words else Label.REFUTED if "false" in words else Label.NOT_ENOUGH_INFO
        progress(90, "aggregation")
        evidence = [
            Evidence(
                passage_id="p1",
                source="scripted",
                title="Scripted",
                text=claim_text,
                retrieval_score=1.0,
                stance=Stance.ENTAILS if label is Label.SUPPORTED else Stance.NEUTRAL,
                stance_probabilities={"entails": 0.8, "contradicts": 0.1, "neutral": 0.1},
            )
        ]
        return Verdict(claim=claim_text, label=label, confidence=0.8, evidence=evidence, model="scripted")


#: How long a hanging load waits, in seconds: longer than any test waits for it.
HANG_S = 600


def scripted_pipeline(settings: Settings) -> ScriptedPipeline:
    """Factory named by ``TRUTHGRAPH_PIPELINE=tests.support.pipelines:scripted_pipeline``."""
    hang_boots = int(os.environ.get("TRUTHGRAPH_TEST_HANG_BOOTS") or 0)
    if hang_boots:
        client = redis.Redis.from_url(settings.redis_url)
        key = f"{settings.namespace}:test-boots"
        boot = int(client.incr(key))
        client.expire(key, 600)
        if boot <= hang_boots:
            time.sleep(HANG_S)
    path = os.environ.get("TRUTHGRAPH_TEST_EXECUTION_LOG")
    return ScriptedPipeline(settings, execution_log=ExecutionLog(path) if path else None)


def in_process_scripted_pipeline(settings: Settings) -> ScriptedPipeline:
    """The scripted pipeline counting attempts in memory: for unit tests on a StubBroker, without Redis."""
    return ScriptedPipeline(settings, attempts=InProcessAttempts())
