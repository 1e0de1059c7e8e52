"""The whole bill lifecycle through the SDK over API v2, against the simulator: in-process, over a socket (under
the sandbox's /partner prefix) and through Prism proxy --errors serving the v2 contract.

Through the proxy, Prism checks every v2 request the SDK makes and every answer the simulator gives against
openapi/payssam-v2.json. The results are the v1 result types; the ledger (the control routes) is the witness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from payssam import (
    AsyncPaySsam,
    BillNotFoundError,
    BillState,
    BillStatus,
    Cancellation,
    Destruction,
    PaySsam,
    PointBalance,
    PointsExhaustedError,
    Resend,
    SentBill,
    new_bill_id,
)
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, ROOT
from prism import Prism
from receiver import ApprovalReceiver

pytestmark = pytest.mark.filterwarnings("ignore::payssam.ExperimentalWarning")

SPEC_V2 = ROOT / "openapi" / "payssam-v2.json"
PRICE = 55000  # installments (paid in 3 months below) need 50,000 won or more
PHONE = "01012345678"
CUSTOMER = {"customer_name": "김민지", "product_name": "12월 수강료"}
TALK_POINTS = 55


@dataclass
class Lane:
    """One way to reach the simulator over v2: clients, the control routes and a receiver verifying through v2."""

    client: PaySsam
    control: httpx.Client
    receiver: ApprovalReceiver
    async_client: Callable[[], AsyncPaySsam]


def v2(base_url: str, http: httpx.Client | None = None) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, base_url, api_version=2, timeout=10, http_client=http)


@pytest.fixture(scope="module")
def v2_sim() -> Iterator[Simulator]:
    """A socket simulator for this module (its balances are set per test)."""
    with Simulator(callback_retry_interval=0.05, callback_retries=3, callback_timeout=5) as sim:
        yield sim


@pytest.fixture(scope="module")
def v2_proxy(v2_sim: Simulator) -> Iterator[Prism]:
    """Prism proxy --errors with the v2 contract in front of the socket simulator."""
    with Prism(SPEC_V2, upstream=v2_sim.base_url) as proxy:
        yield proxy


@pytest.fixture(params=[pytest.param("proxy", marks=pytest.mark.prism), "socket", "inprocess"])
def lane(request: pytest.FixtureRequest) -> Iterator[Lane]:
    """Through Prism proxy --errors (v2 contract) to the socket, straight to the socket at /partner, or in-process."""
    if request.param == "inprocess":
        sim = Simulator()
        base_url = "http://127.0.0.1/partner"
        with (
            v2(base_url, httpx.Client(transport=sim.transport())) as client,
            httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1") as control,
            ApprovalReceiver(client, expected_price=PRICE) as endpoint,
        ):
            sim.callback_transport = endpoint.transport()
            yield Lane(
                client,
                control,
                endpoint,
                lambda: AsyncPaySsam(
                    APIKEY,
                    MEMBER,
                    MERCHANT,
                    base_url,
                    api_version=2,
                    http_client=httpx.AsyncClient(transport=sim.async_transport()),
                ),
            )
        sim.close()
        return
    sim = request.getfixturevalue("v2_sim")
    proxied = request.param == "proxy"
    base_url = request.getfixturevalue("v2_proxy").base_url if proxied else sim.base_url + "/partner"
    with (
        v2(base_url) as client,
        httpx.Client(base_url=sim.base_url, timeout=10) as control,
        ApprovalReceiver(client, expected_price=PRICE) as endpoint,
    ):
        control.post("/_sim/reset", json={}).raise_for_status()
        yield Lane(client, control, endpoint, lambda: AsyncPaySsam(APIKEY, MEMBER, MERCHANT, base_url, api_version=2))


def pay(control: httpx.Client, bill_id: str, **choice: Any) -> dict[str, Any]:
    answer = control.post(f"/_sim/bills/{bill_id}/pay", json=choice)
    assert answer.status_code == 200, answer.text
    paid: dict[str, Any] = answer.json()
    return paid


def ledger(control: httpx.Client, bill_id: str) -> dict[str, Any]:
    answer = control.get(f"/_sim/bills/{bill_id}")
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


def set_balance(control: httpx.Client, balance: int) -> None:
    control.post("/_sim/points", json={"merchant": MERCHANT, "balance": balance}).raise_for_status()


def test_the_v2_lifecycle_through_the_sync_client(lane: Lane) -> None:
    client, control, receiver = lane.client, lane.control, lane.receiver
    before = client.merchant_point_balance()
    assert isinstance(before, PointBalance)
    assert before.charge_url is not None

    bill_id = new_bill_id("T")
    sent = client.send_bill(
        bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url, redirect_url="https://erp.example/done"
    )
    assert isinstance(sent, SentBill)
    assert sent.bill_id == bill_id
    assert sent.short_url is not None
    assert client.read_bill(bill_id).state is BillState.UNPAID
    resent = client.resend_bill(bill_id)
    assert isinstance(resent, Resend)
    assert client.merchant_point_balance().balance == before.balance - 2 * TALK_POINTS  # the send and the resend

    paid = pay(control, bill_id, pay_type="CARD_VAN", installment_months=3)
    assert paid["callback"]["acknowledged"] is True
    verified = receiver.seen.verified.get(timeout=5)
    assert (verified.bill_id, verified.state, verified.price) == (bill_id, BillState.PAID, PRICE)
    assert receiver.seen.rejected == []
    status = client.read_bill(bill_id)
    assert isinstance(status, BillStatus)
    assert (status.state, status.price, status.installment_months) == (BillState.PAID, PRICE, 3)
    assert status.approval_number == verified.approval_number

    cancelled = client.cancel_bill(bill_id, PRICE, reason="고객 요청 환불")
    assert isinstance(cancelled, Cancellation)
    assert cancelled.original_approval_number == status.approval_number
    assert client.read_bill(bill_id).state is BillState.CANCELLED
    assert ledger(control, bill_id)["cancel_reason"] == "고객 요청 환불"

    other = new_bill_id("D")
    client.send_bill(other, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    destroyed = client.destroy_bill(other, PRICE)
    assert isinstance(destroyed, Destruction)
    assert client.read_bill(other).state is BillState.DESTROYED
    assert control.post(f"/_sim/bills/{other}/pay", json={}).status_code == 409


def test_a_url_send_has_no_phone_costs_nothing_and_is_paid_like_any_other(lane: Lane) -> None:
    client, control, receiver = lane.client, lane.control, lane.receiver
    before = client.merchant_point_balance().balance
    bill_id = new_bill_id("U")
    sent = client.send_bill(bill_id, PRICE, phone=None, **CUSTOMER, callback_url=receiver.url, send_type="URL")
    assert sent.short_url is not None
    assert client.merchant_point_balance().balance == before
    assert ledger(control, bill_id)["send_type"] == "URL"
    pay(control, bill_id)
    assert receiver.seen.verified.get(timeout=5).bill_id == bill_id
    assert client.read_bill(bill_id).state is BillState.PAID


def test_an_empty_balance_refuses_sends_and_resends_with_the_typed_error(lane: Lane) -> None:
    client, control, receiver = lane.client, lane.control, lane.receiver
    kept = new_bill_id("K")
    client.send_bill(kept, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    set_balance(control, TALK_POINTS - 1)
    refused = new_bill_id("E")
    with pytest.raises(PointsExhaustedError) as caught:
        client.send_bill(refused, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    assert caught.value.code == "POINT_001"
    with pytest.raises(BillNotFoundError):
        client.read_bill(refused)  # nothing was made
    with pytest.raises(PointsExhaustedError):
        client.resend_bill(kept)
    assert client.merchant_point_balance().balance == TALK_POINTS - 1  # nothing was charged
    set_balance(control, TALK_POINTS)
    client.send_bill(refused, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    assert client.merchant_point_balance().balance == 0


def test_the_v2_lifecycle_through_the_async_client(lane: Lane) -> None:
    control, receiver = lane.control, lane.receiver

    async def lifecycle() -> None:
        async with lane.async_client() as client:
            bill_id = new_bill_id("A")
            sent = await client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
            assert isinstance(sent, SentBill)
            assert (await client.read_bill(bill_id)).state is BillState.UNPAID
            before = (await client.merchant_point_balance()).balance
            assert isinstance(await client.resend_bill(bill_id), Resend)
            assert (await client.merchant_point_balance()).balance == before - TALK_POINTS
            await asyncio.to_thread(pay, control, bill_id)
            assert receiver.seen.verified.get(timeout=5).bill_id == bill_id
            assert (await client.read_bill(bill_id)).state is BillState.PAID
            cancelled = await client.cancel_bill(bill_id, PRICE, reason="환불")
            assert isinstance(cancelled, Cancellation)
            assert (await client.read_bill(bill_id)).state is BillState.CANCELLED

            url_bill = new_bill_id("U")
            await client.send_bill(url_bill, PRICE, phone=None, **CUSTOMER, callback_url=receiver.url, send_type="URL")
            assert isinstance(await client.destroy_bill(url_bill, PRICE), Destruction)
            assert (await client.read_bill(url_bill)).state is BillState.DESTROYED

            await asyncio.to_thread(set_balance, control, 0)
            with pytest.raises(PointsExhaustedError):
                await client.send_bill(new_bill_id(), PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)

    asyncio.run(lifecycle())


@pytest.mark.parametrize("case", ["camel", "snake"])
def test_approvals_in_either_casing_are_verified(case: str) -> None:
    with (
        Simulator(v2_callback_case=case) as sim,
        v2(sim.base_url + "/partner") as client,
        ApprovalReceiver(client, expected_price=PRICE) as receiver,
        httpx.Client(base_url=sim.base_url, timeout=10) as control,
    ):
        bill_id = new_bill_id()
        client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
        paid = pay(control, bill_id)
        assert paid["callback"]["acknowledged"] is True
        approval = receiver.seen.verified.get(timeout=5)
        assert (approval.bill_id, approval.state) == (bill_id, BillState.PAID)
        assert receiver.seen.rejected == []


def test_one_ledger_serves_both_versions() -> None:
    """A bill sent over v2 is the same bill to a v1 client of the same partner, and the other way round."""
    with Simulator() as sim:
        v1_client = PaySsam(
            APIKEY, MEMBER, MERCHANT, "http://127.0.0.1", http_client=httpx.Client(transport=sim.transport())
        )
        v2_client = v2("http://127.0.0.1/partner", httpx.Client(transport=sim.transport()))
        control = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1")
        with v1_client, v2_client, control:
            over_v2, over_v1 = new_bill_id("V"), new_bill_id("W")
            v2_client.send_bill(over_v2, PRICE, phone=PHONE, **CUSTOMER, callback_url="https://erp.example/a")
            v1_client.send_bill(over_v1, PRICE, phone=PHONE, **CUSTOMER, callback_url="https://erp.example/a")
            pay(control, over_v2)
            assert v1_client.read_bill(over_v2).state is BillState.PAID
            assert v1_client.cancel_bill(over_v2, PRICE).bill_id == over_v2
            assert v2_client.read_bill(over_v2).state is BillState.CANCELLED
            assert v2_client.destroy_bill(over_v1, PRICE).bill_id == over_v1
            assert v1_client.read_bill(over_v1).state is BillState.DESTROYED
