"""The PaySsam v1 simulator over HTTP: every route and code, callback delivery and retries, the command line.

Every vendor answer is also checked against the contract's response schema (the oracle), so a field
the simulator gets wrong fails here before Prism in proxy mode would reject it.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from payssam import KST, bill_hash
from payssam_sim import SANDBOX_CREDENTIALS, Credentials, Simulator
from payssam_sim.bodies import Auth, Payment, SendRequest
from payssam_sim.ledger import Ledger, NotPayableError
from payssam_sim.simulator import is_loopback_host

from kit import APIKEY, MEMBER, MERCHANT, ROOT, wait_for
from oracle import request_schema, resolve, response_schema, validator
from receivers import Receiver

AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
PHONE = "01012345678"
PRICE = "10000"
INSTALLMENT_PRICE = "50000"
OK = {"code": "0000", "msg": "성공하였습니다."}
ACK_BODY = json.dumps(OK, ensure_ascii=False).encode("utf-8")
NOWHERE = "https://partner.example/payssam/approval"  # not loopback: never called
TIMESTAMP = re.compile(r"[0-9]{14}")
ROUTES = ("send", "read", "cancel", "destroy", "resend")
RETRIES = 3
INTERVAL = 0.05
_ids = itertools.count(1)


def new_id() -> str:
    """A fresh 20-character bill id: business number, a letter, a counter."""
    return f"1234567890T{next(_ids):09d}"


def hash_of(bill_id: str, price: str, phone: str | None = None) -> str:
    """The SDK's bill_hash; for a hyphenated id, which the SDK refuses (the contract's rule), the rule written out."""
    if "-" not in bill_id:
        return bill_hash(bill_id, price, phone)
    return hashlib.sha256(",".join((bill_id, price) if phone is None else (bill_id, phone, price)).encode()).hexdigest()


def send_body(bill_id: str, price: str = PRICE, callback: str = NOWHERE, **extra: Any) -> dict[str, Any]:
    bill = {
        "bill_id": bill_id,
        "callbackURL": callback,
        "hash": hash_of(bill_id, price, PHONE),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": price,
        "product_nm": "11월 수강료",
        **extra,
    }
    return {**AUTH, "bill": bill}


def priced_body(bill_id: str, price: str = PRICE) -> dict[str, Any]:
    return {**AUTH, "bill_id": bill_id, "price": price, "hash": hash_of(bill_id, price)}


def bill_body(bill_id: str) -> dict[str, Any]:
    return {**AUTH, "bill_id": bill_id}


BODIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "send": send_body,
    "read": bill_body,
    "cancel": priced_body,
    "destroy": priced_body,
    "resend": bill_body,
}


class Vendor:
    """Calls the vendor routes and checks every 200 answer against the contract's response schema."""

    def __init__(self, http: httpx.Client, spec: dict[str, Any]) -> None:
        self.http = http
        self.validators = {route: validator(response_schema(spec, f"/if/bill/{route}")) for route in ROUTES}

    def call(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(f"/if/bill/{route}", json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        answer: dict[str, Any] = response.json()
        errors = [error.message for error in self.validators[route].iter_errors(answer)]
        assert errors == [], f"{route} answer off contract: {errors}"
        return answer

    def send(self, bill_id: str, **kwargs: Any) -> dict[str, Any]:
        return self.call("send", send_body(bill_id, **kwargs))

    def read(self, bill_id: str) -> dict[str, Any]:
        return self.call("read", bill_body(bill_id))

    def cancel(self, bill_id: str, price: str = PRICE) -> dict[str, Any]:
        return self.call("cancel", priced_body(bill_id, price))

    def destroy(self, bill_id: str, price: str = PRICE) -> dict[str, Any]:
        return self.call("destroy", priced_body(bill_id, price))

    def resend(self, bill_id: str) -> dict[str, Any]:
        return self.call("resend", bill_body(bill_id))


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(port=0, callback_retry_interval=INTERVAL, callback_retries=RETRIES, callback_timeout=0.3)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=5.0, trust_env=False) as client:
        yield client


@pytest.fixture
def http(client: httpx.Client) -> httpx.Client:
    """The module's client, the simulator emptied first so no bill, fault or retry leaks between tests."""
    assert client.post("/_sim/reset", json={}).json() == {"reset": True}
    return client


@pytest.fixture(scope="module")
def module_vendor(client: httpx.Client, spec: dict[str, Any]) -> Vendor:
    return Vendor(client, spec)


@pytest.fixture
def vendor(http: httpx.Client, module_vendor: Vendor) -> Vendor:
    return module_vendor


def pay(http: httpx.Client, bill_id: str, **payment: Any) -> httpx.Response:
    return http.post(f"/_sim/bills/{bill_id}/pay", json=payment)


def paid_bill(vendor: Vendor, **payment: Any) -> str:
    bill_id = new_id()
    assert vendor.send(bill_id)["code"] == "0000"
    assert pay(vendor.http, bill_id, **payment).status_code == 200
    return bill_id


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(answers: list[tuple[int, bytes]], delay: float = 0.0) -> Receiver:
        started.append(Receiver(answers, delay))
        return started[-1]

    yield start
    for running in started:
        running.stop()


# --- vendor routes: success ---------------------------------------------------------------------------


def test_send_creates_an_unpaid_bill_with_its_short_url(sim: Simulator, vendor: Vendor) -> None:
    bill_id = new_id()
    answer = vendor.send(
        bill_id, bill_issuer="페이민트 학원", message="안내", expire_dt=datetime.now(KST).date().isoformat()
    )
    assert answer == {
        **OK,
        **AUTH,
        "bill_id": bill_id,
        "shortURL": f"{sim.base_url}/_sim/b/{bill_id}",
    }
    assert vendor.read(bill_id) == {**OK, "bill_id": bill_id, "appr_state": "W"}


def test_read_of_a_card_payment_has_every_card_field(vendor: Vendor) -> None:
    before = datetime.now(KST).replace(microsecond=0)
    bill_id = new_id()
    assert vendor.send(bill_id, price=INSTALLMENT_PRICE)["code"] == "0000"  # months need 50,000 won or more
    payment = {"pay_type": "CARD_VAN", "card_issuer": "KB국민카드", "installment_months": 3}
    assert pay(vendor.http, bill_id, **payment).status_code == 200
    answer = vendor.read(bill_id)
    number = answer["appr_num"]
    assert re.fullmatch(r"[0-9]{8}", number)
    assert answer == {
        **OK,
        "bill_id": bill_id,
        "appr_state": "F",
        "appr_pay_type": "CARD_VAN",
        "appr_price": INSTALLMENT_PRICE,
        "appr_dt": answer["appr_dt"],
        "appr_origin_dt": answer["appr_dt"],
        "appr_num": number,
        "appr_origin_num": number,
        "appr_issuer": "KB국민카드",
        "appr_issuer_cd": "02",
        "appr_issuer_num": f"4579-73**-****-{number[-4:]}",
        "appr_acquirer_cd": "02",
        "appr_acquirer_nm": "KB국민카드",
        "appr_res_cd": "0000",
        "appr_card_type": "신용",
        "appr_monthly": "03",
        "appr_cat_id": "1000000001",
    }
    approved = datetime.strptime(answer["appr_dt"], "%Y%m%d%H%M%S").replace(tzinfo=KST)
    assert before <= approved <= datetime.now(KST) + timedelta(seconds=1)


def test_read_of_a_cash_payment_has_cash_fields_and_no_card_fields(vendor: Vendor) -> None:
    bill_id = paid_bill(vendor, pay_type="OFFLINE_CASH", cash_trader="1")
    answer = vendor.read(bill_id)
    assert answer["appr_pay_type"] == "OFFLINE_CASH"
    assert answer["appr_cash_trader"] == "1"
    assert re.fullmatch(r"[0-9]{9}", answer["appr_cash_num"])
    assert answer["appr_cash_issuance_number"] == "0100001234"
    assert not {"appr_issuer", "appr_issuer_num", "appr_monthly", "appr_card_type"} & answer.keys()


def test_cancel_turns_a_paid_bill_into_cancelled(vendor: Vendor) -> None:
    bill_id = paid_bill(vendor)
    paid = vendor.read(bill_id)
    answer = vendor.cancel(bill_id)
    assert answer == {
        **OK,
        **AUTH,
        "bill_id": bill_id,
        "appr_num": answer["appr_num"],
        "appr_origin_num": paid["appr_num"],
        "appr_cancel_dt": answer["appr_cancel_dt"],
    }
    assert re.fullmatch(r"[0-9]{8}", answer["appr_num"])
    assert answer["appr_num"] != paid["appr_num"]
    assert TIMESTAMP.fullmatch(answer["appr_cancel_dt"])
    assert vendor.read(bill_id) == {
        **OK,
        "bill_id": bill_id,
        "appr_state": "C",
        "appr_pay_type": "CARD_VAN",
        "appr_price": PRICE,
        "appr_dt": answer["appr_cancel_dt"],
        "appr_origin_dt": paid["appr_dt"],
        "appr_num": answer["appr_num"],
        "appr_origin_num": paid["appr_num"],
    }


def test_destroy_turns_an_unpaid_bill_into_destroyed(vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    assert vendor.destroy(bill_id) == {**OK, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
    assert vendor.read(bill_id) == {**OK, "bill_id": bill_id, "appr_state": "D"}


def test_resend_counts_the_messages(vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    assert vendor.resend(bill_id) == {**OK, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
    vendor.resend(bill_id)
    assert vendor.http.get(f"/_sim/bills/{bill_id}").json()["messages_sent"] == 3


def test_approval_numbers_are_unique(vendor: Vendor) -> None:
    numbers = {vendor.read(paid_bill(vendor))["appr_num"] for _ in range(5)}
    assert len(numbers) == 5


# --- vendor routes: codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("field", ["apikey", "member", "merchant"])
def test_each_wrong_credential_is_1003_and_changes_nothing(vendor: Vendor, route: str, field: str) -> None:
    bill_id = new_id()
    if route != "send":
        vendor.send(bill_id)
    body = {**BODIES[route](bill_id), field: "WRONG-" + field}
    assert vendor.call(route, body) == {"code": "1003", "msg": "Access denied for this user"}
    read = vendor.read(bill_id)
    if route == "send":
        assert read["code"] == "9980"
    else:
        assert read["appr_state"] == "W"


@pytest.mark.parametrize("route", ["send", "cancel", "destroy"])
def test_wrong_hash_is_9999(vendor: Vendor, route: str) -> None:
    if route == "send":
        bill_id = new_id()
        body = send_body(bill_id)
        body["bill"]["hash"] = bill_hash(bill_id, PRICE)  # two parts where send needs three
    else:
        bill_id = paid_bill(vendor) if route == "cancel" else new_id()
        if route == "destroy":
            vendor.send(bill_id)
        body = {**priced_body(bill_id), "hash": bill_hash(bill_id, PRICE, PHONE)}  # three parts where two are due
    assert vendor.call(route, body) == {"code": "9999", "msg": "Failure while processing: hash does not match"}
    read = vendor.read(bill_id)
    assert read.get("appr_state") == {"send": None, "cancel": "F", "destroy": "W"}[route]


def test_reused_bill_id_is_9800_in_any_state(vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    assert vendor.send(bill_id) == {"code": "9800", "msg": "bill_id already used"}
    vendor.destroy(bill_id)
    assert vendor.send(bill_id)["code"] == "9800"


def test_past_expiry_in_korea_time_is_9999(vendor: Vendor) -> None:
    yesterday = (datetime.now(KST).date() - timedelta(days=1)).isoformat()
    bill_id = new_id()
    answer = vendor.send(bill_id, expire_dt=yesterday)
    assert answer["code"] == "9999"
    assert "expire_dt" in answer["msg"]
    assert vendor.read(bill_id)["code"] == "9980"


@pytest.mark.parametrize("route", ["read", "cancel", "destroy", "resend"])
def test_unknown_bill_is_9980(vendor: Vendor, route: str) -> None:
    assert vendor.call(route, BODIES[route](new_id())) == {"code": "9980", "msg": "Bill not found"}


def test_cancel_refuses_every_state_but_paid(vendor: Vendor) -> None:
    unpaid = new_id()
    vendor.send(unpaid)
    assert vendor.cancel(unpaid) == {
        "code": "9999",
        "msg": "Failure while processing: bill is unpaid: destroy it instead",
    }
    destroyed = new_id()
    vendor.send(destroyed)
    vendor.destroy(destroyed)
    assert vendor.cancel(destroyed)["msg"] == "Failure while processing: bill is already destroyed"
    paid = paid_bill(vendor)
    assert vendor.cancel(paid, "9999") == {
        "code": "9999",
        "msg": "Failure while processing: price does not match the bill",
    }
    assert vendor.read(paid)["appr_state"] == "F"
    vendor.cancel(paid)
    assert vendor.cancel(paid) == {"code": "9970", "msg": "Bill already cancelled"}


def test_destroy_refuses_every_state_but_unpaid(vendor: Vendor) -> None:
    paid = paid_bill(vendor)
    assert vendor.destroy(paid) == {"code": "9971", "msg": "Bill already paid"}
    vendor.cancel(paid)
    assert vendor.destroy(paid) == {"code": "9970", "msg": "Bill already cancelled"}
    unpaid = new_id()
    vendor.send(unpaid)
    assert vendor.destroy(unpaid, "1")["msg"] == "Failure while processing: price does not match the bill"
    assert vendor.destroy(unpaid)["code"] == "0000"
    assert vendor.destroy(unpaid) == {"code": "9999", "msg": "Failure while processing: bill is already destroyed"}


def test_resend_refuses_every_state_but_unpaid(vendor: Vendor) -> None:
    paid = paid_bill(vendor)
    assert vendor.resend(paid) == {"code": "9971", "msg": "Bill already paid"}
    vendor.cancel(paid)
    assert vendor.resend(paid) == {"code": "9970", "msg": "Bill already cancelled"}
    unpaid = new_id()
    vendor.send(unpaid)
    vendor.destroy(unpaid)
    assert vendor.resend(unpaid)["code"] == "9999"


def test_injected_faults_answer_their_code_then_wear_off(vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    injected = vendor.http.post("/_sim/faults", json={"operation": "read", "code": "5000", "count": 2})
    assert injected.json() == {"operation": "read", "code": "5000", "pending": 2}
    assert vendor.call("read", {**bill_body(bill_id), "apikey": "WRONG"})["code"] == "1003"  # not consumed
    assert vendor.http.post("/if/bill/read", json={**AUTH}).status_code == 400  # not consumed
    assert vendor.read(bill_id) == {"code": "5000", "msg": "System error"}
    assert vendor.read(bill_id) == {"code": "5000", "msg": "System error"}
    assert vendor.read(bill_id)["appr_state"] == "W"


def test_injected_9870_on_send_changes_nothing(vendor: Vendor) -> None:
    vendor.http.post("/_sim/faults", json={"operation": "send", "code": "9870"})
    bill_id = new_id()
    assert vendor.send(bill_id) == {"code": "9870", "msg": "Nothing to synchronise (callback URL error)"}
    assert vendor.read(bill_id)["code"] == "9980"
    assert vendor.send(bill_id)["code"] == "0000"


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "pay", "code": "5000"},
        {"operation": "read", "code": "0000"},
        {"operation": "read", "code": "50000"},
        {"operation": "read", "code": "5000", "count": 0},
        {"operation": "read", "code": "5000", "count": True},
        {"operation": "read"},
    ],
)
def test_bad_fault_bodies_are_400(http: httpx.Client, body: dict[str, Any]) -> None:
    assert http.post("/_sim/faults", json=body).status_code == 400


# --- ill-formed bodies: HTTP 400 ---------------------------------------------------------------------


def _drop(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != name}


def _bill(**changes: Any) -> dict[str, Any]:
    body = send_body("1234567890ABCDEFGHIJ")
    body["bill"] = {**body["bill"], **changes}
    return body


BAD_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("read", "apikey", _drop(bill_body("B1"), "apikey")),
    ("read", "bill_id", _drop(bill_body("B1"), "bill_id")),
    ("read", "bill_id", bill_body("123456789012345678901")),
    ("read", "bill_id", bill_body("BILL-12345678901234567")),
    ("read", "bill_id", bill_body("BILL_1")),
    ("read", "bill_id", bill_body("BILL 1")),
    ("read", "bill_id", bill_body("")),
    ("read", "apikey", {**bill_body("B1"), "apikey": "K" * 33}),
    ("read", "apikey", {**bill_body("B1"), "apikey": ""}),
    ("read", "member", {**bill_body("B1"), "member": "M" * 31}),
    ("resend", "merchant", {**bill_body("B1"), "merchant": [7]}),
    # A JSON number is taken as digits only where the contract has a digit string (price): nowhere else.
    ("resend", "merchant", {**bill_body("B1"), "merchant": 7}),
    ("read", "apikey", {**bill_body("B1"), "apikey": 7}),
    ("read", "bill_id", {**bill_body("B1"), "bill_id": 12345}),
    ("destroy", "hash", {**priced_body("B1"), "hash": 0}),
    ("send", "bill.bill_id", _bill(bill_id=12345)),
    ("send", "bill.hash", _bill(hash=0)),
    ("cancel", "price", {**priced_body("B1"), "price": True}),
    ("cancel", "price", {**priced_body("B1"), "price": False}),
    ("send", "bill.price", _bill(price=True)),
    ("send", "bill.phone", _bill(phone=1012345678)),
    ("read", "bill_id", {**bill_body("B1"), "bill_id": None}),
    ("cancel", "price", {**priced_body("B1"), "price": "1,000"}),
    ("cancel", "price", {**priced_body("B1"), "price": 10000.5}),
    ("cancel", "price", {**priced_body("B1"), "price": -10000}),
    ("cancel", "price", {**priced_body("B1"), "price": "12345678901"}),
    ("destroy", "hash", _drop(priced_body("B1"), "hash")),
    ("destroy", "hash", {**priced_body("B1"), "hash": None}),
    ("send", "bill", _drop(send_body("B1"), "bill")),
    ("send", "bill", {**AUTH, "bill": "B1"}),
    ("send", "bill.phone", _bill(phone="010-1234-5678")),
    ("send", "bill.phone", _bill(phone="0212345678")),
    ("send", "bill.price", _bill(price="-1")),
    ("send", "bill.member_nm", _bill(member_nm=" \u3000")),
    ("send", "bill.product_nm", _bill(product_nm="")),
    ("send", "bill.message", _bill(message="   ")),
    ("send", "bill.bill_issuer", _bill(bill_issuer="가" * 51)),
    ("send", "bill.callbackURL", _bill(callbackURL="ftp://partner.example/cb")),
    ("send", "bill.callbackURL", _bill(callbackURL="/payssam/approval")),
    ("send", "bill.callbackURL", _bill(callbackURL="https://user:pw@partner.example/cb")),
    ("send", "bill.callbackURL", _bill(callbackURL="https://partner.example/cb#frag")),
    ("send", "bill.callbackURL", _bill(callbackURL="https://partner.example/" + "a" * 2048)),
    ("send", "bill.expire_dt", _bill(expire_dt="2026-02-30")),
    ("send", "bill.expire_dt", _bill(expire_dt="2026/12/31")),
    ("send", "bill.expire_dt", _bill(expire_dt="20261231")),
    ("send", "bill.hash", _bill(hash=True)),
    ("send", "bill.callbackURL", {**AUTH, "bill": _drop(_bill()["bill"], "callbackURL")}),
]


# What the vendor's docs leave open (reference, field notes): accepted with a warning unless strict.
OPEN_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("send", "bill.message", _bill(message="")),
    ("send", "bill.bill_issuer", _bill(bill_issuer="")),
    ("send", "bill.message", _bill(message=None)),
    ("send", "bill.expire_dt", _bill(expire_dt=None)),
    ("send", "bill.price", _bill(price=10000, hash=bill_hash("1234567890ABCDEFGHIJ", PRICE, PHONE))),
    ("cancel", "price", {**priced_body("B1"), "price": 10000}),
    ("destroy", "price", {**priced_body("B1", "0"), "price": 0}),
    # Hyphenated bill ids, as two live integrations send them (TM-…, 1234567890-…).
    ("read", "bill_id", bill_body("BILL-1")),
    ("resend", "bill_id", bill_body("1234567890-00000001")),
    ("cancel", "bill_id", priced_body("TM-20261201-0001")),
    ("destroy", "bill_id", priced_body("TM-1")),
    ("send", "bill.bill_id", send_body("TM-20261201-0001")),
]


@pytest.fixture(scope="module")
def strict() -> Iterator[httpx.Client]:
    """A strict simulator, in-process: what the docs leave open is refused too."""
    simulator = Simulator(strict=True)
    with httpx.Client(transport=simulator.transport(), base_url="http://127.0.0.1") as client:
        yield client
    simulator.close()


@pytest.mark.parametrize(
    ("mode", "route", "field", "body"),
    [("default", *case) for case in BAD_BODIES] + [("strict", *case) for case in BAD_BODIES + OPEN_BODIES],
)
def test_off_contract_body_is_400_naming_the_field(
    http: httpx.Client,
    strict: httpx.Client,
    spec: dict[str, Any],
    mode: str,
    route: str,
    field: str,
    body: dict[str, Any],
) -> None:
    schema_errors = list(validator(request_schema(spec, f"/if/bill/{route}")).iter_errors(body))
    assert schema_errors, "the contract accepts this body: the case is wrong"
    response = (strict if mode == "strict" else http).post(f"/if/bill/{route}", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(f"{field}: "), error
    assert APIKEY not in error
    assert "K" * 33 not in error


@pytest.mark.parametrize(("route", "field", "body"), OPEN_BODIES)
def test_open_points_are_accepted_with_a_warning(
    vendor: Vendor, caplog: pytest.LogCaptureFixture, route: str, field: str, body: dict[str, Any]
) -> None:
    bill_id = body["bill"]["bill_id"] if route == "send" else body["bill_id"]
    caplog.set_level(logging.WARNING, logger="payssam_sim")
    answer = vendor.call(route, body)
    assert answer["code"] == ("0000" if route == "send" else "9980")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"/if/bill/{route}: {field}: " in warnings[0]
    assert "open point" in warnings[0]
    if route == "send":
        assert vendor.read(bill_id)["appr_state"] == "W"


@pytest.mark.parametrize("mode", ["default", "strict"])
def test_a_phone_sent_as_a_number_is_refused_saying_the_leading_zero_is_lost(
    http: httpx.Client, strict: httpx.Client, mode: str
) -> None:
    response = (strict if mode == "strict" else http).post("/if/bill/send", json=_bill(phone=int(PHONE)))
    assert response.status_code == 400
    problem = "must be a string, not number (a JSON number loses the leading zero: send the digits as text)"
    assert response.json() == {"error": f"bill.phone: {problem}"}


def test_a_number_warning_names_the_field_and_the_open_point_once(
    vendor: Vendor, caplog: pytest.LogCaptureFixture
) -> None:
    bill_id = new_id()
    body = send_body(bill_id)
    body["bill"]["price"] = int(PRICE)
    caplog.set_level(logging.WARNING, logger="payssam_sim")
    assert vendor.call("send", body)["code"] == "0000"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "POST /if/bill/send: bill.price: a JSON number where the contract has a digit string, taken as its digits; "
        "the vendor's docs do not say whether PaySsam accepts this (open point; --strict refuses it)"
    ]
    assert vendor.read(bill_id)["code"] == "0000"


def test_a_hyphenated_bill_id_lives_its_whole_lifecycle_by_default(
    sim: Simulator, http: httpx.Client, vendor: Vendor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="payssam_sim")
    paid, unpaid = "TM-20261201-0001", "1234567890-0000001"
    assert vendor.send(paid)["shortURL"] == f"{sim.base_url}/_sim/b/{paid}"
    assert vendor.send(unpaid)["code"] == "0000"
    assert vendor.resend(unpaid)["code"] == "0000"
    assert pay(http, paid).json()["bill"]["state"] == "F"
    assert vendor.read(paid)["appr_state"] == "F"
    assert vendor.cancel(paid)["code"] == "0000"
    assert vendor.destroy(unpaid)["code"] == "0000"
    assert http.get(f"/_sim/bills/{paid}").json()["state"] == "C"
    assert '<strong id="state">D</strong>' in http.get(f"/_sim/b/{unpaid}").text
    assert http.post(f"/_sim/bills/{unpaid}/redeliver", json={}).status_code == 409
    assert [bill["bill_id"] for bill in http.get("/_sim/bills").json()["bills"]] == [paid, unpaid]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 6  # one per vendor call (send, send, resend, read, cancel, destroy), none elsewhere
    assert all("bill_id: a hyphen" in warning and "open point" in warning for warning in warnings)


def test_a_hyphenated_bill_id_is_refused_under_strict(strict: httpx.Client) -> None:
    for route, body in [("send", send_body("TM-1")), ("read", bill_body("TM-1")), ("destroy", priced_body("TM-1"))]:
        response = strict.post(f"/if/bill/{route}", json=body)
        assert response.status_code == 400
        field = "bill.bill_id" if route == "send" else "bill_id"
        assert response.json() == {"error": f"{field}: must match the contract's pattern ^[A-Za-z0-9]+$"}
    assert strict.get("/_sim/bills").json() == {"bills": []}
    assert strict.get("/_sim/bills/TM-1").status_code == 404  # the route knows the shape; no such bill


# --- any JSON shape: never a 5xx, and a refusal acts on nothing --------------------------------------


@pytest.mark.parametrize("bill", [5, [], "x", None, True, 1.5, {"bill_id": ["x"]}, {"bill_id": "OTHER"}, [{}]])
def test_any_bill_member_on_a_flat_route_is_an_extra_member(
    http: httpx.Client, vendor: Vendor, caplog: pytest.LogCaptureFixture, bill: object
) -> None:
    """The contract allows extra members on read, cancel, destroy, resend: `bill` is one there, of any type."""
    bill_id = new_id()
    vendor.send(bill_id)
    caplog.set_level(logging.INFO, logger="payssam_sim")
    assert vendor.call("read", {**bill_body(bill_id), "bill": bill})["appr_state"] == "W"
    assert vendor.call("resend", {**bill_body(bill_id), "bill": bill})["code"] == "0000"
    assert vendor.call("destroy", {**priced_body(bill_id), "bill": bill})["code"] == "0000"
    assert vendor.call("cancel", {**priced_body(bill_id), "bill": bill})["code"] == "9999"
    assert http.get(f"/_sim/bills/{bill_id}").json()["state"] == "D"
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("POST /if/bill/")]
    assert len(lines) == 4
    assert all(f" bill_id={bill_id} code=" in line for line in lines), lines


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/if/bill/read", b'{"apikey": "TEST-API-KEY-TALK", "member": "M", "merchant": "S", "bill_id": "\\ud800"}'),
        ("/if/bill/read", b'{"apikey": "K", "member": "M", "merchant": "S", "bill_id": "B1", "\\udfff": 1}'),
        ("/if/bill/send", b'{"apikey": "K", "member": "M", "merchant": "S", "bill": {"member_nm": "\\ud83d"}}'),
        ("/_sim/faults", b'{"\\ud800": 1}'),
        ("/_sim/reset", b'{"\\ud800": 1}'),
    ],
)
def test_a_lone_surrogate_escape_is_400_and_changes_nothing(
    http: httpx.Client, vendor: Vendor, path: str, content: bytes
) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    response = http.post(path, content=content, headers={"Content-Type": "application/json"})
    if path == "/_sim/reset":
        assert response.status_code == 200  # reset reads no body: whatever it holds, it resets
        return
    assert response.status_code == 400
    assert response.json()["error"].startswith("body: has a lone surrogate escape")
    assert http.get("/_sim/bills").json()["bills"][0]["state"] == "W"


def test_a_surrogate_pair_escape_is_text(http: httpx.Client) -> None:
    content = json.dumps({**bill_body("B1"), "note": "\U0001f600"}).encode()  # ensure_ascii: "\\ud83d\\ude00"
    assert b"\\ud83d\\ude00" in content
    response = http.post("/if/bill/read", content=content, headers={"Content-Type": "application/json"})
    assert response.json()["code"] == "9980"


@pytest.mark.parametrize("route", ROUTES)
def test_valid_bodies_agree_with_the_contract(spec: dict[str, Any], route: str) -> None:
    assert list(validator(request_schema(spec, f"/if/bill/{route}")).iter_errors(BODIES[route]("B1"))) == []


@pytest.mark.parametrize(
    ("content", "content_type", "field"),
    [
        (b"{not json", "application/json", "body"),
        (b"", "application/json", "body"),
        (b"[1, 2]", "application/json", "body"),
        (b'"text"', "application/json", "body"),
        (b'{"apikey": NaN}', "application/json", "body"),
        ('{"bill_id": "가"}'.encode("utf-16"), "application/json", "body"),
        (b'{"bill_id": "\xff"}', "application/json", "body"),
        (json.dumps(bill_body("B1")).encode(), "text/plain", "Content-Type"),
        (json.dumps(bill_body("B1")).encode(), "application/json; charset=euc-kr", "Content-Type"),
    ],
)
def test_non_json_bodies_are_400(http: httpx.Client, content: bytes, content_type: str, field: str) -> None:
    response = http.post("/if/bill/read", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")


def test_explicit_utf8_charset_is_accepted(http: httpx.Client) -> None:
    body = json.dumps(bill_body(new_id())).encode()
    response = http.post("/if/bill/read", content=body, headers={"Content-Type": "application/json; charset=UTF-8"})
    assert response.json()["code"] == "9980"


# --- 404s and the control routes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/if/bill/unknown"),
        ("GET", "/"),
        ("GET", "/_sim/bills/NOSUCHBILL"),
        ("POST", "/_sim/bills/NOSUCHBILL/pay"),
        ("POST", "/_sim/bills/NOSUCHBILL/redeliver"),
        ("GET", "/_sim/b/NOSUCHBILL"),
    ],
)
def test_unknown_routes_and_bills_are_404(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 404
    if "/_sim/b/" not in path:
        assert set(response.json()) == {"error"}


def test_bill_view_shows_state_and_delivery_but_no_personal_data(
    sim: Simulator, http: httpx.Client, vendor: Vendor
) -> None:
    bill_id = new_id()
    vendor.send(bill_id, expire_dt="2999-12-31")
    view = http.get(f"/_sim/bills/{bill_id}").json()
    assert view == {
        "bill_id": bill_id,
        "state": "W",
        "price": PRICE,
        "product_nm": "11월 수강료",
        "callback_url": NOWHERE,
        "short_url": f"{sim.base_url}/_sim/b/{bill_id}",
        "expire_dt": "2999-12-31",
        "expired": False,
        "messages_sent": 1,
        "callback": None,
        "callback_attempts": [],
    }
    assert PHONE not in json.dumps(view)
    assert "홍길동" not in json.dumps(view, ensure_ascii=False)


def test_short_url_page_says_the_state(http: httpx.Client, vendor: Vendor) -> None:
    bill_id = new_id()
    short_url = vendor.send(bill_id)["shortURL"]
    page = http.get(short_url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<strong id="state">W</strong> (unpaid)' in page.text
    vendor.destroy(bill_id)
    assert '<strong id="state">D</strong> (destroyed)' in http.get(short_url).text


def test_pay_twice_is_409(http: httpx.Client, vendor: Vendor) -> None:
    bill_id = paid_bill(vendor)
    response = pay(http, bill_id)
    assert response.status_code == 409
    assert response.json() == {"error": "bill is F, not unpaid"}


def test_only_one_of_many_concurrent_payments_wins(http: httpx.Client, vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        with httpx.Client(base_url=str(http.base_url), timeout=5.0, trust_env=False) as client:
            code = pay(client, bill_id).status_code
        with lock:
            statuses.append(code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 11


@pytest.mark.parametrize(
    "payment",
    [
        {"pay_type": "BITCOIN"},
        {"installment_months": 37},
        {"installment_months": "3"},
        {"card_issuer": "없는카드"},
        {"cash_trader": "1"},
        {"pay_type": "OFFLINE_CASH", "card_issuer": "신한카드"},
        {"pay_type": "OFFLINE_CASH", "cash_trader": "2"},
        {"tip": 1000},
    ],
)
def test_bad_payment_bodies_are_400(http: httpx.Client, vendor: Vendor, payment: dict[str, Any]) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    assert pay(http, bill_id, **payment).status_code == 400
    assert vendor.read(bill_id)["appr_state"] == "W"


def test_reset_forgets_bills_and_faults(http: httpx.Client, vendor: Vendor) -> None:
    bill_id = new_id()
    vendor.send(bill_id)
    http.post("/_sim/faults", json={"operation": "read", "code": "5000"})
    assert http.post("/_sim/reset", json={}).json() == {"reset": True}
    assert vendor.read(bill_id)["code"] == "9980"
    assert vendor.send(bill_id)["code"] == "0000"


# --- approval callback delivery ----------------------------------------------------------------------


def delivery(http: httpx.Client, bill_id: str) -> dict[str, Any]:
    view: dict[str, Any] = http.get(f"/_sim/bills/{bill_id}").json()["callback"]
    return view


def test_callback_acknowledged_first_time(
    http: httpx.Client, vendor: Vendor, receiver: Callable[..., Receiver], spec: dict[str, Any]
) -> None:
    partner = receiver([(200, ACK_BODY)])
    bill_id = new_id()
    vendor.send(bill_id, callback=partner.url)
    paid = pay(http, bill_id).json()
    expected = {"attempts": 1, "acknowledged": True, "gave_up": False, "last_error": None, "next_attempt_in": None}
    assert paid["callback"] == expected
    assert paid["bill"]["state"] == "F"
    assert paid["bill"]["callback"] == expected
    read = vendor.read(bill_id)
    assert partner.bodies == [
        {"apikey": APIKEY, "bill_id": bill_id, **{k: v for k, v in read.items() if k.startswith("appr_")}}
    ]
    assert partner.content_types == ["application/json"]
    schema = resolve(spec, {"$ref": "#/components/schemas/ApprovalCallback"})
    assert list(validator(schema).iter_errors(partner.bodies[0])) == []


@pytest.mark.parametrize(
    "wrong",
    [
        (200, json.dumps({"code": "0000", "msg": "success"}).encode()),
        (200, json.dumps({**OK, "extra": True}, ensure_ascii=False).encode()),
        (200, json.dumps({"code": 0, "msg": "성공하였습니다."}, ensure_ascii=False).encode()),
        (200, b"OK"),
        (500, ACK_BODY),
        (201, ACK_BODY),
    ],
)
def test_callback_retried_until_acknowledged(
    http: httpx.Client, vendor: Vendor, receiver: Callable[..., Receiver], wrong: tuple[int, bytes]
) -> None:
    partner = receiver([wrong, wrong, (200, ACK_BODY)])
    bill_id = new_id()
    vendor.send(bill_id, callback=partner.url)
    first = pay(http, bill_id).json()["callback"]
    assert first["attempts"] == 1
    assert first["acknowledged"] is False
    assert first["last_error"]
    assert 0 <= first["next_attempt_in"] <= INTERVAL  # a retry is due within the interval (0 once it is due)
    wait_for(lambda: delivery(http, bill_id)["acknowledged"])
    assert delivery(http, bill_id) == {
        "attempts": 3,
        "acknowledged": True,
        "gave_up": False,
        "last_error": None,
        "next_attempt_in": None,
    }
    assert len(partner.bodies) == 3
    assert partner.bodies[0] == partner.bodies[2]


def test_callback_gives_up_after_the_retries(
    http: httpx.Client, vendor: Vendor, receiver: Callable[..., Receiver]
) -> None:
    partner = receiver([(503, b"")])
    bill_id = new_id()
    vendor.send(bill_id, callback=partner.url)
    pay(http, bill_id)
    wait_for(lambda: delivery(http, bill_id)["gave_up"])
    assert delivery(http, bill_id) == {
        "attempts": 1 + RETRIES,
        "acknowledged": False,
        "gave_up": True,
        "last_error": "HTTP 503",
        "next_attempt_in": None,
    }
    time.sleep(3 * INTERVAL)
    assert len(partner.bodies) == 1 + RETRIES


def test_callback_timeout_counts_as_unacknowledged(
    http: httpx.Client, vendor: Vendor, receiver: Callable[..., Receiver]
) -> None:
    partner = receiver([(200, ACK_BODY)], delay=0.6)
    bill_id = new_id()
    vendor.send(bill_id, callback=partner.url)
    assert pay(http, bill_id).json()["callback"]["last_error"] == "timed out after 0.3 s"


def test_callback_connection_refused_is_retried(http: httpx.Client, vendor: Vendor) -> None:
    closed = Receiver([(200, ACK_BODY)])
    url = closed.url
    closed.stop()
    bill_id = new_id()
    vendor.send(bill_id, callback=url)
    assert pay(http, bill_id).json()["callback"]["last_error"] == "connection failed (ConnectError)"
    wait_for(lambda: delivery(http, bill_id)["gave_up"])
    assert delivery(http, bill_id)["attempts"] == 1 + RETRIES


def test_reset_cancels_pending_retries(http: httpx.Client, vendor: Vendor, receiver: Callable[..., Receiver]) -> None:
    partner = receiver([(500, b"")])
    bill_id = new_id()
    vendor.send(bill_id, callback=partner.url)
    assert pay(http, bill_id).json()["callback"]["next_attempt_in"] is not None
    http.post("/_sim/reset", json={})
    seen = len(partner.bodies)
    time.sleep(4 * INTERVAL)
    assert len(partner.bodies) == seen
    assert seen in (1, 2)  # the first attempt, perhaps one retry that was already due on a slow machine
    assert http.get(f"/_sim/bills/{bill_id}").status_code == 404


def test_callbacks_go_to_loopback_only(http: httpx.Client, vendor: Vendor) -> None:
    bill_id = paid_bill(vendor)
    assert delivery(http, bill_id) == {
        "attempts": 0,
        "acknowledged": False,
        "gave_up": True,
        "last_error": "not delivered: the simulator only calls loopback receivers",
        "next_attempt_in": None,
    }


def test_stop_returns_promptly_with_retries_pending(receiver: Callable[..., Receiver]) -> None:
    partner = receiver([(500, b"")])
    simulator = Simulator(port=0, callback_retry_interval=3600.0).start()
    try:
        with httpx.Client(base_url=simulator.base_url, timeout=5.0, trust_env=False) as client:
            bill_id = new_id()
            client.post("/if/bill/send", json=send_body(bill_id, callback=partner.url))
            assert pay(client, bill_id).json()["callback"]["next_attempt_in"] > 3500
    finally:
        stopping = threading.Thread(target=simulator.stop)
        stopping.start()
        stopping.join(timeout=60)  # a retry an hour away must not hold stop(): it returns, it does not wait it out
    assert not stopping.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.post(simulator.base_url + "/if/bill/read", json=bill_body("B1"), timeout=1.0, trust_env=False)


# --- configuration and the command line -------------------------------------------------------------


def test_other_credentials_replace_the_sandbox_ones() -> None:
    own = Credentials(apikey="LOCAL-KEY", member="M1", merchant="S1")
    assert "LOCAL-KEY" not in repr(own)
    with Simulator(credentials=own) as simulator:
        answer = httpx.post(simulator.base_url + "/if/bill/read", json=bill_body("B1"), trust_env=False)
        assert answer.json()["code"] == "1003"
        mine = {"apikey": "LOCAL-KEY", "member": "M1", "merchant": "S1", "bill_id": "B1"}
        assert httpx.post(simulator.base_url + "/if/bill/read", json=mine, trust_env=False).json()["code"] == "9980"


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com"])  # noqa: S104 - must be refused
def test_only_loopback_hosts_are_served(host: str) -> None:
    with pytest.raises(ValueError, match="host"):
        Simulator(host)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:1", True),
        ("127.0.0.1:4020", True),
        ("127.0.0.1:65535", True),
        ("localhost:08080", True),
        ("[::1]:65535", True),
        ("127.0.0.1:99999", False),
        ("127.0.0.1:65536", False),
        ("127.0.0.1:0", False),
        ("127.0.0.1:00000", False),
        ("[::1]:99999", False),
        ("localhost:70000", False),
        ("127.0.0.1:", False),
        ("127.0.0.1:+80", False),
        ("127.0.0.1:٤٠٢٠", False),  # Arabic-Indic digits: int() reads them, the Host rule does not
        ("127.0.0.1:123456", False),
        ("127.0.0.1:80:80", False),
        ("evil.example", False),
        (None, False),
    ],
)
def test_loopback_host_header_needs_a_port_from_1_to_65535(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_expired_bill_cannot_be_paid() -> None:
    now = [datetime(2026, 11, 25, 23, 59, tzinfo=KST)]
    ledger = Ledger(SANDBOX_CREDENTIALS, clock=lambda: now[0])
    request = SendRequest(
        auth=Auth(apikey=APIKEY, member=MEMBER, merchant=MERCHANT),
        bill_id="B1",
        callback_url=NOWHERE,
        hash=bill_hash("B1", PRICE, PHONE),
        member_nm="홍길동",
        phone=PHONE,
        price=PRICE,
        product_nm="수강료",
        bill_issuer=None,
        message=None,
        expire_dt=date(2026, 11, 25),
    )
    assert ledger.send(request, "http://127.0.0.1:1")[0] == "0000"
    now[0] += timedelta(minutes=2)
    with pytest.raises(NotPayableError, match="expired"):
        ledger.pay("B1", Payment())


def sim_cli() -> Any:
    """payssam_sim.cli, imported only when a test needs it (other tests hide the package from sys.modules)."""
    return importlib.import_module("payssam_sim.cli")


def test_cli_help_says_what_it_is(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYSSAM_SIM_APIKEY", "SECRET-FROM-ENV")
    with pytest.raises(SystemExit) as exited:
        sim_cli().main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: payssam sim")
    assert "not the vendor" in out
    assert "SECRET-FROM-ENV" not in out


def test_cli_refuses_a_public_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        sim_cli().main(["--host", "0.0.0.0", "--port", "0"])  # noqa: S104 - must be refused
    assert exited.value.code == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_serves_until_sigterm_and_exits_0() -> None:
    paths = [str(ROOT / "mock"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), "PAYSSAM_SIM_APIKEY": "LOCAL-KEY-1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "payssam_sim", "--port", "0"],
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
        base_url = match[1]
        env_key = {**bill_body("B1"), "apikey": "LOCAL-KEY-1"}
        assert httpx.post(base_url + "/if/bill/read", json=env_key, trust_env=False).json()["code"] == "9980"
        assert httpx.post(base_url + "/if/bill/read", json=bill_body("B1"), trust_env=False).json()["code"] == "1003"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    assert process.returncode == 0
    assert stdout == ""
    assert "LOCAL-KEY-1" not in stderr
