"""Who pays `payssam review`'s bills: the simulated customer, through the simulator's control route, or a tester
(on the phone that got the KakaoTalk, or on the simulator's bill page), waited for by reading the bill back."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._cli_common import EXIT_FAILURE
from ._review_flows import NotShown, Say
from ._states import BillState

if TYPE_CHECKING:
    from ._client import PaySsam
    from ._review_sim import Control

POLL_INTERVAL = 3.0
"""Seconds between reads while a tester pays: modest, as a person takes tens of seconds to pay."""
PROGRESS_EVERY = 15.0
"""Seconds between the lines saying the command is still waiting."""


def card(bill: Mapping[str, object]) -> str:
    """The card an approval says was used, as the simulator's bill view shows it: issuer, masked number,
    installments."""
    issuer = bill.get("appr_issuer") or "card"
    number = bill.get("appr_issuer_num")
    months = str(bill.get("appr_monthly") or "0")
    plan = "일시불 (no installments)" if not months.isdigit() or int(months) == 0 else f"{int(months)} months"
    return f"{issuer} {number}, {plan}" if number else f"{issuer}, {plan}"


class SimulatedCustomer:
    """Pays at once through the simulator's control route, with the simulator's default card."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def pay(self, bill_id: str, short_url: str | None) -> str:
        """POST /_sim/bills/{id}/pay; a line naming the card the approval says was used."""
        answer = self._control.pay(bill_id)
        bill = answer.get("bill")
        used = card(bill) if isinstance(bill, Mapping) else "the simulator's default card"
        return f"the customer pays (simulated: POST /_sim/bills/{bill_id}/pay) with {used}"


class Tester:
    """Waits for a person to pay, reading the bill every POLL_INTERVAL seconds, for at most `timeout` seconds;
    says on each PROGRESS_EVERY what it waits for, for how long so far, and how to stop. `where` says where the
    short URL is opened: the KakaoTalk on the tester's phone, or a browser for the simulator's bill page."""

    def __init__(self, client: PaySsam, *, timeout: float, say: Say, where: str) -> None:
        self._client = client
        self._timeout = timeout
        self._say = say
        self._where = where

    def pay(self, bill_id: str, short_url: str | None) -> str:
        """Read until PAID; NotShown when the bill ends otherwise or the time is up (status 3: nothing happened)."""
        link = short_url or "the bill's link"
        self._say(
            f"waiting for {bill_id} to be paid: open {link} ({self._where}) and pay; "
            f"up to {self._timeout:g} s, Ctrl-C to stop"
        )
        started = last_said = time.monotonic()
        while True:
            status = self._client.read_bill(bill_id)
            now = time.monotonic()
            elapsed = now - started
            if status.state is BillState.PAID:
                return f"paid by the tester after {elapsed:.0f} s"
            if status.state is not BillState.UNPAID:
                raise NotShown(f"the bill became {status.state.name} instead of paid")
            if elapsed >= self._timeout:
                raise NotShown(f"not paid within {self._timeout:g} s (--timeout-pay)", EXIT_FAILURE)
            if now - last_said >= PROGRESS_EVERY:
                last_said = now
                self._say(
                    f"still waiting for {bill_id} to be paid: {elapsed:.0f} s of {self._timeout:g} s (Ctrl-C to stop)"
                )
            time.sleep(min(POLL_INTERVAL, self._timeout - elapsed))
