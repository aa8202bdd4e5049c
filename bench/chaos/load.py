"""The client side: claims with known verdicts, submitted at a steady rate, then followed over HTTP."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

#: How long a client waits for any answer, in seconds.
HTTP_TIMEOUT_S = 15
#: Shortest and longest scripted task, in seconds: long enough that faults meet tasks in flight.
TASK_SECONDS = (0.2, 1.0)
#: Word of the claim text → the verdict the scripted pipeline must give.
VERDICT_OF_WORD = {"true": "SUPPORTED", "false": "REFUTED", "unclear": "NOT_ENOUGH_INFO"}
PENDING_STATES = ("pending", "processing")
TERMINAL_STATES = ("completed", "failed")


@dataclass
class Observation:
    """What one GET answered: HTTP status (None: no answer), state, verdict label, time stamp, task id.

    ``error`` is the transport error, the body of a 5xx, or a failed task's error.
    """

    at_s: float
    source: str
    http_status: int | None
    state: str | None = None
    label: str | None = None
    stamp: str | None = None
    task_id: str | None = None
    error: str | None = None

    def same_answer(self, other: "Observation") -> bool:
        """Whether ``other`` answered the same (its time aside)."""
        return (self.http_status, self.state, self.label, self.stamp, self.task_id) == (
            other.http_status, other.state, other.label, other.stamp, other.task_id)


@dataclass
class Submission:
    """One claim with a unique id and a known expected verdict, and everything its client saw."""

    index: int
    claim_id: str
    claim_text: str
    expected: str
    sent_at_s: float | None = None
    answered_at_s: float | None = None
    http_status: int | None = None
    empty_body: bool = False
    error: str | None = None
    task_id: str | None = None
    observations: list[Observation] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Whether the POST got 202 and a task id."""
        return self.http_status == 202 and self.task_id is not None

    def last(self, source: str) -> Observation | None:
        """The latest answer seen from ``source`` ("task" or "verdict")."""
        return next((o for o in reversed(self.observations) if o.source == source), None)

    @property
    def terminal(self) -> bool:
        """Whether the task was last seen completed or failed."""
        seen = self.last("task")
        return seen is not None and seen.state in TERMINAL_STATES

    def observe(self, seen: Observation) -> None:
        """Keep ``seen`` when it differs from the previous answer of its source (answers that repeat add nothing)."""
        previous = self.last(seen.source)
        if previous is None or not previous.same_answer(seen):
            self.observations.append(seen)


def make_submissions(count: int, run_id: str, rng: random.Random) -> list[Submission]:
    """``count`` claims ``sleep:S:<claim id> claim N is <word>``, whose word decides the expected verdict."""
    submissions = []
    for index in range(count):
        claim_id = f"chaos-{run_id}-{index:05d}"
        word = rng.choice(list(VERDICT_OF_WORD))
        seconds = rng.uniform(*TASK_SECONDS)
        text = f"sleep:{seconds:.2f}:{claim_id} claim {index} is {word}"
        submissions.append(Submission(index, claim_id, text, VERDICT_OF_WORD[word]))
    return submissions


@dataclass
class Client:
    """The campaign's HTTP client: one session per thread; GET answers 5xx other than 503 are kept."""

    base_url: str
    clock: Callable[[], float]
    get_5xx_other: list[Observation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def submit(self, submission: Submission) -> None:
        """POST the claim once (no retry: every answer is what a client would have to act on)."""
        submission.sent_at_s = self.clock()
        try:
            response = self._session().post(
                f"{self.base_url}/api/v1/claims/{submission.claim_id}/verify",
                json={"claim_text": submission.claim_text}, timeout=HTTP_TIMEOUT_S,
            )
        except requests.RequestException as e:
            submission.answered_at_s = self.clock()
            submission.error = type(e).__name__
            return
        submission.answered_at_s = self.clock()
        submission.http_status = response.status_code
        submission.empty_body = not response.content
        if response.status_code == 202:
            submission.task_id = _json(response).get("task_id")

    def read_task(self, submission: Submission) -> Observation:
        """GET the task's status and keep what it says."""
        seen, body = self._get("task", f"/api/v1/tasks/{submission.task_id}")
        if seen.http_status == 200:
            result = body.get("result") if isinstance(body.get("result"), dict) else {}
            seen.state, seen.label = body.get("status"), result.get("verdict")
            seen.stamp, seen.task_id = body.get("completed_at"), body.get("task_id")
            seen.error = body.get("error") if seen.state == "failed" else None
        submission.observe(seen)
        return seen

    def read_verdict(self, submission: Submission) -> Observation:
        """GET the claim's verdict and keep what it says (202: a task of the claim still runs)."""
        seen, body = self._get("verdict", f"/api/v1/verdicts/{submission.claim_id}")
        if seen.http_status == 200:
            seen.state, seen.label, seen.stamp = "completed", body.get("verdict"), body.get("verified_at")
            seen.task_id = body.get("task_id")
        elif seen.http_status == 202:
            seen.state, seen.task_id = body.get("status"), body.get("task_id")
        submission.observe(seen)
        return seen

    def _get(self, source: str, path: str) -> tuple[Observation, dict[str, Any]]:
        try:
            response = self._session().get(f"{self.base_url}{path}", timeout=HTTP_TIMEOUT_S)
        except requests.RequestException as e:
            return Observation(self.clock(), source, None, error=type(e).__name__), {}
        seen = Observation(self.clock(), source, response.status_code)
        if response.status_code >= 500 and response.status_code != 503:
            seen.error = "empty body" if not response.content else response.text[:200]
            self.get_5xx_other.append(seen)
        return seen, _json(response)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def submit_all(client: Client, submissions: list[Submission], *, rate: float, clients: int,
               stopping: threading.Event) -> None:
    """Send every submission at ``rate`` per second over ``clients`` threads; return when all are answered."""
    started = time.monotonic()
    with ThreadPoolExecutor(clients, thread_name_prefix="client") as pool:
        for number, submission in enumerate(submissions):
            if stopping.wait(max(0.0, started + number / rate - time.monotonic())):
                break
            pool.submit(client.submit, submission)


@dataclass
class Follower:
    """Follows every accepted task until it is terminal, so a later change of outcome shows."""

    client: Client
    submissions: list[Submission]
    stopping: threading.Event
    interval_s: float = 0.5

    def run(self) -> None:
        """Thread body: a pass over the tasks not yet seen terminal, every ``interval_s`` seconds."""
        while not self.stopping.wait(self.interval_s):
            for submission in self.submissions:
                if self.stopping.is_set():
                    return
                if submission.accepted and not submission.terminal:
                    self.client.read_task(submission)

    def unsettled(self) -> int:
        """Accepted tasks not yet seen terminal."""
        return sum(1 for s in self.submissions if s.accepted and not s.terminal)
