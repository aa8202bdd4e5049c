"""Heartbeat files: each worker process keeps one up to date while it runs; supervisors and health checks read them.

A file is ``worker-<pid>.json`` holding ``{"pid", "ppid", "beat_at"}`` (``beat_at`` in seconds since the epoch, so a
check in another process can judge its age). Writes replace the file atomically; readers skip what they cannot parse.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: How often a worker process rewrites its heartbeat file, in seconds.
DEFAULT_INTERVAL_S = 2.0
#: A heartbeat older than this, in seconds, is stale: its process is taken for hung or dead.
DEFAULT_MAX_AGE_S = 30.0


@dataclass(frozen=True)
class Beat:
    """One heartbeat: which process wrote it, its parent, and when (seconds since the epoch)."""

    pid: int
    ppid: int
    beat_at: float

    def age_s(self, now: float) -> float:
        """Seconds between this beat and ``now`` (seconds since the epoch)."""
        return now - self.beat_at


class Heartbeats:
    """The folder of heartbeat files, one per worker process."""

    def __init__(self, *, path: Path) -> None:
        self.path = Path(path)

    def write(self, beat: Beat) -> None:
        """Write or replace the heartbeat file of ``beat.pid``."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".beat-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"pid": beat.pid, "ppid": beat.ppid, "beat_at": beat.beat_at}, f)
            os.replace(tmp, self._file(beat.pid))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self, pid: int) -> None:
        """Remove the heartbeat file of ``pid``, if there is one."""
        self._file(pid).unlink(missing_ok=True)

    def beats(self) -> list[Beat]:
        """Every readable heartbeat in the folder, newest first."""
        found: list[Beat] = []
        for file in self.path.glob("worker-*.json"):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                found.append(Beat(pid=int(data["pid"]), ppid=int(data["ppid"]), beat_at=float(data["beat_at"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # removed meanwhile, or not ours
        return sorted(found, key=lambda beat: beat.beat_at, reverse=True)

    def fresh(self, *, now: float, max_age_s: float = DEFAULT_MAX_AGE_S) -> list[Beat]:
        """The heartbeats at most ``max_age_s`` old at ``now`` (seconds since the epoch)."""
        return [beat for beat in self.beats() if beat.age_s(now) <= max_age_s]

    def of_parent(self, ppid: int) -> Beat | None:
        """The newest heartbeat of a process whose parent is ``ppid``."""
        return next((beat for beat in self.beats() if beat.ppid == ppid), None)

    def _file(self, pid: int) -> Path:
        return self.path / f"worker-{pid}.json"
