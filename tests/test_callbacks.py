"""The approval callback: the acknowledgement, parse_approval and verify_approval (offline read-back)."""

from __future__ import annotations

import hmac
import inspect
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import httpx
import pytest

import payssam
from payssam import (
    APPROVAL_ACK,
    APPROVAL_ACK_CONTENT_TYPE,
    ApprovalRejectedError,
    BillState,
    PayType,
    ValidationError,
    parse_approval,
    verify_approval,
)
from payssam_api_client.models.approval_callback import ApprovalCallback

from kit import APIKEY, MODES, SPEC_PATH, Handler, Recorder, fails, offline_async_client, offline_client

BILL_ID = "1234567890ABCDEFGHIJ"
KST_OFFSET = timedelta(hours=9)
OK_MSG = "성공하였습니다."
APPROVAL: dict[str, Any] = {
    "apikey": APIKEY,
    "bill_id": BILL_ID,
    "appr_state": "F",
    "appr_pay_type": "CARD_VAN",
    "appr_dt": "20261125143000",
    "appr_origin_dt": "20261125143000",
    "appr_price": "10000",
    "appr_num": "30012345",
    "appr_origin_num": "30012345",
    "appr_issuer": "신한카드",
    "appr_issuer_cd": "04",
    "appr_issuer_num": "4518-42**-****-1234",
    "appr_acquirer_cd": "04",
    "appr_acquirer_nm": "신한카드",
    "appr_res_cd": "0000",
    "appr_card_type": "신용",
    "appr_monthly": "00",
    "appr_cat_id": "1234567890",
}
READ_PAID: dict[str, Any] = {
    "code": "0000",
    "msg": OK_MSG,
    "apikey": APIKEY,
    "bill_id": BILL_ID,
    "appr_state": "F",
    "appr_pay_type": "CARD_VAN",
    "appr_dt": "20261125143000",
    "appr_price": "10000",
    "appr_num": "30012345",
}

# The same bill after a cancel: a new approval number, the paid one kept as the original.
READ_CANCELLED: dict[str, Any] = {
    **READ_PAID,
    "appr_state": "C",
    "appr_dt": "20261125150000",
    "appr_origin_dt": "20261125143000",
    "appr_num": "30012399",
    "appr_origin_num": "30012345",
}


def encoded(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def kst(text: str) -> datetime:
    """YYYYMMDDHHMMSS at UTC+9, built independently of payssam.KST."""
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=timezone(KST_OFFSET))


# --------------------------------------------------------------------------- acknowledgement


def test_ack_is_exactly_the_documented_body() -> None:
    assert isinstance(APPROVAL_ACK, bytes)
    decoded = json.loads(APPROVAL_ACK.decode("utf-8"))
    assert decoded == {"code": "0000", "msg": "성공하였습니다."}
    assert list(decoded) == ["code", "msg"]
    assert "성공하였습니다.".encode() in APPROVAL_ACK  # literal UTF-8, not \u escapes


def test_ack_matches_the_contract_schema() -> None:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["ApprovalAck"]
    decoded = json.loads(APPROVAL_ACK)
    assert set(decoded) == set(schema["required"]) == set(schema["properties"])
    for key, value in decoded.items():
        assert schema["properties"][key]["enum"] == [value]


def test_ack_content_type_is_utf8_json() -> None:
    assert APPROVAL_ACK_CONTENT_TYPE == "application/json; charset=utf-8"


# --------------------------------------------------------------------------- parse_approval

FORMS: list[Any] = [
    pytest.param(encoded(APPROVAL), id="bytes"),
    pytest.param(bytearray(encoded(APPROVAL)), id="bytearray"),
    pytest.param(json.dumps(APPROVAL, ensure_ascii=False), id="str"),
    pytest.param(json.dumps(APPROVAL), id="str-ascii-escaped"),
    pytest.param(dict(APPROVAL), id="dict"),
    pytest.param(MappingProxyType(dict(APPROVAL)), id="mapping-proxy"),
]


@pytest.mark.parametrize("body", FORMS)
def test_parse_types_the_fields(body: bytes | str | Mapping[str, object]) -> None:
    approval = parse_approval(body)
    assert isinstance(approval, payssam.Approval)
    assert approval.bill_id == BILL_ID
    assert approval.state is BillState.PAID
    assert approval.state_code == "F"
    assert approval.price == 10000
    assert type(approval.price) is int
    assert approval.pay_type is PayType.CARD_VAN
    assert approval.pay_type_code == "CARD_VAN"
    assert approval.approved_at == kst("20261125143000")
    assert approval.approved_at is not None
    assert approval.approved_at.utcoffset() == KST_OFFSET
    assert approval.approved_at.hour == 14
    assert approval.original_approved_at == kst("20261125143000")
    assert approval.approval_number == "30012345"
    assert approval.original_approval_number == "30012345"
    assert approval.installment_months == 0
    assert approval.cash_trader is None
    assert approval.apikey.reveal() == APIKEY
    assert isinstance(approval.raw, ApprovalCallback)
    assert approval.raw.appr_issuer == "신한카드"
    assert approval.raw.appr_issuer_num == "4518-42**-****-1234"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("CARD_VAN", PayType.CARD_VAN),
        ("KEYIN", PayType.KEYIN),
        ("OFFLINE_CARD", PayType.OFFLINE_CARD),
        ("OFFLINE_CASH", PayType.OFFLINE_CASH),
        ("CRYPTO", PayType.UNKNOWN),
    ],
)
def test_pay_types(code: str, expected: PayType) -> None:
    approval = parse_approval({**APPROVAL, "appr_pay_type": code})
    assert approval.pay_type is expected
    assert approval.pay_type_code == code


def test_cash_receipt_fields() -> None:
    approval = parse_approval({**APPROVAL, "appr_pay_type": "OFFLINE_CASH", "appr_cash_trader": "1"})
    assert approval.cash_trader is payssam.CashTrader.BUSINESS
    assert approval.cash_trader_code == "1"


def test_minimal_approval_has_no_payment_fields() -> None:
    approval = parse_approval({"apikey": APIKEY, "bill_id": BILL_ID})
    assert approval.state is BillState.UNKNOWN
    assert approval.state_code is None
    assert approval.price is None
    assert approval.approved_at is None
    assert approval.approval_number is None


def test_unknown_keys_are_kept_in_additional_properties() -> None:
    extra = {"appr_new_field": "x", "vendor_meta": {"a": [1, 2]}, "count": 3}
    approval = parse_approval(encoded({**APPROVAL, **extra}))
    assert approval.raw.additional_properties == extra
    assert approval.price == 10000


def test_parse_does_not_modify_the_callers_mapping() -> None:
    body = dict(APPROVAL)
    parse_approval(body)
    assert body == APPROVAL


def test_apikey_is_never_shown() -> None:
    approval = parse_approval(encoded(APPROVAL))
    for text in (repr(approval), str(approval), repr(approval.raw), str(approval.raw), repr(approval.apikey)):
        assert APIKEY not in text
    assert APIKEY not in json.dumps(approval.raw.to_dict(), ensure_ascii=False)
    assert approval.raw.apikey != APIKEY
    assert approval.apikey.reveal() == APIKEY


def test_approvals_compare_without_the_apikey() -> None:
    first = parse_approval(APPROVAL)
    assert first == parse_approval(APPROVAL)
    assert first != parse_approval({**APPROVAL, "appr_price": "20000"})


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in APPROVAL.items() if k != key}


LONG_KEY = "SECRETKEY-" * 4  # 40 characters

BAD_BODIES: list[Any] = [
    pytest.param(b'{"apikey": "\xff\xfe"}', "body", id="not-utf8"),
    pytest.param(b"apikey=TEST&bill_id=1", "body", id="form-encoded"),
    pytest.param("not json", "body", id="not-json-str"),
    pytest.param(b"", "body", id="empty"),
    pytest.param(encoded(APPROVAL)[:-1], "body", id="truncated"),
    pytest.param(b"[1, 2]", "body", id="array"),
    pytest.param(json.dumps([APPROVAL]), "body", id="array-of-approval"),
    pytest.param(b"null", "body", id="null"),
    pytest.param(b'"F"', "body", id="string"),
    pytest.param(12, "body", id="int"),
    pytest.param(None, "body", id="none"),
    pytest.param(without("apikey"), "apikey", id="missing-apikey"),
    pytest.param(without("bill_id"), "bill_id", id="missing-bill_id"),
    pytest.param({**APPROVAL, "apikey": ""}, "apikey", id="empty-apikey"),
    pytest.param({**APPROVAL, "apikey": "k" * 33}, "apikey", id="apikey-33"),
    pytest.param({**APPROVAL, "apikey": LONG_KEY}, "apikey", id="apikey-40"),
    pytest.param({**APPROVAL, "apikey": 12345}, "apikey", id="apikey-number"),
    pytest.param({**APPROVAL, "apikey": None}, "apikey", id="apikey-null"),
    pytest.param({**APPROVAL, "bill_id": "BILL-0001"}, "bill_id", id="bill_id-dash"),
    pytest.param({**APPROVAL, "bill_id": "A" * 21}, "bill_id", id="bill_id-21"),
    pytest.param({**APPROVAL, "bill_id": ""}, "bill_id", id="bill_id-empty"),
    pytest.param({**APPROVAL, "bill_id": "청구서"}, "bill_id", id="bill_id-hangul"),
    pytest.param({**APPROVAL, "bill_id": 1234}, "bill_id", id="bill_id-number"),
    pytest.param({**APPROVAL, "appr_price": "1,000"}, "appr_price", id="appr_price-comma"),
    pytest.param({**APPROVAL, "appr_price": "-1000"}, "appr_price", id="appr_price-negative"),
    pytest.param({**APPROVAL, "appr_price": 10000.0}, "appr_price", id="appr_price-float"),
    pytest.param({**APPROVAL, "appr_price": -10000}, "appr_price", id="appr_price-negative-number"),
    pytest.param({**APPROVAL, "appr_price": True}, "appr_price", id="appr_price-bool"),
    pytest.param({**APPROVAL, "apiKey": "x" * 16}, "apikey", id="apikey-in-both-casings-differing"),
    pytest.param({**APPROVAL, "appr_dt": "2026-11-25"}, "appr_dt", id="appr_dt-iso-date"),
    pytest.param({**APPROVAL, "appr_dt": "20261345000000"}, "appr_dt", id="appr_dt-month-13"),
    pytest.param({**APPROVAL, "appr_origin_dt": "2026112514300"}, "appr_origin_dt", id="appr_origin_dt-short"),
    pytest.param({**APPROVAL, "appr_state": None}, "appr_state", id="appr_state-null"),
    pytest.param({**APPROVAL, "appr_num": 30012345}, "appr_num", id="appr_num-number"),
    pytest.param({**APPROVAL, "appr_monthly": "3개월"}, "appr_monthly", id="appr_monthly-text"),
]


# The same mappings as the JSON bytes PaySsam would POST.
BAD_BODIES += [
    pytest.param(encoded(case.values[0]), case.values[1], id=f"{case.id}-as-json")
    for case in BAD_BODIES
    if isinstance(case.values[0], dict)
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_body_is_a_validation_error_naming_the_field(body: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_approval(body)  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert APIKEY not in str(info.value)
    assert LONG_KEY not in str(info.value)
    assert "k" * 33 not in str(info.value)


# --------------------------------------------------------------------------- verify_approval


async def verify(
    mode: str, approval: payssam.Approval, handler: Handler, *, client_apikey: str = APIKEY, **kwargs: Any
) -> payssam.BillStatus:
    """verify_approval with a blocking or an awaitable client; the async form must be awaitable."""
    if mode == "sync":
        result = verify_approval(approval, offline_client(handler, apikey=client_apikey), **kwargs)
        assert not inspect.isawaitable(result)
        return result
    pending = verify_approval(approval, offline_async_client(handler, apikey=client_apikey), **kwargs)
    assert inspect.isawaitable(pending)
    return await pending


async def rejection(mode: str, approval: payssam.Approval, handler: Handler, **kwargs: Any) -> ApprovalRejectedError:
    with pytest.raises(ApprovalRejectedError) as info:
        await verify(mode, approval, handler, **kwargs)
    assert isinstance(info.value, payssam.PaySsamError)
    assert info.value.bill_id == BILL_ID
    assert BILL_ID in str(info.value)
    assert APIKEY not in str(info.value)
    return info.value


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("expected_price", [None, 10000, "10000"])
async def test_genuine_approval_is_confirmed(mode: str, expected_price: int | str | None) -> None:
    read = Recorder(READ_PAID)
    status = await verify(mode, parse_approval(encoded(APPROVAL)), read, expected_price=expected_price)
    assert isinstance(status, payssam.BillStatus)
    assert status.bill_id == BILL_ID
    assert status.state is BillState.PAID
    assert status.price == 10000
    assert status.approval_number == "30012345"
    assert len(read.requests) == 1
    assert read.requests[0].url.path == "/if/bill/read"
    assert json.loads(read.requests[0].content)["bill_id"] == BILL_ID


@pytest.mark.parametrize("mode", MODES)
async def test_approval_without_approval_number_is_confirmed_by_the_read(mode: str) -> None:
    status = await verify(mode, parse_approval(without("appr_num")), Recorder(READ_PAID))
    assert status.state is BillState.PAID


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "apikey",
    ["WRONG-KEY", APIKEY[:-1], APIKEY + "X", APIKEY.lower(), "X" + APIKEY[1:], "k" * 32],
    ids=["other", "prefix", "longer", "lowercase", "first-char", "max-length"],
)
async def test_wrong_apikey_is_rejected_without_a_read(mode: str, apikey: str) -> None:
    read = Recorder(READ_PAID)
    exc = await rejection(mode, parse_approval({**APPROVAL, "apikey": apikey}), read)
    assert "apikey" in exc.reason
    assert apikey not in str(exc)
    assert read.requests == []


@pytest.mark.parametrize("mode", MODES)
async def test_client_with_another_apikey_rejects_without_a_read(mode: str) -> None:
    read = Recorder(READ_PAID)
    exc = await rejection(mode, parse_approval(APPROVAL), read, client_apikey="ANOTHER-PARTNER-KEY")
    assert "apikey" in exc.reason
    assert read.requests == []


REJECTIONS: list[Any] = [
    pytest.param({"code": "9980", "msg": "Bill not found"}, {}, None, "no such bill", id="unknown-bill"),
    pytest.param({**READ_PAID, "appr_price": "20000"}, {}, None, "price", id="read-other-price"),
    pytest.param({**READ_PAID, "appr_price": "1000"}, {}, None, "price", id="read-lower-price"),
    pytest.param({"code": "0000", "appr_state": "W"}, {}, None, "UNPAID", id="unpaid"),
    pytest.param({**READ_PAID, "appr_state": "C"}, {}, None, "CANCELLED", id="cancelled"),
    pytest.param(
        {**READ_CANCELLED, "appr_origin_num": "99999999"}, {}, None, "CANCELLED", id="cancelled-after-another-approval"
    ),
    pytest.param({**READ_CANCELLED, "appr_price": "20000"}, {}, None, "price", id="cancelled-at-another-price"),
    pytest.param(READ_CANCELLED, {"appr_num": None}, None, "CANCELLED", id="cancelled-approval-without-number"),
    pytest.param(READ_CANCELLED, {"appr_num": "30012399"}, None, "CANCELLED", id="approval-with-the-cancel-number"),
    pytest.param(READ_CANCELLED, {}, 20000, "expected price", id="cancelled-expected-price-higher"),
    pytest.param({"code": "0000", "appr_state": "D"}, {}, None, "DESTROYED", id="destroyed"),
    pytest.param({"code": "0000"}, {}, None, "UNKNOWN", id="no-state"),
    pytest.param({**READ_PAID, "appr_state": "X"}, {}, None, "UNKNOWN", id="unknown-state"),
    pytest.param(READ_PAID, {}, 20000, "expected price", id="expected-price-higher"),
    pytest.param(READ_PAID, {}, "9999", "expected price", id="expected-price-lower"),
    pytest.param({**READ_PAID, "appr_num": "99999999"}, {}, None, "approval number", id="read-other-approval-number"),
    pytest.param(READ_PAID, {"appr_num": "11111111"}, None, "approval number", id="approval-other-number"),
    pytest.param(READ_PAID, {"appr_price": "20000"}, None, "price", id="approval-other-price"),
    pytest.param(READ_PAID, {"appr_price": None}, None, "price", id="approval-without-price"),
    pytest.param({**READ_PAID, "appr_price": ""}, {}, None, "price", id="read-without-price"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("read_answer", "changes", "expected_price", "reason"), REJECTIONS)
async def test_disagreeing_read_back_is_rejected(
    mode: str, read_answer: dict[str, Any], changes: dict[str, Any], expected_price: object, reason: str
) -> None:
    body = {key: value for key, value in {**APPROVAL, **changes}.items() if value is not None}
    read = Recorder(read_answer)
    exc = await rejection(mode, parse_approval(body), read, expected_price=expected_price)
    assert reason in exc.reason
    assert exc.bill_id == BILL_ID
    assert len(read.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("expected_price", [None, 10000])
async def test_genuine_approval_repeated_after_a_cancel_is_confirmed_as_cancelled(
    mode: str, expected_price: int | None
) -> None:
    """PaySsam repeats an approval whose acknowledgement it missed, after the partner cancelled the bill."""
    read = Recorder(READ_CANCELLED)
    status = await verify(mode, parse_approval(APPROVAL), read, expected_price=expected_price)
    assert status.state is BillState.CANCELLED
    assert status.original_approval_number == APPROVAL["appr_num"]
    assert status.price == 10000
    assert len(read.requests) == 1


@pytest.mark.parametrize("body", [b"\xef\xbb\xbf" + json.dumps(APPROVAL).encode(), "\ufeff" + json.dumps(APPROVAL)])
def test_a_utf8_byte_order_mark_is_accepted(body: bytes | str) -> None:
    approval = parse_approval(body)
    assert (approval.bill_id, approval.price, approval.approval_number) == (BILL_ID, 10000, APPROVAL["appr_num"])
    assert APIKEY not in repr(approval)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("expected_price", ["1,000", -1, True, 1.5, 10**10])
async def test_bad_expected_price_is_a_validation_error_before_any_read(mode: str, expected_price: object) -> None:
    read = Recorder(READ_PAID)
    with pytest.raises(ValidationError) as info:
        await verify(mode, parse_approval(APPROVAL), read, expected_price=expected_price)
    assert info.value.field == "expected_price"
    assert read.requests == []


PROPAGATED: list[Any] = [
    pytest.param(Recorder(fails(httpx.ConnectError, "simulated failure")), payssam.TransportError, id="connect-error"),
    pytest.param(
        Recorder(fails(httpx.ReadTimeout, "simulated failure")), payssam.TransportTimeoutError, id="read-timeout"
    ),
    pytest.param(Recorder({"code": "5000", "message": "System error"}), payssam.ServerSystemError, id="5000"),
    pytest.param(Recorder({"code": "9999", "msg": "fail"}), payssam.ProcessingError, id="9999"),
    pytest.param(Recorder({"code": "1003", "msg": "denied"}), payssam.AccessDeniedError, id="1003"),
    pytest.param(Recorder({"msg": "no code"}), payssam.ProtocolError, id="protocol-error"),
    pytest.param(Recorder({**READ_PAID, "bill_id": "OTHERBILL"}), payssam.ProtocolError, id="read-other-bill"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("read", "expected"), PROPAGATED)
async def test_read_failures_propagate_as_their_own_error(
    mode: str, read: Recorder, expected: type[payssam.PaySsamError]
) -> None:
    with pytest.raises(payssam.PaySsamError) as info:
        await verify(mode, parse_approval(APPROVAL), read)
    assert type(info.value) is expected
    assert not isinstance(info.value, ApprovalRejectedError)


async def test_async_verify_returns_a_coroutine_that_does_the_read() -> None:
    read = Recorder(READ_PAID)
    pending = verify_approval(parse_approval(APPROVAL), offline_async_client(read))
    assert inspect.iscoroutine(pending)
    assert read.requests == []  # nothing happens until awaited
    status = await pending
    assert status.state is BillState.PAID
    assert len(read.requests) == 1


# --------------------------------------------------------------------------- constant-time comparison


class CompareSpy:
    """Stands in for hmac.compare_digest: records each call and answers as told (or as the real one)."""

    def __init__(self, answer: bool | None = None) -> None:
        self.answer = answer
        self.calls: list[tuple[object, object]] = []
        self.real = hmac.compare_digest

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.calls.append((a, b))
        return self.real(a, b) if self.answer is None else self.answer


@pytest.mark.parametrize("mode", MODES)
async def test_apikey_goes_through_compare_digest(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = CompareSpy()
    monkeypatch.setattr(hmac, "compare_digest", spy)
    await verify(mode, parse_approval(APPROVAL), Recorder(READ_PAID))
    assert spy.calls == [(APIKEY.encode(), APIKEY.encode())]
    spy.calls.clear()
    read = Recorder(READ_PAID)
    await rejection(mode, parse_approval({**APPROVAL, "apikey": "WRONG-KEY"}), read)
    assert spy.calls == [(b"WRONG-KEY", APIKEY.encode())]
    assert read.requests == []


@pytest.mark.parametrize("mode", MODES)
async def test_compare_digest_alone_decides(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmac, "compare_digest", CompareSpy(answer=False))
    read = Recorder(READ_PAID)
    await rejection(mode, parse_approval(APPROVAL), read)
    assert read.requests == []
    monkeypatch.setattr(hmac, "compare_digest", CompareSpy(answer=True))
    status = await verify(mode, parse_approval({**APPROVAL, "apikey": "WRONG-KEY"}), read)
    assert status.state is BillState.PAID
    assert len(read.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_lone_surrogate_apikey_is_rejected_not_crashing(mode: str) -> None:
    read = Recorder(READ_PAID)
    try:
        approval = parse_approval(b'{"apikey": "\\ud800", "bill_id": "1234567890ABCDEFGHIJ", "appr_price": "10000"}')
    except ValidationError as exc:  # refusing it at parse time is fine too
        assert exc.field == "apikey"
        return
    with pytest.raises(ApprovalRejectedError):
        await verify(mode, approval, read)
    assert read.requests == []
