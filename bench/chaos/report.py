"""Classify every submission from what its client saw (and the execution log), and summarise the campaign."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .faults import FAULT_KINDS, Fault
from .load import PENDING_STATES, TASK_SECONDS, Submission
from .service import Restart

ACCEPTED_OUTCOMES = ("completed", "failed-visibly", "lost", "stuck", "duplicated", "conflicting")
#: Counts that ``--check`` requires to be zero.
CHECKED = ("lost", "stuck", "duplicated", "conflicting", "503-but-executed", "5xx-other")


@dataclass
class Executions:
    """How often each claim text started and ran to its end, and when it last did, from the pipeline's log."""

    started: Counter[str] = field(default_factory=Counter)
    finished: Counter[str] = field(default_factory=Counter)
    #: Campaign seconds of each claim's last start or end.
    last_at_s: dict[str, float] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path, *, epoch_at_start: float) -> "Executions":
        """Read the JSON lines the workers appended (a line cut short by a kill is ignored)."""
        executions = cls()
        if not path.exists():
            return executions
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            claim = event.get("claim", "")
            counter = executions.started if event.get("event") == "start" else executions.finished
            counter[claim] += 1
            executions.last_at_s[claim] = max(executions.last_at_s.get(claim, 0.0), event["at"] - epoch_at_start)
        return executions


@dataclass
class Classified:
    """One submission's class: the answer to its POST and, when accepted, its outcome."""

    claim_id: str
    expected: str
    answer: str
    outcome: str | None
    task_id: str | None
    started: int
    finished: int
    ran_at_s: float | None
    reasons: list[str]
    blamed_fault: str | None
    submission: dict[str, Any]


def classify(submission: Submission, executions: Executions, faults: list[Fault]) -> Classified:
    """The class of one submission; ``blamed_fault`` is the latest fault before it first went wrong."""
    started = executions.started[submission.claim_text]
    finished = executions.finished[submission.claim_text]
    ran_at_s = executions.last_at_s.get(submission.claim_text)
    reasons: list[str] = []
    outcome = None
    blame_at = submission.answered_at_s
    status = submission.http_status
    if submission.accepted:
        answer = "accepted"
        outcome, reasons, blame_at = _outcome(submission, started, ran_at_s)
    elif status == 503:
        answer = "503-but-executed" if started else "503"
    elif status is not None and status >= 500:
        answer = "5xx-other"
        reasons.append("empty body" if submission.empty_body else f"HTTP {status}")
    elif status is None:
        answer = "no-answer"
        reasons.append(submission.error or "no answer")
    else:
        answer = f"http-{status}"
    went_wrong = answer != "accepted" or outcome not in ("completed", "failed-visibly")
    blamed = _latest_fault_before(faults, blame_at) if went_wrong else None
    return Classified(submission.claim_id, submission.expected, answer, outcome, submission.task_id, started,
                      finished, ran_at_s, reasons, blamed, asdict(submission))


def _outcome(submission: Submission, started: int, ran_at_s: float | None) -> tuple[str, list[str], float | None]:
    """completed / failed-visibly / lost / stuck / duplicated / conflicting, the reasons, and when it went wrong.

    ``ran_at_s`` is when the claim last started or ended on a worker (None: it never ran).
    """
    task, verdict = submission.last("task"), submission.last("verdict")
    assert task is not None and verdict is not None, "final reads are made for every accepted task"
    if task.http_status != 200:
        first_gone = next((o.at_s for o in submission.observations if o.source == "task" and o.http_status == 404),
                          task.at_s)
        return "lost", [f"task answered {task.http_status or task.error}"], first_gone
    if task.state in PENDING_STATES:  # its status stopped following it: when it last ran, or its last change
        went_wrong = ran_at_s if ran_at_s is not None else task.at_s + TASK_SECONDS[1]
        return "stuck", [f"task still {task.state}"], went_wrong
    seen_terminal = [o for o in submission.observations
                     if o.source == "task" and o.http_status == 200 and o.state not in PENDING_STATES]
    terminal = {(o.state, o.label, o.stamp) for o in seen_terminal}
    reasons = []
    if len(terminal) > 1:
        reasons.append(f"task showed {len(terminal)} outcomes: {sorted(map(str, terminal))}")
    if task.state == "completed":
        if verdict.http_status == 404:
            return "lost", ["task completed but its verdict is 404"], seen_terminal[0].at_s
        if verdict.http_status != 200:
            reasons.append(f"verdict answered {verdict.http_status or verdict.error} {verdict.state or ''}".strip())
        else:
            if verdict.task_id != submission.task_id:
                reasons.append(f"verdict comes from another task {verdict.task_id}")
            if verdict.label != task.label:
                reasons.append(f"verdict {verdict.label} but task result {task.label}")
        if task.label != submission.expected:
            reasons.append(f"verdict {task.label}, expected {submission.expected}")
    elif verdict.http_status == 200:
        reasons.append(f"task failed but a verdict is readable (task {verdict.task_id})")
    if reasons:
        return ("duplicated" if started > 1 else "conflicting"), reasons, task.at_s
    if task.state == "completed":
        return "completed", [], None
    return "failed-visibly", [task.error or "failed without an error"], None


def _latest_fault_before(faults: list[Fault], at_s: float | None) -> str | None:
    if at_s is None:
        return None
    before = [f for f in faults if not f.skipped and f.at_s <= at_s]
    return before[-1].kind if before else None


@dataclass
class Report:
    """The campaign's result: every submission's class, the faults, the restarts, the times."""

    settings: dict[str, Any]
    faults: list[Fault]
    restarts: list[Restart]
    classified: list[Classified]
    get_5xx_other: int
    seconds: dict[str, float]
    errors: list[str] = field(default_factory=list)

    def count(self, name: str) -> int:
        """Submissions whose answer or outcome is ``name``; ``5xx-other`` adds the GETs that got one."""
        found = sum(1 for c in self.classified if name in (c.answer, c.outcome))
        return found + self.get_5xx_other if name == "5xx-other" else found

    @property
    def injected(self) -> list[Fault]:
        """The faults that were injected, not skipped."""
        return [f for f in self.faults if not f.skipped]

    def summary_line(self) -> str:
        """The one line that says how the service kept its promises."""
        accepted = sum(1 for c in self.classified if c.answer == "accepted")
        counts = ", ".join(f"{name} {self.count(name)}" for name in
                           ("completed", "failed-visibly", "lost", "stuck", "duplicated", "503-but-executed"))
        return f"submitted {len(self.classified)}, faults {len(self.injected)}, accepted {accepted}, {counts}"

    def failures(self) -> dict[str, int]:
        """The checked counts that are not zero; a campaign that broke down (its fault thread died) fails too."""
        failures = {name: self.count(name) for name in CHECKED if self.count(name)}
        return {**failures, "campaign-errors": len(self.errors)} if self.errors else failures

    def detail_lines(self) -> list[str]:
        """A few lines under the summary: faults by kind, answers, executions, blame, restarts, times."""
        by_kind = Counter(f.kind for f in self.injected)
        skipped = Counter(f"{f.kind} ({f.skipped})" for f in self.faults if f.skipped)
        answers = Counter(c.answer for c in self.classified)
        empty = sum(1 for c in self.classified if c.answer == "5xx-other" and "empty body" in c.reasons)
        twice = sum(1 for c in self.classified if c.started > 1)
        twice_done = sum(1 for c in self.classified if c.finished > 1)
        no_answer_ran = sum(1 for c in self.classified if c.answer == "no-answer" and c.started)
        blame: dict[str, Counter[str]] = {}
        for c in self.classified:
            name = c.outcome or c.answer
            if name not in ("completed", "failed-visibly"):
                blame.setdefault(name, Counter())[c.blamed_fault or "none"] += 1
        restarts = Counter(r.name for r in self.restarts)
        lines = [
            "faults by kind: " + ", ".join(f"{k} {by_kind[k]}" for k in FAULT_KINDS)
            + (f"; skipped: {', '.join(f'{k} {n}' for k, n in skipped.items())}" if skipped else ""),
            f"answers: 202 {answers['accepted']}, 503 {answers['503'] + answers['503-but-executed']}, "
            f"5xx-other {self.count('5xx-other')} (POST {answers['5xx-other']}, empty body {empty}; "
            f"GET {self.get_5xx_other}), no answer {answers['no-answer']}, "
            f"other {sum(n for a, n in answers.items() if a.startswith('http-'))}",
            f"conflicting {self.count('conflicting')}, executed twice {twice} (to the end twice {twice_done}), "
            f"no-answer-but-executed {no_answer_ran}",
            "by the latest fault before it went wrong: "
            + ("; ".join(f"{name} {dict(c)}" for name, c in sorted(blame.items())) or "nothing went wrong"),
            "restarts by the campaign: " + (", ".join(f"{k} {n}" for k, n in sorted(restarts.items())) or "none"),
            "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items())
            + f"; seed {self.settings.get('seed')}",
        ]
        return lines + [f"error: {e}" for e in self.errors]

    def to_json(self) -> dict[str, Any]:
        """Everything, for ``--json``."""
        return {
            "summary": self.summary_line(),
            "details": self.detail_lines(),
            "counts": {name: self.count(name) for name in
                       (*ACCEPTED_OUTCOMES, "503", "503-but-executed", "5xx-other", "no-answer")},
            "failures": self.failures(),
            "settings": self.settings,
            "seconds": self.seconds,
            "faults": [asdict(f) for f in self.faults],
            "restarts": [asdict(r) for r in self.restarts],
            "get_5xx_other": self.get_5xx_other,
            "submissions": [asdict(c) for c in self.classified],
            "errors": self.errors,
        }
