"""Approval receivers for tests: a tiny HTTP server on a free loopback port that answers from a script, and an
in-process one that acknowledges every approval as v1 asks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

V1_ACK = json.dumps({"code": "0000", "msg": "성공하였습니다."}, ensure_ascii=False).encode("utf-8")
"""The acknowledgement v1 asks of a receiver, byte for byte."""


class Approvals:
    """An in-process receiver (a MockTransport handler) of the simulator's approval callbacks: keeps every body and
    acknowledges each as v1 asks."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, content=V1_ACK)

    def of(self, bill_id: str) -> list[dict[str, Any]]:
        """The approvals received for the bill (its id under v1's name or v2's)."""
        return [body for body in self.bodies if bill_id in (body.get("bill_id"), body.get("billId"))]


class Receiver:
    """A tiny approval receiver on a free loopback port: answers from a script, records every body."""

    def __init__(self, answers: list[tuple[int, bytes]], delay: float = 0.0) -> None:
        self.answers = answers
        self.raw: list[bytes] = []
        self.content_types: list[str] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    status, body = outer.answers[min(len(outer.raw), len(outer.answers) - 1)]
                    outer.raw.append(raw)
                    outer.content_types.append(self.headers.get("Content-Type", ""))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """Every body received, parsed as JSON."""
        return [json.loads(raw.decode("utf-8")) for raw in self.raw]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/payssam/approval"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=30)
