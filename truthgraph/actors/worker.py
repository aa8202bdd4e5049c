"""The worker entry module: ``dramatiq truthgraph.actors.worker`` starts a worker.

This is the one module that reads the environment for a worker and sets the global broker.
"""

from __future__ import annotations

import logging

import dramatiq

from ..db.engine import create_database_engine, database_url
from ..db.migrate import require_current
from ..db.verdicts import VerdictHistory
from ..heartbeats import Heartbeats
from ..settings import Settings
from ..status_store import TaskStatusStore
from .broker import create_broker
from .heartbeat import Heartbeat
from .pipeline_loader import PipelineLoader
from .registry import declare_actors

logger = logging.getLogger(__name__)


class PipelineWarmup(dramatiq.Middleware):
    """Loads the pipeline as a worker process boots, so the first task does not wait for it."""

    def __init__(self, loader: PipelineLoader) -> None:
        self.loader = loader

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        try:
            self.loader.pipeline()
        except Exception:  # a task will meet the same error and fail with it
            logger.exception("Could not load the verification pipeline.")


settings = Settings.from_env()
store = TaskStatusStore.from_settings(settings)
engine = create_database_engine(database_url(settings))
require_current(engine)  # a database behind this version's schema stops the worker, saying what to run
history = VerdictHistory(engine)
broker = create_broker(settings, store, history=history)
loader = PipelineLoader(settings)
broker.add_middleware(PipelineWarmup(loader))
# After-hooks run in reverse order: placed before the warm-up, the first beat comes once the pipeline is loaded.
broker.add_middleware(Heartbeat(heartbeats=Heartbeats(path=settings.heartbeat_path)), before=PipelineWarmup)
dramatiq.set_broker(broker)
actors = declare_actors(broker, settings, store, loader, cache=history)
