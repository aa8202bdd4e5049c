"""The Falcon app factory, and ``get_app()``: the gunicorn entry point, the only place that reads the environment.

Serve with ``gunicorn 'truthgraph.http.app:get_app()'``.
"""

from __future__ import annotations

import logging

import falcon

from ..actors.publisher import create_publisher
from ..db.corpora import CorpusCatalog
from ..db.engine import create_database_engine, database_url
from ..db.keys import KeyStore, parse_rate
from ..db.migrate import require_current
from ..db.verdicts import VerdictHistory
from ..rate_limits import RateLimiter
from ..settings import Settings
from ..status_store import TaskStatusStore
from .auth import Authentication, KeyAuthenticator, Limiter
from .errors import register_error_handlers
from .openapi import build_openapi
from .ports import CorpusCatalog as CorpusNames
from .ports import Publisher, StatusStore
from .ports import VerdictHistory as VerdictReader
from .resources.claims import ClaimVerification
from .resources.common import TASK_PATH
from .resources.corpora import CorpusDocuments
from .resources.docs import DocsPage, OpenApiDocument
from .resources.operations import Health, QueueStats, Readiness
from .resources.tasks import TaskStatusResource
from .resources.verdicts import ClaimVerdicts, VerdictResource

logger = logging.getLogger(__name__)

#: Time the API gives Redis to connect and for each reply, in seconds, and the tries after the first: a Redis that
#: hangs costs a request about 3.5 s before its 503, well inside a gunicorn worker's time-out.
API_REDIS_TIMEOUT_S, API_REDIS_RETRIES = 1.0, 2


def create_app(
    settings: Settings,
    *,
    store: StatusStore,
    publisher: Publisher,
    history: VerdictReader,
    keys: KeyAuthenticator | None = None,
    limiter: Limiter | None = None,
    catalog: CorpusNames | None = None,
) -> falcon.App:
    """The API on the given status store, task publisher and verdict history.

    With ``settings.auth`` (the default) every guarded route needs an API key found in ``keys`` and counts against
    the key's rate limits in ``limiter``.

    ``settings.max_body_bytes`` bounds JSON bodies; ``settings.max_upload_bytes`` bounds corpus uploads.
    """
    authentication = Authentication(
        keys=keys,
        limiter=limiter,
        enabled=settings.auth,
        submit_limit=parse_rate(settings.submit_rate),
        read_limit=parse_rate(settings.read_rate),
    )
    app = falcon.App(media_type=falcon.MEDIA_JSON, middleware=[authentication])
    register_error_handlers(app)
    app.add_route(
        "/api/v1/claims/{claim_id}/verify",
        ClaimVerification(publisher, max_body_bytes=settings.max_body_bytes, catalog=catalog),
    )
    app.add_route(TASK_PATH, TaskStatusResource(store, history, ttl_s=settings.result_ttl_s))
    app.add_route("/api/v1/verdicts/{claim_id}", VerdictResource(store, history))
    app.add_route("/api/v1/claims/{claim_id}/verdicts", ClaimVerdicts(history))
    app.add_route(
        "/api/v1/corpora/{name}/documents",
        CorpusDocuments(
            publisher, max_body_bytes=settings.max_upload_bytes, protected=frozenset({settings.default_corpus})
        ),
    )
    app.add_route("/api/v1/queue/stats", QueueStats(publisher, store))
    app.add_route("/healthz", Health())
    app.add_route("/readyz", Readiness(publisher, store, history))
    document = build_openapi(max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    app.add_route("/openapi.json", OpenApiDocument(document))
    app.add_route("/docs", DocsPage())
    return app


def get_app() -> falcon.App:
    """The API configured from ``TRUTHGRAPH_*`` variables, on the real Redis and RabbitMQ."""
    settings = Settings.from_env()
    store = TaskStatusStore.from_settings(settings, timeout_s=API_REDIS_TIMEOUT_S, retries=API_REDIS_RETRIES)
    engine = create_database_engine(database_url(settings))
    require_current(engine)  # a database behind this version's schema stops start-up, saying what to run
    if not settings.auth:
        logger.warning("TRUTHGRAPH_AUTH is off: anyone who reaches this API can submit, read and change corpora.")
    return create_app(
        settings,
        store=store,
        publisher=create_publisher(settings, store),
        history=VerdictHistory(engine),
        keys=KeyStore(engine),
        limiter=RateLimiter(store.client, namespace=settings.namespace),
        catalog=CorpusCatalog(engine),
    )
