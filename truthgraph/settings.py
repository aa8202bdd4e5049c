"""Settings: one dataclass, built from ``TRUTHGRAPH_*`` environment variables in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

from .errors import InvalidInput
from .limits import DEFAULT_MAX_SENTENCES, DEFAULT_SCREEN_KEEP

#: Default time-to-live of task status records and results, in seconds.
DEFAULT_RESULT_TTL_S = 3600
#: Default time limit of one verification attempt, in seconds (below RabbitMQ's consumer_timeout).
DEFAULT_TIME_LIMIT_S = 120
#: Default number of retries after the first attempt.
DEFAULT_MAX_RETRIES = 3
#: Default backoff before the first retry, in seconds; it doubles on each retry.
DEFAULT_MIN_BACKOFF_S = 2.0
#: Default cap on the backoff between retries, in seconds.
DEFAULT_MAX_BACKOFF_S = 30.0
#: Default largest accepted request body, in bytes.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
#: Default largest accepted corpus upload (``POST /api/v1/corpora/{name}/documents``), in bytes.
DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "truthgraph")


@dataclass(frozen=True)
class Settings:
    """Everything a TruthGraph process can be configured with.

    Each field ``name`` is read from the variable ``TRUTHGRAPH_NAME``; durations are seconds.
    """

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    rabbitmq_management_url: str = "http://127.0.0.1:15672"
    redis_url: str = "redis://127.0.0.1:6379/0"
    namespace: str = "truthgraph"
    result_ttl_s: int = DEFAULT_RESULT_TTL_S
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    max_age_s: float = 24 * 3600
    dead_letter_ttl_s: float = 0
    max_retries: int = DEFAULT_MAX_RETRIES
    min_backoff_s: float = DEFAULT_MIN_BACKOFF_S
    max_backoff_s: float = DEFAULT_MAX_BACKOFF_S
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    data_dir: str = field(default_factory=_default_data_dir)
    database_url: str = ""
    migrate_on_start: bool = True
    auth: bool = True
    verdict_cache: bool = True
    submit_rate: str = "20/100"
    read_rate: str = "100/500"
    pipeline: str = "truthgraph.verification.default:build_default_pipeline"
    ingester: str = "truthgraph.verification.default:build_default_ingester"
    stance_model: str = "default"
    #: Most sentences the stance model judges per claim; fewer run faster.
    max_sentences: int = DEFAULT_MAX_SENTENCES
    #: The small model that picks which retrieved sentences the stance model judges: "default", a folder, or "none".
    screen_model: str = "default"
    #: Retrieved sentences the stance model judges per claim after screening; more are slower and rarely change a
    #: verdict.
    screen_keep: int = DEFAULT_SCREEN_KEEP
    default_corpus: str = "wikipedia"
    heartbeat_dir: str = ""

    @property
    def admin_key_path(self) -> Path:
        """The file the local admin key is kept in, readable by its owner alone."""
        return Path(self.data_dir) / "admin-key"

    @property
    def verify_queue(self) -> str:
        """The RabbitMQ queue verification messages go to."""
        return f"{self.namespace}.verify"

    @property
    def ingest_queue(self) -> str:
        """The RabbitMQ queue corpus-ingestion messages go to."""
        return f"{self.namespace}.ingest"

    @property
    def heartbeat_path(self) -> Path:
        """The folder of the workers' heartbeat files: ``heartbeat_dir``, else ``heartbeats`` in the data folder."""
        return Path(self.heartbeat_dir) if self.heartbeat_dir else Path(self.data_dir) / "heartbeats"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``TRUTHGRAPH_*`` variables; unset ones keep their defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(f"TRUTHGRAPH_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject settings that cannot work together."""
        for name in ("result_ttl_s", "time_limit_s", "max_age_s", "min_backoff_s", "max_backoff_s", "max_body_bytes",
                     "max_upload_bytes"):
            if getattr(self, name) <= 0:
                raise InvalidInput(f"TRUTHGRAPH_{name.upper()} must be positive", field=name)
        if self.max_sentences < 1:
            raise InvalidInput("TRUTHGRAPH_MAX_SENTENCES must be at least 1", field="max_sentences")
        if self.screen_keep < 1:
            raise InvalidInput("TRUTHGRAPH_SCREEN_KEEP must be at least 1", field="screen_keep")
        if self.max_retries < 0:
            raise InvalidInput("TRUTHGRAPH_MAX_RETRIES must not be negative", field="max_retries")
        for name in ("submit_rate", "read_rate"):
            if not re.fullmatch(r"\d+(\.\d+)?/[1-9]\d*", getattr(self, name).strip()):
                raise InvalidInput(f"TRUTHGRAPH_{name.upper()} must be RATE/BURST, e.g. 20/100", field=name)
        if self.dead_letter_ttl_s < 0:
            raise InvalidInput("TRUTHGRAPH_DEAD_LETTER_TTL_S must not be negative (0 keeps dead letters)",
                               field="dead_letter_ttl_s")
        if self.min_backoff_s > self.max_backoff_s:
            raise InvalidInput("TRUTHGRAPH_MIN_BACKOFF_S must not exceed TRUTHGRAPH_MAX_BACKOFF_S", field="min_backoff_s")


def _convert(name: str, kind: object, raw: str) -> object:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    if kind_name == "bool":
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise InvalidInput(f"TRUTHGRAPH_{name.upper()} must be 1 or 0, got {raw!r}", field=name)
    try:
        if kind_name == "int":
            return int(raw)
        if kind_name == "float":
            return float(raw)
    except ValueError:
        raise InvalidInput(f"TRUTHGRAPH_{name.upper()} must be a number, got {raw!r}", field=name) from None
    return raw
