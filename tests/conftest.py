"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import redis

from tests.support.memory_store import InMemoryStatusStore
from truthgraph.settings import Settings
from truthgraph.status_store import TaskStatusStore

REDIS_URL = os.environ.get("TRUTHGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("TRUTHGRAPH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    """The real Redis; a missing server fails the test, it never skips it."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as e:
        pytest.fail(f"Redis does not answer at {REDIS_URL}: {e}")
    return client


@pytest.fixture
def namespace() -> str:
    """A fresh key and queue namespace."""
    return f"tgtest-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_namespace(redis_client: redis.Redis, namespace: str) -> Iterator[str]:
    """This test's namespace on the real Redis, its keys removed afterwards."""
    yield namespace
    keys = list(redis_client.scan_iter(match=f"{namespace}*", count=500))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def settings(namespace: str, tmp_path) -> Settings:
    """Settings isolated to this test: own namespace, data folder, quick backoff, a pipeline that needs no Redis.

    Authentication is off here; the tests of keys, scopes and rate limits turn it on.
    """
    return Settings(
        auth=False,
        namespace=namespace,
        redis_url=REDIS_URL,
        rabbitmq_url=RABBITMQ_URL,
        data_dir=str(tmp_path / "data"),
        min_backoff_s=0.05,
        max_backoff_s=0.2,
        result_ttl_s=60,
        pipeline="tests.support.pipelines:in_process_scripted_pipeline",
    )


@pytest.fixture
def store(settings: Settings) -> InMemoryStatusStore:
    """An in-memory status store, the default of unit tests."""
    return InMemoryStatusStore(namespace=settings.namespace, ttl_s=settings.result_ttl_s)


@pytest.fixture
def redis_store(settings: Settings, redis_client: redis.Redis, redis_namespace: str) -> TaskStatusStore:
    """A status store on the real Redis in this test's namespace."""
    return TaskStatusStore(redis_client, namespace=redis_namespace, ttl_s=settings.result_ttl_s)
