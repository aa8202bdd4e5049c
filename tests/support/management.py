"""A stand-in for RabbitMQ's management API on 127.0.0.1: a real HTTP server that answers canned queue JSON."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator


def queue_json(in_flight: int, timestamp_ms: int, **extra: Any) -> dict[str, Any]:
    """A queue as RabbitMQ 3.10 answers ``?lengths_age=5&lengths_incr=5``: newest sample first."""
    samples = [{"sample": in_flight, "timestamp": timestamp_ms}, {"sample": 0, "timestamp": timestamp_ms - 5000}]
    return {"messages_unacknowledged_details": {"avg": 0.0, "avg_rate": 0.0, "rate": 0.0, "samples": samples},
            **extra}


@dataclass
class Answer:
    """What the server sends for one queue: a status, a body (JSON unless bytes), after ``delay_s`` seconds."""

    status: int = 200
    body: Any = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class FakeManagementAPI:
    """Answers ``GET /api/queues/{vhost}/{queue}`` from ``answers`` (404 for others); records each request."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, queue: str, answer: Answer, *, vhost: str = "/") -> None:
        """Set the answer for ``queue`` in ``vhost``."""
        self.answers[(vhost, queue)] = answer

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        segments = parts.path.split("/")  # "", "api", "queues", vhost, queue (each percent-encoded)
        found = len(segments) == 5 and segments[1:3] == ["api", "queues"]
        key = (urllib.parse.unquote(segments[3]), urllib.parse.unquote(segments[4])) if found else None
        self.requests.append({"path": parts.path, "query": urllib.parse.parse_qs(parts.query),
                              "authorization": handler.headers.get("Authorization")})
        answer = self.answers.get(key, Answer(404, {"error": "Object Not Found", "reason": "Not Found"}))
        time.sleep(answer.delay_s)
        body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        handler.send_response(answer.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:  # the client gave up waiting
            pass


@contextmanager
def serve(api: FakeManagementAPI) -> Iterator[FakeManagementAPI]:
    """Run ``api`` on a free port of 127.0.0.1 while the context lasts."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api._respond(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
