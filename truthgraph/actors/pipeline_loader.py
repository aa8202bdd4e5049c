"""The pipeline loader: what a worker process loads once and shares between its tasks."""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any, Callable

from ..errors import PermanentError
from ..settings import Settings

logger = logging.getLogger(__name__)


class PipelineLoader:
    """Builds the pipeline (``settings.pipeline``) and the ingester (``settings.ingester``) on first use, once each
    per process.

    Each setting is ``"module:factory"``; the factory takes the settings and returns a
    :class:`~truthgraph.verification.base.VerificationPipeline`, or an ingester with
    ``ingest(corpus, passages, progress)`` (:class:`~truthgraph.verification.ingest.Ingester`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] = {}

    def pipeline(self) -> Any:
        """The process's verification pipeline, loading models and indexes on the first call."""
        return self._load("pipeline", self.settings.pipeline)

    def ingester(self) -> Any:
        """The process's corpus ingester, loading the embedder on the first call."""
        return self._load("ingester", self.settings.ingester)

    def _load(self, what: str, spec: str) -> Any:
        loaded = self._loaded.get(what)
        if loaded is None:
            with self._lock:
                loaded = self._loaded.get(what)
                if loaded is None:
                    factory = import_factory(spec)
                    logger.info("Loading the %s %s.", what, spec)
                    loaded = self._loaded[what] = factory(self.settings)
        return loaded


def import_factory(spec: str) -> Callable[[Settings], Any]:
    """Resolve ``"module:attribute"`` to a callable."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise PermanentError(f"a factory must look like 'module:function', got {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as e:
        raise PermanentError(f"cannot import factory {spec!r}: {e}") from e
    if not callable(factory):
        raise PermanentError(f"factory {spec!r} is not callable")
    return factory
