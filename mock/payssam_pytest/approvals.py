"""The approvals a test's bills got: the `payssam_sim` fixture's default callback receiver.

It answers every approval as a correct receiver does (APPROVAL_ACK, v1's body, which v2 accepts too) and keeps it
typed by the SDK's own parse_approval, so a test reads `approvals[bill_id].installment_months` and a failing
assertion never prints the apikey the body carries.
"""

from __future__ import annotations

import threading

import httpx

from payssam import APPROVAL_ACK, APPROVAL_ACK_CONTENT_TYPE, Approval, ValidationError, parse_approval


class Approvals(httpx.BaseTransport):
    """An in-process approval receiver as an httpx transport (a Simulator's `callback_transport`), whatever the
    bill's callback_url.

    An approval that parses is kept and acknowledged; one that does not gets HTTP 400, so it stays unacknowledged
    and the simulator retries it, and the reason (the field at fault, never its value) is kept in `rejected`.
    Attempts may come from the simulator's retry thread: every access holds a lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Approval] = []
        self._rejected: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Parse the approval, keep it and acknowledge it; 400 without the acknowledgement when it does not parse."""
        try:
            approval = parse_approval(request.read())
        except ValidationError as error:
            with self._lock:
                self._rejected.append(str(error))
            return httpx.Response(400, text=str(error))
        with self._lock:
            self._received.append(approval)
        return httpx.Response(200, content=APPROVAL_ACK, headers={"Content-Type": APPROVAL_ACK_CONTENT_TYPE})

    @property
    def received(self) -> list[Approval]:
        """Every approval acknowledged, in the order it arrived; a repeated delivery is there again."""
        with self._lock:
            return list(self._received)

    @property
    def rejected(self) -> list[str]:
        """Why each approval that did not parse was refused, in order."""
        with self._lock:
            return list(self._rejected)

    def for_bill(self, bill_id: str) -> list[Approval]:
        """Every approval of one bill, repeats included, in the order they arrived."""
        return [approval for approval in self.received if approval.bill_id == bill_id]

    def __getitem__(self, bill_id: str) -> Approval:
        """The bill's latest approval; KeyError when it got none."""
        delivered = self.for_bill(bill_id)
        if not delivered:
            raise KeyError(f"no approval was received for bill {bill_id}")
        return delivered[-1]

    def __contains__(self, bill_id: object) -> bool:
        return any(approval.bill_id == bill_id for approval in self.received)

    def __len__(self) -> int:
        """How many approvals were received, repeats included."""
        with self._lock:
            return len(self._received)

    def clear(self) -> None:
        """Forget every approval received and refused."""
        with self._lock:
            self._received.clear()
            self._rejected.clear()
