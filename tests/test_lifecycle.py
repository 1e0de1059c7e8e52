"""The whole bill lifecycle through the SDK, against the simulator behind Prism proxy --errors.

Prism checks every request and every answer against the contract on the way, so a success here
means the client, the simulator and openapi/payssam-v1.json agree; the simulator's control routes
(/_sim/...) are called directly, they are not part of the vendor's contract.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from payssam import (
    APPROVAL_ACK,
    AccessDeniedError,
    AlreadyCancelledError,
    AlreadyPaidError,
    ApiError,
    AsyncPaySsam,
    Backoff,
    BillNotFoundError,
    BillState,
    CallbackSyncError,
    DuplicateBillIdError,
    PaySsam,
    ProcessingError,
    ProtocolError,
    ServerSystemError,
    new_bill_id,
)
from payssam._errors import API_ERRORS
from payssam._validation import KST
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, free_port
from prism import Prism
from receiver import ApprovalReceiver

PRICE = 52000  # installments (paid in 3 months below) need 50,000 won or more
PHONE = "01012345678"
CUSTOMER = {"customer_name": "김민지", "product_name": "11월 수강료"}


@pytest.fixture
def client(sim_proxy: Prism) -> Iterator[PaySsam]:
    """A blocking client whose every call passes through the contract-checking proxy."""
    with PaySsam(APIKEY, MEMBER, MERCHANT, sim_proxy.base_url, timeout=10) as paysam:
        yield paysam


@pytest.fixture
def control(simulator: Simulator) -> Iterator[httpx.Client]:
    """The simulator's own control routes, outside the vendor contract."""
    with httpx.Client(base_url=simulator.base_url, timeout=10) as http:
        yield http


@pytest.fixture
def receiver(client: PaySsam) -> Iterator[ApprovalReceiver]:
    """A partner's approval endpoint built with the SDK's helpers, verifying through the proxy."""
    with ApprovalReceiver(client, expected_price=PRICE) as endpoint:
        yield endpoint


@dataclass
class Lane:
    """One way to reach the simulator: clients, the control routes and a receiver, all going the same way."""

    client: PaySsam
    control: httpx.Client
    receiver: ApprovalReceiver
    async_client: Callable[[], AsyncPaySsam]


@pytest.fixture(params=[pytest.param("proxy", marks=pytest.mark.prism), "socket", "inprocess"])
def lane(request: pytest.FixtureRequest, simulator: Simulator) -> Iterator[Lane]:
    """Through Prism proxy --errors to the socket, straight to the socket, or in-process with no socket at all."""
    if request.param == "inprocess":
        sim = Simulator()
        to_sim: dict[str, Any] = {"base_url": "http://127.0.0.1", "timeout": 10}
        sync_http = httpx.Client(transport=sim.transport())
        with (
            PaySsam(APIKEY, MEMBER, MERCHANT, **to_sim, http_client=sync_http) as paysam,
            httpx.Client(transport=sim.transport(), base_url=to_sim["base_url"]) as control,
            ApprovalReceiver(paysam, expected_price=PRICE) as endpoint,
        ):
            sim.callback_transport = endpoint.transport()
            yield Lane(
                paysam,
                control,
                endpoint,
                lambda: AsyncPaySsam(
                    APIKEY, MEMBER, MERCHANT, **to_sim, http_client=httpx.AsyncClient(transport=sim.async_transport())
                ),
            )
        sync_http.close()
        sim.close()
        return
    base_url = request.getfixturevalue("sim_proxy").base_url if request.param == "proxy" else simulator.base_url
    with (
        PaySsam(APIKEY, MEMBER, MERCHANT, base_url, timeout=10) as paysam,
        httpx.Client(base_url=simulator.base_url, timeout=10) as control,
        ApprovalReceiver(paysam, expected_price=PRICE) as endpoint,
    ):
        yield Lane(paysam, control, endpoint, lambda: AsyncPaySsam(APIKEY, MEMBER, MERCHANT, base_url, timeout=10))


def pay(control: httpx.Client, bill_id: str, **choice: Any) -> dict[str, Any]:
    """The customer pays (simulated); returns the simulator's account of it."""
    answer = control.post(f"/_sim/bills/{bill_id}/pay", json=choice)
    assert answer.status_code == 200, answer.text
    paid: dict[str, Any] = answer.json()
    return paid


def test_the_review_flows_end_to_end_through_the_sync_client(lane: Lane) -> None:
    client, control, receiver = lane.client, lane.control, lane.receiver
    bill_id = new_bill_id("1234567890")
    sent = client.send_bill(
        bill_id,
        PRICE,
        phone=PHONE,
        **CUSTOMER,
        callback_url=receiver.url,
        issuer="페이민트 학원",
        message="이번 달 수강료입니다.",
        expires_on=datetime.now(KST).date() + timedelta(days=3),
    )
    assert sent.bill_id == bill_id
    assert sent.short_url.startswith("http")
    assert bill_id in sent.short_url
    assert client.read_bill(bill_id).state is BillState.UNPAID
    assert client.resend_bill(bill_id).bill_id == bill_id

    paid = pay(control, bill_id, pay_type="CARD_VAN", installment_months=3)
    assert paid["callback"]["acknowledged"] is True
    assert paid["callback"]["attempts"] == 1
    verified = receiver.seen.verified.get(timeout=5)
    assert (verified.bill_id, verified.state, verified.price) == (bill_id, BillState.PAID, PRICE)
    assert receiver.seen.rejected == []

    status = client.read_bill(bill_id)
    assert status.state is BillState.PAID
    assert status.price == PRICE
    assert status.installment_months == 3
    assert status.approval_number == verified.approval_number
    assert status.approved_at is not None
    assert status.approved_at.utcoffset() == timedelta(hours=9)

    with pytest.raises(AlreadyPaidError):
        client.destroy_bill(bill_id, PRICE)
    with pytest.raises(AlreadyPaidError):
        client.resend_bill(bill_id)
    with pytest.raises(ProcessingError):
        client.cancel_bill(bill_id, PRICE + 1)  # a right hash for the wrong price

    cancelled = client.cancel_bill(bill_id, PRICE)
    assert cancelled.original_approval_number == status.approval_number
    assert cancelled.approval_number not in (None, status.approval_number)
    assert cancelled.cancelled_at is not None
    after = client.read_bill(bill_id)
    assert after.state is BillState.CANCELLED
    assert after.original_approval_number == status.approval_number
    with pytest.raises(AlreadyCancelledError):
        client.cancel_bill(bill_id, PRICE)
    with pytest.raises(AlreadyCancelledError):
        client.destroy_bill(bill_id, PRICE)

    other = new_bill_id()
    client.send_bill(other, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    assert client.destroy_bill(other, PRICE).bill_id == other
    assert client.read_bill(other).state is BillState.DESTROYED
    with pytest.raises(ProcessingError):
        client.destroy_bill(other, PRICE)
    with pytest.raises(ProcessingError):
        client.cancel_bill(other, PRICE)
    assert control.post(f"/_sim/bills/{other}/pay", json={}).status_code == 409


async def test_the_same_lifecycle_through_the_async_client(lane: Lane) -> None:
    control, receiver = lane.control, lane.receiver
    async with lane.async_client() as async_client:
        await _async_lifecycle(async_client, control, receiver)


async def _async_lifecycle(async_client: AsyncPaySsam, control: httpx.Client, receiver: ApprovalReceiver) -> None:
    bill_id = new_bill_id("A")
    sent = await async_client.send_bill(bill_id, str(PRICE), phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    assert sent.bill_id == bill_id
    assert (await async_client.read_bill(bill_id)).state is BillState.UNPAID
    assert (await async_client.resend_bill(bill_id)).bill_id == bill_id
    pay(control, bill_id)
    assert receiver.seen.verified.get(timeout=5).bill_id == bill_id
    assert (await async_client.read_bill(bill_id)).state is BillState.PAID
    await async_client.cancel_bill(bill_id, PRICE)
    assert (await async_client.read_bill(bill_id)).state is BillState.CANCELLED

    unpaid = new_bill_id("B")
    await async_client.send_bill(unpaid, PRICE, phone="0101234567", **CUSTOMER, callback_url=receiver.url)
    await async_client.destroy_bill(unpaid, PRICE)
    assert (await async_client.read_bill(unpaid)).state is BillState.DESTROYED
    with pytest.raises(BillNotFoundError):
        await async_client.read_bill(new_bill_id())


def test_a_duplicate_bill_id_is_refused(client: PaySsam, receiver: ApprovalReceiver) -> None:
    bill_id = new_bill_id()
    client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    with pytest.raises(DuplicateBillIdError) as caught:
        client.send_bill(bill_id, PRICE + 1, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    assert caught.value.code == "9800"
    client.destroy_bill(bill_id, PRICE)
    with pytest.raises(DuplicateBillIdError):
        client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)


@pytest.mark.parametrize("wrong", ["apikey", "member", "merchant"])
def test_wrong_credentials_are_refused_with_1003(sim_proxy: Prism, wrong: str) -> None:
    settings = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, wrong: "SOMEONE-ELSE"}
    with PaySsam(**settings, base_url=sim_proxy.base_url) as stranger, pytest.raises(AccessDeniedError):
        stranger.read_bill(new_bill_id())


def test_a_hash_made_another_way_is_refused(sim_proxy: Prism, client: PaySsam, receiver: ApprovalReceiver) -> None:
    def sha3_hex(preimage: str) -> str:
        return hashlib.sha3_256(preimage.encode()).hexdigest()  # 64 lowercase hex too, but not PaySsam's rule

    with PaySsam(APIKEY, MEMBER, MERCHANT, sim_proxy.base_url, digest=sha3_hex) as odd:
        bill_id = new_bill_id()
        with pytest.raises(ProcessingError, match="hash"):
            odd.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
        with pytest.raises(BillNotFoundError):
            client.read_bill(bill_id)  # nothing was created
        client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
        with pytest.raises(ProcessingError, match="hash"):
            odd.destroy_bill(bill_id, PRICE)
        assert client.read_bill(bill_id).state is BillState.UNPAID


def test_an_unpaid_bill_cannot_be_cancelled_only_destroyed(client: PaySsam, receiver: ApprovalReceiver) -> None:
    bill_id = new_bill_id()
    client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    with pytest.raises(ProcessingError):
        client.cancel_bill(bill_id, PRICE)
    with pytest.raises(ProcessingError):
        client.destroy_bill(bill_id, PRICE + 1)
    assert client.read_bill(bill_id).state is BillState.UNPAID


def test_unknown_bills_are_not_found_by_every_operation(client: PaySsam) -> None:
    missing = new_bill_id()
    for call in (
        lambda: client.read_bill(missing),
        lambda: client.cancel_bill(missing, PRICE),
        lambda: client.destroy_bill(missing, PRICE),
        lambda: client.resend_bill(missing),
    ):
        with pytest.raises(BillNotFoundError):
            call()


@pytest.mark.parametrize(("code", "error"), [("5000", ServerSystemError), ("9870", CallbackSyncError)])
def test_codes_no_lifecycle_reaches_come_from_injected_faults(
    client: PaySsam, control: httpx.Client, code: str, error: type[ApiError]
) -> None:
    assert control.post("/_sim/faults", json={"operation": "read", "code": code, "count": 1}).status_code == 200
    with pytest.raises(error) as caught:
        client.with_options(max_retries=0).read_bill(new_bill_id())
    assert caught.value.code == code
    with pytest.raises(BillNotFoundError):
        client.read_bill(new_bill_id())  # one fault, then the simulator is itself again


def test_a_read_is_tried_again_past_a_passing_5000(client: PaySsam, control: httpx.Client) -> None:
    assert control.post("/_sim/faults", json={"operation": "read", "code": "5000", "count": 2}).status_code == 200
    quick = client.with_options(backoff=Backoff(0.01, 0.02))
    with pytest.raises(BillNotFoundError):
        quick.read_bill(new_bill_id())  # 5000, 5000, then the real answer: within the default two retries


def _sent(client: PaySsam, url: str) -> str:
    bill_id = new_bill_id()
    client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=url)
    return bill_id


def _paid(client: PaySsam, control: httpx.Client, url: str) -> str:
    bill_id = _sent(client, url)
    pay(control, bill_id)
    return bill_id


def _cancelled(client: PaySsam, control: httpx.Client, url: str) -> str:
    bill_id = _paid(client, control, url)
    client.cancel_bill(bill_id, PRICE)
    return bill_id


def _as_stranger(base_url: str) -> None:
    with PaySsam("WRONG-KEY", MEMBER, MERCHANT, base_url) as stranger:
        stranger.read_bill(new_bill_id())


def _fault(control: httpx.Client, code: str) -> None:
    control.post("/_sim/faults", json={"operation": "resend", "code": code, "count": 1}).raise_for_status()


SCENARIOS: dict[str, Any] = {
    "9999": lambda c, ctl, url: c.cancel_bill(_sent(c, url), PRICE),
    "9800": lambda c, ctl, url: c.send_bill(_sent(c, url), PRICE, phone=PHONE, **CUSTOMER, callback_url=url),
    "9970": lambda c, ctl, url: c.cancel_bill(_cancelled(c, ctl, url), PRICE),
    "9971": lambda c, ctl, url: c.destroy_bill(_paid(c, ctl, url), PRICE),
    "9980": lambda c, ctl, url: c.read_bill(new_bill_id()),
    "9870": lambda c, ctl, url: (_fault(ctl, "9870"), c.resend_bill(_sent(c, url))),
    "5000": lambda c, ctl, url: (_fault(ctl, "5000"), c.resend_bill(_sent(c, url))),
    "1003": lambda c, ctl, url: _as_stranger(c.base_url),
}


@pytest.mark.parametrize("code", sorted(API_ERRORS))
def test_every_v1_error_code_is_reachable_and_typed(
    client: PaySsam, control: httpx.Client, receiver: ApprovalReceiver, code: str
) -> None:
    with pytest.raises(ApiError) as caught:
        SCENARIOS[code](client, control, receiver.url)
    assert type(caught.value) is API_ERRORS[code]
    assert caught.value.code == code


def test_the_proxy_saw_no_contract_violation(sim_proxy: Prism, client: PaySsam, receiver: ApprovalReceiver) -> None:
    bill_id = new_bill_id()
    client.send_bill(bill_id, PRICE, phone=PHONE, **CUSTOMER, callback_url=receiver.url)
    client.read_bill(bill_id)
    log = sim_proxy.log()
    assert "/if/bill/send" in log
    assert "Violation" not in log
    assert "violation" not in log


def _post(url: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, json=body, timeout=10)


def test_the_receiver_refuses_forged_approvals_and_acknowledges_a_genuine_one_again(
    client: PaySsam, control: httpx.Client, receiver: ApprovalReceiver
) -> None:
    """Forgeries reach the partner's endpoint directly; only the read-back through PaySsam decides."""
    paid_id = _sent(client, receiver.url)
    pay(control, paid_id)
    number = receiver.seen.verified.get(timeout=5).approval_number
    assert number is not None
    approval = {"apikey": APIKEY, "bill_id": paid_id, "appr_state": "F", "appr_price": str(PRICE), "appr_num": number}
    unpaid_id = _sent(client, receiver.url)
    forgeries = {
        "wrong apikey": {**approval, "apikey": "NOT-THE-PARTNERS-KEY"},
        "unknown bill": {**approval, "bill_id": new_bill_id()},
        "wrong price": {**approval, "appr_price": str(PRICE * 10)},
        "unpaid bill": {**approval, "bill_id": unpaid_id},
        "wrong approval number": {**approval, "appr_num": "99999999"},
        "malformed": {**approval, "appr_price": "12,000"},
    }
    for name, body in forgeries.items():
        answer = _post(receiver.url, body)
        assert answer.status_code == 400, name
        assert answer.content != APPROVAL_ACK, name
    assert len(receiver.seen.rejected) == len(forgeries)
    assert "apikey" in receiver.seen.rejected[0]
    assert client.read_bill(unpaid_id).state is BillState.UNPAID

    again = _post(receiver.url, approval)  # PaySsam retries: a repeat is acknowledged, not refused
    assert (again.status_code, again.content) == (200, APPROVAL_ACK)


class _OffContract(BaseHTTPRequestHandler):
    """An upstream that answers every call with a code and a state the contract does not allow."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"code": "00", "appr_state": "X"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.mark.prism
def test_the_proxy_really_refuses_an_answer_off_the_contract() -> None:
    """Without this, a proxy that forwarded anything would make every lifecycle test above pass vacuously."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _OffContract)
    thread = threading.Thread(target=upstream.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        with Prism(upstream=f"http://127.0.0.1:{upstream.server_address[1]}") as proxy:
            with PaySsam(APIKEY, MEMBER, MERCHANT, proxy.base_url) as paysam, pytest.raises(ProtocolError) as caught:
                paysam.read_bill(new_bill_id())
            assert caught.value.status_code == 500
            deadline = time.monotonic() + 5  # Prism may log the violation just after it answers
            while "violation" not in proxy.log().lower() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "violation" in proxy.log().lower()
    finally:
        upstream.shutdown()
        upstream.server_close()
        thread.join(timeout=5)


def test_a_genuine_approval_redelivered_after_a_cancel_is_acknowledged_and_fulfils_nothing(lane: Lane) -> None:
    """PaySsam missed the acknowledgement, the partner cancelled, PaySsam delivers the approval again."""
    bill_id = _sent(lane.client, lane.receiver.url)
    pay(lane.control, bill_id)
    assert lane.receiver.seen.verified.get(timeout=5).bill_id == bill_id
    lane.client.cancel_bill(bill_id, PRICE)
    again = lane.control.post(f"/_sim/bills/{bill_id}/redeliver", json={})
    assert again.status_code == 200, again.text
    assert again.json()["callback"]["acknowledged"] is True
    assert [status.state for status in lane.receiver.seen.superseded] == [BillState.CANCELLED]
    assert lane.receiver.seen.verified.empty()  # fulfilled once, on the first delivery only
    assert lane.receiver.seen.rejected == []


def test_an_approval_that_cannot_be_confirmed_now_gets_503_so_paysam_retries() -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the read-back cannot be made
    with (
        PaySsam(APIKEY, MEMBER, MERCHANT, dead, timeout=5, max_retries=0) as unreachable,
        ApprovalReceiver(unreachable, expected_price=PRICE) as endpoint,
    ):
        body = {"apikey": APIKEY, "bill_id": new_bill_id(), "appr_state": "F", "appr_price": str(PRICE)}
        answer = _post(endpoint.url, body)
        assert (answer.status_code, answer.content) == (503, b"")
        assert len(endpoint.seen.unconfirmed) == 1
        assert endpoint.seen.rejected == []
