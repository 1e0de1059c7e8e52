"""`payssam review`'s own approval receiver: a loopback endpoint built only on the SDK's callback helpers.

It does what a partner's receiver does (parse_approval, verify_approval by reading the bill back, then
APPROVAL_ACK; 400 for a forged or malformed approval, 503 when it cannot be confirmed now) and records what it
made of each bill's approval, so the review can show the approval callback received and acknowledged.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Self

from ._callbacks import APPROVAL_ACK, APPROVAL_ACK_CONTENT_TYPE, parse_approval, verify_approval
from ._errors import ApprovalRejectedError, PaySsamError, ValidationError
from ._states import BillState

if TYPE_CHECKING:
    from ._client import PaySsam
    from ._results import BillStatus

HOST = "127.0.0.1"
PATH = "/payssam/approval"
MAX_BODY = 1 << 16
"""The largest approval body read (an approval is well under 2 KB)."""


class Verdict:
    """What the receiver made of one bill's approval: verified (and acknowledged), or refused and why."""

    __slots__ = ("acknowledged", "reason", "status")

    def __init__(self, *, acknowledged: bool, status: BillStatus | None = None, reason: str = "") -> None:
        self.acknowledged = acknowledged
        self.status = status
        self.reason = reason


class Receiver:
    """Serves POST approvals on a free loopback port in a background thread until stopped."""

    def __init__(self, client: PaySsam, *, expected_price: int) -> None:
        self._client = client
        self._expected_price = expected_price
        self._verdicts: dict[str, Verdict] = {}
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, body = receiver.answer(self.rfile.read(min(max(length, 0), MAX_BODY)))
                self.send_response(status)
                if body:
                    self.send_header("Content-Type", APPROVAL_ACK_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the review reports what it needs."""

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits up to one interval for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """The callback URL to send the bills with."""
        return f"http://{HOST}:{self._server.server_address[1]}{PATH}"

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """The reply to one delivery: APPROVAL_ACK when genuine, 400 when forged or malformed, 503 when unconfirmed."""
        try:
            approval = parse_approval(body)
        except ValidationError:
            return 400, b""  # no bill id to file it under: the delivery's view in the simulator says it failed
        try:
            status = verify_approval(approval, self._client, expected_price=self._expected_price)
        except ApprovalRejectedError as exc:
            self._record(approval.bill_id, Verdict(acknowledged=False, reason=f"refused: {exc}"))
            return 400, b""
        except PaySsamError as exc:
            self._record(approval.bill_id, Verdict(acknowledged=False, reason=f"could not confirm: {exc}"))
            return 503, b""
        self._record(approval.bill_id, Verdict(acknowledged=True, status=status))
        return 200, APPROVAL_ACK

    def _record(self, bill_id: str, verdict: Verdict) -> None:
        with self._changed:
            self._verdicts[bill_id] = verdict
            self._changed.notify_all()

    def verdict(self, bill_id: str, timeout: float) -> Verdict | None:
        """What was made of the bill's approval, waiting up to timeout seconds for one to arrive; None if none did."""
        with self._changed:
            self._changed.wait_for(lambda: bill_id in self._verdicts, timeout)
            return self._verdicts.get(bill_id)

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


def verified_paid(verdict: Verdict) -> bool:
    """The approval was read back PAID and acknowledged."""
    return verdict.acknowledged and verdict.status is not None and verdict.status.state is BillState.PAID
