"""send_bill, resend_bill and destroy_bill: the request on the wire, typed answers, errors, input checks.

Every request goes to an httpx.MockTransport; nothing touches the network. Each
test runs on the blocking and on the awaitable client.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import payssam
import payssam._validation
from payssam_api_client.models.bill_result import BillResult
from payssam_api_client.models.sent_bill import SentBill as SentBillModel
from payssam_api_client.types import UNSET

from kit import (
    APIKEY,
    EXPECTED_ERRORS,
    MEMBER,
    MERCHANT,
    MODES,
    OFFLINE_URL,
    Handler,
    Recorder,
    attempt_error,
    offline_async_client,
    offline_client,
    reads_answered,
    sha256,
)

BILL_ID = "1234567890ABCDEFGHIJ"
PRICE = 10000
PHONE = "01012345678"
NAME = "홍길동"
PRODUCT = "11월 수강료"
CALLBACK = "https://partner.example/payssam/approval"
SHORT_URL = "https://payssam.kr/b/AbC123"
SEND_HASH = "f10c27d16da1e527e34fceb5bd327f75e9fb07099a642ed2c04ec87e433e8055"
DESTROY_HASH = "316c2d9a3df1fb14d7bb619d56b2664f4def3753c3df4747a5f3df02878e3a48"
OK_MSG = "성공하였습니다."
KST = timezone(timedelta(hours=9))

PATHS = {"send": "/if/bill/send", "resend": "/if/bill/resend", "destroy": "/if/bill/destroy"}
OPS = sorted(PATHS)
CREDENTIALS = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}

# Each success answer echoes the apikey, as public integrations see the vendor do.
OK: dict[str, dict[str, Any]] = {
    "send": {**CREDENTIALS, "code": "0000", "msg": OK_MSG, "bill_id": BILL_ID, "shortURL": SHORT_URL},
    "resend": {**CREDENTIALS, "code": "0000", "msg": OK_MSG, "bill_id": BILL_ID},
    "destroy": {**CREDENTIALS, "code": "0000", "msg": OK_MSG, "bill_id": BILL_ID},
}
RESULTS: dict[str, type] = {"send": payssam.SentBill, "resend": payssam.Resend, "destroy": payssam.Destruction}


def arguments(op: str, **overrides: Any) -> dict[str, Any]:
    """Valid keyword arguments of op, with overrides."""
    base: dict[str, Any] = {"bill_id": BILL_ID}
    if op in ("send", "destroy"):
        base["price"] = PRICE
    if op == "send":
        base.update(phone=PHONE, customer_name=NAME, product_name=PRODUCT, callback_url=CALLBACK)
    return {**base, **overrides}


async def call(mode: str, op: str, handler: Handler, **overrides: Any) -> Any:
    """Run op on a fresh blocking or awaitable client whose requests go to handler."""
    kwargs = arguments(op, **overrides)
    handler = reads_answered(handler)  # a write's read-back finds no bill, which proves nothing after a lost answer
    if mode == "sync":
        return getattr(offline_client(handler), f"{op}_bill")(**kwargs)
    return await getattr(offline_async_client(handler), f"{op}_bill")(**kwargs)


async def failure(mode: str, op: str, handler: Handler, **overrides: Any) -> payssam.PaySsamError:
    """The PaySsamError one call's answer meant (for a write that may have landed, the cause of its
    OutcomeUnknownError)."""
    with pytest.raises(payssam.PaySsamError) as info:
        await call(mode, op, handler, **overrides)
    return attempt_error(info.value)


# --------------------------------------------------------------------------- requests


def test_hash_vectors_are_sha256_of_the_documented_preimages() -> None:
    assert sha256(f"{BILL_ID},{PHONE},{PRICE}") == SEND_HASH
    assert sha256(f"{BILL_ID},{PRICE}") == DESTROY_HASH


def check_post(request: httpx.Request, op: str) -> None:
    assert request.method == "POST"
    assert str(request.url) == OFFLINE_URL + PATHS[op]
    assert request.url.path == PATHS[op]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"payssam-python/{payssam.__version__}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("price", [PRICE, "10000"])
async def test_send_request_is_nested_with_the_three_part_hash(mode: str, price: int | str) -> None:
    recorder = Recorder(OK["send"])
    await call(mode, "send", recorder, price=price)
    check_post(recorder.requests[0], "send")
    assert recorder.body() == {
        "apikey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill": {
            "bill_id": BILL_ID,
            "callbackURL": CALLBACK,
            "hash": SEND_HASH,
            "member_nm": NAME,
            "phone": PHONE,
            "price": "10000",
            "product_nm": PRODUCT,
        },
    }


@pytest.mark.parametrize("mode", MODES)
async def test_send_request_carries_the_optional_fields_when_given(mode: str) -> None:
    recorder = Recorder(OK["send"])
    await call(
        mode, "send", recorder, issuer="페이민트 학원", message="11월 청구서입니다.", expires_on=date(2099, 12, 31)
    )
    bill = recorder.body()["bill"]
    assert bill["bill_issuer"] == "페이민트 학원"
    assert bill["message"] == "11월 청구서입니다."
    assert bill["expire_dt"] == "2099-12-31"
    assert set(bill) == {
        "bill_id",
        "callbackURL",
        "hash",
        "member_nm",
        "phone",
        "price",
        "product_nm",
        "bill_issuer",
        "message",
        "expire_dt",
    }
    assert bill["hash"] == SEND_HASH


OPTIONALS = [
    pytest.param("issuer", "I" * 50, "bill_issuer", "I" * 50, id="issuer-50"),
    pytest.param("message", "안내", "message", "안내", id="message"),
    pytest.param("expires_on", date(2099, 1, 2), "expire_dt", "2099-01-02", id="expires_on"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("argument", "value", "key", "sent"), OPTIONALS)
async def test_each_optional_field_alone(mode: str, argument: str, value: object, key: str, sent: str) -> None:
    recorder = Recorder(OK["send"])
    await call(mode, "send", recorder, **{argument: value})
    bill = recorder.body()["bill"]
    assert bill[key] == sent
    others = {"bill_issuer", "message", "expire_dt"} - {key}
    assert not others & set(bill)


@pytest.mark.parametrize("mode", MODES)
async def test_optional_fields_given_as_none_are_absent(mode: str) -> None:
    recorder = Recorder(OK["send"])
    await call(mode, "send", recorder, issuer=None, message=None, expires_on=None)
    assert not {"bill_issuer", "message", "expire_dt"} & set(recorder.body()["bill"])


@pytest.mark.parametrize("mode", MODES)
async def test_send_keeps_the_exact_digit_string(mode: str) -> None:
    recorder = Recorder(OK["send"])
    await call(mode, "send", recorder, price="0010000")
    bill = recorder.body()["bill"]
    assert bill["price"] == "0010000"
    assert bill["hash"] == sha256(f"{BILL_ID},{PHONE},0010000")
    assert bill["hash"] != SEND_HASH


@pytest.mark.parametrize("mode", MODES)
async def test_resend_request(mode: str) -> None:
    recorder = Recorder(OK["resend"])
    await call(mode, "resend", recorder)
    check_post(recorder.requests[0], "resend")
    assert recorder.body() == {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": BILL_ID}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("price", [PRICE, "10000"])
async def test_destroy_request_has_the_two_part_hash(mode: str, price: int | str) -> None:
    recorder = Recorder(OK["destroy"])
    await call(mode, "destroy", recorder, price=price)
    check_post(recorder.requests[0], "destroy")
    body = recorder.body()
    assert body == {
        "apikey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill_id": BILL_ID,
        "price": "10000",
        "hash": DESTROY_HASH,
    }
    assert isinstance(body["price"], str)


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BILL_IDS = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)
PHONES = st.from_regex(r"01[0-9]{8,9}", fullmatch=True)
PRICES = st.one_of(st.integers(0, 9_999_999_999), st.from_regex(r"[0-9]{1,10}", fullmatch=True))


@PROPERTY
@given(bill_id=BILL_IDS, phone=PHONES, price=PRICES)
def test_property_send_hash_and_price(bill_id: str, phone: str, price: int | str) -> None:
    recorder = Recorder({**OK["send"], "bill_id": bill_id})
    result = offline_client(recorder).send_bill(
        bill_id, price, phone=phone, customer_name=NAME, product_name=PRODUCT, callback_url=CALLBACK
    )
    bill = recorder.body()["bill"]
    digits = str(price)
    assert bill["bill_id"] == bill_id
    assert bill["phone"] == phone
    assert bill["price"] == digits
    assert bill["hash"] == sha256(f"{bill_id},{phone},{digits}")
    assert result.bill_id == bill_id


@PROPERTY
@given(bill_id=BILL_IDS, price=PRICES)
def test_property_destroy_hash_and_price(bill_id: str, price: int | str) -> None:
    recorder = Recorder(OK["destroy"] | {"bill_id": bill_id})
    result = offline_client(recorder).destroy_bill(bill_id, price)
    body = recorder.body()
    digits = str(price)
    assert body["bill_id"] == bill_id
    assert body["price"] == digits
    assert body["hash"] == sha256(f"{bill_id},{digits}")
    assert result.bill_id == bill_id


# --------------------------------------------------------------------------- typed results


@pytest.mark.parametrize("mode", MODES)
async def test_sent_bill_result(mode: str) -> None:
    result = await call(mode, "send", Recorder(OK["send"]))
    assert type(result) is payssam.SentBill
    assert result.bill_id == BILL_ID
    assert result.short_url == SHORT_URL
    assert result.message == OK_MSG
    assert isinstance(result.raw, SentBillModel)
    assert result.raw.short_url == SHORT_URL
    assert result.raw.member == MEMBER


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_result_type_and_fields(mode: str, op: str) -> None:
    result = await call(mode, op, Recorder(OK[op]))
    assert type(result) is RESULTS[op]
    assert result.bill_id == BILL_ID
    assert result.message == OK_MSG
    assert isinstance(result.raw, SentBillModel if op == "send" else BillResult)
    assert result.raw.code == "0000"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_echoed_apikey_is_not_kept(mode: str, op: str) -> None:
    assert OK[op]["apikey"] == APIKEY  # the premise: the answer echoes it
    result = await call(mode, op, Recorder(OK[op]))
    assert result.raw.apikey is UNSET
    assert "apikey" not in result.raw.to_dict()
    assert APIKEY not in repr(result.raw)
    assert APIKEY not in repr(result)
    assert APIKEY not in json.dumps(result.raw.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"msg": "from msg"}, "from msg"),
        ({"message": "from message"}, "from message"),
        ({"msg": "first", "message": "second"}, "first"),
        ({"msg": "", "message": "fallback"}, "fallback"),
        ({}, ""),
    ],
)
async def test_result_message_from_msg_or_message(mode: str, op: str, texts: dict[str, str], message: str) -> None:
    answer = {key: value for key, value in OK[op].items() if key != "msg"} | texts
    result = await call(mode, op, Recorder(answer))
    assert result.message == message


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_answer_without_echoed_bill_id_is_accepted(mode: str, op: str) -> None:
    answer = {key: value for key, value in OK[op].items() if key != "bill_id"}
    result = await call(mode, op, Recorder(answer))
    assert result.bill_id == BILL_ID


# --------------------------------------------------------------------------- API errors

ERROR_CASES = [pytest.param(op, code, id=f"{op}-{code}") for op in OPS for code in EXPECTED_ERRORS]


def test_expected_errors_are_exactly_the_exported_codes() -> None:
    from payssam._errors import API_ERRORS

    assert dict(API_ERRORS) == EXPECTED_ERRORS


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("op", "code"), ERROR_CASES)
async def test_error_code_maps_to_its_class(mode: str, op: str, code: str) -> None:
    recorder = Recorder({"code": code, "msg": f"vendor says {code}"})
    exc = await failure(mode, op, recorder)
    assert type(exc) is EXPECTED_ERRORS[code]
    assert isinstance(exc, payssam.ApiError)
    assert exc.code == code
    assert exc.message == f"vendor says {code}"
    assert str(exc) == f"PaySsam answered {code}: vendor says {code}"
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_error_message_from_message_field(mode: str, op: str) -> None:
    exc = await failure(mode, op, Recorder({"code": "5000", "message": "System error"}))
    assert type(exc) is payssam.ServerSystemError
    assert exc.message == "System error"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_undocumented_code_is_a_plain_api_error(mode: str, op: str) -> None:
    exc = await failure(mode, op, Recorder({"code": "1234", "msg": "new"}))
    assert type(exc) is payssam.ApiError
    assert exc.code == "1234"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_error_with_echoed_apikey_does_not_show_it(mode: str, op: str) -> None:
    exc = await failure(mode, op, Recorder({"code": "1003", "msg": f"denied for {APIKEY}", "apikey": APIKEY}))
    assert type(exc) is payssam.AccessDeniedError
    assert APIKEY not in str(exc)
    assert APIKEY not in exc.message


# --------------------------------------------------------------------------- ProtocolError

MAY_HAVE = "may have taken effect"


def check_may_have_taken_effect(exc: payssam.PaySsamError) -> None:
    assert type(exc) is payssam.ProtocolError
    assert exc.status_code == 200
    assert MAY_HAVE in exc.reason
    assert MAY_HAVE in str(exc)
    assert "read the bill" in exc.reason


BAD_SHORT_URLS: list[Any] = [
    pytest.param(None, id="absent"),
    pytest.param("", id="empty"),
    pytest.param("ftp://payssam.kr/b/AbC123", id="ftp"),
    pytest.param("payssam.kr/b/AbC123", id="no-scheme"),
    pytest.param("//payssam.kr/b/AbC123", id="scheme-relative"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("https://", id="scheme-only"),
    pytest.param("https://payssam.kr/b/ AbC", id="space"),
    pytest.param("/b/AbC123", id="path-only"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("short_url", BAD_SHORT_URLS)
async def test_success_without_a_usable_short_url_is_a_protocol_error(mode: str, short_url: str | None) -> None:
    answer = {key: value for key, value in OK["send"].items() if key != "shortURL"}
    if short_url is not None:
        answer["shortURL"] = short_url
    exc = await failure(mode, "send", Recorder(answer))
    check_may_have_taken_effect(exc)
    assert "shortURL" in exc.reason


@pytest.mark.parametrize("short_url", [None, 123, ["https://payssam.kr/b/x"]], ids=["null", "int", "list"])
async def test_success_with_a_non_string_short_url_says_it_may_have_taken_effect(short_url: object) -> None:
    check_may_have_taken_effect(await failure("sync", "send", Recorder({**OK["send"], "shortURL": short_url})))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
async def test_success_for_another_bill_is_a_protocol_error(mode: str, op: str) -> None:
    exc = await failure(mode, op, Recorder({**OK[op], "bill_id": "OTHERBILL0000000000X"}))
    check_may_have_taken_effect(exc)
    assert "OTHERBILL0000000000X" in exc.reason
    assert APIKEY not in str(exc)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("status", [400, 404, 500])
async def test_non_200_is_a_protocol_error(mode: str, op: str, status: int) -> None:
    exc = await failure(mode, op, Recorder(OK[op], status=status))
    assert type(exc) is payssam.ProtocolError
    assert exc.status_code == status
    assert APIKEY not in str(exc)


# --------------------------------------------------------------------------- input validation


def today_in_korea() -> date:
    return datetime.now(KST).date()


BAD_SEND_INPUT: list[Any] = [
    pytest.param("bill_id", "A" * 21, id="bill_id-21"),
    pytest.param("bill_id", "1234567890ABCDEFGHI한", id="bill_id-non-ascii"),
    pytest.param("bill_id", "", id="bill_id-empty"),
    pytest.param("bill_id", "BILL-0001", id="bill_id-dash"),
    pytest.param("bill_id", 1234567890, id="bill_id-int"),
    pytest.param("price", -1, id="price-negative"),
    pytest.param("price", 10_000_000_000, id="price-too-large"),
    pytest.param("price", "10000000000", id="price-eleven-digits"),
    pytest.param("price", True, id="price-bool"),
    pytest.param("price", 10000.0, id="price-float"),
    pytest.param("price", "1,000", id="price-comma"),
    pytest.param("price", "-100", id="price-negative-string"),
    pytest.param("price", "", id="price-empty"),
    pytest.param("price", None, id="price-none"),
    pytest.param("phone", "010-1234-5678", id="phone-dashes"),
    pytest.param("phone", "010123456", id="phone-too-short"),
    pytest.param("phone", "010123456789", id="phone-too-long"),
    pytest.param("phone", "02123456789", id="phone-not-mobile"),
    pytest.param("phone", "+821012345678", id="phone-international"),
    pytest.param("phone", 1012345678, id="phone-int"),
    pytest.param("customer_name", "", id="customer_name-empty"),
    pytest.param("customer_name", "   ", id="customer_name-blank"),
    pytest.param("customer_name", 42, id="customer_name-int"),
    pytest.param("customer_name", None, id="customer_name-none"),
    pytest.param("product_name", "", id="product_name-empty"),
    pytest.param("product_name", "\t\n", id="product_name-blank"),
    pytest.param("product_name", b"lesson", id="product_name-bytes"),
    pytest.param("callback_url", "/payssam/approval", id="callback-relative"),
    pytest.param("callback_url", "partner.example/cb", id="callback-no-scheme"),
    pytest.param("callback_url", "ftp://partner.example/cb", id="callback-ftp"),
    pytest.param("callback_url", "https://user:pass@partner.example/cb", id="callback-userinfo"),
    pytest.param("callback_url", "https://partner.example/cb#done", id="callback-fragment"),
    pytest.param("callback_url", "https://partner.example/pay ssam", id="callback-space"),
    pytest.param("callback_url", "https://파트너.example/cb", id="callback-non-ascii-host"),
    pytest.param("callback_url", "https://partner.example/결제", id="callback-non-ascii-path"),
    pytest.param("callback_url", "https://partner.example:0/cb", id="callback-port-0"),
    pytest.param("callback_url", "https://partner.example:99999/cb", id="callback-port-too-large"),
    pytest.param("callback_url", "https://partner.example/" + "a" * 2025, id="callback-2049"),
    pytest.param("callback_url", "", id="callback-empty"),
    pytest.param("callback_url", None, id="callback-none"),
    pytest.param("issuer", "I" * 51, id="issuer-51"),
    pytest.param("issuer", "  ", id="issuer-blank"),
    pytest.param("issuer", "", id="issuer-empty"),
    pytest.param("issuer", 5, id="issuer-int"),
    pytest.param("message", " ", id="message-blank"),
    pytest.param("message", "", id="message-empty"),
    pytest.param("message", ["hi"], id="message-list"),
    pytest.param("expires_on", datetime(2099, 12, 31, 12, 0, tzinfo=UTC), id="expires_on-datetime"),
    pytest.param("expires_on", datetime(2099, 12, 31), id="expires_on-naive-datetime"),
    pytest.param("expires_on", "2099-12-31", id="expires_on-string"),
    pytest.param("expires_on", date(2020, 1, 1), id="expires_on-past"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("field", "value"), BAD_SEND_INPUT)
async def test_bad_send_input_is_refused_before_sending(mode: str, field: str, value: object) -> None:
    recorder = Recorder(OK["send"])
    with pytest.raises(payssam.ValidationError) as info:
        await call(mode, "send", recorder, **{field: value})
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert recorder.requests == []


BAD_DESTROY_INPUT: list[Any] = [
    pytest.param("bill_id", "A" * 21, id="bill_id-21"),
    pytest.param("bill_id", "é" * 5, id="bill_id-non-ascii"),
    pytest.param("bill_id", "", id="bill_id-empty"),
    pytest.param("price", -1, id="price-negative"),
    pytest.param("price", 10_000_000_000, id="price-too-large"),
    pytest.param("price", False, id="price-bool"),
    pytest.param("price", 1.5, id="price-float"),
    pytest.param("price", "1,000", id="price-comma"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("field", "value"), BAD_DESTROY_INPUT)
async def test_bad_destroy_input_is_refused_before_sending(mode: str, field: str, value: object) -> None:
    recorder = Recorder(OK["destroy"])
    with pytest.raises(payssam.ValidationError) as info:
        await call(mode, "destroy", recorder, **{field: value})
    assert info.value.field == field
    assert recorder.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bill_id", ["A" * 21, "한국", "", "BILL 1", 7, None])
async def test_bad_resend_bill_id_is_refused_before_sending(mode: str, bill_id: object) -> None:
    recorder = Recorder(OK["resend"])
    with pytest.raises(payssam.ValidationError) as info:
        await call(mode, "resend", recorder, bill_id=bill_id)
    assert info.value.field == "bill_id"
    assert recorder.requests == []


@pytest.mark.parametrize(
    "url",
    ["http://:80/cb", "https://:/cb", "http://[::1]:8000/cb", "https://p.example/%zz", "https://p.example/[x]"],
    ids=["port-only", "colon-only", "ipv6-literal", "bad-escape", "bracket-in-path"],
)
def test_callback_url_without_a_named_host_or_with_non_uri_characters_is_refused(url: str) -> None:
    """No host, an IPv6 literal (not supported: the contract's host rule names hosts and IPv4 only), or
    characters the contract's `format: uri` refuses."""
    recorder = Recorder(OK["send"])
    with pytest.raises(payssam.ValidationError) as info:
        offline_client(recorder).send_bill(**arguments("send", callback_url=url))
    assert info.value.field == "callback_url"
    assert recorder.requests == []


GOOD_SEND_INPUT: list[Any] = [
    pytest.param("bill_id", "A", "bill_id", "A", id="bill_id-1"),
    pytest.param("price", 0, "price", "0", id="price-0"),
    pytest.param("price", 9_999_999_999, "price", "9999999999", id="price-max"),
    pytest.param("price", "9999999999", "price", "9999999999", id="price-max-string"),
    pytest.param("phone", "0101234567", "phone", "0101234567", id="phone-10"),
    pytest.param("callback_url", "http://127.0.0.1:8080/cb?x=1&y=2", "callbackURL", None, id="callback-port-query"),
    pytest.param("callback_url", "https://partner.example", "callbackURL", None, id="callback-no-path"),
    pytest.param("callback_url", "https://partner.example/%EA%B2%B0", "callbackURL", None, id="callback-escaped"),
    pytest.param("callback_url", "https://p.example/" + "a" * 2030, "callbackURL", None, id="callback-2048"),
]


@pytest.mark.parametrize(("field", "value", "key", "sent"), GOOD_SEND_INPUT)
def test_boundary_send_input_is_accepted(field: str, value: object, key: str, sent: str | None) -> None:
    recorder = Recorder({**OK["send"], "bill_id": value if field == "bill_id" else BILL_ID})
    offline_client(recorder).send_bill(**arguments("send", **{field: value}))
    bill = recorder.body()["bill"]
    assert bill[key] == (value if sent is None else sent)
    if field == "callback_url":
        assert len(str(value)) <= 2048


@pytest.mark.parametrize("mode", MODES)
async def test_expiry_today_in_korea_is_accepted(mode: str) -> None:
    recorder = Recorder(OK["send"])
    today = today_in_korea()
    await call(mode, "send", recorder, expires_on=today)
    assert recorder.body()["bill"]["expire_dt"] == today.isoformat()


@pytest.mark.parametrize("mode", MODES)
async def test_expiry_yesterday_in_korea_is_refused(mode: str) -> None:
    recorder = Recorder(OK["send"])
    with pytest.raises(payssam.ValidationError) as info:
        await call(mode, "send", recorder, expires_on=today_in_korea() - timedelta(days=1))
    assert info.value.field == "expires_on"
    assert recorder.requests == []


# 00:30 on 26 Nov 2026 in Korea is still 25 Nov in UTC: the day must be Korea's.
KOREA_JUST_AFTER_MIDNIGHT = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


class FrozenDatetime(datetime):
    """datetime whose now() is KOREA_JUST_AFTER_MIDNIGHT."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return KOREA_JUST_AFTER_MIDNIGHT.astimezone(tz)


def test_expiry_uses_the_day_in_korea_not_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payssam._validation, "datetime", FrozenDatetime)
    recorder = Recorder(OK["send"])
    client = offline_client(recorder)
    with pytest.raises(payssam.ValidationError) as info:
        client.send_bill(**arguments("send", expires_on=date(2026, 11, 25)))
    assert info.value.field == "expires_on"
    assert recorder.requests == []
    client.send_bill(**arguments("send", expires_on=date(2026, 11, 26)))
    assert recorder.body()["bill"]["expire_dt"] == "2026-11-26"


# --------------------------------------------------------------------------- personal data


def check_no_personal_data(text: str) -> None:
    assert NAME not in text
    assert PHONE not in text
    assert APIKEY not in text


def raising(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("simulated failure", request=request)


ANSWERS: list[Any] = [
    pytest.param(Recorder(OK["send"]), id="success"),
    pytest.param(Recorder({"code": "9800", "msg": "bill_id already used"}), id="api-error"),
    pytest.param(Recorder({"code": "0000", "msg": "ok"}), id="no-short-url"),
    pytest.param(Recorder(OK["send"], status=500), id="http-500"),
    pytest.param(Recorder(raw=b"<html>oops</html>"), id="not-json"),
    pytest.param(raising, id="transport-error"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("handler", ANSWERS)
async def test_name_and_phone_stay_out_of_logs_and_errors(
    mode: str, handler: Handler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="payssam")
    try:
        await call(mode, "send", handler)
    except payssam.PaySsamError as exc:
        check_no_personal_data(str(exc))
        check_no_personal_data(repr(exc))
    records = [record for record in caplog.records if record.name.startswith("payssam")]
    assert records, "the payssam logger logged nothing at DEBUG"
    assert any(BILL_ID in record.getMessage() for record in records)
    for record in records:
        check_no_personal_data(record.getMessage())
        check_no_personal_data(repr(record.args))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "010-1234-5678"),
        ("phone", "01012345678 "),
        ("customer_name", NAME),
    ],
)
async def test_validation_errors_do_not_echo_personal_data(
    mode: str, field: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="payssam")
    recorder = Recorder(OK["send"])
    overrides: dict[str, Any] = {field: value}
    if field == "customer_name":  # a valid name with an invalid callback URL: the name must not show up
        overrides["callback_url"] = "not a url"
    with pytest.raises(payssam.ValidationError) as info:
        await call(mode, "send", recorder, **overrides)
    assert "1234" not in str(info.value)
    assert "5678" not in str(info.value)
    assert NAME not in str(info.value)
    assert recorder.requests == []
    for record in caplog.records:
        check_no_personal_data(record.getMessage())


@pytest.mark.parametrize("mode", MODES)
async def test_phone_in_a_vendor_message_is_masked(mode: str) -> None:
    exc = await failure(mode, "send", Recorder({"code": "9999", "msg": f"cannot reach {PHONE}"}))
    assert type(exc) is payssam.ProcessingError
    assert PHONE not in str(exc)
    assert PHONE not in exc.message
    assert "010****5678" in exc.message  # masked, not dropped


@pytest.mark.parametrize(
    "answer",
    [{"code": "0000", "member_nm": NAME}, {"code": "9999", "msg": f"{NAME}님에게 발송 실패"}],
    ids=["protocol-error-excerpt", "api-error-message"],
)
async def test_echoed_customer_name_stays_out_of_errors(answer: dict[str, Any]) -> None:
    exc = await failure("sync", "send", Recorder(answer))
    assert NAME not in str(exc)
