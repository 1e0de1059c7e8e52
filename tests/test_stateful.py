"""Random sequences of send/pay/read/cancel/destroy/resend through the SDK against the simulator.

A model of the documented lifecycle (W→F→C, W→D; 9800, 9970, 9971, 9980, 9999) predicts every
answer; hypothesis looks for a sequence where the simulator, the client or the model disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from payssam import (
    AlreadyCancelledError,
    AlreadyPaidError,
    ApiError,
    BillNotFoundError,
    BillState,
    DuplicateBillIdError,
    PaySsam,
    ProcessingError,
    new_bill_id,
)
from payssam._validation import MAX_PRICE
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, free_port

PAID, UNPAID, CANCELLED, DESTROYED = BillState.PAID, BillState.UNPAID, BillState.CANCELLED, BillState.DESTROYED
# Nothing listens there, so every delivery fails and is retried: callbacks are not this test's subject.
DEAD_CALLBACK = f"http://127.0.0.1:{free_port()}/approval"


def other_price(price: int, off_by: int) -> int:
    """price moved by off_by, downwards at the top of the range so it stays a valid price."""
    return price - off_by if price + off_by > MAX_PRICE else price + off_by


class Lifecycle(RuleBasedStateMachine):
    """The model: bill id → (state, price) for every bill the simulator should know."""

    bills = Bundle("bills")
    # Set by the fixture below: the session simulator (bill ids never repeat) and one client each.
    client: PaySsam
    control: httpx.Client

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, tuple[BillState, int]] = {}

    def expect(self, call: object, error: type[ApiError] | None) -> None:
        """Run call; it must succeed when error is None, else raise exactly that error."""
        assert callable(call)
        if error is None:
            call()
            return
        try:
            call()
        except ApiError as raised:
            assert type(raised) is error, f"{type(raised).__name__}, expected {error.__name__}"
        else:
            raise AssertionError(f"succeeded, expected {error.__name__}")

    @rule(target=bills, price=st.integers(min_value=0, max_value=MAX_PRICE))
    def send_new(self, price: int) -> str:
        bill_id = new_bill_id()
        sent = self.client.send_bill(
            bill_id, price, phone="01099998888", customer_name="이", product_name="p", callback_url=DEAD_CALLBACK
        )
        assert sent.bill_id == bill_id
        self.model[bill_id] = (UNPAID, price)
        return bill_id

    @rule(bill_id=bills)
    def send_again(self, bill_id: str) -> None:
        self.expect(
            lambda: self.client.send_bill(
                bill_id, 1, phone="01099998888", customer_name="이", product_name="p", callback_url=DEAD_CALLBACK
            ),
            DuplicateBillIdError,
        )

    @rule(bill_id=bills)
    def pay(self, bill_id: str) -> None:
        state, price = self.model[bill_id]
        answer = self.control.post(f"/_sim/bills/{bill_id}/pay", json={})
        if state is UNPAID:
            assert answer.status_code == 200, answer.text
            assert answer.json()["bill"]["price"] in (price, str(price))
            self.model[bill_id] = (PAID, price)
        else:
            assert answer.status_code == 409, answer.text

    @rule(bill_id=bills)
    def read(self, bill_id: str) -> None:
        state, price = self.model[bill_id]
        status = self.client.read_bill(bill_id)
        assert status.state is state
        if state in (PAID, CANCELLED):
            assert status.price == price

    @rule(bill_id=bills, off_by=st.sampled_from([0, 0, 0, 1]))
    def cancel(self, bill_id: str, off_by: int) -> None:
        state, price = self.model[bill_id]
        expected = {PAID: None, CANCELLED: AlreadyCancelledError}.get(state, ProcessingError)
        if expected is None and off_by:
            expected = ProcessingError
        self.expect(lambda: self.client.cancel_bill(bill_id, other_price(price, off_by)), expected)
        if expected is None:
            self.model[bill_id] = (CANCELLED, price)

    @rule(bill_id=bills, off_by=st.sampled_from([0, 0, 0, 1]))
    def destroy(self, bill_id: str, off_by: int) -> None:
        state, price = self.model[bill_id]
        expected = {UNPAID: None, PAID: AlreadyPaidError, CANCELLED: AlreadyCancelledError}.get(state, ProcessingError)
        if expected is None and off_by:
            expected = ProcessingError
        self.expect(lambda: self.client.destroy_bill(bill_id, other_price(price, off_by)), expected)
        if expected is None:
            self.model[bill_id] = (DESTROYED, price)

    @rule(bill_id=bills)
    def resend(self, bill_id: str) -> None:
        state, _ = self.model[bill_id]
        expected = {UNPAID: None, PAID: AlreadyPaidError, CANCELLED: AlreadyCancelledError}.get(state, ProcessingError)
        self.expect(lambda: self.client.resend_bill(bill_id), expected)

    @rule()
    def read_unknown(self) -> None:
        self.expect(lambda: self.client.read_bill(new_bill_id()), BillNotFoundError)

    @invariant()
    def simulator_agrees_with_the_model(self) -> None:
        for bill_id, (state, _) in self.model.items():
            assert self.control.get(f"/_sim/bills/{bill_id}").json()["state"] == state.value


@pytest.fixture(autouse=True, scope="module")
def _session_simulator(simulator: Simulator) -> Iterator[None]:
    with (
        PaySsam(APIKEY, MEMBER, MERCHANT, simulator.base_url, timeout=10) as client,
        httpx.Client(base_url=simulator.base_url, timeout=10) as control,
    ):
        Lifecycle.client, Lifecycle.control = client, control
        yield


Lifecycle.TestCase.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLifecycle = Lifecycle.TestCase
