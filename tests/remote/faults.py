"""A fault-injecting HTTP proxy on loopback, in front of a real service, for the failures a network has.

    proxy = FaultProxy(upstream="http://127.0.0.1:8011").start()
    proxy.then("drop")            # the next request reaches the service, its answer is lost
    proxy.default = "fail"        # every request after that: 503 from "a load balancer"
    proxy.requests("/internal/catalog/get_product/")   # how many requests arrived there

Modes, per request:
    pass   forward to the service and relay its answer (the default)
    fail   answer 503 with a plain-text body, as a proxy in front of a dead service would
    drop   forward to the service (which acts), then close the connection without an answer
    hang   read the request and answer nothing until `release()` (or 30 s), then close
"""

from __future__ import annotations

import collections
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

MODES = ("pass", "fail", "drop", "hang")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class FaultProxy:
    def __init__(self, *, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.default = "pass"
        self._script: collections.deque[str] = collections.deque()
        self._counts: collections.Counter[str] = collections.Counter()
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        """Every request as it arrived: method, path, headers (lowercase names), body."""
        self.client_ports: list[int] = []
        """The client's port of each request: the same port twice means the same kept-alive connection."""
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._http = httpx.Client(timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def then(self, *modes: str) -> None:
        """The next requests get these modes, in order; then `default` again."""
        assert all(mode in MODES for mode in modes), modes
        with self._lock:
            self._script.extend(modes)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._counts.clear()
            self.seen.clear()
            self.client_ports.clear()
            self.default = "pass"
        self._released.set()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def requests(self, path: str) -> int:
        return self._counts[path]

    def _next_mode(self, path: str) -> str:
        with self._lock:
            self._counts[path] += 1
            return self._script.popleft() if self._script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                proxy.client_ports.append(self.client_address[1])
                mode = proxy._next_mode(self.path)
                if mode == "fail":
                    self._answer(503, {"Content-Type": "text/plain"}, b"upstream connect error")
                    return
                if mode == "hang":
                    proxy._released.wait(timeout=30)
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
                upstream = proxy._http.request(self.command, proxy.upstream + self.path, content=body, headers=headers)
                if mode == "drop":
                    self.close_connection = True  # the service acted; its answer is lost on the way
                    return
                kept = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
                self._answer(upstream.status_code, kept, upstream.content)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
