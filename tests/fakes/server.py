"""A recording HTTP server on 127.0.0.1, run in a thread; the providers' fakes build on it."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    """One request as the provider would have received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def params(self) -> dict[str, str]:
        """The body's fields: form-encoded or JSON, as the client chose to send them."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return {k: v if isinstance(v, str) else json.dumps(v)
                    for k, v in json.loads(self.body).items()}
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    delay: float = 0.0  # seconds to wait first (a provider that is slow to answer)


class FakeServer:
    """Serves `answer(request)` for every request and keeps them all in `requests`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._queued: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def then_answer(self, status: int, body: dict[str, Any], delay: float = 0.0) -> None:
        """Answer the next request this way instead of the normal way."""
        self._queued.append(Answer(status, body, delay))

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def _dispatch(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            queued = self._queued.popleft() if self._queued else None
        return queued or self.answer(request)

    @contextmanager
    def running(self) -> Iterator[Self]:
        # A short poll so that shutting down takes milliseconds, not the default half second.
        thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


class _Server(ThreadingHTTPServer):
    """A provider takes many connections at once. The standard library's queue of 5
    connections waiting to be accepted overflowed when eight sends connected together on a
    busy machine: the dropped connection was retried by the kernel a second later, past the
    client's time-out, and a send failed that never reached the stand-in."""

    request_queue_size = 128
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, each answer waits ~40 ms for
    # the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, self.path,
                          {k.lower(): v for k, v in self.headers.items()},
                          self.rfile.read(length))
        answer = self.server.fake._dispatch(request)  # type: ignore[attr-defined]
        time.sleep(answer.delay)
        payload = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the time-out tests): nobody to answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read `requests` instead."""
