"""Operational endpoints: queue statistics, liveness and readiness."""

from __future__ import annotations

import logging
from typing import Any, Callable

import falcon

from ...db.keys import Scope
from ...errors import ServiceUnavailable
from ..auth import READ, Access
from ..errors import NotReady
from ..ports import Publisher, StatusStore, VerdictHistory

logger = logging.getLogger(__name__)


class QueueStats:
    """GET /api/v1/queue/stats: the broker's queue statistics and task counts by status (an operator's view)."""

    access = {"GET": Access(Scope.ADMIN, READ)}

    def __init__(self, publisher: Publisher, store: StatusStore) -> None:
        self.publisher = publisher
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer queue depths, dead letters, consumers and ``tasks_by_status``."""
        resp.media = {**self.publisher.queue_stats(), "tasks_by_status": self.store.counts()}


class Health:
    """GET /healthz: the process is alive; touches no backing service."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Always answer 200."""
        resp.media = {"status": "ok"}


class Readiness:
    """GET /readyz: 200 when RabbitMQ, Redis and the database answer, else 503 naming what failed."""

    def __init__(self, publisher: Publisher, store: StatusStore, history: VerdictHistory | None = None) -> None:
        self.publisher = publisher
        self.store = store
        self.history = history

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Probe each backing service."""
        checks = {"rabbitmq": _probe("rabbitmq", self.publisher.ping), "redis": _probe("redis", self.store.ping)}
        if self.history is not None:
            checks["database"] = _probe("database", self.history.ping)
        if any(state != "ok" for state in checks.values()):
            raise NotReady(checks)
        resp.media = {"status": "ready", "checks": checks}


def _probe(name: str, probe: Callable[[], Any]) -> str:
    try:
        answer = probe()
    except ServiceUnavailable as e:
        logger.warning("Readiness: %s", e)
        return "unavailable"
    except Exception:
        logger.exception("Readiness: probing %s failed", name)
        return "unavailable"
    return "unavailable" if answer is False else "ok"
