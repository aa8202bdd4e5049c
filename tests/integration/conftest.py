"""Integration fixtures: the real RabbitMQ and Redis, real gunicorn and dramatiq processes."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import pika
import pytest
import redis

from .service import (
    MANAGEMENT_URL,
    RABBITMQ_URL,
    REDIS_URL,
    Service,
    delete_namespace,
    management_answers,
    service_env,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", autouse=True)
def real_services() -> None:
    """RabbitMQ and Redis must answer: a missing server fails the run, it never skips it."""
    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL)).close()
    except pika.exceptions.AMQPError as e:
        pytest.fail(f"RabbitMQ does not answer at {RABBITMQ_URL}: {e!r}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as e:
        pytest.fail(f"Redis does not answer at {REDIS_URL}: {e!r}")


@pytest.fixture(scope="session")
def management_api() -> bool:
    """Whether RabbitMQ's management API answers.

    ``TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT=on`` (or ``off``) says which it must be: the other answer fails the run.
    """
    expected = os.environ.get("TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT", "")
    if expected not in ("", "on", "off"):
        pytest.fail(f"TRUTHGRAPH_TEST_RABBITMQ_MANAGEMENT must be on or off, not {expected!r}")
    answers = management_answers(MANAGEMENT_URL, RABBITMQ_URL)
    if expected == "on" and not answers:
        try:
            answers = wait_for(lambda: management_answers(MANAGEMENT_URL, RABBITMQ_URL), timeout=30,
                               interval=0.5, what=f"RabbitMQ's management API at {MANAGEMENT_URL}")
        except AssertionError as e:
            pytest.fail(str(e))
    if expected == "off" and answers:
        pytest.fail(f"RabbitMQ's management API answers at {MANAGEMENT_URL} though it should be off")
    return answers


def _running(tmp_path_factory: pytest.TempPathFactory, *, worker: bool = True, **overrides: str) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("service")
    service = Service(env=service_env(tmp, **overrides), log_dir=tmp)
    try:
        service.start_api()
        if worker:
            service.start_worker()
        yield service
    except BaseException:
        print(service.logs())
        raise
    finally:
        service.stop()
        delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """API and worker with the scripted test pipeline."""
    yield from _running(tmp_path_factory)


@pytest.fixture
def make_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Service]]:
    """Start services of the test's own: ``make_service(api=True, **env_overrides)``, each in its own namespace.

    Each is stopped and its namespace deleted after the test; its logs are printed then (pytest shows them on failure).
    """
    started: list[Service] = []

    def make(*, api: bool = True, **overrides: Any) -> Service:
        tmp = tmp_path_factory.mktemp("service")
        service = Service(env=service_env(tmp, **overrides), log_dir=tmp)
        started.append(service)
        if api:
            service.start_api()
        return service

    yield make
    for service in started:
        try:
            service.stop()
        finally:
            print(service.logs())
            delete_namespace(RABBITMQ_URL, REDIS_URL, service.namespace)
