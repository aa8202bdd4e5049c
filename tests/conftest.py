"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import redis

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
def namespace(redis_client: redis.Redis) -> Iterator[str]:
    """A fresh key and queue namespace, its Redis keys removed afterwards."""
    name = f"tgtest-{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(redis_client.scan_iter(match=f"{name}*", count=500))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def settings(namespace: str, tmp_path) -> Settings:
    """Settings isolated to this test: own namespace, data folder, quick backoff."""
    return Settings(
        namespace=namespace,
        redis_url=REDIS_URL,
        rabbitmq_url=RABBITMQ_URL,
        data_dir=str(tmp_path / "data"),
        min_backoff_s=0.05,
        max_backoff_s=0.2,
        result_ttl_s=60,
        pipeline="tests.support.pipelines:scripted_pipeline",
    )


@pytest.fixture
def store(settings: Settings, redis_client: redis.Redis) -> TaskStatusStore:
    """A status store on the real Redis in this test's namespace."""
    return TaskStatusStore(redis_client, namespace=settings.namespace, ttl_s=settings.result_ttl_s)
