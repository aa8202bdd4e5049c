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
    """Builds the pipeline named by ``settings.pipeline`` on first use, once per process.

    ``settings.pipeline`` is ``"module:factory"``; the factory takes the settings and returns
    a :class:`~truthgraph.verification.base.VerificationPipeline`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._pipeline: Any = None

    def pipeline(self) -> Any:
        """The process's pipeline, loading models and indexes on the first call."""
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    factory = import_factory(self.settings.pipeline)
                    logger.info("Loading verification pipeline %s.", self.settings.pipeline)
                    self._pipeline = factory(self.settings)
        return self._pipeline


def import_factory(spec: str) -> Callable[[Settings], Any]:
    """Resolve ``"module:attribute"`` to a callable."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise PermanentError(f"pipeline factory must look like 'module:function', got {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as e:
        raise PermanentError(f"cannot import pipeline factory {spec!r}: {e}") from e
    if not callable(factory):
        raise PermanentError(f"pipeline factory {spec!r} is not callable")
    return factory
