"""The default verification pipeline and ingester, built from settings: what a worker loads once.

Within a process both share one evidence store (on the settings' database, with its cache of vectors) and one
embedder, each opened or loaded once.
"""

from __future__ import annotations

import functools

from ..evidence_store import EvidenceStore
from ..settings import Settings
from .base import Embedder
from .calibration import Calibrator
from .ingest import Ingester
from .pipeline import Pipeline
from .retrieval import HybridRetriever


def build_default_pipeline(settings: Settings) -> Pipeline:
    """The pipeline the settings name: store, embedder and stance model loaded once, default corpus ensured.

    The verdict thresholds and temperature (for retrieved and for given evidence) come from the ``calibration.json``
    in the stance model's folder, when there is one. Retrieved sentences are screened by the settings' screen model.
    """
    from .screening import load_screen
    from .stance import load_stance_model, stance_model_folder
    from .wikipedia import CORPUS_NAME, ensure_default_corpus

    store = default_store(settings)
    embedder = default_embedder()
    stance_model = load_stance_model(settings.stance_model)
    calibrator = Calibrator.for_model(stance_model_folder(settings.stance_model))
    if settings.default_corpus == CORPUS_NAME:
        ensure_default_corpus(store, embedder)
    return Pipeline(
        store,
        HybridRetriever(store, embedder),
        stance_model,
        **calibrator.pipeline_rules(),
        default_corpus=settings.default_corpus,
        max_sentences=settings.max_sentences,
        screen=load_screen(settings.screen_model, settings.screen_keep),
    )


def build_default_ingester(settings: Settings) -> Ingester:
    """The ingester of the settings' evidence store, embedding with the default embedder."""
    return Ingester(default_store(settings), default_embedder())


@functools.cache
def default_store(settings: Settings) -> EvidenceStore:
    """The evidence store on the settings' database, opened once per process (and migrated when they allow)."""
    return EvidenceStore.from_settings(settings)


@functools.cache
def default_embedder() -> Embedder:
    """The default sentence embedder, loaded once per process."""
    from .embedding import load_default_embedder

    return load_default_embedder()
