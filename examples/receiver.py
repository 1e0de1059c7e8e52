"""A local approval-callback endpoint built only with the SDK's helpers: the reference receiver, used by the tests.

It is what a partner's receiver does: parse the body, verify it by reading the bill back, and
answer the exact acknowledgement only when the approval is genuine: 400 for a forged or malformed
one (never acknowledged), 503 when it cannot be confirmed now (PaySsam retries). A genuine approval
repeated after the bill was cancelled is acknowledged and fulfils nothing.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

import httpx

from payssam import (
    APPROVAL_ACK,
    APPROVAL_ACK_CONTENT_TYPE,
    ApprovalRejectedError,
    BillState,
    BillStatus,
    PaySsam,
    PaySsamError,
    ValidationError,
    parse_approval,
    verify_approval,
)

HOST = "127.0.0.1"


@dataclass
class Seen:
    """Every approval the receiver verified (to fulfil), acknowledged as superseded, refused or could not confirm."""

    verified: queue.Queue[BillStatus] = field(default_factory=queue.Queue)
    superseded: list[BillStatus] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)


class ApprovalReceiver:
    """Serves POST approvals on a free loopback port until stopped; acknowledges verified ones."""

    def __init__(self, client: PaySsam, *, expected_price: int | None = None, path: str = "/payssam/approval") -> None:
        self.seen = Seen()
        self.path = path
        self._client = client
        self._expected_price = expected_price
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, body = receiver.answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(status)
                if body:
                    self.send_header("Content-Type", APPROVAL_ACK_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: callers report what they need."""

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        # A short poll interval: stop() waits up to one interval for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """The reply to one delivery: the acknowledgement when genuine, 400 when forged, 503 when unconfirmed."""
        try:
            approval = parse_approval(body)
            status = verify_approval(approval, self._client, expected_price=self._expected_price)
        except (ValidationError, ApprovalRejectedError) as exc:
            self.seen.rejected.append(f"{type(exc).__name__}: {exc}")
            return 400, b""
        except PaySsamError as exc:
            self.seen.unconfirmed.append(f"{type(exc).__name__}: {exc}")
            return 503, b""
        if status.state is BillState.PAID:
            self.seen.verified.put(status)  # a real system marks the order paid here, once per bill_id
        else:
            self.seen.superseded.append(status)  # cancelled since: acknowledged so PaySsam stops, nothing fulfilled
        return 200, APPROVAL_ACK

    def transport(self) -> httpx.MockTransport:
        """The same endpoint in-process, for a simulator's callback_transport: no socket at all."""

        def handle(request: httpx.Request) -> httpx.Response:
            status, body = self.answer(request.read())
            headers = {"Content-Type": APPROVAL_ACK_CONTENT_TYPE} if body else {}
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(handle)

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
