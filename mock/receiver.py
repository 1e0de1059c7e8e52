"""A local approval-callback endpoint built only with the SDK's helpers, for the demo and the tests.

It is what a partner's receiver does: parse the body, verify it by reading the bill back, and
answer the exact acknowledgement only when the approval is genuine (so PaySsam retries otherwise).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from payssam import (
    APPROVAL_ACK,
    APPROVAL_ACK_CONTENT_TYPE,
    BillStatus,
    PaySsam,
    PaySsamError,
    parse_approval,
    verify_approval,
)

HOST = "127.0.0.1"


@dataclass
class Seen:
    """Every approval the receiver verified, and why it refused the others."""

    verified: queue.Queue[BillStatus] = field(default_factory=queue.Queue)
    rejected: list[str] = field(default_factory=list)


class ApprovalReceiver:
    """Serves POST approvals on a free loopback port until stopped; acknowledges verified ones."""

    def __init__(self, client: PaySsam, *, expected_price: int | None = None, path: str = "/payssam/approval") -> None:
        self.seen = Seen()
        self.path = path
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    approval = parse_approval(body)
                    status = verify_approval(approval, client, expected_price=expected_price)
                except PaySsamError as exc:
                    receiver.seen.rejected.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", APPROVAL_ACK_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(APPROVAL_ACK)))
                self.end_headers()
                self.wfile.write(APPROVAL_ACK)
                receiver.seen.verified.put(status)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: callers report what they need."""

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        # A short poll interval: stop() waits up to one interval for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """The callback URL to give send_bill."""
        return f"http://{HOST}:{self._server.server_address[1]}{self.path}"

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket, join the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
