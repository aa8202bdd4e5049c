"""The fault campaign's classification: each submission gets one class from what its client saw."""

from __future__ import annotations

from collections import Counter

from bench.chaos.faults import Fault
from bench.chaos.load import Observation, Submission
from bench.chaos.report import Executions, Report, classify


def _accepted(*observations: Observation, expected: str = "SUPPORTED") -> Submission:
    submission = Submission(0, "c-1", "sleep:0.2:c-1 claim 0 is true", expected, sent_at_s=1.0, answered_at_s=1.1,
                            http_status=202, task_id="t-1")
    submission.observations.extend(observations)
    return submission


def _task(at: float, state: str | None, *, status: int = 200, label: str | None = None, stamp: str | None = None):
    return Observation(at, "task", status, state, label, stamp, "t-1" if status == 200 else None)


def _verdict(at: float, *, status: int = 200, label: str = "SUPPORTED", task_id: str = "t-1") -> Observation:
    return Observation(at, "verdict", status, "completed" if status == 200 else None,
                       label if status == 200 else None, "2026", task_id if status == 200 else None)


def _runs(claim: str, started: int, finished: int, at_s: float = 4.0) -> Executions:
    last = {claim: at_s} if started else {}
    return Executions(started=Counter({claim: started}), finished=Counter({claim: finished}), last_at_s=last)


FAULTS = [Fault("redis-restart", 5.0), Fault("worker-kill", 8.0), Fault("rabbitmq-restart", 9.0, skipped="shared")]
CLAIM = "sleep:0.2:c-1 claim 0 is true"


def test_a_task_completed_with_the_expected_verdict_is_completed():
    submission = _accepted(_task(2, "processing"), _task(3, "completed", label="SUPPORTED", stamp="2026"),
                           _verdict(20))
    classified = classify(submission, _runs(CLAIM, 1, 1), FAULTS)
    assert (classified.answer, classified.outcome, classified.blamed_fault) == ("accepted", "completed", None)


def test_a_wrong_verdict_conflicts():
    submission = _accepted(_task(3, "completed", label="REFUTED", stamp="2026"), _verdict(20, label="REFUTED"))
    assert classify(submission, _runs(CLAIM, 1, 1), FAULTS).outcome == "conflicting"


def test_a_task_gone_at_the_end_is_lost_and_blamed_on_the_fault_before_it_went():
    submission = _accepted(_task(2, "processing"), _task(6, None, status=404), _verdict(20, status=404))
    classified = classify(submission, _runs(CLAIM, 1, 1), FAULTS)
    assert (classified.outcome, classified.blamed_fault) == ("lost", "redis-restart")


def test_a_completed_task_without_a_readable_verdict_is_lost():
    submission = _accepted(_task(3, "completed", label="SUPPORTED", stamp="2026"), _verdict(20, status=404))
    assert classify(submission, _runs(CLAIM, 1, 1), FAULTS).outcome == "lost"


def test_a_task_still_running_at_the_end_is_stuck_and_blamed_on_the_fault_before_it_last_ran():
    submission = _accepted(_task(4, "processing"), _task(5.5, None, status=503), _task(9.5, "processing"),
                           _verdict(20, status=202))
    classified = classify(submission, _runs(CLAIM, 1, 1, at_s=5.2), FAULTS)
    assert (classified.outcome, classified.blamed_fault) == ("stuck", "redis-restart")


def test_two_outcomes_are_duplicated_when_the_claim_ran_twice_and_conflicting_when_once():
    submission = _accepted(_task(3, "completed", label="SUPPORTED", stamp="first"),
                           _task(9, "completed", label="SUPPORTED", stamp="second"), _verdict(20))
    assert classify(submission, _runs(CLAIM, 2, 2), FAULTS).outcome == "duplicated"
    assert classify(submission, _runs(CLAIM, 1, 1), FAULTS).outcome == "conflicting"


def test_a_503_is_checked_against_the_execution_log():
    submission = Submission(1, "c-2", "c-2 is false", "REFUTED", sent_at_s=9.5, answered_at_s=10.0, http_status=503)
    assert classify(submission, _runs("c-2 is false", 0, 0), FAULTS).answer == "503"
    ran = classify(submission, _runs("c-2 is false", 1, 1), FAULTS)
    assert (ran.answer, ran.blamed_fault) == ("503-but-executed", "worker-kill")  # skipped faults are never blamed


def test_the_summary_line_and_the_check():
    completed = classify(_accepted(_task(3, "completed", label="SUPPORTED", stamp="x"), _verdict(20)),
                         _runs(CLAIM, 1, 1), FAULTS)
    empty_500 = classify(Submission(1, "c-2", "c-2", "REFUTED", answered_at_s=6.0, http_status=500, empty_body=True),
                         Executions(), FAULTS)
    report = Report({}, FAULTS, [], [completed, empty_500], get_5xx_other=1, seconds={"total": 1.0})
    assert report.summary_line() == ("submitted 2, faults 2, accepted 1, completed 1, failed-visibly 0, lost 0, "
                                     "stuck 0, duplicated 0, 503-but-executed 0")
    assert report.failures() == {"5xx-other": 2}
