"""The scripted pipeline's execution log: what a fault campaign reads to count the runs of each claim."""

from __future__ import annotations

import json

import pytest

from tests.support.pipelines import ExecutionLog, InProcessAttempts, ScriptedPipeline, scripted_pipeline
from truthgraph.errors import PermanentError


def _events(path) -> list[tuple[str, str, str | None]]:
    return [(e["event"], e["claim"], e.get("verdict")) for e in map(json.loads, path.read_text().splitlines())]


def test_each_execution_is_recorded_at_its_start_and_its_end(settings, tmp_path):
    log = tmp_path / "executions.jsonl"
    pipeline = ScriptedPipeline(settings, attempts=InProcessAttempts(), execution_log=ExecutionLog(log))
    pipeline.verify("the sky is true", {})
    pipeline.verify("the sky is true", {})
    with pytest.raises(PermanentError):
        pipeline.verify("fail-permanent:x", {})
    assert _events(log) == [
        ("start", "the sky is true", None),
        ("done", "the sky is true", "SUPPORTED"),
        ("start", "the sky is true", None),
        ("done", "the sky is true", "SUPPORTED"),
        ("start", "fail-permanent:x", None),
    ]


def test_the_log_is_opt_in(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("TRUTHGRAPH_TEST_EXECUTION_LOG", raising=False)
    assert scripted_pipeline(settings)._log is None
    monkeypatch.setenv("TRUTHGRAPH_TEST_EXECUTION_LOG", str(tmp_path / "log"))
    assert scripted_pipeline(settings)._log.path == tmp_path / "log"
