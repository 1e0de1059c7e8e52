"""The simulator's API v2 with raw httpx requests: the lifecycle, every code, points, approvals, drifts, /partner.

v2 shares v1's ledger: what is tested here is v2's wire (camelCase, `{code, message, data}`, text codes), what only
v2 has (sendType, points, pageRedirectUrl, cancelReason) and the two versions acting on the same bills. Every v2
answer is checked against the v2 contract's answer schema (draft 2020-12, ECMA-262 patterns) unless a drift is
switched on; the request bodies the public v2 integrations A-F send are accepted as they send them.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import itertools
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import regress
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.protocols import Validator

from payssam_sim import Credentials, Simulator, fidelity, wire_v2

from kit import APIKEY, MEMBER, MERCHANT, ROOT, sha256, wait_for
from oracle import FORMATS, resolve, response_schema, validator
from receivers import V1_ACK, Receiver

KST = timezone(timedelta(hours=9))
AUTH = {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
V1_AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
PHONE = "01012345678"
PRICE = "10000"
NOWHERE = "https://partner.example/payssam/approval"  # not loopback: never called over the network
SUCCESS_TEXT = "성공하였습니다."
CODE_ONLY_ACK = b'{"code":"0000"}'
INTERVAL = 0.05
RETRIES = 3
BASE_URL = "http://127.0.0.1"
TIMESTAMP = re.compile(r"[0-9]{14}")
V2_PATHS = {
    "send": "/bill",
    "read": "/bill/read",
    "cancel": "/bill/cancel",
    "destroy": "/bill/destroy",
    "resend": "/bill/resend",
    "remain_count": "/read/remain_count",
    "merchant_remain_count": "/read/merchant/remain_count",
}
"""Written out by hand, as the contract names them."""
V1_PATHS = {route: f"/if/bill/{route}" for route in ("send", "read", "cancel", "destroy", "resend")}
_ids = itertools.count(1)

# --------------------------------------------------------------------------- the v2 contract as an oracle

V2_SPEC: dict[str, Any] = json.loads((ROOT / "openapi" / "payssam-v2.json").read_text(encoding="utf-8"))


def _ecma_pattern(checker: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[SchemaError]:
    if checker.is_type(instance, "string") and regress.Regex(pattern).find(instance) is None:
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


V2Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def v2_validator(schema: dict[str, Any]) -> Validator:
    checker: Validator = V2Validator(resolve(V2_SPEC, schema), format_checker=FORMATS)
    return checker


def _v2_answer(path: str) -> Validator:
    content = V2_SPEC["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
    return v2_validator(content["schema"])


ANSWERS = {operation: _v2_answer(path) for operation, path in V2_PATHS.items()}
REQUESTS = {
    operation: v2_validator(V2_SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])
    for operation, path in V2_PATHS.items()
}
APPROVAL = v2_validator({"$ref": "#/components/schemas/ApprovalCallback"})


def off_contract(checker: Validator, instance: object) -> list[str]:
    return [error.message for error in checker.iter_errors(instance)]


# --------------------------------------------------------------------------- bodies


def new_id() -> str:
    """A fresh 20-character bill id: business number, V, a counter."""
    return f"1234567890V{next(_ids):09d}"


def kst_day(days: int) -> str:
    return (datetime.now(KST).date() + timedelta(days=days)).isoformat()


def send_body(
    bill_id: str, price: str = PRICE, *, phone: str | None = PHONE, send_type: str = "TALK", **extra: Any
) -> dict[str, Any]:
    """A v2 send: the hash has three parts with a phone, two without."""
    bill: dict[str, Any] = {
        "billId": bill_id,
        "sendType": send_type,
        "productName": "12월 수강료",
        "price": price,
        "memberName": "홍길동",
        "hash": sha256(bill_id, phone, price) if phone else sha256(bill_id, price),
        "callbackUrl": NOWHERE,
    }
    if phone is not None:
        bill["phone"] = phone
    bill.update(extra)
    return {**AUTH, "bill": bill}


def key_body(bill_id: str) -> dict[str, Any]:
    return {**AUTH, "bill": {"billId": bill_id}}


def priced_body(bill_id: str, price: str = PRICE, **extra: Any) -> dict[str, Any]:
    return {**AUTH, "bill": {"billId": bill_id, "price": price, "hash": sha256(bill_id, price), **extra}}


def v1_send_body(bill_id: str) -> dict[str, Any]:
    bill = {
        "bill_id": bill_id,
        "callbackURL": NOWHERE,
        "hash": sha256(bill_id, PHONE, PRICE),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "11월 수강료",
    }
    return {**V1_AUTH, "bill": bill}


def v1_priced_body(bill_id: str) -> dict[str, Any]:
    return {**V1_AUTH, "bill_id": bill_id, "price": PRICE, "hash": sha256(bill_id, PRICE)}


class V2:
    """Calls the simulator's routes; checks every v2 answer against the contract (unless drifts are on)."""

    def __init__(self, http: httpx.Client, *, check: bool = True) -> None:
        self.http = http
        self.check = check
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def call(self, operation: str, body: object, prefix: str = "") -> dict[str, Any]:
        response = self.http.post(prefix + V2_PATHS[operation], json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        answer: dict[str, Any] = response.json()
        if self.check:
            assert off_contract(ANSWERS[operation], answer) == [], (operation, answer)
        self.answers.append((operation, answer))
        return answer

    def refused(self, operation: str, body: object) -> str:
        """POST a body the simulator must refuse with HTTP 400; the error text."""
        response = self.http.post(V2_PATHS[operation], json=body)
        assert response.status_code == 400, response.text
        error: str = response.json()["error"]
        return error

    def send(self, bill_id: str, **kwargs: Any) -> dict[str, Any]:
        return self.call("send", send_body(bill_id, **kwargs))

    def read(self, bill_id: str) -> dict[str, Any]:
        return self.call("read", key_body(bill_id))

    def cancel(self, bill_id: str, price: str = PRICE, **extra: Any) -> dict[str, Any]:
        return self.call("cancel", priced_body(bill_id, price, **extra))

    def destroy(self, bill_id: str, price: str = PRICE) -> dict[str, Any]:
        return self.call("destroy", priced_body(bill_id, price))

    def resend(self, bill_id: str) -> dict[str, Any]:
        return self.call("resend", key_body(bill_id))

    def balance(self) -> int:
        balance: int = self.call("remain_count", {"apiKey": APIKEY})["data"]["balance"]
        return balance

    def merchant_balance(self) -> int:
        balance: int = self.call("merchant_remain_count", dict(AUTH))["data"]["balance"]
        return balance

    def v1(self, route: str, body: object, prefix: str = "") -> dict[str, Any]:
        response = self.http.post(prefix + V1_PATHS[route], json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def pay(self, bill_id: str, **payment: Any) -> dict[str, Any]:
        response = self.http.post(f"/_sim/bills/{bill_id}/pay", json=payment)
        assert response.status_code == 200, response.text
        paid: dict[str, Any] = response.json()
        return paid

    def view(self, bill_id: str) -> dict[str, Any]:
        response = self.http.get(f"/_sim/bills/{bill_id}")
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()
        return view

    def points(self, **setting: Any) -> dict[str, Any]:
        response = self.http.post("/_sim/points", json=setting) if setting else self.http.get("/_sim/points")
        assert response.status_code == 200, response.text
        points: dict[str, Any] = response.json()
        return points

    def delivery(self, bill_id: str) -> dict[str, Any]:
        callback: dict[str, Any] = self.view(bill_id)["callback"]
        return callback

    def paid_bill(self, **payment: Any) -> str:
        bill_id = new_id()
        assert self.send(bill_id)["code"] == "0000"
        self.pay(bill_id, **payment)
        return bill_id


def ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": "0000", "message": SUCCESS_TEXT, "data": data}


class _AnyUrl(str):
    """Equal to any http(s) URL (a chargeUrl names wherever the simulator listens)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(("http://", "https://"))

    def __hash__(self) -> int:
        return 0


ANY_URL = _AnyUrl("http://*")


# --------------------------------------------------------------------------- fixtures


SimFactory = Callable[..., V2]


@pytest.fixture
def make() -> Iterator[SimFactory]:
    """In-process simulators with these settings (fast retries), each closed after the test."""
    started: list[tuple[Simulator, httpx.Client]] = []

    def start(*, check: bool = True, **settings: Any) -> V2:
        settings = {"callback_retry_interval": INTERVAL, "callback_retries": RETRIES, **settings}
        simulator = Simulator(**settings)
        client = httpx.Client(transport=simulator.transport(), base_url=BASE_URL)
        started.append((simulator, client))
        return V2(client, check=check)

    yield start
    for simulator, client in started:
        client.close()
        simulator.close()


@pytest.fixture
def v2(make: SimFactory) -> V2:
    """A default simulator, in-process."""
    return make()


@pytest.fixture(scope="module")
def socket_sim() -> Iterator[Simulator]:
    simulator = Simulator(port=0, callback_retry_interval=INTERVAL, callback_retries=RETRIES, callback_timeout=2)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def socket_client(socket_sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=socket_sim.base_url, timeout=10.0, trust_env=False) as client:
        yield client


@pytest.fixture(params=["in-process", "socket"])
def both(request: pytest.FixtureRequest, make: SimFactory, socket_client: httpx.Client) -> V2:
    """The default simulator in-process, then over its socket (emptied first)."""
    if request.param == "in-process":
        return make()
    assert socket_client.post("/_sim/reset", json={}).json() == {"reset": True}
    return V2(socket_client)


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(answers: list[tuple[int, bytes]]) -> Receiver:
        started.append(Receiver(answers))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def recording(answers: list[tuple[int, bytes]]) -> tuple[httpx.MockTransport, list[dict[str, Any]]]:
    """An in-process approval receiver answering from a script (the last answer repeats), and what it received."""
    received: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        status, content = answers[min(len(received), len(answers)) - 1]
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle), received


# --------------------------------------------------------------------------- the lifecycle


def test_talk_send_pay_approve_read_cancel_read(both: V2, receiver: Callable[..., Receiver]) -> None:
    """The whole v2 lifecycle; the approval arrives in camelCase and {"code":"0000"} (A's and F's reply) acks it."""
    partner = receiver([(200, CODE_ONLY_ACK)])
    bill_id = new_id()
    price = "50000"  # installments need 50,000 won or more
    sent = both.send(bill_id, price=price, callbackUrl=partner.url, pageRedirectUrl="https://academy.example/paid")
    assert sent["code"] == "0000"
    assert sent["message"] == SUCCESS_TEXT
    assert sent["data"] == {"shortUrl": sent["data"]["shortUrl"], "billId": bill_id}
    assert sent["data"]["shortUrl"].endswith(f"/_sim/b/{bill_id}")
    assert both.http.get(sent["data"]["shortUrl"]).status_code == 200
    assert both.read(bill_id) == ok({"billId": bill_id, "apprState": "W"})

    paid = both.pay(bill_id, card_issuer="KB국민카드", installment_months=2)
    assert paid["callback"] == {
        "attempts": 1,
        "acknowledged": True,
        "gave_up": False,
        "last_error": None,
        "next_attempt_in": None,
    }
    [approval] = partner.bodies
    assert off_contract(APPROVAL, approval) == []
    read = both.read(bill_id)["data"]
    assert approval == {"apiKey": APIKEY, **read}
    assert read["apprState"] == "F"
    assert read["apprPrice"] == price
    assert read["apprPayType"] == "CARD_VAN"
    assert read["apprIssuer"] == "KB국민카드"
    assert read["apprMonthly"] == "02"
    assert re.fullmatch(r"[0-9]{8}", read["apprNum"])
    assert TIMESTAMP.fullmatch(read["apprDt"])

    cancelled = both.cancel(bill_id, price, cancelReason="수강 취소")
    cancel = cancelled["data"]
    assert cancel == {
        "billId": bill_id,
        "apprNum": cancel["apprNum"],
        "apprOriginNum": read["apprNum"],
        "apprCancelDt": cancel["apprCancelDt"],
    }
    assert cancel["apprNum"] != read["apprNum"]
    assert both.read(bill_id) == ok(
        {
            "billId": bill_id,
            "apprState": "C",
            "apprPayType": "CARD_VAN",
            "apprPrice": price,
            "apprDt": cancel["apprCancelDt"],
            "apprOriginDt": read["apprDt"],
            "apprNum": cancel["apprNum"],
            "apprOriginNum": read["apprNum"],
        }
    )
    view = both.view(bill_id)
    assert view["state"] == "C"
    assert view["api"] == "v2"
    assert view["send_type"] == "TALK"
    assert view["page_redirect_url"] == "https://academy.example/paid"
    assert view["cancel_reason"] == "수강 취소"
    assert view["messages_sent"] == 1
    assert view["points_charged"] == 55


def test_url_send_without_a_phone_has_a_two_part_hash_and_sends_no_message(both: V2) -> None:
    bill_id = new_id()
    before = both.merchant_balance()
    sent = both.send(bill_id, phone=None, send_type="URL")
    assert sent["code"] == "0000"
    assert sent["data"]["shortUrl"].endswith(f"/_sim/b/{bill_id}")
    view = both.view(bill_id)
    assert view["send_type"] == "URL"
    assert view["messages_sent"] == 0
    assert view["points_charged"] == 0
    assert both.merchant_balance() == before
    both.pay(bill_id)
    assert both.read(bill_id)["data"]["apprState"] == "F"
    assert both.cancel(bill_id)["code"] == "0000"


def test_a_url_send_with_a_phone_has_a_three_part_hash(v2: V2) -> None:
    bill_id = new_id()
    assert v2.send(bill_id, send_type="URL")["code"] == "0000"
    other = new_id()
    body = send_body(other, send_type="URL")
    body["bill"]["hash"] = sha256(other, PRICE)
    assert v2.call("send", body)["code"] == "VALIDATION_002"


def test_send_destroy_read_destroyed(both: V2) -> None:
    bill_id = new_id()
    both.send(bill_id)
    assert both.destroy(bill_id) == ok({"billId": bill_id})
    assert both.read(bill_id) == ok({"billId": bill_id, "apprState": "D"})
    assert both.view(bill_id)["state"] == "D"


def test_every_answer_of_a_lifecycle_is_on_the_v2_contract(v2: V2) -> None:
    """Successes and refusals alike (V2.call checks each): data is null on every error."""
    talk, url, gone = new_id(), new_id(), new_id()
    v2.send(talk)
    v2.send(url, phone=None, send_type="URL")
    v2.send(gone)
    v2.resend(talk)
    v2.pay(talk, pay_type="OFFLINE_CASH", cash_trader="1")
    v2.pay(url)
    v2.read(talk)
    v2.read(url)
    v2.cancel(talk, cancelReason="환불")
    v2.read(talk)
    v2.destroy(gone)
    v2.read(gone)
    v2.balance()
    v2.merchant_balance()
    for refusal in (v2.send(talk), v2.cancel(talk), v2.destroy(url), v2.resend(url), v2.read(new_id())):
        assert refusal["data"] is None
    assert len(v2.answers) == 17
    assert {answer["code"] for _, answer in v2.answers} == {"0000", "BILL_001", "BILL_003", "BILL_006"}


def test_a_cash_payment_reads_with_cash_fields(v2: V2) -> None:
    bill_id = v2.paid_bill(pay_type="OFFLINE_CASH", cash_trader="1")
    read = v2.read(bill_id)["data"]
    assert read["apprPayType"] == "OFFLINE_CASH"
    assert read["apprCashTrader"] == "1"
    assert re.fullmatch(r"[0-9]{9}", read["apprCashNum"])
    assert "apprIssuer" not in read


def test_the_v1_reference_hash_vectors_hold_for_v2(make: SimFactory) -> None:
    three = "f10c27d16da1e527e34fceb5bd327f75e9fb07099a642ed2c04ec87e433e8055"
    two = "316c2d9a3df1fb14d7bb619d56b2664f4def3753c3df4747a5f3df02878e3a48"
    bill_id = "1234567890ABCDEFGHIJ"
    talk = make()
    assert talk.call("send", send_body(bill_id, hash=three))["code"] == "0000"
    assert talk.call("destroy", {**AUTH, "bill": {"billId": bill_id, "price": PRICE, "hash": two}})["code"] == "0000"
    url = make()
    assert url.call("send", send_body(bill_id, phone=None, send_type="URL", hash=two))["code"] == "0000"


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("operation", ["send", "read", "cancel", "destroy", "resend", "merchant_remain_count"])
@pytest.mark.parametrize("field", ["apiKey", "member", "merchant"])
def test_each_wrong_credential_is_partner_003_and_changes_nothing(v2: V2, operation: str, field: str) -> None:
    bill_id = new_id()
    if operation != "send":
        v2.send(bill_id)
    bodies: dict[str, dict[str, Any]] = {
        "send": send_body(bill_id),
        "read": key_body(bill_id),
        "cancel": priced_body(bill_id),
        "destroy": priced_body(bill_id),
        "resend": key_body(bill_id),
        "merchant_remain_count": dict(AUTH),
    }
    before = v2.points()
    answer = v2.call(operation, {**bodies[operation], field: "WRONG-" + field})
    assert answer == {"code": "PARTNER_003", "message": "유효한 파트너가 아닙니다.", "data": None}
    assert v2.points() == before
    if operation == "send":
        assert v2.read(bill_id)["code"] == "BILL_003"
    else:
        assert v2.view(bill_id)["state"] == "W"
        assert v2.view(bill_id)["messages_sent"] == 1


def test_the_partner_balance_checks_the_apikey_only(v2: V2) -> None:
    assert v2.call("remain_count", {"apiKey": "WRONG"})["code"] == "PARTNER_003"
    assert v2.call("remain_count", {"apiKey": APIKEY, "member": "ANY", "merchant": "ANY"})["code"] == "0000"


@pytest.mark.parametrize("operation", list(V2_PATHS))
def test_a_key_not_enabled_for_v2_is_partner_001_while_v1_works(make: SimFactory, operation: str) -> None:
    sim = make(credentials=Credentials(apikey=APIKEY, member=MEMBER, merchant=MERCHANT, v2=False))
    bill_id = new_id()
    assert sim.v1("send", v1_send_body(bill_id))["code"] == "0000"
    bodies: dict[str, dict[str, Any]] = {
        "send": send_body(new_id()),
        "read": key_body(bill_id),
        "cancel": priced_body(bill_id),
        "destroy": priced_body(bill_id),
        "resend": key_body(bill_id),
        "remain_count": {"apiKey": APIKEY},
        "merchant_remain_count": dict(AUTH),
    }
    assert sim.call(operation, bodies[operation]) == {
        "code": "PARTNER_001",
        "message": "v2 연동이 허용되지 않은 파트너입니다.",
        "data": None,
    }
    assert sim.view(bill_id)["state"] == "W"
    assert sim.v1("read", {**V1_AUTH, "bill_id": bill_id})["appr_state"] == "W"
    # Wrong credentials are told first, whatever the key's v2 access.
    assert sim.call("read", {**key_body(bill_id), "member": "WRONG"})["code"] == "PARTNER_003"


@pytest.mark.parametrize("operation", ["send", "cancel", "destroy"])
def test_a_wrong_hash_is_validation_002_and_changes_nothing(v2: V2, operation: str) -> None:
    if operation == "send":
        bill_id = new_id()
        body = send_body(bill_id)
        body["bill"]["hash"] = sha256(bill_id, PRICE)  # two parts where a send with a phone needs three
    else:
        bill_id = v2.paid_bill() if operation == "cancel" else new_id()
        if operation == "destroy":
            v2.send(bill_id)
        body = priced_body(bill_id)
        body["bill"]["hash"] = sha256(bill_id, PHONE, PRICE)  # three parts where two are due (A measured it)
    answer = v2.call(operation, body)
    assert answer == {"code": "VALIDATION_002", "message": "해싱값을 확인하시기 바랍니다.", "data": None}
    state = v2.read(bill_id).get("data") or {}
    assert state.get("apprState") == {"send": None, "cancel": "F", "destroy": "W"}[operation]


@pytest.mark.parametrize("operation", ["read", "cancel", "destroy", "resend"])
def test_an_unknown_bill_is_bill_003(v2: V2, operation: str) -> None:
    body = key_body(new_id()) if operation in ("read", "resend") else priced_body(new_id())
    assert v2.call(operation, body) == {"code": "BILL_003", "message": "청구서를 찾을 수 없습니다.", "data": None}


def test_a_used_bill_id_is_bill_001_whichever_version_used_it(v2: V2) -> None:
    bill_id, v1_bill = new_id(), new_id()
    v2.send(bill_id)
    before = v2.merchant_balance()
    assert v2.send(bill_id)["code"] == "BILL_001"
    v2.destroy(bill_id)
    assert v2.send(bill_id, send_type="URL")["code"] == "BILL_001"
    v2.v1("send", v1_send_body(v1_bill))
    assert v2.send(v1_bill)["code"] == "BILL_001"
    assert v2.v1("send", v1_send_body(bill_id))["code"] == "9800"
    assert v2.merchant_balance() == before


def test_a_bill_in_the_wrong_state_is_bill_006(v2: V2) -> None:
    unpaid, destroyed, paid = new_id(), new_id(), v2.paid_bill()
    v2.send(unpaid)
    v2.send(destroyed)
    v2.destroy(destroyed)
    before = v2.points()

    def refuse(operation: str, bill_id: str, reason: str) -> None:
        body = key_body(bill_id) if operation == "resend" else priced_body(bill_id)
        answer = v2.call(operation, body)
        assert answer == {
            "code": "BILL_006",
            "message": f"처리할 수 없는 상태의 청구서입니다. ({reason})",
            "data": None,
        }

    refuse("cancel", unpaid, "bill is unpaid: destroy it instead")
    refuse("cancel", destroyed, "bill is destroyed")
    refuse("destroy", paid, "bill is paid: cancel it instead")
    refuse("destroy", destroyed, "bill is already destroyed")
    refuse("resend", paid, "bill is paid")
    refuse("resend", destroyed, "bill is destroyed")
    assert v2.cancel(paid)["code"] == "0000"
    refuse("cancel", paid, "bill is already cancelled")
    refuse("destroy", paid, "bill is cancelled")
    refuse("resend", paid, "bill is cancelled")
    assert [v2.view(bill)["state"] for bill in (unpaid, destroyed, paid)] == ["W", "D", "C"]
    assert v2.points() == before


def test_a_resend_of_a_bill_sent_with_no_phone_is_bill_006(v2: V2) -> None:
    bill_id = new_id()
    v2.send(bill_id, phone=None, send_type="URL")
    before = v2.merchant_balance()
    assert v2.resend(bill_id)["code"] == "BILL_006"
    assert v2.view(bill_id)["messages_sent"] == 0
    assert v2.merchant_balance() == before
    assert v2.v1("resend", {**V1_AUTH, "bill_id": bill_id})["code"] == "9999"


def test_a_price_not_the_bills_is_validation_001(v2: V2) -> None:
    paid, unpaid = v2.paid_bill(), new_id()
    v2.send(unpaid)
    for operation, bill_id in (("cancel", paid), ("destroy", unpaid)):
        answer = v2.call(operation, priced_body(bill_id, "9999"))
        assert answer["code"] == "VALIDATION_001"
        assert "price does not match the bill" in answer["message"]
    assert v2.view(paid)["state"] == "F"
    assert v2.view(unpaid)["state"] == "W"


def test_a_past_expiry_in_korea_is_validation_001_and_makes_nothing(v2: V2) -> None:
    bill_id = new_id()
    before = v2.merchant_balance()
    answer = v2.send(bill_id, expireDt=kst_day(-1))
    assert answer["code"] == "VALIDATION_001"
    assert "expireDt" in answer["message"]
    assert v2.read(bill_id)["code"] == "BILL_003"
    assert v2.merchant_balance() == before
    assert v2.send(bill_id, expireDt=kst_day(0))["code"] == "0000"


def test_every_code_is_reached(make: SimFactory) -> None:
    """One simulator walks through every v2 code it answers (PARTNER_001 needs a v1-only key: another one)."""
    v2 = make(merchant_points=55)
    paid, unpaid = v2.paid_bill(), new_id()
    v2.send(unpaid, send_type="URL")
    v2.call("read", {**key_body(paid), "apiKey": "WRONG"})
    v2.call("destroy", {**priced_body(unpaid), "bill": {**priced_body(unpaid)["bill"], "hash": "0" * 64}})
    v2.read(new_id())
    v2.send(paid, send_type="URL")
    v2.resend(paid)
    v2.cancel(paid, "1")
    v2.resend(unpaid)
    v2.http.post("/_sim/faults", json={"operation": "read", "code": "ERROR"})
    v2.read(paid)
    v1_only = make(credentials=Credentials(apikey=APIKEY, member=MEMBER, merchant=MERCHANT, v2=False))
    v1_only.read(paid)
    codes = {answer["code"] for _, answer in v2.answers + v1_only.answers}
    assert codes == {
        "0000",
        "PARTNER_001",
        "PARTNER_003",
        "VALIDATION_001",
        "VALIDATION_002",
        "BILL_001",
        "BILL_003",
        "BILL_006",
        "POINT_001",
        "ERROR",
    }


# --------------------------------------------------------------------------- injected faults


def test_a_v2_fault_hits_v2_calls_only_then_wears_off(v2: V2) -> None:
    bill_id = new_id()
    v2.send(bill_id)
    injected = v2.http.post("/_sim/faults", json={"operation": "read", "code": "PAYMENT_001", "count": 2})
    assert injected.json() == {"operation": "read", "code": "PAYMENT_001", "pending": 2}
    assert v2.v1("read", {**V1_AUTH, "bill_id": bill_id})["code"] == "0000"  # a v1 read is not hit
    assert v2.call("read", {**key_body(bill_id), "apiKey": "WRONG"})["code"] == "PARTNER_003"  # not consumed
    assert v2.http.post("/bill/read", json=dict(AUTH)).status_code == 400  # not consumed
    assert v2.read(bill_id) == {"code": "PAYMENT_001", "message": "VAN사 응답이 없습니다.", "data": None}
    assert v2.read(bill_id)["code"] == "PAYMENT_001"
    assert v2.read(bill_id)["code"] == "0000"


def test_a_v1_fault_hits_v1_calls_only(v2: V2) -> None:
    bill_id = new_id()
    v2.send(bill_id)
    v2.http.post("/_sim/faults", json={"operation": "read", "code": "5000"})
    assert v2.read(bill_id)["code"] == "0000"
    assert v2.v1("read", {**V1_AUTH, "bill_id": bill_id}) == {"code": "5000", "msg": "System error"}


def test_a_faulted_send_makes_nothing_and_charges_nothing(v2: V2) -> None:
    v2.http.post("/_sim/faults", json={"operation": "send", "code": "MAINTAINED_METHOD"})
    bill_id = new_id()
    before = v2.merchant_balance()
    assert v2.send(bill_id) == {"code": "MAINTAINED_METHOD", "message": "점검 중입니다.", "data": None}
    assert v2.read(bill_id)["code"] == "BILL_003"
    assert v2.merchant_balance() == before
    assert v2.send(bill_id)["code"] == "0000"


def test_faults_reach_the_balances_and_unknown_codes_get_a_generic_text(v2: V2) -> None:
    v2.http.post("/_sim/faults", json={"operation": "merchant_remain_count", "code": "PARTNER_004"})
    assert v2.call("merchant_remain_count", dict(AUTH)) == {
        "code": "PARTNER_004",
        "message": "Simulated error PARTNER_004",
        "data": None,
    }
    assert v2.balance() == 1_000_000


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "remain_count", "code": "5000"},
        {"operation": "points", "code": "ERROR"},
        {"operation": "read", "code": "error"},
        {"operation": "read", "code": "_ERROR"},
        {"operation": "read", "code": "0000"},
        {"operation": "read", "code": "E" * 41},
        {"operation": "read", "code": "BILL-003"},
    ],
)
def test_bad_v2_fault_bodies_are_400(v2: V2, body: dict[str, Any]) -> None:
    assert v2.http.post("/_sim/faults", json=body).status_code == 400


# --------------------------------------------------------------------------- points


def test_a_talk_send_and_each_resend_cost_55_points_from_the_sub_merchant(v2: V2) -> None:
    assert v2.points() == {
        "partner": 1_000_000,
        "merchants": {},
        "merchant_default": 1_000_000,
        "charged": "merchant",
        "talk_send": 55,
        "resend": 55,
        "url_send": 0,
    }
    bill_id = new_id()
    v2.send(bill_id)
    assert v2.merchant_balance() == 1_000_000 - 55
    assert v2.resend(bill_id) == ok({"billId": bill_id})
    assert v2.resend(bill_id)["code"] == "0000"
    assert v2.merchant_balance() == 1_000_000 - 3 * 55
    assert v2.balance() == 1_000_000
    view = v2.view(bill_id)
    assert view["messages_sent"] == 3
    assert view["points_charged"] == 3 * 55
    assert v2.points()["merchants"] == {MERCHANT: 1_000_000 - 3 * 55}


def test_v1_calls_cost_no_points(v2: V2) -> None:
    bill_id = new_id()
    v2.v1("send", v1_send_body(bill_id))
    v2.v1("resend", {**V1_AUTH, "bill_id": bill_id})
    assert v2.merchant_balance() == 1_000_000
    assert v2.view(bill_id)["messages_sent"] == 2
    assert v2.resend(bill_id)["code"] == "0000"  # a v2 resend of a v1 bill is charged
    assert v2.merchant_balance() == 1_000_000 - 55


def test_an_empty_balance_is_point_001_and_nothing_is_made_or_sent(v2: V2) -> None:
    assert v2.points(merchant=MERCHANT, balance=110)["merchants"] == {MERCHANT: 110}
    first, second, third = new_id(), new_id(), new_id()
    assert v2.send(first)["code"] == "0000"
    assert v2.resend(first)["code"] == "0000"
    assert v2.merchant_balance() == 0
    assert v2.send(second) == {"code": "POINT_001", "message": "포인트가 부족합니다.", "data": None}
    assert v2.read(second)["code"] == "BILL_003"
    assert v2.resend(first)["code"] == "POINT_001"
    assert v2.view(first)["messages_sent"] == 2
    assert v2.send(third, send_type="URL")["code"] == "0000"  # a URL send is free by default
    assert v2.v1("send", v1_send_body(new_id()))["code"] == "0000"  # v1 charges nothing
    v2.points(merchant=MERCHANT, balance=54)
    assert v2.send(second)["code"] == "POINT_001"
    v2.points(merchant=MERCHANT, balance=55)
    assert v2.send(second)["code"] == "0000"
    assert v2.merchant_balance() == 0


def test_the_partner_balance_pays_when_points_come_from_the_partner(make: SimFactory) -> None:
    v2 = make(points_from="partner", partner_points=60)
    v2.send(new_id())
    assert (v2.balance(), v2.merchant_balance()) == (5, 1_000_000)
    assert v2.send(new_id())["code"] == "POINT_001"
    assert v2.points()["charged"] == "partner"


def test_a_url_send_costs_what_the_setting_says(make: SimFactory) -> None:
    v2 = make(url_send_points=7, merchant_points=10)
    v2.send(new_id(), phone=None, send_type="URL")
    assert v2.merchant_balance() == 3
    assert v2.send(new_id(), phone=None, send_type="URL")["code"] == "POINT_001"


def test_the_balances_answer_with_a_charge_url_and_reset_restores_them(v2: V2) -> None:
    v2.points(partner=0, merchant=MERCHANT, balance=1100)
    partner = v2.call("remain_count", {"apiKey": APIKEY})
    assert partner == ok({"balance": 0, "chargeUrl": f"{BASE_URL}/_sim/points"})
    assert v2.http.get(partner["data"]["chargeUrl"]).status_code == 200
    assert v2.call("merchant_remain_count", dict(AUTH))["data"]["balance"] == 1100
    assert v2.http.post("/_sim/reset", json={}).json() == {"reset": True}
    assert (v2.balance(), v2.merchant_balance()) == (1_000_000, 1_000_000)


def test_a_sub_merchant_balance_takes_the_envelope_only(v2: V2) -> None:
    """C measured a format error for an empty `bill` on this route."""
    error = v2.refused("merchant_remain_count", {**AUTH, "bill": {}})
    assert error.startswith("bill: ")
    assert v2.refused("merchant_remain_count", {"apiKey": APIKEY}) == "member: is missing"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"partner": -1},
        {"partner": 2**31},
        {"partner": True},
        {"partner": "10"},
        {"merchant": MERCHANT},
        {"balance": 10},
        {"merchant": "", "balance": 10},
        {"merchant": "M" * 61, "balance": 10},
        {"merchant": 7, "balance": 10},
        {"merchant": MERCHANT, "balance": 1.5},
        {"partner": 1, "extra": 1},
    ],
)
def test_bad_point_settings_are_400_and_change_nothing(v2: V2, body: dict[str, Any]) -> None:
    before = v2.points()
    response = v2.http.post("/_sim/points", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert v2.points() == before


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"points_from": "member"}, "points_from must be one of"),
        ({"url_send_points": -1}, "url_send_points must be an integer"),
        ({"partner_points": 2**31}, "partner_points must be an integer"),
        ({"merchant_points": True}, "merchant_points must be an integer"),
        ({"v2_callback_case": "kebab"}, "v2_callback_case must be one of"),
        ({"v2_drifts": ["data.data", "top-level"]}, "data.data and top-level exclude each other"),
        ({"v2_drifts": ["xml"]}, "unknown v2 drift 'xml'"),
    ],
)
def test_bad_v2_settings_are_refused(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):  # each setting has its own message
        Simulator(**settings)


# --------------------------------------------------------------------------- the approval over v2


def test_the_approval_can_be_snake_case_by_setting_or_per_bill(make: SimFactory) -> None:
    transport, received = recording([(200, V1_ACK)])
    snake = make(v2_callback_case="snake", callback_transport=transport)
    first, second = new_id(), new_id()
    snake.send(first)
    snake.send(second)
    snake.pay(first)
    snake.pay(second, callback_case="camel")
    v1_form = snake.v1("read", {**V1_AUTH, "bill_id": first})
    assert received[0] == {"apikey": APIKEY, **{k: v for k, v in v1_form.items() if k not in ("code", "msg")}}
    assert received[1] == {"apiKey": APIKEY, **snake.read(second)["data"]}
    camel = make(callback_transport=transport)
    third = new_id()
    camel.send(third)
    camel.pay(third, callback_case="snake")
    assert received[2]["bill_id"] == third
    assert received[2]["appr_state"] == "F"


def test_a_v1_bill_keeps_the_v1_approval_whatever_the_setting(make: SimFactory, spec: dict[str, Any]) -> None:
    transport, received = recording([(200, V1_ACK)])
    v2 = make(v2_callback_case="camel", callback_transport=transport)
    bill_id = new_id()
    v2.v1("send", v1_send_body(bill_id))
    response = v2.http.post(f"/_sim/bills/{bill_id}/pay", json={"callback_case": "camel"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("callback_case: ")
    assert v2.view(bill_id)["state"] == "W"
    v2.pay(bill_id)
    assert set(received[0]) >= {"apikey", "bill_id", "appr_state", "appr_price", "appr_num"}
    schema = resolve(spec, {"$ref": "#/components/schemas/ApprovalCallback"})
    assert list(validator(schema).iter_errors(received[0])) == []
    assert v2.http.post(f"/_sim/bills/{bill_id}/pay", json={"callback_case": "pascal"}).status_code == 400


@pytest.mark.parametrize(
    ("answer", "acknowledged"),
    [
        ((200, CODE_ONLY_ACK), True),
        ((200, V1_ACK), True),
        ((200, b'{"code":"0000","msg":"OK","received":true}'), True),
        ((200, b'{"code":0}'), False),
        ((200, b'{"code":"9999"}'), False),
        ((200, b"OK"), False),
        ((200, b'["0000"]'), False),
        ((500, CODE_ONLY_ACK), False),
    ],
)
def test_by_default_any_code_0000_acknowledges_a_v2_approval(
    make: SimFactory, answer: tuple[int, bytes], acknowledged: bool
) -> None:
    transport, received = recording([answer])
    v2 = make(callback_transport=transport)
    bill_id = new_id()
    v2.send(bill_id)
    first = v2.pay(bill_id)["callback"]
    assert first["acknowledged"] is acknowledged
    if not acknowledged:
        wait_for(lambda: v2.delivery(bill_id)["gave_up"])
        assert v2.delivery(bill_id)["attempts"] == 1 + RETRIES
        assert len(received) == 1 + RETRIES


def test_under_strict_only_v1s_exact_body_acknowledges_a_v2_approval(make: SimFactory) -> None:
    transport, received = recording([(200, CODE_ONLY_ACK), (200, CODE_ONLY_ACK), (200, V1_ACK)])
    strict = make(strict=True, callback_transport=transport)
    bill_id = new_id()
    strict.send(bill_id)
    first = strict.pay(bill_id)["callback"]
    assert first["acknowledged"] is False
    assert first["last_error"] == "HTTP 200 but the body is not exactly the acknowledgement"
    wait_for(lambda: strict.delivery(bill_id)["acknowledged"])
    assert strict.delivery(bill_id)["attempts"] == 3
    assert received[0] == received[2]


def test_a_v1_approval_still_needs_the_exact_body(make: SimFactory) -> None:
    transport, _ = recording([(200, CODE_ONLY_ACK)])
    v2 = make(callback_transport=transport)
    bill_id = new_id()
    v2.v1("send", v1_send_body(bill_id))
    assert v2.pay(bill_id)["callback"]["acknowledged"] is False


def test_a_redelivered_v2_approval_is_the_same_body(make: SimFactory) -> None:
    transport, received = recording([(200, CODE_ONLY_ACK)])
    v2 = make(callback_transport=transport)
    bill_id = v2.paid_bill()
    redelivered = v2.http.post(f"/_sim/bills/{bill_id}/redeliver", json={})
    assert redelivered.json()["callback"]["acknowledged"] is True
    assert received[0] == received[1]
    assert "apiKey" in received[0]


# --------------------------------------------------------------------------- drifts


def drifted(make: SimFactory, *names: str, **settings: Any) -> tuple[V2, str, list[dict[str, Any]]]:
    """A simulator with these drifts holding a paid v2 bill; what its approval receiver got."""
    transport, received = recording([(200, CODE_ONLY_ACK)])
    v2 = make(check=False, v2_drifts=names, callback_transport=transport, **settings)
    bill_id = new_id()
    assert v2.send(bill_id)["code"] == "0000"
    v2.pay(bill_id)
    return v2, bill_id, received


def test_drift_msg_names_the_text_msg(make: SimFactory) -> None:
    v2, bill_id, _ = drifted(make, "msg")
    assert set(v2.read(bill_id)) == {"code", "msg", "data"}
    assert v2.read(new_id()) == {"code": "BILL_003", "msg": "청구서를 찾을 수 없습니다.", "data": None}


def test_drift_short_url_uses_v1s_spelling(make: SimFactory) -> None:
    v2, _, _ = drifted(make, "shortURL")
    bill_id = new_id()
    assert set(v2.send(bill_id)["data"]) == {"shortURL", "billId"}


def test_drift_data_data_nests_one_level_deeper(make: SimFactory) -> None:
    v2, bill_id, _ = drifted(make, "data.data")
    answer = v2.read(bill_id)
    assert set(answer["data"]) == {"data"}
    assert answer["data"]["data"]["apprState"] == "F"
    assert v2.read(new_id())["data"] is None


def test_drift_top_level_drops_data(make: SimFactory) -> None:
    v2, bill_id, _ = drifted(make, "top-level", "msg")
    answer = v2.read(bill_id)
    assert "data" not in answer
    assert answer["billId"] == bill_id
    assert answer["apprState"] == "F"
    assert answer["msg"] == SUCCESS_TEXT
    assert v2.read(new_id()) == {"code": "BILL_003", "msg": "청구서를 찾을 수 없습니다."}


@pytest.mark.parametrize("case", ["camel", "snake"])
def test_drift_numeric_price_in_reads_and_approvals(make: SimFactory, case: str) -> None:
    v2, bill_id, received = drifted(make, "numeric-apprPrice", v2_callback_case=case)
    read = v2.read(bill_id)
    assert read["data"]["apprPrice"] == int(PRICE)
    assert off_contract(ANSWERS["read"], read) == []  # the contract allows it: type [string, integer]
    assert received[0]["apprPrice" if case == "camel" else "appr_price"] == int(PRICE)
    assert v2.v1("read", {**V1_AUTH, "bill_id": bill_id})["appr_price"] == PRICE  # v1 answers are untouched


def test_no_drift_touches_v1_answers(make: SimFactory) -> None:
    v2, bill_id, _ = drifted(make, "msg", "top-level", "numeric-apprPrice", "shortURL")
    answer = v2.v1("read", {**V1_AUTH, "bill_id": bill_id})
    assert answer["msg"] == SUCCESS_TEXT
    assert answer["appr_price"] == PRICE


# --------------------------------------------------------------------------- both versions, one ledger; /partner


def test_a_bill_sent_over_v1_lives_on_over_v2(v2: V2, spec: dict[str, Any]) -> None:
    paid, unpaid = new_id(), new_id()
    assert v2.v1("send", v1_send_body(paid))["code"] == "0000"
    assert v2.v1("send", v1_send_body(unpaid))["code"] == "0000"
    assert v2.read(unpaid) == ok({"billId": unpaid, "apprState": "W"})
    assert "api" not in v2.view(unpaid)
    v2.pay(paid)
    read = v2.read(paid)["data"]
    v1_read = v2.v1("read", {**V1_AUTH, "bill_id": paid})
    assert read["apprNum"] == v1_read["appr_num"]
    assert read["apprDt"] == v1_read["appr_dt"]
    assert v2.cancel(paid, cancelReason="중복 결제")["code"] == "0000"
    assert v2.destroy(unpaid)["code"] == "0000"
    cancelled = v2.v1("read", {**V1_AUTH, "bill_id": paid})
    assert cancelled["appr_state"] == "C"
    assert list(validator(response_schema(spec, "/if/bill/read")).iter_errors(cancelled)) == []
    assert v2.view(paid)["cancel_reason"] == "중복 결제"
    assert v2.v1("read", {**V1_AUTH, "bill_id": unpaid})["appr_state"] == "D"


def test_a_bill_sent_over_v2_lives_on_over_v1(v2: V2, spec: dict[str, Any]) -> None:
    paid, unpaid = new_id(), new_id()
    v2.send(paid, phone=None, send_type="URL")
    v2.send(unpaid)
    v2.pay(paid)
    for route, body in (
        ("read", {**V1_AUTH, "bill_id": paid}),
        ("cancel", v1_priced_body(paid)),
        ("destroy", v1_priced_body(unpaid)),
        ("read", {**V1_AUTH, "bill_id": unpaid}),
    ):
        answer = v2.v1(route, body)
        assert answer["code"] == "0000"
        assert list(validator(response_schema(spec, f"/if/bill/{route}")).iter_errors(answer)) == []
    assert v2.read(paid)["data"]["apprState"] == "C"
    assert v2.read(unpaid)["data"]["apprState"] == "D"
    assert v2.view(paid)["cancel_reason"] is None


@pytest.mark.parametrize("operation", list(V2_PATHS))
def test_every_v2_route_answers_under_partner_too(both: V2, operation: str) -> None:
    bill_id = new_id()
    both.send(bill_id)
    bodies: dict[str, dict[str, Any]] = {
        "send": send_body(new_id()),
        "read": key_body(bill_id),
        "cancel": priced_body(both.paid_bill()),
        "destroy": priced_body(bill_id),
        "resend": key_body(bill_id),
        "remain_count": {"apiKey": APIKEY},
        "merchant_remain_count": dict(AUTH),
    }
    assert both.call(operation, bodies[operation], prefix="/partner")["code"] == "0000"


@pytest.mark.parametrize("route", list(V1_PATHS))
def test_every_v1_route_answers_under_partner_too(both: V2, route: str) -> None:
    bill_id = new_id()
    if route != "send":
        both.v1("send", v1_send_body(bill_id))
    if route == "cancel":
        both.pay(bill_id)
    bodies: dict[str, dict[str, Any]] = {
        "send": v1_send_body(bill_id),
        "read": {**V1_AUTH, "bill_id": bill_id},
        "cancel": v1_priced_body(bill_id),
        "destroy": v1_priced_body(bill_id),
        "resend": {**V1_AUTH, "bill_id": bill_id},
    }
    answer = both.v1(route, bodies[route], prefix="/partner")
    assert answer["code"] == "0000"
    assert answer["msg"] == SUCCESS_TEXT


@pytest.mark.parametrize("path", ["/bill", "/partner/bill/read", "/read/remain_count"])
def test_v2_routes_answer_post_only(v2: V2, path: str) -> None:
    response = v2.http.get(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("path", ["/partner", "/partner/", "/partner/_sim/bills", "/partner/partner/bill", "/bills"])
def test_other_paths_are_404(v2: V2, path: str) -> None:
    assert v2.http.post(path, json=dict(AUTH)).status_code == 404


# --------------------------------------------------------------------------- what integrations A-F send


def _send(*optional: str, send_type: str = "TALK") -> Callable[[str], dict[str, Any]]:
    extra = {
        "billIssuer": "페이민트 학원",
        "message": "12월 수강료 안내드립니다.",
        "expireDt": kst_day(7),
        "pageRedirectUrl": "https://academy.example/payssam/done",
    }
    return lambda bill_id: send_body(bill_id, send_type=send_type, **{name: extra[name] for name in optional})


def _cancel(reason: str | None) -> Callable[[str], dict[str, Any]]:
    return lambda bill_id: priced_body(bill_id, **({} if reason is None else {"cancelReason": reason}))


INTEGRATIONS: list[tuple[str, str, Callable[[str], dict[str, Any]]]] = [
    # send: billIssuer A B E F; message A B D E; expireDt A B C D F; pageRedirectUrl B D E (reference §3.1)
    ("A", "send", _send("billIssuer", "message", "expireDt")),
    ("B", "send", _send("billIssuer", "message", "expireDt", "pageRedirectUrl")),
    ("C", "send", _send("expireDt")),
    ("D", "send", _send("message", "expireDt", "pageRedirectUrl")),
    ("E", "send", _send("billIssuer", "message", "pageRedirectUrl")),
    ("F", "send", _send("billIssuer", "expireDt")),
    ("F", "send", _send("billIssuer", "expireDt", send_type="URL")),  # "URL=링크만 반환(포인트 X, 테스트용)"
    # read: bill:{billId}, no hash (A B C D F)
    *[(name, "read", key_body) for name in "ABCDF"],
    # cancel: billId, price, hash (2 parts); cancelReason from A B C F, at most 20 characters (C, F)
    *[(name, "cancel", _cancel("고객 요청에 의한 결제 취소")) for name in "ABCF"],
    ("D", "cancel", _cancel(None)),
    # destroy: billId, price, hash (A B C D F); resend: billId (A B D F)
    *[(name, "destroy", priced_body) for name in "ABCDF"],
    *[(name, "resend", key_body) for name in "ABDF"],
    # balances: the partner's with the apiKey only (A B); the sub-merchant's with the envelope only (A B C)
    *[(name, "remain_count", lambda bill_id: {"apiKey": APIKEY}) for name in "AB"],
    *[(name, "merchant_remain_count", lambda bill_id: dict(AUTH)) for name in "ABC"],
]


@pytest.mark.parametrize(
    ("integration", "operation", "build"),
    INTEGRATIONS,
    ids=[f"{name}-{operation}-{index}" for index, (name, operation, _) in enumerate(INTEGRATIONS)],
)
def test_what_each_public_v2_integration_sends_is_accepted(
    v2: V2, caplog: pytest.LogCaptureFixture, integration: str, operation: str, build: Callable[[str], dict[str, Any]]
) -> None:
    bill_id = new_id()
    if operation != "send":
        v2.send(bill_id)
    if operation == "cancel":
        v2.pay(bill_id)
    body = build(bill_id)
    assert off_contract(REQUESTS[operation], body) == []
    caplog.set_level(logging.WARNING, logger="payssam_sim")
    answer = v2.call(operation, body)
    assert answer["code"] == "0000", (integration, answer)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_cancel_reason_over_20_characters_is_refused(v2: V2) -> None:
    bill_id = v2.paid_bill()
    assert v2.refused("cancel", priced_body(bill_id, cancelReason="가" * 21)).startswith("bill.cancelReason: ")
    assert v2.view(bill_id)["state"] == "F"


# --------------------------------------------------------------------------- format errors, lenient and strict


def _changed(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, "bill": {**body["bill"], **changes}}


def _without(body: dict[str, Any], name: str, inner: bool = False) -> dict[str, Any]:
    if inner:
        return {**body, "bill": {k: v for k, v in body["bill"].items() if k != name}}
    return {k: v for k, v in body.items() if k != name}


SEND = send_body("1234567890ABCDEFGHIJ")
BAD_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("send", "bill", _without(SEND, "bill")),
    ("send", "bill", {**AUTH, "bill": [SEND["bill"]]}),
    ("send", "apiKey", _without(SEND, "apiKey")),
    ("send", "apiKey", {**SEND, "apiKey": "K" * 33}),
    ("send", "member", {**SEND, "member": "M" * 61}),
    ("send", "merchant", {**SEND, "merchant": ""}),
    ("send", "bill.sendType", _without(SEND, "sendType", inner=True)),
    ("send", "bill.sendType", _changed(SEND, sendType="SMS")),
    ("send", "bill.sendType", _changed(SEND, sendType="talk")),
    ("send", "bill.phone", _changed(SEND, phone="010-1234-5678")),
    ("send", "bill.phone", _without(SEND, "phone", inner=True)),  # a TALK send needs a phone
    ("send", "bill.phone", _changed(SEND, phone=1012345678)),
    ("send", "bill.billId", _changed(SEND, billId="1234567890ABCDEFGHIJK")),
    ("send", "bill.billId", _changed(SEND, billId="BILL_1")),
    ("send", "bill.price", _changed(SEND, price="1,000")),
    ("send", "bill.price", _changed(SEND, price=True)),
    ("send", "bill.hash", _changed(SEND, hash=sha256("x").upper())),
    ("send", "bill.productName", _changed(SEND, productName=" ")),
    ("send", "bill.memberName", _without(SEND, "memberName", inner=True)),
    ("send", "bill.message", _changed(SEND, message="   ")),
    ("send", "bill.billIssuer", _changed(SEND, billIssuer="가" * 51)),
    ("send", "bill.expireDt", _changed(SEND, expireDt="2026-02-30")),
    ("send", "bill.expireDt", _changed(SEND, expireDt="20261231")),
    ("send", "bill.callbackUrl", _changed(SEND, callbackUrl="ftp://partner.example/cb")),
    ("send", "bill.callbackUrl", _without(SEND, "callbackUrl", inner=True)),
    ("send", "bill.pageRedirectUrl", _changed(SEND, pageRedirectUrl="/done")),
    ("read", "bill", {**AUTH}),
    ("read", "bill.billId", {**AUTH, "bill": {}}),
    ("read", "bill.billId", {**AUTH, "bill": {"billId": 12345}}),
    ("cancel", "bill.hash", _without(priced_body("B1"), "hash", inner=True)),
    ("cancel", "bill.price", _changed(priced_body("B1"), price="-1")),
    ("cancel", "bill.cancelReason", _changed(priced_body("B1"), cancelReason="가" * 21)),
    ("destroy", "bill.price", _without(priced_body("B1"), "price", inner=True)),
    ("resend", "bill.billId", {**AUTH, "bill": {"bill_id": "B1"}}),
    ("remain_count", "apiKey", {"apikey": APIKEY}),
    ("merchant_remain_count", "merchant", _without(dict(AUTH), "merchant")),
]
"""Off the contract in both modes: HTTP 400 naming the field."""
OPEN_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("send", "bill.message", _changed(SEND, message="")),
    ("send", "bill.billIssuer", _changed(SEND, billIssuer=None)),
    ("send", "bill.pageRedirectUrl", _changed(SEND, pageRedirectUrl="")),
    ("send", "bill.expireDt", _changed(SEND, expireDt=None)),
    ("send", "bill.price", _changed(SEND, price=10000)),
    ("cancel", "bill.cancelReason", _changed(priced_body("B1"), cancelReason="")),
    ("cancel", "bill.price", _changed(priced_body("B1"), price=10000)),
    ("read", "bill.billId", key_body("TM-20261201-0001")),
    ("send", "bill.billId", send_body("TM-20261201-0001")),
]
"""What the docs leave open: accepted with a warning by default, HTTP 400 under strict."""


@pytest.mark.parametrize(
    ("mode", "operation", "field", "body"),
    [("default", *case) for case in BAD_BODIES] + [("strict", *case) for case in BAD_BODIES + OPEN_BODIES],
)
def test_an_off_contract_body_is_400_naming_the_field(
    make: SimFactory, mode: str, operation: str, field: str, body: dict[str, Any]
) -> None:
    sim = make(strict=mode == "strict")
    before = (sim.http.get("/_sim/bills").json(), sim.points())
    error = sim.refused(operation, body)
    assert error.startswith(f"{field}: "), error
    assert APIKEY not in error
    assert (sim.http.get("/_sim/bills").json(), sim.points()) == before


@pytest.mark.parametrize(("operation", "field", "body"), OPEN_BODIES)
def test_open_points_are_accepted_by_default_with_a_warning(
    v2: V2, caplog: pytest.LogCaptureFixture, operation: str, field: str, body: dict[str, Any]
) -> None:
    if operation == "cancel":
        v2.send("B1")
        v2.pay("B1")
    assert off_contract(REQUESTS[operation], body) != [], "the contract accepts this body: the case is wrong"
    caplog.set_level(logging.WARNING, logger="payssam_sim")
    answer = v2.call(operation, body)
    assert answer["code"] == ("BILL_003" if operation == "read" else "0000")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"{V2_PATHS[operation]}: {field}: " in warnings[0]
    assert "open point" in warnings[0]


def test_member_and_merchant_may_be_60_long_over_v2_but_30_over_v1(make: SimFactory) -> None:
    long = {"apiKey": APIKEY, "member": "M" * 60, "merchant": "S" * 60}
    own = Credentials(apikey=APIKEY, member="M" * 60, merchant="S" * 60)
    sim = make(credentials=own)
    bill_id = new_id()
    assert sim.call("send", {**long, "bill": send_body(bill_id)["bill"]})["code"] == "0000"
    v1_long = {"apikey": APIKEY, "member": "M" * 60, "merchant": "S" * 60, "bill_id": bill_id}
    assert sim.http.post("/if/bill/read", json=v1_long).status_code == 400


# --------------------------------------------------------------------------- the command line


def sim_cli() -> Any:
    """payssam_sim.cli, imported only when a test needs it (other tests hide the package from sys.modules)."""
    return importlib.import_module("payssam_sim.cli")


@contextlib.contextmanager
def served(*flags: str) -> Iterator[V2]:
    """`python -m payssam_sim --port 0 --quiet` with these flags, as a client; stopped by its PID, exit status 0."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "mock"), os.environ.get("PYTHONPATH")) if p),
    }
    for name in ("PAYSSAM_SIM_APIKEY", "PAYSSAM_SIM_MEMBER", "PAYSSAM_SIM_MERCHANT"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "payssam_sim", "--port", "0", "--quiet", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"payssam sim listening on (http://127\.0\.0\.1:[0-9]+)\n", line)
        assert match, line
        with httpx.Client(base_url=match[1], timeout=10.0, trust_env=False) as http:
            yield V2(http)
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert APIKEY not in stderr


def test_cli_help_documents_the_v2_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        sim_cli().main(["--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for flag in (
        "--v1-only",
        "--v2-callback-case {camel,snake}",
        "--url-send-points N",
        "--points-from {merchant,partner}",
        "--partner-points N",
        "--merchant-points N",
        "--v2-drift NAME",
    ):
        assert flag in out
    for drift in ("msg", "shortURL", "data.data", "top-level", "numeric-apprPrice"):
        assert f"{drift}: " in out
    assert "/partner" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--v2-drift", "xml"],
        ["--v2-drift", "data.data", "--v2-drift", "top-level"],
        ["--v2-callback-case", "kebab"],
        ["--points-from", "member"],
        ["--url-send-points", "-1"],
        ["--merchant-points", str(2**31)],
    ],
)
def test_cli_refuses_bad_v2_settings(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        sim_cli().main(["--port", "0", *argv])
    assert exited.value.code == 2
    assert "error" in capsys.readouterr().err


def test_cli_points_and_drift_settings_take_effect() -> None:
    flags = ("--url-send-points", "3", "--merchant-points", "58", "--partner-points", "9", "--v2-drift", "msg")
    with served(*flags) as sim:
        sim.check = False
        assert sim.points()["url_send"] == 3
        sim.send(new_id())
        answer = sim.call("merchant_remain_count", dict(AUTH), prefix="/partner")
        assert answer == {"code": "0000", "msg": SUCCESS_TEXT, "data": {"balance": 3, "chargeUrl": ANY_URL}}
        assert sim.call("remain_count", {"apiKey": APIKEY})["data"]["balance"] == 9
        sim.send(new_id(), phone=None, send_type="URL")
        assert sim.send(new_id(), phone=None, send_type="URL")["code"] == "POINT_001"


def test_cli_v1_only_and_snake_case_callbacks(receiver: Callable[..., Receiver]) -> None:
    partner = receiver([(200, CODE_ONLY_ACK)])
    with served("--v1-only") as sim:
        assert sim.read(new_id())["code"] == "PARTNER_001"
        assert sim.v1("read", {**V1_AUTH, "bill_id": new_id()})["code"] == "9980"
    with served("--v2-callback-case", "snake", "--points-from", "partner") as sim:
        bill_id = new_id()
        sim.send(bill_id, callbackUrl=partner.url)
        assert sim.pay(bill_id)["callback"]["acknowledged"] is True
        assert partner.bodies[0]["bill_id"] == bill_id
        assert partner.bodies[0]["apikey"] == APIKEY
        assert sim.balance() == 1_000_000 - 55


def constant_docstrings(module: Any) -> dict[str, str]:
    """Each module constant's docstring (the string right after its assignment), read from the source."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, str] = {}
    for node, after in itertools.pairwise(tree.body):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(after, ast.Expr):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and isinstance(after.value, ast.Constant):
                found[target.id] = str(after.value.value)
    return found


def test_every_picked_code_says_it_is_open_and_is_listed() -> None:
    """Where the vendor's code is unknown the simulator picks one: its constant's docstring and fidelity.py say so."""
    docs = constant_docstrings(wire_v2)
    listed = " ".join(fidelity.V2_OPEN_POINTS.values())
    for name in ("DUPLICATE_BILL_ID", "WRONG_STATE", "WRONG_VALUE", "INVALID_PARTNER"):
        assert "[OPEN]" in docs[name], name
        assert getattr(wire_v2, name) in listed, name
