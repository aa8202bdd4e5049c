"""Slow-loris clients for tests and benchmarks: connections that send a request's headers a byte at a time."""

from __future__ import annotations

import socket
import threading


class SlowLoris:
    """``count`` loopback connections to ``port`` that each send one byte of a request's headers every
    ``byte_interval_s`` seconds and never finish them; a connection the server closes is opened again (``reopened``).
    """

    HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000

    def __init__(self, *, port: int, count: int, byte_interval_s: float = 1.0) -> None:
        self.port = port
        self.count = count
        self.byte_interval_s = byte_interval_s
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-loris", daemon=True)

    def __enter__(self) -> "SlowLoris":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _open(self) -> tuple[socket.socket, int] | None:
        try:
            return socket.create_connection(("127.0.0.1", self.port), timeout=2), 0
        except OSError:
            return None

    def _run(self) -> None:
        conns = [self._open() for _ in range(self.count)]
        try:
            while not self._stop.wait(self.byte_interval_s):
                for i, conn in enumerate(conns):
                    if conn is not None:
                        sock, sent = conn
                        try:
                            sock.send(self.HEADER[sent % len(self.HEADER):][:1])
                            conns[i] = (sock, sent + 1)
                            continue
                        except OSError:
                            sock.close()
                    self.reopened += 1
                    conns[i] = self._open()
        finally:
            for conn in conns:
                if conn is not None:
                    conn[0].close()
