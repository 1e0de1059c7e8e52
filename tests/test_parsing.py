"""Answer parsing: v1 error codes, typed results, ProtocolError and transport failures.

Every answer goes through an httpx.MockTransport; the bodies of the documented
answers come from the named examples of openapi/payssam-v1.json.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import payssam
from payssam._errors import API_ERRORS
from payssam_api_client.models.approval import Approval
from payssam_api_client.models.cancel_bill import CancelBill
from payssam_api_client.types import UNSET

from kit import (
    EXPECTED_ERRORS,
    OFFLINE_URL,
    SPEC_PATH,
    Handler,
    attempt_error,
    offline_async_client,
    offline_client,
    reads_answered,
)
from oracle import response_examples

SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))

READ_PATH = "/if/bill/read"
CANCEL_PATH = "/if/bill/cancel"
BILL_ID = "BILL0001"
PRICE = 10000
EXCERPT_MAX = 201  # 200 characters and an ellipsis


def examples(path: str) -> dict[str, dict[str, Any]]:
    """The named 200 examples of an operation, name -> answer body."""
    return {name: example["value"] for name, example in response_examples(SPEC, path).items()}


READ_EXAMPLES = examples(READ_PATH)
CANCEL_EXAMPLES = examples(CANCEL_PATH)
PATHS = {"read": READ_PATH, "cancel": CANCEL_PATH}


def reply(status: int, body: object = None, *, raw: bytes | None = None) -> Handler:
    """A handler answering every request with status and a JSON body (or raw bytes)."""
    content = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    return handler


def _routed(op: str, handler: Handler) -> Handler:
    """For a cancel, a read-back finds the bill still paid: which proves nothing about an answer that may have been
    lost, so the cancel's outcome is unknown, caused by the error its answer meant."""
    return handler if op == "read" else reads_answered(handler, PAID)


def call_sync(op: str, handler: Handler) -> object:
    """Run one operation ("read" or "cancel") on a blocking client."""
    client = offline_client(_routed(op, handler))
    return client.read_bill(BILL_ID) if op == "read" else client.cancel_bill(BILL_ID, PRICE)


async def call_async(op: str, handler: Handler) -> object:
    """Run one operation ("read" or "cancel") on an awaitable client."""
    client = offline_async_client(_routed(op, handler))
    if op == "read":
        return await client.read_bill(BILL_ID)
    return await client.cancel_bill(BILL_ID, PRICE)


def sync_error(op: str, handler: Handler) -> payssam.PaySsamError:
    """The PaySsamError one blocking call's answer meant (a cancel that may have landed: the cause of its
    OutcomeUnknownError, the read-back having found the bill still paid)."""
    with pytest.raises(payssam.PaySsamError) as info:
        call_sync(op, handler)
    return attempt_error(info.value)


async def async_error(op: str, handler: Handler) -> payssam.PaySsamError:
    """The PaySsamError one awaitable call's answer meant (see sync_error)."""
    with pytest.raises(payssam.PaySsamError) as info:
        await call_async(op, handler)
    return attempt_error(info.value)


def expected_message(body: dict[str, Any]) -> str:
    """The envelope text: msg if non-empty, else message, else ""."""
    return body.get("msg") or body.get("message") or ""


# --------------------------------------------------------------------------- error codes

ERROR_CASES = [
    pytest.param(op, name, id=f"{op}-{name}")
    for op, path in PATHS.items()
    for name in examples(path)
    if name.startswith("error_")
]


def test_error_examples_cover_exactly_the_exported_codes() -> None:
    for path in PATHS.values():
        documented = {name.removeprefix("error_") for name in examples(path) if name.startswith("error_")}
        assert documented == set(API_ERRORS)
    assert set(API_ERRORS) == set(EXPECTED_ERRORS)
    for code, cls in API_ERRORS.items():
        assert cls is EXPECTED_ERRORS[code]
        assert cls.code == code
        assert getattr(payssam, cls.__name__) is cls


def check_api_error(exc: payssam.PaySsamError, body: dict[str, Any]) -> None:
    """exc is exactly the class of body's code, with its code and message."""
    assert type(exc) is EXPECTED_ERRORS[body["code"]]
    assert isinstance(exc, payssam.ApiError)
    assert exc.code == body["code"]
    assert exc.message == expected_message(body)
    assert exc.message  # every example carries a text
    assert body["code"] in str(exc)
    assert exc.message in str(exc)


@pytest.mark.parametrize(("op", "name"), ERROR_CASES)
def test_error_code_maps_to_its_class_sync(op: str, name: str) -> None:
    body = examples(PATHS[op])[name]
    check_api_error(sync_error(op, reply(200, body)), body)


@pytest.mark.parametrize(("op", "name"), ERROR_CASES)
async def test_error_code_maps_to_its_class_async(op: str, name: str) -> None:
    body = examples(PATHS[op])[name]
    check_api_error(await async_error(op, reply(200, body)), body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "9980", "msg": "from msg"}, "from msg"),
        ({"code": "9980", "message": "from message"}, "from message"),
        ({"code": "9980", "msg": "first", "message": "second"}, "first"),
        ({"code": "9980", "msg": "", "message": "fallback"}, "fallback"),
        ({"code": "9980"}, ""),
    ],
)
@pytest.mark.parametrize("op", ["read", "cancel"])
def test_error_message_comes_from_msg_else_message(op: str, body: dict[str, Any], message: str) -> None:
    exc = sync_error(op, reply(200, body))
    assert isinstance(exc, payssam.BillNotFoundError)
    assert exc.message == message
    assert str(exc) == (f"PaySsam answered 9980: {message}" if message else "PaySsam answered 9980")


@pytest.mark.parametrize("op", ["read", "cancel"])
async def test_unknown_code_is_a_plain_api_error(op: str) -> None:
    body = {"code": "1234", "msg": "something new"}
    for exc in (sync_error(op, reply(200, body)), await async_error(op, reply(200, body))):
        assert type(exc) is payssam.ApiError
        assert exc.code == "1234"
        assert exc.message == "something new"


@pytest.mark.parametrize("code", ["", "abc", "00000", " 9980"])
def test_code_outside_the_contract_pattern_is_a_protocol_error(code: str) -> None:
    exc = sync_error("read", reply(200, {"code": code, "msg": "x"}))
    assert isinstance(exc, payssam.ProtocolError)


# --------------------------------------------------------------------------- success

KST_OFFSET = timedelta(hours=9)


def kst(text: str) -> datetime:
    """YYYYMMDDHHMMSS as an aware datetime at UTC+9 (built independently of payssam.KST)."""
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=timezone(KST_OFFSET))


# A bill that was never paid (or was destroyed) carries no payment fields.
NOTHING_PAID: dict[str, Any] = {
    "price": None,
    "pay_type": None,
    "pay_type_code": None,
    "approved_at": None,
    "original_approved_at": None,
    "approval_number": None,
    "original_approval_number": None,
    "installment_months": None,
    "cash_trader": None,
    "cash_trader_code": None,
    "message": "성공하였습니다.",
}
READ_SUCCESS: dict[str, dict[str, Any]] = {
    "paid": {
        "state": payssam.BillState.PAID,
        "state_code": "F",
        "price": 10000,
        "pay_type": payssam.PayType.CARD_VAN,
        "pay_type_code": "CARD_VAN",
        "approved_at": kst("20261125143000"),
        "original_approved_at": kst("20261125143000"),
        "approval_number": "30012345",
        "original_approval_number": "30012345",
        "installment_months": 0,
        "cash_trader": None,
        "cash_trader_code": None,
        "message": "성공하였습니다.",
    },
    "unpaid": {**NOTHING_PAID, "state": payssam.BillState.UNPAID, "state_code": "W"},
    "cancelled": {
        "state": payssam.BillState.CANCELLED,
        "state_code": "C",
        "price": 10000,
        "pay_type": payssam.PayType.CARD_VAN,
        "pay_type_code": "CARD_VAN",
        "approved_at": kst("20261125150000"),
        "original_approved_at": kst("20261125143000"),
        "approval_number": "30012399",
        "original_approval_number": "30012345",
        "installment_months": None,
        "cash_trader": None,
        "cash_trader_code": None,
        "message": "성공하였습니다.",
    },
    "destroyed": {**NOTHING_PAID, "state": payssam.BillState.DESTROYED, "state_code": "D"},
    "paid_cash_receipt": {
        "state": payssam.BillState.PAID,
        "state_code": "F",
        "price": 55000,
        "pay_type": payssam.PayType.OFFLINE_CASH,
        "pay_type_code": "OFFLINE_CASH",
        "approved_at": kst("20261125091500"),
        "original_approved_at": None,
        "approval_number": None,
        "original_approval_number": None,
        "installment_months": None,
        "cash_trader": payssam.CashTrader.BUSINESS,
        "cash_trader_code": "1",
        "message": "성공하였습니다.",
    },
}


def test_every_read_success_example_is_checked() -> None:
    success = {name for name in READ_EXAMPLES if not name.startswith("error_")}
    assert success == set(READ_SUCCESS)


def check_status(status: object, name: str) -> None:
    """status is the BillStatus the read example `name` describes."""
    body = READ_EXAMPLES[name]
    assert isinstance(status, payssam.BillStatus)
    assert status.bill_id == BILL_ID
    for attribute, value in READ_SUCCESS[name].items():
        assert getattr(status, attribute) == value, attribute
    for moment in (status.approved_at, status.original_approved_at):
        if moment is not None:
            assert moment.tzinfo is not None
            assert moment.utcoffset() == KST_OFFSET
    if status.price is not None:
        assert type(status.price) is int
    assert isinstance(status.raw, Approval)
    assert status.raw.code == "0000"
    assert status.raw.apikey is UNSET
    assert "apikey" not in status.raw.to_dict()
    for key, value in body.items():
        if key != "apikey":
            assert status.raw.to_dict()[key] == value


@pytest.mark.parametrize("name", sorted(READ_SUCCESS))
def test_read_success_example_sync(name: str) -> None:
    check_status(call_sync("read", reply(200, READ_EXAMPLES[name])), name)


@pytest.mark.parametrize("name", sorted(READ_SUCCESS))
async def test_read_success_example_async(name: str) -> None:
    check_status(await call_async("read", reply(200, READ_EXAMPLES[name])), name)


def test_paid_example_echoes_an_apikey_that_the_result_drops() -> None:
    assert READ_EXAMPLES["paid"]["apikey"]  # the premise: the contract's example echoes it
    status = call_sync("read", reply(200, READ_EXAMPLES["paid"]))
    assert isinstance(status, payssam.BillStatus)
    assert READ_EXAMPLES["paid"]["apikey"] not in repr(status.raw)
    assert status.raw.appr_issuer == "신한카드"


def test_unknown_state_keeps_its_code() -> None:
    status = call_sync("read", reply(200, {"code": "0000", "appr_state": "X"}))
    assert isinstance(status, payssam.BillStatus)
    assert status.state is payssam.BillState.UNKNOWN
    assert status.state_code == "X"


def test_missing_state_is_unknown_without_code() -> None:
    status = call_sync("read", reply(200, {"code": "0000"}))
    assert isinstance(status, payssam.BillStatus)
    assert status.state is payssam.BillState.UNKNOWN
    assert status.state_code is None


def test_unknown_pay_type_and_cash_trader_keep_their_codes() -> None:
    body = {**READ_EXAMPLES["paid_cash_receipt"], "appr_pay_type": "CRYPTO", "appr_cash_trader": "7"}
    status = call_sync("read", reply(200, body))
    assert isinstance(status, payssam.BillStatus)
    assert status.pay_type is payssam.PayType.UNKNOWN
    assert status.pay_type_code == "CRYPTO"
    assert status.cash_trader is payssam.CashTrader.UNKNOWN
    assert status.cash_trader_code == "7"
    assert status.price == 55000


def test_echoed_matching_bill_id_is_accepted() -> None:
    status = call_sync("read", reply(200, {**READ_EXAMPLES["unpaid"], "bill_id": BILL_ID}))
    assert isinstance(status, payssam.BillStatus)
    assert status.bill_id == BILL_ID


def check_cancellation(result: object) -> None:
    """result is the Cancellation of the contract's cancel example."""
    body = CANCEL_EXAMPLES["cancelled"]
    assert isinstance(result, payssam.Cancellation)
    assert result.bill_id == BILL_ID
    assert result.approval_number == "30012399"
    assert result.original_approval_number == "30012345"
    assert result.cancelled_at == kst("20261125150000")
    assert result.cancelled_at is not None
    assert result.cancelled_at.utcoffset() == KST_OFFSET
    assert result.message == "성공하였습니다."
    assert isinstance(result.raw, CancelBill)
    assert result.raw.apikey is UNSET
    assert body["apikey"] not in repr(result.raw)
    assert result.raw.member == body["member"]


def test_cancel_success_example_sync() -> None:
    assert {name for name in CANCEL_EXAMPLES if not name.startswith("error_")} == {"cancelled"}
    check_cancellation(call_sync("cancel", reply(200, CANCEL_EXAMPLES["cancelled"])))


async def test_cancel_success_example_async() -> None:
    check_cancellation(await call_async("cancel", reply(200, CANCEL_EXAMPLES["cancelled"])))


# --------------------------------------------------------------------------- ProtocolError

PAID = READ_EXAMPLES["paid"]
CANCELLED = CANCEL_EXAMPLES["cancelled"]

PROTOCOL_CASES: list[Any] = [
    *(
        pytest.param(op, status, json.dumps(PAID).encode(), id=f"{op}-http-{status}")
        for op in PATHS
        for status in (400, 404, 500, 302)
    ),
    *(
        pytest.param(op, 200, raw, id=f"{op}-{label}")
        for op in PATHS
        for label, raw in [
            ("not-json", b"<html>Service Unavailable</html>"),
            ("empty", b""),
            ("invalid-utf8", b'{"code": "0000", "msg": "\xff\xfe"}'),
            ("array", b'[{"code": "0000"}]'),
            ("string", b'"0000"'),
            ("number", b"0"),
            ("null", b"null"),
            ("no-code", b'{"msg": "ok"}'),
            ("code-int", b'{"code": 0}'),
            ("code-list", b'{"code": ["0000"]}'),
            ("code-null", b'{"code": null}'),
            ("code-bool", b'{"code": true}'),
            ("msg-int", b'{"code": "9980", "msg": 5}'),
            ("deep-array", b"[" * 100000),
            ("deep-array-closed", b"[" * 100000 + b"]" * 100000),
            ("deep-object", b'{"code": "0000", "msg": ' + b"[" * 100000),
        ]
    ),
    pytest.param("read", 200, json.dumps({**PAID, "appr_price": 5}).encode(), id="read-appr_price-int"),
    pytest.param("read", 200, json.dumps({**PAID, "appr_state": None}).encode(), id="read-appr_state-null"),
    pytest.param("read", 200, json.dumps({**PAID, "appr_dt": "2026-11-25"}).encode(), id="read-appr_dt-iso-date"),
    pytest.param("read", 200, json.dumps({**PAID, "appr_dt": "20261345000000"}).encode(), id="read-appr_dt-month-13"),
    pytest.param(
        "read", 200, json.dumps({**PAID, "appr_origin_dt": "2026112514300"}).encode(), id="read-origin-dt-short"
    ),
    pytest.param("read", 200, json.dumps({**PAID, "appr_price": "10,000"}).encode(), id="read-appr_price-comma"),
    pytest.param("read", 200, json.dumps({**PAID, "appr_price": "-10000"}).encode(), id="read-appr_price-negative"),
    pytest.param(
        "read", 200, json.dumps({**PAID, "appr_price": "\uff11\uff10\uff10"}).encode(), id="read-appr_price-fullwidth"
    ),
    pytest.param("read", 200, json.dumps({**PAID, "appr_monthly": "3개월"}).encode(), id="read-appr_monthly-text"),
    pytest.param("read", 200, json.dumps({**PAID, "bill_id": "OTHERBILL"}).encode(), id="read-other-bill_id"),
    pytest.param("cancel", 200, json.dumps({**CANCELLED, "appr_num": 30012399}).encode(), id="cancel-appr_num-int"),
    pytest.param("cancel", 200, json.dumps({**CANCELLED, "hash": []}).encode(), id="cancel-hash-list"),
    pytest.param(
        "cancel", 200, json.dumps({**CANCELLED, "appr_cancel_dt": "2026-11-25"}).encode(), id="cancel-dt-iso-date"
    ),
    pytest.param(
        "cancel", 200, json.dumps({**CANCELLED, "appr_cancel_dt": "20261345000000"}).encode(), id="cancel-dt-month-13"
    ),
    pytest.param("cancel", 200, json.dumps({**CANCELLED, "bill_id": "OTHERBILL"}).encode(), id="cancel-other-bill_id"),
]


def check_protocol_error(exc: payssam.PaySsamError, status: int) -> None:
    """exc is a ProtocolError for that HTTP status with a short excerpt."""
    assert type(exc) is payssam.ProtocolError
    assert exc.status_code == status
    assert isinstance(exc.excerpt, str)
    assert len(exc.excerpt) <= EXCERPT_MAX
    assert f"HTTP {status}" in str(exc)
    assert len(str(exc)) < 1000


@pytest.mark.parametrize(("op", "status", "raw"), PROTOCOL_CASES)
def test_protocol_error_sync(op: str, status: int, raw: bytes) -> None:
    check_protocol_error(sync_error(op, reply(status, raw=raw)), status)


@pytest.mark.parametrize(("op", "status", "raw"), PROTOCOL_CASES)
async def test_protocol_error_async(op: str, status: int, raw: bytes) -> None:
    check_protocol_error(await async_error(op, reply(status, raw=raw)), status)


def test_protocol_error_excerpt_is_truncated_and_shows_the_start() -> None:
    body = b"<html>" + b"x" * 5000 + b"</html>"
    exc = sync_error("read", reply(500, raw=body))
    assert isinstance(exc, payssam.ProtocolError)
    assert exc.excerpt.startswith("<html>xxx")
    assert len(exc.excerpt) == EXCERPT_MAX
    assert exc.excerpt.endswith("\u2026")


def test_protocol_error_on_non_200_even_with_a_valid_body() -> None:
    exc = sync_error("read", reply(201, READ_EXAMPLES["paid"]))
    assert isinstance(exc, payssam.ProtocolError)
    assert exc.status_code == 201


def test_success_with_wrong_bill_id_says_the_operation_may_have_happened() -> None:
    exc = sync_error("cancel", reply(200, {**CANCELLED, "bill_id": "OTHERBILL"}))
    assert isinstance(exc, payssam.ProtocolError)
    assert "OTHERBILL" in exc.reason
    assert "may have taken effect" in exc.reason


# --------------------------------------------------------------------------- properties

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = sorted(
    {
        *SPEC["components"]["schemas"]["Approval"]["properties"],
        *SPEC["components"]["schemas"]["CancelBill"]["properties"],
    }
)
STRINGS = st.one_of(
    st.sampled_from(["", "0000", BILL_ID, "F", "W", "C", "D", "X", "0", "1", "CARD_VAN", "KEYIN", "00"]),
    st.sampled_from(["20261125143000", "20261345000000", "10000", "9999999999", "99999999999"]),
    st.from_regex(r"[0-9]{1,14}", fullmatch=True),
    st.text(max_size=16),
)
# Mostly strings, so that well-formed successes are drawn too, sometimes any JSON value.
PLAUSIBLE = st.one_of(STRINGS, STRINGS, STRINGS, JSON_VALUES)
CODES = st.one_of(st.just("0000"), st.sampled_from(["1234", *EXPECTED_ERRORS]), st.text(max_size=6), JSON_VALUES)
OBJECTS = st.builds(
    lambda code, fields, extra: {**extra, **fields, "code": code},
    CODES,
    st.dictionaries(st.sampled_from(FIELD_NAMES), PLAUSIBLE, max_size=8),
    st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=2),
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(op: str, status: int, content: bytes) -> object:
    """The result or the PaySsamError of one call (for a cancel whose outcome is unknown, the error its answer
    meant); any other exception fails the test."""
    try:
        return call_sync(op, reply(status, raw=content))
    except payssam.PaySsamError as exc:
        return attempt_error(exc)
    except Exception as exc:
        pytest.fail(f"{op} leaked {type(exc).__name__}: {exc!r} for HTTP {status} {content[:200]!r}")


def check_outcome(op: str, result: object) -> None:
    """Either the operation's result type or a PaySsamError, with the documented attributes."""
    expected = payssam.BillStatus if op == "read" else payssam.Cancellation
    assert isinstance(result, expected | payssam.PaySsamError), type(result)
    if isinstance(result, payssam.ProtocolError):
        assert len(result.excerpt) <= EXCERPT_MAX
    if isinstance(result, payssam.ApiError):
        assert isinstance(result.code, str)
        assert result.code != "0000"
    if isinstance(result, expected):
        assert result.bill_id == BILL_ID


@PROPERTY
@given(status=st.integers(100, 599), body=st.sampled_from([b"", b"{}", b"x", json.dumps(PAID).encode()]))
def test_property_any_status(status: int, body: bytes) -> None:
    for op in PATHS:
        result = outcome(op, status, body)
        check_outcome(op, result)
        if status != 200:
            assert isinstance(result, payssam.ProtocolError)
            assert result.status_code == status


@PROPERTY
@given(status=st.sampled_from([200, 200, 200, 400, 500]), body=st.binary(max_size=300))
def test_property_any_bytes(status: int, body: bytes) -> None:
    for op in PATHS:
        check_outcome(op, outcome(op, status, body))


@PROPERTY
@given(value=JSON_VALUES)
def test_property_any_json_value(value: object) -> None:
    content = json.dumps(value).encode()
    for op in PATHS:
        result = outcome(op, 200, content)
        check_outcome(op, result)
        if not isinstance(value, dict) or "code" not in value:
            assert isinstance(result, payssam.ProtocolError)


@PROPERTY
@given(body=OBJECTS)
def test_property_any_object_with_code(body: dict[str, Any]) -> None:
    content = json.dumps(body, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    for op in PATHS:
        result = outcome(op, 200, content)
        check_outcome(op, result)
        if not isinstance(body["code"], str):
            assert isinstance(result, payssam.ProtocolError)
        elif body["code"] != "0000" and not isinstance(result, payssam.ProtocolError):
            assert isinstance(result, payssam.ApiError)
            assert result.code == body["code"]


# --------------------------------------------------------------------------- transport

RAISERS: list[Any] = [
    pytest.param(httpx.ConnectError, payssam.TransportError, id="connect-error"),
    pytest.param(httpx.ReadError, payssam.TransportError, id="read-error"),
    pytest.param(httpx.RemoteProtocolError, payssam.TransportError, id="remote-protocol-error"),
    pytest.param(httpx.ReadTimeout, payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param(httpx.ConnectTimeout, payssam.TransportTimeoutError, id="connect-timeout"),
    pytest.param(httpx.WriteTimeout, payssam.TransportTimeoutError, id="write-timeout"),
    pytest.param(httpx.PoolTimeout, payssam.TransportTimeoutError, id="pool-timeout"),
]


def raising(kind: type[httpx.TransportError]) -> Handler:
    """A handler that fails every request with kind."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise kind("simulated failure", request=request)

    return handler


def check_transport_error(exc: payssam.PaySsamError, kind: type[httpx.TransportError], expected: type) -> None:
    """exc is exactly `expected`, chained to the httpx error."""
    assert type(exc) is expected
    assert isinstance(exc, payssam.TransportError)
    assert isinstance(exc.__cause__, kind)
    assert kind.__name__ in str(exc)
    assert OFFLINE_URL in str(exc)


@pytest.mark.parametrize(("kind", "expected"), RAISERS)
@pytest.mark.parametrize("op", ["read", "cancel"])
def test_transport_error_sync(op: str, kind: type[httpx.TransportError], expected: type) -> None:
    check_transport_error(sync_error(op, raising(kind)), kind, expected)


@pytest.mark.parametrize(("kind", "expected"), RAISERS)
@pytest.mark.parametrize("op", ["read", "cancel"])
async def test_transport_error_async(op: str, kind: type[httpx.TransportError], expected: type) -> None:
    check_transport_error(await async_error(op, raising(kind)), kind, expected)


def test_connect_error_is_not_a_timeout() -> None:
    exc = sync_error("read", raising(httpx.ConnectError))
    assert not isinstance(exc, payssam.TransportTimeoutError)
