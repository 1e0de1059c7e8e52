"""API v2's wire (experimental), offline: answers read tolerantly, requests laid out, codes mapped, callbacks in
either casing, the awaitable client, from_env, the command line and the ExperimentalWarning.

Every request goes to an httpx.MockTransport (never the simulator); the evidence is
../shared/reference/payssam-v2.md (§3 operations, §4 callback, §5 codes, §7 drifts).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import payssam
from payssam import BillState, PayType, cli
from payssam import _wire_v2 as wire_v2
from payssam._env import ENV_API_VERSION, ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT

from kit import (
    MEMBER,
    MERCHANT,
    MODES,
    NO_RETRIES,
    ROOT,
    Recorder,
    attempt_error,
    offline_async_client,
    offline_client,
    sha256,
)

pytestmark = pytest.mark.filterwarnings("ignore::payssam.ExperimentalWarning")

APIKEY = "V2-SECRET-KEY-7f3a9c"
"""Distinct enough that finding it in any output means it leaked."""
BASE = "https://sandbox.paymint.co.kr/partner"
BILL_ID = "1234567890ABCDEFGHIJ"
PRICE = 10000
PHONE = "01012345678"
SHORT_URL = "https://payssam.kr/s/AbC123"
CHARGE_URL = "https://payssam.kr/charge"
CALLBACK = "https://erp.example.com/payssam"
REDIRECT = "https://erp.example.com/paid"
KST = payssam.KST
PAID_AT = datetime(2026, 11, 25, 14, 30, tzinfo=KST)
EXAMPLES = settings(max_examples=120)

# --------------------------------------------------------------------------- v2 answers, as the evidence shows them

READ_PAID: dict[str, Any] = {
    "code": "0000",
    "message": "조회 성공",
    "data": {
        "apiKey": APIKEY,
        "billId": BILL_ID,
        "apprState": "F",
        "apprPrice": "10000",
        "apprPayType": "CARD_VAN",
        "apprDt": "20261125143000",
        "apprNum": "30012345",
        "apprMonthly": "00",
    },
}
SEND_OK: dict[str, Any] = {
    "code": "0000",
    "message": "발송 성공",
    "data": {
        "shortUrl": SHORT_URL,
        "billId": BILL_ID,
        "apiKey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "hash": "0" * 64,
    },
}
CANCEL_OK: dict[str, Any] = {
    "code": "0000",
    "message": "취소 성공",
    "data": {
        "apiKey": APIKEY,
        "billId": BILL_ID,
        "apprNum": "30012399",
        "apprOriginNum": "30012345",
        "apprCancelDt": "20261125150000",
    },
}
DESTROY_OK: dict[str, Any] = {"code": "0000", "message": "파기 성공", "data": {"apiKey": APIKEY, "billId": BILL_ID}}
RESEND_OK: dict[str, Any] = {"code": "0000", "message": "재발송 성공", "data": {"apiKey": APIKEY, "billId": BILL_ID}}
POINTS_OK: dict[str, Any] = {"code": "0000", "message": "조회 성공", "data": {"balance": 5500, "chargeUrl": CHARGE_URL}}
MERCHANT_POINTS_OK: dict[str, Any] = {
    "code": "0000",
    "message": "조회 성공",
    "data": {"balance": 1100, "chargeUrl": CHARGE_URL + "/merchant"},
}
NOT_FOUND: dict[str, Any] = {"code": "BILL_003", "message": "청구서를 찾을 수 없습니다.", "data": None}

V2_ANSWERS: dict[str, dict[str, Any]] = {
    "/partner/bill": SEND_OK,
    "/partner/bill/read": READ_PAID,
    "/partner/bill/cancel": CANCEL_OK,
    "/partner/bill/destroy": DESTROY_OK,
    "/partner/bill/resend": RESEND_OK,
    "/partner/read/remain_count": POINTS_OK,
    "/partner/read/merchant/remain_count": MERCHANT_POINTS_OK,
}

# The same outcomes as v1 answers them (flat snake_case, `msg`), for the cross-version comparisons.
V1_ANSWERS: dict[str, dict[str, Any]] = {
    "/if/bill/send": {"code": "0000", "msg": "발송 성공", "bill_id": BILL_ID, "shortURL": SHORT_URL},
    "/if/bill/read": {
        "code": "0000",
        "msg": "조회 성공",
        "apikey": APIKEY,
        "bill_id": BILL_ID,
        "appr_state": "F",
        "appr_price": "10000",
        "appr_pay_type": "CARD_VAN",
        "appr_dt": "20261125143000",
        "appr_num": "30012345",
        "appr_monthly": "00",
    },
    "/if/bill/cancel": {
        "code": "0000",
        "msg": "취소 성공",
        "bill_id": BILL_ID,
        "appr_num": "30012399",
        "appr_origin_num": "30012345",
        "appr_cancel_dt": "20261125150000",
    },
    "/if/bill/destroy": {"code": "0000", "msg": "파기 성공", "bill_id": BILL_ID},
    "/if/bill/resend": {"code": "0000", "msg": "재발송 성공", "bill_id": BILL_ID},
}


def v2_by_path(request: httpx.Request) -> dict[str, Any]:
    """The success answer of the v2 operation the request's path names."""
    return V2_ANSWERS[request.url.path]


def v1_by_path(request: httpx.Request) -> dict[str, Any]:
    """The success answer of the v1 operation the request's path names."""
    return V1_ANSWERS[request.url.path]


def v2_client(handler: Callable[[httpx.Request], Any], **settings: Any) -> payssam.PaySsam:
    """A blocking v2 client on the sandbox's base URL whose requests go to handler (no retries unless asked)."""
    return offline_client(handler, **{"apikey": APIKEY, "base_url": BASE, "api_version": 2, **settings})


def v2_async_client(handler: Callable[[httpx.Request], Any], **settings: Any) -> payssam.AsyncPaySsam:
    """An awaitable v2 client on the sandbox's base URL whose requests go to handler."""
    return offline_async_client(handler, **{"apikey": APIKEY, "base_url": BASE, "api_version": 2, **settings})


def v1_client(handler: Callable[[httpx.Request], Any], mode: str) -> payssam.PaySsam | payssam.AsyncPaySsam:
    maker = offline_client if mode == "sync" else offline_async_client
    return maker(handler, apikey=APIKEY)


def send_kwargs(**overrides: Any) -> dict[str, Any]:
    """send_bill's keyword arguments for a TALK send to PHONE (overridden as given)."""
    return {
        "phone": PHONE,
        "customer_name": "홍길동",
        "product_name": "11월 수강료",
        "callback_url": CALLBACK,
        **overrides,
    }


def json_body(request: httpx.Request) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(request.content)
    return loaded


def strings_in(value: object) -> Iterator[tuple[str, str]]:
    """(path, string) for every string of a JSON value, keys included (a key's path ends in `<key>`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{key}<key>", key
            for path, text in strings_in(item):
                yield f"{key}.{path}" if path else key, text
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for path, text in strings_in(item):
                yield f"{index}.{path}" if path else str(index), text
    elif isinstance(value, str):
        yield "", value


async def settled(outcome: Any) -> Any:
    """A call's result, awaited when the client is the awaitable one."""
    return await outcome if inspect.isawaitable(outcome) else outcome


def no_secret(*texts: str) -> None:
    for text in texts:
        assert APIKEY not in text, text
        assert APIKEY.lower() not in text.lower(), text


# =========================================================================== 1. answers are read tolerantly

STATES = "FWCD"
PAY_TYPES = ["CARD_VAN", "KEYIN", "OFFLINE_CARD", "OFFLINE_CASH"]
DIGIT_STRINGS = st.from_regex(r"[0-9]{1,10}", fullmatch=True)
WIRE_PRICES = st.one_of(DIGIT_STRINGS, st.integers(min_value=0, max_value=9_999_999_999))
TIMESTAMPS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda moment: moment.strftime("%Y%m%d%H%M%S")
)
TEXTS = st.text(alphabet="신한카드체크 ABCxyz", min_size=1, max_size=12)
# Without digits: a message's phone-like digit runs are masked, which is not what these tests are about.
MESSAGES = st.text(alphabet="조회성공 처리되었습니다.OKok", max_size=20)

# v2's read fields and their v1 names, written out by hand (not derived from the SDK's own renaming).
V1_NAMES = {
    "billId": "bill_id",
    "apprState": "appr_state",
    "apprPrice": "appr_price",
    "apprNum": "appr_num",
    "apprDt": "appr_dt",
    "apprOriginDt": "appr_origin_dt",
    "apprPayType": "appr_pay_type",
    "apprOriginNum": "appr_origin_num",
    "apprMonthly": "appr_monthly",
    "apprCashTrader": "appr_cash_trader",
    "apprCardType": "appr_card_type",
    "apprIssuer": "appr_issuer",
    "apprIssuerCd": "appr_issuer_cd",
    "apprAcquirerNm": "appr_acquirer_nm",
    "apprResCd": "appr_res_cd",
}
READ_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "billId": st.just(BILL_ID),
        "apprState": st.sampled_from(STATES),
        "apprPrice": WIRE_PRICES,
        "apprNum": st.from_regex(r"[0-9]{1,12}", fullmatch=True),
        "apprDt": TIMESTAMPS,
        "apprOriginDt": TIMESTAMPS,
        "apprPayType": st.sampled_from(PAY_TYPES),
        "apprOriginNum": st.from_regex(r"[0-9]{1,12}", fullmatch=True),
        "apprMonthly": st.from_regex(r"[0-9]{1,2}", fullmatch=True),
        "apprCashTrader": st.sampled_from(["0", "1"]),
        "apprCardType": TEXTS,
        "apprIssuer": TEXTS,
        "apprIssuerCd": st.from_regex(r"[0-9]{2}", fullmatch=True),
        "apprAcquirerNm": TEXTS,
        "apprResCd": st.from_regex(r"[0-9]{4}", fullmatch=True),
    },
)
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(alphabet="abc가나", max_size=5),
    st.lists(st.integers(), max_size=3),
)
# Industry-specific extras the evidence says to ignore (§3.2), and made-up ones: any JSON value, tolerated.
EXTRAS = st.dictionaries(
    st.sampled_from(["apprCardMerchantNum", "catId", "dscTxNum", "cardType", "apprSign", "udItem", "futureField"]),
    JSON_VALUES,
    max_size=3,
)
LAYOUTS = ["data", "nested", "top"]


def v2_answer(fields: dict[str, Any], layout: str, message_key: str, message: str, code: str = "0000") -> dict:
    """A v2 answer with its data fields where a drift put them: under `data`, nested once more, or at the top."""
    envelope: dict[str, Any] = {"code": code, message_key: message}
    if layout == "data":
        return {**envelope, "data": fields}
    if layout == "nested":
        return {**envelope, "data": {"data": fields}}
    return {**envelope, **fields}


def v1_read_answer(fields: dict[str, Any], message: str) -> dict[str, Any]:
    """The same read as v1 answers it: flat, snake_case, the price a digit string."""
    flat = {V1_NAMES[name]: (str(value) if name == "apprPrice" else value) for name, value in fields.items()}
    return {"code": "0000", "msg": message, **flat}


def read_v2(answer: dict[str, Any]) -> payssam.BillStatus:
    with v2_client(Recorder(answer)) as client:
        return client.read_bill(BILL_ID)


def read_v1(answer: dict[str, Any]) -> payssam.BillStatus:
    with offline_client(Recorder(answer), apikey=APIKEY) as client:
        return client.read_bill(BILL_ID)


def kst(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=KST)


@EXAMPLES
@given(
    fields=READ_FIELDS,
    extras=EXTRAS,
    layout=st.sampled_from(LAYOUTS),
    message_key=st.sampled_from(["message", "msg"]),
    message=MESSAGES,
)
def test_read_answer_gives_the_same_status_whatever_the_drift(
    fields: dict[str, Any], extras: dict[str, Any], layout: str, message_key: str, message: str
) -> None:
    status = read_v2(v2_answer({**fields, **extras}, layout, message_key, message))
    # The v1 wire reading the same bill is the oracle: one domain, two wires.
    assert status == read_v1(v1_read_answer(fields, message))
    assert type(status.raw).__name__ == "Approval"
    assert status.bill_id == BILL_ID
    assert status.message == message
    assert status.state is (BillState(fields["apprState"]) if "apprState" in fields else BillState.UNKNOWN)
    assert status.state_code == fields.get("apprState")
    assert status.price == (int(fields["apprPrice"]) if "apprPrice" in fields else None)
    assert status.approval_number == fields.get("apprNum")
    assert status.original_approval_number == fields.get("apprOriginNum")
    assert status.approved_at == (kst(fields["apprDt"]) if "apprDt" in fields else None)
    assert status.original_approved_at == (kst(fields["apprOriginDt"]) if "apprOriginDt" in fields else None)
    assert status.pay_type is (PayType(fields["apprPayType"]) if "apprPayType" in fields else None)
    assert status.installment_months == (int(fields["apprMonthly"]) if "apprMonthly" in fields else None)


@EXAMPLES
@given(fields=READ_FIELDS, layouts=st.lists(st.sampled_from(LAYOUTS), min_size=2, max_size=2, unique=True))
def test_read_layouts_agree_with_each_other(fields: dict[str, Any], layouts: list[str]) -> None:
    first, second = (read_v2(v2_answer(fields, layout, "message", "ok")) for layout in layouts)
    assert first == second


@pytest.mark.parametrize("price", ["35000", 35000, "0", 0, "9999999999", 9_999_999_999])
def test_numeric_and_digit_string_prices_read_alike(price: object) -> None:
    status = read_v2({"code": "0000", "message": "ok", "data": {"apprState": "F", "apprPrice": price}})
    assert status.price == int(str(price))


def test_read_request_and_typed_status() -> None:
    recorder = Recorder(READ_PAID)
    with v2_client(recorder) as client:
        status = client.read_bill(BILL_ID)
    assert recorder.last.url == httpx.URL(BASE + "/bill/read")
    assert recorder.body() == {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": {"billId": BILL_ID}}
    assert (status.state, status.price, status.approval_number) == (BillState.PAID, 10000, "30012345")
    assert (status.pay_type, status.approved_at, status.installment_months) == (PayType.CARD_VAN, PAID_AT, 0)
    assert status.message == "조회 성공"
    no_secret(str(status), repr(status), repr(status.raw))


SHORT_URLS = st.from_regex(r"https://[a-z]{1,10}\.kr/[A-Za-z0-9]{1,12}", fullmatch=True)
SEND_ECHOES = st.fixed_dictionaries(
    {},
    optional={
        "billId": st.just(BILL_ID),
        "apiKey": st.just(APIKEY),
        "member": st.just(MEMBER),
        "merchant": st.just(MERCHANT),
        "hash": st.just("a" * 64),
    },
)


@EXAMPLES
@given(
    url=SHORT_URLS,
    echoes=SEND_ECHOES,
    extras=EXTRAS,
    layout=st.sampled_from(LAYOUTS),
    message_key=st.sampled_from(["message", "msg"]),
    message=MESSAGES,
)
def test_send_answer_short_url_under_either_spelling(
    url: str, echoes: dict[str, Any], extras: dict[str, Any], layout: str, message_key: str, message: str
) -> None:
    sent = []
    for spelling in ("shortUrl", "shortURL"):
        answer = v2_answer({**echoes, **extras, spelling: url}, layout, message_key, message)
        recorder = Recorder(answer)
        with v2_client(recorder) as client:
            sent.append(client.send_bill(BILL_ID, PRICE, **send_kwargs()))
        assert len(recorder.requests) == 1
    assert sent[0] == sent[1]
    assert sent[0] == payssam.SentBill(BILL_ID, short_url=url, message=message, raw=None)
    for result in sent:
        no_secret(str(result), repr(result), repr(result.raw))


# Wrong JSON types: never a KeyError or TypeError, always a ProtocolError.
BAD_PRICES = st.one_of(
    st.floats(allow_nan=False),
    st.booleans(),
    st.integers(max_value=-1),
    st.integers(min_value=10_000_000_000),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.from_regex(r"-[0-9]{1,5}|[0-9]{1,3}\.[0-9]|[0-9]{11}|1,000", fullmatch=True),
)
NOT_OBJECTS = st.one_of(
    st.lists(JSON_VALUES, max_size=3),
    st.text(max_size=5),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
)
NOT_TEXT = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.integers(), max_size=2))
TEXT_FIELDS = ["apprState", "apprNum", "apprDt", "apprPayType", "apprOriginNum", "apprMonthly", "billId"]


@EXAMPLES
@given(fields=READ_FIELDS, price=BAD_PRICES, layout=st.sampled_from(LAYOUTS))
def test_a_price_of_the_wrong_type_is_a_protocol_error(fields: dict[str, Any], price: object, layout: str) -> None:
    with pytest.raises(payssam.ProtocolError):
        read_v2(v2_answer({**fields, "apprPrice": price}, layout, "message", "ok"))


@EXAMPLES
@given(data=NOT_OBJECTS)
def test_data_that_is_not_an_object_is_a_protocol_error(data: object) -> None:
    answer = {"code": "0000", "message": "ok", "data": data}
    with pytest.raises(payssam.ProtocolError) as info:
        read_v2(answer)
    assert info.value.status_code == 200
    with v2_client(Recorder(answer)) as client, pytest.raises(payssam.ProtocolError):
        client.point_balance()


@EXAMPLES
@given(fields=READ_FIELDS, name=st.sampled_from(TEXT_FIELDS), value=NOT_TEXT, layout=st.sampled_from(LAYOUTS))
def test_a_text_field_of_the_wrong_type_is_a_protocol_error(
    fields: dict[str, Any], name: str, value: object, layout: str
) -> None:
    with pytest.raises(payssam.ProtocolError):
        read_v2(v2_answer({**fields, name: value}, layout, "message", "ok"))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"message": "ok", "data": {}}, id="no-code"),
        pytest.param({"code": "0000", "message": 7, "data": {}}, id="message-a-number"),
        pytest.param({"code": "0000", "msg": ["ok"], "data": {}}, id="msg-a-list"),
        pytest.param({"code": "0000", "data": {"billId": "OTHER1"}}, id="another-bill"),
        pytest.param({"code": "0000", "billId": "OTHER1", "apprState": "F"}, id="another-bill-at-the-top"),
        pytest.param({"code": "0000", "data": {"data": {"billId": "OTHER1"}}}, id="another-bill-nested"),
        pytest.param({"code": "0000", "data": {"apprDt": "2026-11-25 14:30"}}, id="timestamp-format"),
        pytest.param({"code": "0000", "data": {"apprDt": "20261325143000"}}, id="timestamp-month-13"),
    ],
)
def test_answers_off_the_contract_are_protocol_errors(answer: dict[str, Any]) -> None:
    with pytest.raises(payssam.ProtocolError):
        read_v2(answer)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"balance": True}, id="bool"),
        pytest.param({"balance": "5500"}, id="string"),
        pytest.param({"balance": 5500.0}, id="float"),
        pytest.param({"chargeUrl": CHARGE_URL}, id="missing"),
        pytest.param(None, id="null"),
    ],
)
def test_a_balance_that_is_not_an_integer_is_a_protocol_error(data: object) -> None:
    answer = {"code": "0000", "message": "ok", "data": data}
    with v2_client(Recorder(answer)) as client, pytest.raises(payssam.ProtocolError) as info:
        client.point_balance()
    assert "balance" in info.value.reason or "data" in info.value.reason


@pytest.mark.parametrize("layout", LAYOUTS)
def test_point_balance_under_every_layout(layout: str) -> None:
    answer = v2_answer({"balance": 5500, "chargeUrl": CHARGE_URL}, layout, "msg", "조회 성공")
    with v2_client(Recorder(answer)) as client:
        assert client.point_balance() == payssam.PointBalance(5500, CHARGE_URL, "조회 성공")


@pytest.mark.parametrize(
    ("operation", "args"),
    [
        pytest.param("send_bill", (BILL_ID, PRICE), id="send"),
        pytest.param("cancel_bill", (BILL_ID, PRICE), id="cancel"),
        pytest.param("destroy_bill", (BILL_ID, PRICE), id="destroy"),
        pytest.param("resend_bill", (BILL_ID,), id="resend"),
    ],
)
def test_a_write_answered_off_the_contract_ends_with_a_protocol_error(operation: str, args: tuple) -> None:
    """A write's ill-formed answer may hide a done write: it is read back (here: no such bill, which settles nothing
    while the request may still land), and the error the answer meant is the cause."""

    def answer(request: httpx.Request) -> dict[str, Any]:
        if request.url.path.endswith("/read"):
            return NOT_FOUND
        return {"code": "0000", "message": "ok", "data": ["not", "an", "object"]}

    kwargs = send_kwargs() if operation == "send_bill" else {}
    with v2_client(Recorder(answer)) as client, pytest.raises(payssam.PaySsamError) as info:
        getattr(client, operation)(*args, **kwargs)
    assert isinstance(attempt_error(info.value), payssam.ProtocolError)


def test_a_send_recovered_by_its_read_back_reads_v2() -> None:
    """A send whose answer is lost (HTTP 502) is read back on v2's read: the bill exists, so it was sent."""
    recorder = Recorder(
        lambda request: READ_PAID if request.url.path.endswith("/read") else httpx.Response(502, content=b"bad gateway")
    )
    with v2_client(recorder) as client:
        sent = client.send_bill(BILL_ID, PRICE, **send_kwargs())
    assert sent == payssam.SentBill(BILL_ID, short_url=None, message="", raw=None, recovered=True)
    assert [r.url.path for r in recorder.requests] == ["/partner/bill", "/partner/bill/read"]


# =========================================================================== 2. requests on the wire


def test_talk_send_request_with_every_option() -> None:
    expires = date.today() + timedelta(days=30)
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client:
        sent = client.send_bill(
            BILL_ID,
            PRICE,
            **send_kwargs(),
            message="11월 수강료 안내",
            issuer="해피학원",
            expires_on=expires,
            redirect_url=REDIRECT,
        )
    assert sent == payssam.SentBill(BILL_ID, short_url=SHORT_URL, message="발송 성공", raw=None)
    request = recorder.last
    assert (request.method, request.url) == ("POST", httpx.URL(BASE + "/bill"))
    assert request.headers["content-type"] == "application/json"
    assert recorder.body() == {
        "apiKey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill": {
            "billId": BILL_ID,
            "sendType": "TALK",
            "productName": "11월 수강료",
            "price": "10000",
            "memberName": "홍길동",
            "phone": PHONE,
            "hash": sha256(BILL_ID, PHONE, "10000"),
            "callbackUrl": CALLBACK,
            "message": "11월 수강료 안내",
            "billIssuer": "해피학원",
            "expireDt": expires.isoformat(),
            "pageRedirectUrl": REDIRECT,
        },
    }


def test_talk_is_the_default_and_optional_fields_are_left_out() -> None:
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client:
        client.send_bill(BILL_ID, "10000", **send_kwargs())
    bill = recorder.body()["bill"]
    assert bill["sendType"] == "TALK"
    assert bill["hash"] == payssam.bill_hash(BILL_ID, PRICE, PHONE) == sha256(BILL_ID, PHONE, "10000")
    assert set(bill) == {"billId", "sendType", "productName", "price", "memberName", "phone", "hash", "callbackUrl"}


def test_url_send_without_a_phone_has_a_two_part_hash() -> None:
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client:
        sent = client.send_bill(BILL_ID, PRICE, **send_kwargs(phone=None), send_type="URL")
    assert sent.short_url == SHORT_URL
    bill = recorder.body()["bill"]
    assert bill["sendType"] == "URL"
    assert "phone" not in bill
    assert bill["hash"] == payssam.bill_hash(BILL_ID, PRICE) == sha256(BILL_ID, "10000")


def test_url_send_with_a_phone_keeps_it_in_the_hash() -> None:
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client:
        client.send_bill(BILL_ID, PRICE, **send_kwargs(), send_type="URL", redirect_url=REDIRECT)
    bill = recorder.body()["bill"]
    assert (bill["sendType"], bill["phone"], bill["pageRedirectUrl"]) == ("URL", PHONE, REDIRECT)
    assert bill["hash"] == payssam.bill_hash(BILL_ID, PRICE, PHONE)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"phone": None}, "phone", id="talk-without-phone"),
        pytest.param({"phone": None, "send_type": "TALK"}, "phone", id="explicit-talk-without-phone"),
        pytest.param({"phone": "010-1234-5678"}, "phone", id="phone-with-hyphens"),
        pytest.param({"send_type": "talk"}, "send_type", id="send-type-lowercase"),
        pytest.param({"send_type": "SMS"}, "send_type", id="send-type-unknown"),
        pytest.param({"send_type": 1}, "send_type", id="send-type-int"),
        pytest.param({"redirect_url": "javascript:alert(1)"}, "redirect_url", id="redirect-not-http"),
        pytest.param({"redirect_url": "https://a.example/#x"}, "redirect_url", id="redirect-fragment"),
        pytest.param({"issuer": "가" * 51}, "issuer", id="issuer-51"),
        pytest.param({"expires_on": date.today() - timedelta(days=2)}, "expires_on", id="expiry-past"),
    ],
)
def test_bad_send_arguments_are_refused_before_sending(overrides: dict[str, Any], field: str) -> None:
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client, pytest.raises(payssam.ValidationError) as info:
        client.send_bill(BILL_ID, PRICE, **send_kwargs(**overrides))
    assert info.value.field == field
    assert recorder.requests == []


def test_issuer_of_fifty_characters_is_sent() -> None:
    recorder = Recorder(SEND_OK)
    with v2_client(recorder) as client:
        client.send_bill(BILL_ID, PRICE, **send_kwargs(issuer="가" * 50))
    assert recorder.body()["bill"]["billIssuer"] == "가" * 50


def test_cancel_request_with_reason() -> None:
    recorder = Recorder(CANCEL_OK)
    with v2_client(recorder) as client:
        cancelled = client.cancel_bill(BILL_ID, PRICE, reason="고객 요청")
    assert cancelled == payssam.Cancellation(
        BILL_ID,
        approval_number="30012399",
        original_approval_number="30012345",
        cancelled_at=datetime(2026, 11, 25, 15, 0, tzinfo=KST),
        message="취소 성공",
        raw=None,
    )
    assert recorder.last.url == httpx.URL(BASE + "/bill/cancel")
    assert recorder.body() == {
        "apiKey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill": {
            "billId": BILL_ID,
            "price": "10000",
            "hash": payssam.bill_hash(BILL_ID, PRICE),
            "cancelReason": "고객 요청",
        },
    }
    assert recorder.body()["bill"]["hash"] == sha256(BILL_ID, "10000")
    no_secret(str(cancelled), repr(cancelled), repr(cancelled.raw))


def test_cancel_without_reason_sends_none() -> None:
    recorder = Recorder(CANCEL_OK)
    with v2_client(recorder) as client:
        client.cancel_bill(BILL_ID, PRICE)
    assert set(recorder.body()["bill"]) == {"billId", "price", "hash"}


@pytest.mark.parametrize("reason", ["가" * 20, "x" * 20, "a"])
def test_cancel_reason_of_at_most_twenty_characters_is_sent(reason: str) -> None:
    recorder = Recorder(CANCEL_OK)
    with v2_client(recorder) as client:
        client.cancel_bill(BILL_ID, PRICE, reason=reason)
    assert recorder.body()["bill"]["cancelReason"] == reason


@pytest.mark.parametrize("reason", ["가" * 21, "x" * 21, "x" * 200, "", "   ", 20])
def test_cancel_reason_too_long_or_blank_is_refused_before_sending(reason: object) -> None:
    recorder = Recorder(CANCEL_OK)
    with v2_client(recorder) as client, pytest.raises(payssam.ValidationError) as info:
        client.cancel_bill(BILL_ID, PRICE, reason=reason)  # type: ignore[arg-type]
    assert info.value.field == "reason"
    assert recorder.requests == []


def test_destroy_request_has_a_two_part_hash() -> None:
    recorder = Recorder(DESTROY_OK)
    with v2_client(recorder) as client:
        destroyed = client.destroy_bill(BILL_ID, PRICE)
    assert destroyed == payssam.Destruction(BILL_ID, message="파기 성공", raw=None)
    assert recorder.last.url == httpx.URL(BASE + "/bill/destroy")
    assert recorder.body() == {
        "apiKey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill": {"billId": BILL_ID, "price": "10000", "hash": sha256(BILL_ID, "10000")},
    }


def test_resend_request() -> None:
    recorder = Recorder(RESEND_OK)
    with v2_client(recorder) as client:
        resent = client.resend_bill(BILL_ID)
    assert resent == payssam.Resend(BILL_ID, message="재발송 성공", raw=resent.raw)
    assert recorder.last.url == httpx.URL(BASE + "/bill/resend")
    assert recorder.body() == {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": {"billId": BILL_ID}}
    no_secret(repr(resent), repr(resent.raw))


def test_point_balance_requests() -> None:
    recorder = Recorder(v2_by_path)
    with v2_client(recorder) as client:
        partner = client.point_balance()
        merchant = client.merchant_point_balance()
    assert partner == payssam.PointBalance(balance=5500, charge_url=CHARGE_URL, message="조회 성공")
    assert merchant == payssam.PointBalance(balance=1100, charge_url=CHARGE_URL + "/merchant", message="조회 성공")
    first, second = recorder.requests
    assert first.url == httpx.URL(BASE + "/read/remain_count")
    assert json_body(first) == {"apiKey": APIKEY}
    assert second.url == httpx.URL(BASE + "/read/merchant/remain_count")
    assert json_body(second) == {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}


@pytest.mark.parametrize(
    ("base_url", "prefix"),
    [
        pytest.param("https://sandbox.paymint.co.kr/partner", "/partner", id="sandbox"),
        pytest.param("https://sandbox.paymint.co.kr/partner/", "/partner", id="trailing-slash"),
        pytest.param("https://pay.example.com", "", id="no-path"),
        pytest.param("https://pay.example.com:8443/a/b", "/a/b", id="deeper-path"),
    ],
)
def test_every_path_keeps_the_base_urls_path(base_url: str, prefix: str) -> None:
    recorder = Recorder(lambda request: V2_ANSWERS["/partner" + request.url.path.removeprefix(prefix)])
    with v2_client(recorder, base_url=base_url) as client:
        client.send_bill(BILL_ID, PRICE, **send_kwargs())
        client.read_bill(BILL_ID)
        client.cancel_bill(BILL_ID, PRICE)
        client.destroy_bill(BILL_ID, PRICE)
        client.resend_bill(BILL_ID)
        client.point_balance()
        client.merchant_point_balance()
    paths = ["/bill", "/bill/read", "/bill/cancel", "/bill/destroy", "/bill/resend"]
    paths += ["/read/remain_count", "/read/merchant/remain_count"]
    assert [r.url.path for r in recorder.requests] == [prefix + path for path in paths]
    assert {r.url.host for r in recorder.requests} == {httpx.URL(base_url).host}
    assert {r.method for r in recorder.requests} == {"POST"}


BILL_IDS = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)
PRICES = st.one_of(st.integers(min_value=0, max_value=9_999_999_999), DIGIT_STRINGS)
PHONES = st.from_regex(r"01[0-9]{8,9}", fullmatch=True)
APIKEYS = st.from_regex(r"K-[A-Za-z0-9]{4,28}", fullmatch=True)


def only_under_apikey(body: dict[str, Any], apikey: str) -> None:
    """The apikey is the body's `apiKey` and appears nowhere else, as a value or a key, whole or in part."""
    assert body["apiKey"] == apikey
    found = [path for path, text in strings_in(body) if apikey in text]
    assert found == ["apiKey"], found


@EXAMPLES
@given(bill_id=BILL_IDS, price=PRICES, phone=PHONES, apikey=APIKEYS, url_send=st.booleans())
def test_send_hash_is_bill_hash_and_the_apikey_only_under_apikey(
    bill_id: str, price: int | str, phone: str, apikey: str, url_send: bool
) -> None:
    recorder = Recorder(lambda request: {**SEND_OK, "data": {"shortUrl": SHORT_URL, "billId": bill_id}})
    with v2_client(recorder, apikey=apikey) as client:
        client.send_bill(bill_id, price, **send_kwargs(phone=phone), send_type="URL" if url_send else None)
    body = recorder.body()
    digits = str(price)
    assert body["bill"]["hash"] == payssam.bill_hash(bill_id, price, phone) == sha256(bill_id, phone, digits)
    assert (body["bill"]["billId"], body["bill"]["price"], body["bill"]["phone"]) == (bill_id, digits, phone)
    only_under_apikey(body, apikey)
    assert recorder.requests[0].content.count(apikey.encode()) == 1


@EXAMPLES
@given(bill_id=BILL_IDS, price=PRICES, apikey=APIKEYS)
def test_two_part_hashes_are_bill_hash_and_the_apikey_only_under_apikey(
    bill_id: str, price: int | str, apikey: str
) -> None:
    def answer(request: httpx.Request) -> dict[str, Any]:
        return {"code": "0000", "message": "ok", "data": {"billId": bill_id, "shortUrl": SHORT_URL}}

    recorder = Recorder(answer)
    with v2_client(recorder, apikey=apikey) as client:
        client.send_bill(bill_id, price, **send_kwargs(phone=None), send_type="URL")
        client.cancel_bill(bill_id, price, reason="요청")
        client.destroy_bill(bill_id, price)
        client.read_bill(bill_id)
        client.resend_bill(bill_id)
    expected = payssam.bill_hash(bill_id, price)
    assert expected == sha256(bill_id, str(price))
    send, cancel, destroy, read, resend = recorder.bodies
    assert send["bill"]["hash"] == cancel["bill"]["hash"] == destroy["bill"]["hash"] == expected
    assert "phone" not in send["bill"]
    assert "hash" not in read["bill"]
    assert "hash" not in resend["bill"]
    for body in recorder.bodies:
        only_under_apikey(body, apikey)


# =========================================================================== 3. v1 clients refuse v2 options

V1_REFUSALS = [
    pytest.param("send_bill", (BILL_ID, PRICE), send_kwargs(send_type="URL"), "send_type", id="send_type-URL"),
    pytest.param("send_bill", (BILL_ID, PRICE), send_kwargs(send_type="TALK"), "send_type", id="send_type-TALK"),
    pytest.param(
        "send_bill", (BILL_ID, PRICE), send_kwargs(phone=None, send_type="URL"), "send_type", id="url-without-phone"
    ),
    pytest.param("send_bill", (BILL_ID, PRICE), send_kwargs(redirect_url=REDIRECT), "redirect_url", id="redirect_url"),
    pytest.param("cancel_bill", (BILL_ID, PRICE), {"reason": "고객 요청"}, "reason", id="reason"),
    pytest.param("point_balance", (), {}, "api_version", id="point_balance"),
    pytest.param("merchant_point_balance", (), {}, "api_version", id="merchant_point_balance"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("operation", "args", "kwargs", "field"), V1_REFUSALS)
async def test_v1_client_refuses_v2_options_before_sending(
    mode: str, operation: str, args: tuple, kwargs: dict[str, Any], field: str
) -> None:
    recorder = Recorder(v1_by_path)
    client = v1_client(recorder, mode)
    assert client.api_version == 1
    with pytest.raises(payssam.ValidationError) as info:
        await settled(getattr(client, operation)(*args, **kwargs))
    assert info.value.field == field
    assert "api_version=2" in str(info.value)
    assert "v2" in str(info.value)
    assert recorder.requests == []


# =========================================================================== 4. codes and their errors

# Written out by hand (not derived from _wire_v2.ERRORS) so a wrong mapping fails.
EXPECTED_V2_ERRORS: dict[str, type[payssam.ApiError]] = {
    "ERROR": payssam.ProcessingError,
    "PARTNER_001": payssam.PartnerNotEnabledError,
    "PARTNER_002": payssam.AccessDeniedError,
    "PARTNER_003": payssam.AccessDeniedError,
    "PARTNER_004": payssam.AccessDeniedError,
    "PARTNER_005": payssam.AccessDeniedError,
    "PARTNER_006": payssam.AccessDeniedError,
    "VALIDATION_002": payssam.HashMismatchError,
    "BILL_003": payssam.BillNotFoundError,
    "POINT_001": payssam.PointsExhaustedError,
    "PAYMENT_001": payssam.ServerSystemError,
    "PAYMENT_002": payssam.ServerSystemError,
    "MAINTAINED_METHOD": payssam.ServerSystemError,
}
PLAIN_CODES = ["FOO_123", "PARTNER_007", "VALIDATION_001", "BILL_001", "BILL_006", "9980", "0001", "A" * 40]
OFF_PATTERN_CODES: list[object] = ["foo_123", "Bill_003", "A" * 41, "", "BILL-003", "BILL 003", "빌_003", 3, 0, None]


def test_the_mapped_codes_are_exactly_the_tested_ones() -> None:
    assert dict(wire_v2.ERRORS) == EXPECTED_V2_ERRORS


def read_error(answer: dict[str, Any], **settings: Any) -> tuple[payssam.PaySsamError, Recorder]:
    recorder = Recorder(answer)
    with v2_client(recorder, **settings) as client, pytest.raises(payssam.PaySsamError) as info:
        client.read_bill(BILL_ID)
    return info.value, recorder


@pytest.mark.parametrize("message_key", ["message", "msg"])
@pytest.mark.parametrize(("code", "cls"), EXPECTED_V2_ERRORS.items())
def test_each_v2_code_raises_its_class(code: str, cls: type[payssam.ApiError], message_key: str) -> None:
    error, _ = read_error({"code": code, message_key: f"거절 {APIKEY} 재시도 불가", "data": None})
    assert type(error) is cls
    assert isinstance(error, payssam.ApiError)
    assert error.code == code
    assert "거절" in error.message
    assert (error.operation, error.bill_id) == ("read_bill", BILL_ID)
    no_secret(str(error), repr(error), error.message)


def test_partner_not_enabled_says_what_to_do() -> None:
    error, _ = read_error({"code": "PARTNER_001", "message": "v2 연동이 허용되지 않은 파트너입니다.", "data": None})
    assert isinstance(error, payssam.PartnerNotEnabledError)
    assert isinstance(error, payssam.AccessDeniedError)
    assert "v2 연동이 허용되지 않은 파트너입니다." in str(error)
    assert "ask PaySsam to enable it" in str(error)
    assert "api_version=1" in str(error)
    bare, _ = read_error({"code": "PARTNER_001", "data": None})
    assert "api_version=1" in str(bare)


@pytest.mark.parametrize("code", PLAIN_CODES)
def test_an_unknown_code_is_a_plain_api_error_keeping_it(code: str) -> None:
    error, recorder = read_error({"code": code, "message": "알 수 없음", "data": None}, max_retries=2)
    assert type(error) is payssam.ApiError
    assert error.code == code
    assert len(recorder.requests) == 1  # not tried again, not even as a read


@pytest.mark.parametrize("code", OFF_PATTERN_CODES)
def test_a_code_off_the_pattern_is_a_protocol_error(code: object) -> None:
    error, _ = read_error({"code": code, "message": "?", "data": None})
    assert isinstance(error, payssam.ProtocolError)
    assert error.status_code == 200


def test_a_missing_code_is_a_protocol_error() -> None:
    error, _ = read_error({"message": "?", "data": None})
    assert isinstance(error, payssam.ProtocolError)


@pytest.mark.parametrize("code", ["PAYMENT_001", "PAYMENT_002", "MAINTAINED_METHOD"])
def test_a_read_is_tried_again_on_server_codes(code: str) -> None:
    answers = iter([{"code": code, "message": "잠시 후", "data": None}, READ_PAID])
    recorder = Recorder(lambda request: next(answers))
    with v2_client(recorder, max_retries=1) as client:
        assert client.read_bill(BILL_ID).state is BillState.PAID
    assert len(recorder.requests) == 2


@pytest.mark.parametrize("code", ["FOO_123", "BILL_006", "POINT_001", "VALIDATION_002", "PARTNER_001"])
@pytest.mark.parametrize("mode", MODES)
async def test_a_send_refused_with_a_code_is_sent_once_and_not_read_back(mode: str, code: str) -> None:
    """A definitive refusal ends the send: no second send (a resent bill may cost points), no read-back."""
    recorder = Recorder(
        lambda request: NOT_FOUND if request.url.path.endswith("/read") else {"code": code, "data": None}
    )
    maker = v2_client if mode == "sync" else v2_async_client
    client = maker(recorder, max_retries=3)
    with pytest.raises(payssam.ApiError) as info:
        await settled(client.send_bill(BILL_ID, PRICE, **send_kwargs()))
    assert info.value.code == code
    assert type(info.value) is EXPECTED_V2_ERRORS.get(code, payssam.ApiError)
    assert (info.value.operation, info.value.bill_id) == ("send_bill", BILL_ID)
    assert [r.url.path for r in recorder.requests] == ["/partner/bill"]


def test_a_resend_refused_with_an_unknown_code_is_sent_once() -> None:
    recorder = Recorder({"code": "FOO_123", "message": "no", "data": None})
    with v2_client(recorder, max_retries=3) as client, pytest.raises(payssam.ApiError) as info:
        client.resend_bill(BILL_ID)
    assert info.value.code == "FOO_123"
    assert len(recorder.requests) == 1


def test_a_send_answered_by_a_server_code_is_read_back_before_any_second_send() -> None:
    """PAYMENT_00x / MAINTAINED_METHOD mean ServerSystemError, v1's 5000: the send may have landed, so the bill is
    read back first; a bill that exists settles it with no second send."""
    recorder = Recorder(
        lambda request: READ_PAID if request.url.path.endswith("/read") else {"code": "PAYMENT_001", "data": None}
    )
    with v2_client(recorder, max_retries=3) as client:
        sent = client.send_bill(BILL_ID, PRICE, **send_kwargs())
    assert sent.recovered
    assert [r.url.path for r in recorder.requests] == ["/partner/bill", "/partner/bill/read"]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(SEND_OK, id="success-echoing-the-key"),
        pytest.param({**SEND_OK, "message": f"sent for {APIKEY}"}, id="key-in-the-message"),
        pytest.param({**SEND_OK, "data": {**SEND_OK["data"], "APIKEY": APIKEY, "api_key": APIKEY}}, id="spellings"),
        pytest.param({**SEND_OK, "data": {"data": SEND_OK["data"]}}, id="nested"),
        pytest.param({**SEND_OK["data"], "code": "0000", "msg": "ok"}, id="at-the-top"),
    ],
)
def test_the_apikey_never_shows_in_a_send_result(answer: dict[str, Any]) -> None:
    with v2_client(Recorder(answer)) as client:
        sent = client.send_bill(BILL_ID, PRICE, **send_kwargs())
    assert sent.short_url == SHORT_URL
    no_secret(str(sent), repr(sent), repr(sent.raw), str(sent.raw.to_dict()))


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"code": "FOO_123", "message": f"key {APIKEY} refused", "data": {"apiKey": APIKEY}}, id="api"),
        pytest.param({"code": "foo", "message": f"key {APIKEY}", "data": {"apiKey": APIKEY}}, id="protocol"),
        pytest.param({"code": "0000", "message": "ok", "data": [APIKEY]}, id="data-a-list"),
        pytest.param({"code": "0000", "data": {"apiKey": APIKEY, "apprPrice": 1.5}}, id="bad-price"),
    ],
)
def test_the_apikey_never_shows_in_an_error(answer: dict[str, Any]) -> None:
    calls: list[tuple[Any, Callable[[payssam.PaySsam], object]]] = [
        (answer, lambda client: client.read_bill(BILL_ID)),
        (answer, lambda client: client.point_balance()),
        # a send's ill-formed answer is read back (the bill is not found) before it ends
        (
            lambda request: NOT_FOUND if request.url.path.endswith("/read") else answer,
            lambda client: client.send_bill(BILL_ID, PRICE, **send_kwargs()),
        ),
    ]
    for answers, call in calls:
        with v2_client(Recorder(answers)) as client, pytest.raises(payssam.PaySsamError) as info:
            call(client)
        error = info.value
        texts = [str(error), repr(error), str(attempt_error(error)), repr(attempt_error(error))]
        if isinstance(error, payssam.ProtocolError):
            texts.append(error.excerpt)
        no_secret(*texts)


def test_the_apikey_never_shows_in_the_clients_repr() -> None:
    with v2_client(Recorder(READ_PAID)) as client:
        assert "api_version=2" in repr(client)
        no_secret(repr(client), str(client))


# =========================================================================== 5. the approval callback

SNAKE_APPROVAL: dict[str, Any] = {
    "apikey": APIKEY,
    "bill_id": BILL_ID,
    "appr_state": "F",
    "appr_price": "10000",
    "appr_num": "30012345",
    "appr_dt": "20261125143000",
    "appr_pay_type": "CARD_VAN",
    "appr_issuer": "신한카드",
    "appr_card_type": "신용",
    "appr_monthly": "00",
}
CAMEL_NAMES = {
    "apikey": "apiKey",
    "bill_id": "billId",
    "appr_state": "apprState",
    "appr_price": "apprPrice",
    "appr_num": "apprNum",
    "appr_dt": "apprDt",
    "appr_pay_type": "apprPayType",
    "appr_issuer": "apprIssuer",
    "appr_card_type": "apprCardType",
    "appr_monthly": "apprMonthly",
}
CAMEL_APPROVAL = {CAMEL_NAMES[name]: value for name, value in SNAKE_APPROVAL.items()}
MIXED_APPROVAL: dict[str, Any] = {
    "apikey": APIKEY,
    "billId": BILL_ID,
    "appr_state": "F",
    "apprPrice": 10000,
    "appr_num": "30012345",
    "apprDt": "20261125143000",
    "appr_pay_type": "CARD_VAN",
    "apprIssuer": "신한카드",
    "appr_card_type": "신용",
    "apprMonthly": "00",
}


def test_an_approval_reads_alike_in_either_casing_or_a_mix() -> None:
    snake = payssam.parse_approval(SNAKE_APPROVAL)
    camel = payssam.parse_approval(CAMEL_APPROVAL)
    mixed = payssam.parse_approval(MIXED_APPROVAL)
    assert snake == camel == mixed
    assert (camel.bill_id, camel.state, camel.price, camel.approval_number) == (
        BILL_ID,
        BillState.PAID,
        10000,
        "30012345",
    )
    assert (camel.approved_at, camel.pay_type, camel.installment_months) == (PAID_AT, PayType.CARD_VAN, 0)
    assert camel.apikey.reveal() == APIKEY
    for approval in (snake, camel, mixed):
        no_secret(str(approval), repr(approval), repr(approval.raw))


@pytest.mark.parametrize("price", [10000, "10000"])
@pytest.mark.parametrize("body_type", ["mapping", "str", "bytes"])
def test_an_approval_with_a_numeric_price(price: object, body_type: str) -> None:
    data = {**CAMEL_APPROVAL, "apprPrice": price}
    body: Any = data if body_type == "mapping" else json.dumps(data, ensure_ascii=False)
    if body_type == "bytes":
        body = body.encode("utf-8")
    assert payssam.parse_approval(body).price == PRICE


CALLBACK_FIELDS = st.fixed_dictionaries(
    {"apikey": st.just(APIKEY), "bill_id": BILL_IDS},
    optional={
        "appr_state": st.sampled_from(STATES),
        "appr_price": DIGIT_STRINGS,
        "appr_num": st.from_regex(r"[0-9]{1,12}", fullmatch=True),
        "appr_dt": TIMESTAMPS,
        "appr_pay_type": st.sampled_from(PAY_TYPES),
        "appr_issuer": TEXTS,
        "appr_card_type": TEXTS,
        "appr_monthly": st.from_regex(r"[0-9]{1,2}", fullmatch=True),
    },
)


@EXAMPLES
@given(fields=CALLBACK_FIELDS, casing=st.data())
def test_an_approval_in_any_casing_reads_as_its_snake_case(fields: dict[str, Any], casing: st.DataObject) -> None:
    mixed: dict[str, Any] = {}
    for name, value in fields.items():
        camel = casing.draw(st.booleans(), label=f"{name} in camelCase")
        key = CAMEL_NAMES[name] if camel else name
        numeric = name == "appr_price" and casing.draw(st.booleans(), label="numeric price")
        mixed[key] = int(value) if numeric else value
    assert payssam.parse_approval(mixed) == payssam.parse_approval(fields)


@pytest.mark.parametrize(
    ("camel", "snake", "field"),
    [
        pytest.param(("apprNum", "30012345"), ("appr_num", "99999999"), "appr_num", id="appr_num"),
        pytest.param(("apprState", "F"), ("appr_state", "C"), "appr_state", id="appr_state"),
        pytest.param(("apprPrice", "10000"), ("appr_price", "20000"), "appr_price", id="appr_price"),
        pytest.param(("apprPrice", 10000), ("appr_price", "20000"), "appr_price", id="appr_price-numeric"),
        pytest.param(("billId", BILL_ID), ("bill_id", "OTHERBILL1"), "bill_id", id="bill_id"),
        pytest.param(("apiKey", APIKEY), ("apikey", "ANOTHER-KEY"), "apikey", id="apikey"),
    ],
)
@pytest.mark.parametrize("camel_first", [True, False])
def test_a_field_given_twice_with_different_values_is_refused(
    camel: tuple[str, object], snake: tuple[str, object], field: str, camel_first: bool
) -> None:
    base = {k: v for k, v in CAMEL_APPROVAL.items() if k != camel[0]}
    pairs = [camel, snake] if camel_first else [snake, camel]
    with pytest.raises(payssam.ValidationError) as info:
        payssam.parse_approval({**base, **dict(pairs)})
    assert info.value.field == field
    no_secret(str(info.value))
    assert "ANOTHER-KEY" not in str(info.value)


def test_a_field_given_twice_with_the_same_value_is_accepted() -> None:
    both = {**CAMEL_APPROVAL, **SNAKE_APPROVAL}
    assert payssam.parse_approval(both) == payssam.parse_approval(SNAKE_APPROVAL)


@pytest.mark.parametrize("price", [1.5, True, -1, [10000], "10,000"])
def test_an_approval_price_of_the_wrong_type_is_refused_naming_it(price: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        payssam.parse_approval({**CAMEL_APPROVAL, "apprPrice": price})
    assert info.value.field == "appr_price"


def v2_read(data: dict[str, Any]) -> Callable[[httpx.Request], dict[str, Any]]:
    return lambda request: {"code": "0000", "message": "ok", "data": data}


@pytest.mark.parametrize("mode", MODES)
async def test_verify_approval_reads_the_bill_back_on_v2(mode: str) -> None:
    approval = payssam.parse_approval(CAMEL_APPROVAL)
    recorder = Recorder(READ_PAID)
    client = v2_client(recorder) if mode == "sync" else v2_async_client(recorder)
    outcome = payssam.verify_approval(approval, client, expected_price=PRICE)
    status = await outcome if mode == "async" else outcome
    assert isinstance(status, payssam.BillStatus)
    assert (status.state, status.price, status.approval_number) == (BillState.PAID, PRICE, "30012345")
    assert recorder.last.url == httpx.URL(BASE + "/bill/read")
    assert recorder.body() == {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": {"billId": BILL_ID}}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        pytest.param(v2_read({"apprState": "W"}), "UNPAID", id="unpaid"),
        pytest.param(v2_read({"apprState": "F", "apprPrice": 20000, "apprNum": "30012345"}), "price", id="price"),
        pytest.param(v2_read({"apprState": "F", "apprPrice": "10000", "apprNum": "1"}), "approval number", id="num"),
        pytest.param(lambda request: NOT_FOUND, "no such bill", id="not-found"),
    ],
)
def test_verify_approval_rejects_what_the_v2_read_contradicts(
    answer: Callable[[httpx.Request], dict[str, Any]], reason: str
) -> None:
    approval = payssam.parse_approval(CAMEL_APPROVAL)
    with v2_client(Recorder(answer)) as client, pytest.raises(payssam.ApprovalRejectedError) as info:
        payssam.verify_approval(approval, client)
    assert reason in str(info.value)


def test_verify_approval_rejects_another_apikey_without_reading() -> None:
    approval = payssam.parse_approval({**CAMEL_APPROVAL, "apiKey": "SOMEONE-ELSES-KEY"})
    recorder = Recorder(READ_PAID)
    with v2_client(recorder) as client, pytest.raises(payssam.ApprovalRejectedError):
        payssam.verify_approval(approval, client)
    assert recorder.requests == []


# =========================================================================== 6. the awaitable client


async def lifecycle(client: payssam.AsyncPaySsam, **v2: Any) -> list[object]:
    """send, read, cancel, destroy, resend (and on v2 both point balances), as the awaitable client does them."""
    results: list[object] = [
        await client.send_bill(BILL_ID, PRICE, **send_kwargs()),
        await client.read_bill(BILL_ID),
        await client.cancel_bill(BILL_ID, PRICE, **v2),
        await client.destroy_bill(BILL_ID, PRICE),
        await client.resend_bill(BILL_ID),
    ]
    if client.api_version == 2:
        results += [await client.point_balance(), await client.merchant_point_balance()]
    return results


async def test_async_v2_lifecycle_gives_v1s_results() -> None:
    v2_recorder, v1_recorder = Recorder(v2_by_path), Recorder(v1_by_path)
    async with v2_async_client(v2_recorder) as client:
        assert client.api_version == 2
        v2_results = await lifecycle(client, reason="고객 요청")
    async with offline_async_client(v1_recorder, apikey=APIKEY) as client:
        v1_results = await lifecycle(client)
    kinds = [payssam.SentBill, payssam.BillStatus, payssam.Cancellation, payssam.Destruction, payssam.Resend]
    assert [type(result) for result in v2_results] == [*kinds, payssam.PointBalance, payssam.PointBalance]
    assert v2_results[:5] == v1_results  # the same domain values from either wire (raw is not compared)
    sent, status, cancelled, _, _, partner, merchant = v2_results
    assert isinstance(sent, payssam.SentBill)
    assert (sent.short_url, sent.recovered) == (SHORT_URL, False)
    assert isinstance(status, payssam.BillStatus)
    assert (status.state, status.price) == (BillState.PAID, PRICE)
    assert isinstance(cancelled, payssam.Cancellation)
    assert cancelled.approval_number == "30012399"
    assert partner == payssam.PointBalance(5500, CHARGE_URL, "조회 성공")
    assert isinstance(merchant, payssam.PointBalance)
    assert merchant.balance == 1100
    assert [r.url.path for r in v2_recorder.requests] == list(V2_ANSWERS)
    assert json_body(v2_recorder.requests[2])["bill"]["cancelReason"] == "고객 요청"
    for result in v2_results:
        no_secret(repr(result), repr(getattr(result, "raw", None)))


async def test_async_v2_refusals_send_nothing() -> None:
    recorder = Recorder(v2_by_path)
    async with v2_async_client(recorder) as client:
        with pytest.raises(payssam.ValidationError) as info:
            await client.cancel_bill(BILL_ID, PRICE, reason="x" * 21)
        assert info.value.field == "reason"
        with pytest.raises(payssam.ValidationError) as info:
            await client.send_bill(BILL_ID, PRICE, **send_kwargs(phone=None))
        assert info.value.field == "phone"
        sent = await client.send_bill(BILL_ID, PRICE, **send_kwargs(phone=None), send_type="URL")
    assert sent.short_url == SHORT_URL
    assert [r.url.path for r in recorder.requests] == ["/partner/bill"]


async def test_async_v2_error_codes() -> None:
    async with v2_async_client(Recorder(NOT_FOUND)) as client:
        with pytest.raises(payssam.BillNotFoundError) as info:
            await client.read_bill(BILL_ID)
    assert info.value.code == "BILL_003"
    async with v2_async_client(Recorder({"code": "POINT_001", "message": "포인트 부족", "data": None})) as client:
        with pytest.raises(payssam.PointsExhaustedError):
            await client.point_balance()


# =========================================================================== 7. from_env

ENV = {
    ENV_APIKEY: APIKEY,
    ENV_MEMBER: MEMBER,
    ENV_MERCHANT: MERCHANT,
    ENV_BASE_URL: BASE,
}


@pytest.mark.parametrize("cls", [payssam.PaySsam, payssam.AsyncPaySsam])
@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param("2", 2, id="2"), pytest.param("1", 1, id="1"), pytest.param("", 1, id="empty"), (None, 1)],
)
def test_from_env_reads_the_api_version(cls: type, value: str | None, expected: int) -> None:
    environ = dict(ENV) if value is None else {**ENV, ENV_API_VERSION: value}
    client = cls.from_env(environ)
    assert client.api_version == expected
    assert client.base_url == BASE


@pytest.mark.parametrize("cls", [payssam.PaySsam, payssam.AsyncPaySsam])
@pytest.mark.parametrize("value", ["3", "v2", "0", " 2", "2.0", "two", "\uff12"])
def test_from_env_refuses_another_api_version_naming_the_variable(cls: type, value: str) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls.from_env({**ENV, ENV_API_VERSION: value})
    assert info.value.field == ENV_API_VERSION == "PAYSSAM_API_VERSION"


@pytest.mark.parametrize(("env", "argument"), [("1", 2), ("2", 1), ("3", 2), ("v2", 1), ("", 2)])
def test_from_env_an_explicit_api_version_wins(env: str, argument: int) -> None:
    client = payssam.PaySsam.from_env({**ENV, ENV_API_VERSION: env}, api_version=argument)
    assert client.api_version == argument


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**ENV, ENV_API_VERSION: "2"}.items():
        monkeypatch.setenv(name, value)
    recorder = Recorder(POINTS_OK)
    client = payssam.PaySsam.from_env(http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    assert client.api_version == 2
    assert client.point_balance().balance == 5500
    assert recorder.last.url == httpx.URL(BASE + "/read/remain_count")


def test_v2_widens_member_and_merchant_to_sixty() -> None:
    assert payssam.PaySsam(APIKEY, "m" * 60, "n" * 60, BASE, api_version=2).member == "m" * 60
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam(APIKEY, "m" * 61, "n", BASE, api_version=2)
    assert info.value.field == "member"
    with pytest.raises(payssam.ValidationError):
        payssam.PaySsam(APIKEY, "m" * 31, "n", BASE, api_version=1)


@pytest.mark.parametrize("version", [0, 3, "2", 2.0, True, None])
def test_an_api_version_other_than_1_or_2_is_refused(version: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam(APIKEY, MEMBER, MERCHANT, BASE, api_version=version)  # type: ignore[arg-type]
    assert info.value.field == "api_version"


def test_with_options_keeps_the_api_version() -> None:
    recorder = Recorder(POINTS_OK)
    with v2_client(recorder) as client:
        assert client.with_options(max_retries=0).point_balance().balance == 5500
    assert recorder.last.url.path == "/partner/read/remain_count"


# =========================================================================== 8. the command line


class OfflineCli:
    """Stands in for PaySsam behind the command line: its client speaks the resolved API version offline."""

    def __init__(self) -> None:
        self.recorder = Recorder(self.answer)
        self.answers: dict[str, Any] = dict(V2_ANSWERS)
        self.settings: list[cli.Settings] = []

    def answer(self, request: httpx.Request) -> Any:
        return self.answers.get(request.url.path) or v1_by_path(request)

    def make_client(self, settings: cli.Settings) -> payssam.PaySsam:
        self.settings.append(settings)
        return payssam.PaySsam(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            api_version=settings.api_version,
            **NO_RETRIES,
            http_client=httpx.Client(transport=httpx.MockTransport(self.recorder)),
        )

    @property
    def requests(self) -> list[httpx.Request]:
        return self.recorder.requests


@pytest.fixture
def offline_cli(monkeypatch: pytest.MonkeyPatch) -> OfflineCli:
    for name in (ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT, ENV_API_VERSION):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_APIKEY, APIKEY)
    server = OfflineCli()
    monkeypatch.setattr(cli, "_make_client", server.make_client)
    return server


FLAGS = ["--base-url", BASE, "--member", MEMBER, "--merchant", MERCHANT]
V2 = [*FLAGS, "--api-version", "2"]
SEND = [
    "send",
    BILL_ID,
    "10000",
    "--customer-name",
    "홍길동",
    "--product-name",
    "수강료",
    "--callback-url",
    CALLBACK,
]
NOTE = cli.V2_NOTE + "\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    assert type(status) is int
    out, err = capsys.readouterr()
    no_secret(out, err)
    return status, out, err


def lines(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines())


def test_cli_points(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *V2, "points")
    assert (status, err) == (0, NOTE)
    assert lines(out) == {"balance": "5500", "charge_url": CHARGE_URL, "message": "조회 성공"}
    assert offline_cli.recorder.body() == {"apiKey": APIKEY}
    assert offline_cli.requests[0].url == httpx.URL(BASE + "/read/remain_count")
    assert offline_cli.settings[0].api_version == 2


def test_cli_merchant_points_json(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--json", "points", "--merchant-points", *V2)
    assert (status, err) == (0, NOTE)
    assert json.loads(out) == {"balance": 1100, "charge_url": CHARGE_URL + "/merchant", "message": "조회 성공"}
    assert offline_cli.requests[0].url == httpx.URL(BASE + "/read/merchant/remain_count")
    assert offline_cli.recorder.body() == {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}


def test_cli_api_version_from_the_environment(
    offline_cli: OfflineCli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_API_VERSION, "2")
    status, _, err = run(capsys, *FLAGS, "read", BILL_ID)
    assert (status, err) == (0, NOTE)
    assert offline_cli.requests[0].url == httpx.URL(BASE + "/bill/read")
    monkeypatch.setenv(ENV_API_VERSION, "v2")
    status, _, err = run(capsys, *FLAGS, "read", BILL_ID)
    assert status == 2
    assert ENV_API_VERSION in err
    assert len(offline_cli.requests) == 1


def test_cli_url_send_without_a_phone(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *V2, *SEND, "--send-type", "URL", "--redirect-url", REDIRECT)
    assert (status, err) == (0, NOTE)
    assert lines(out) == {"bill_id": BILL_ID, "short_url": SHORT_URL, "message": "발송 성공"}
    bill = offline_cli.recorder.body()["bill"]
    assert (bill["sendType"], bill["pageRedirectUrl"]) == ("URL", REDIRECT)
    assert "phone" not in bill
    assert bill["hash"] == payssam.bill_hash(BILL_ID, PRICE)


def test_cli_talk_send_masks_the_phone(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *V2, *SEND, "--phone", PHONE)
    assert (status, err) == (0, NOTE)
    assert lines(out)["phone"] == "010****5678"
    assert PHONE not in out
    bill = offline_cli.recorder.body()["bill"]
    assert (bill["sendType"], bill["phone"], bill["hash"]) == ("TALK", PHONE, payssam.bill_hash(BILL_ID, PRICE, PHONE))


@pytest.mark.parametrize("send_type", [[], ["--send-type", "TALK"]])
@pytest.mark.parametrize("as_json", [False, True])
def test_cli_talk_send_without_a_phone_is_an_input_error(
    offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str], send_type: list[str], as_json: bool
) -> None:
    status, out, err = run(capsys, *(["--json"] if as_json else []), *V2, *SEND, *send_type)
    assert status == 2
    if as_json:
        error = json.loads(out)["error"]
        assert (error["type"], error["field"]) == ("ValidationError", "phone")
    else:
        assert "phone" in err
        assert err.startswith("payssam: error: ")
    assert offline_cli.requests == []


def test_cli_cancel_with_reason(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *V2, "cancel", BILL_ID, "10000", "--reason", "고객 요청")
    assert (status, err) == (0, NOTE)
    assert lines(out)["approval_number"] == "30012399"
    bill = offline_cli.recorder.body()["bill"]
    assert (bill["cancelReason"], bill["hash"]) == ("고객 요청", payssam.bill_hash(BILL_ID, PRICE))


def test_cli_cancel_reason_too_long(offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--json", *V2, "cancel", BILL_ID, "10000", "--reason", "가" * 21)
    assert status == 2
    assert json.loads(out)["error"]["field"] == "reason"
    assert offline_cli.requests == []


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        pytest.param(["points"], "api_version", id="points"),
        pytest.param(["points", "--merchant-points"], "api_version", id="merchant-points"),
        pytest.param(["cancel", BILL_ID, "10000", "--reason", "요청"], "reason", id="reason"),
        pytest.param([*SEND, "--send-type", "URL"], "send_type", id="send-type"),
        pytest.param([*SEND, "--phone", PHONE, "--redirect-url", REDIRECT], "redirect_url", id="redirect-url"),
    ],
)
def test_cli_v1_refuses_v2_options(
    offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    status, out, err = run(capsys, "--json", *FLAGS, *argv)
    assert status == 2
    assert err == ""  # no experimental note: this is v1
    assert json.loads(out)["error"]["field"] == field
    assert offline_cli.requests == []


def test_cli_v2_error_codes_exit_1_and_hide_the_key(
    offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str]
) -> None:
    offline_cli.answers["/partner/bill/read"] = {"code": "BILL_003", "message": f"없음 {APIKEY}", "data": None}
    status, out, _ = run(capsys, "--json", *V2, "read", BILL_ID)
    assert status == 1
    error = json.loads(out)["error"]
    assert (error["type"], error["code"]) == ("BillNotFoundError", "BILL_003")
    offline_cli.answers["/partner/read/remain_count"] = {"code": "PARTNER_001", "message": "", "data": None}
    status, _, err = run(capsys, *V2, "points")
    assert status == 1
    assert err.startswith(NOTE)
    assert "api_version=1" in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["points"], id="points"),
        pytest.param(["read", BILL_ID], id="read"),
        pytest.param([*SEND, "--phone", PHONE], id="send"),
        pytest.param(["destroy", BILL_ID, "10000"], id="destroy"),
        pytest.param(["resend", BILL_ID], id="resend"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_cli_v2_prints_one_note_and_never_the_apikey(
    offline_cli: OfflineCli, capsys: pytest.CaptureFixture[str], argv: list[str], as_json: bool
) -> None:
    status, out, err = run(capsys, *(["--json"] if as_json else []), *V2, *argv)
    assert status == 0
    assert err == NOTE
    assert err.count("\n") == 1
    assert "experimental" in err
    assert out  # run() has checked that neither stream shows the apikey


# =========================================================================== 9. the ExperimentalWarning

WARNING_PROBE = """
import json, warnings
import payssam
args = ("KEY", "MEMBER", "MERCHANT", "https://sandbox.paymint.co.kr/partner")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    payssam.PaySsam(*args)
    payssam.AsyncPaySsam(*args, api_version=1)
    v1 = len(caught)
    payssam.PaySsam(*args, api_version=2)
    payssam.AsyncPaySsam(*args, api_version=2)
    payssam.PaySsam(*args, api_version=2)
print(json.dumps({
    "is_warning": issubclass(payssam.ExperimentalWarning, Warning),
    "v1": v1,
    "v2": [[w.category.__name__, w.filename, "experimental" in str(w.message)] for w in caught[v1:]],
}))
"""
FILTERED_PROBE = """
import warnings
import payssam
warnings.filterwarnings("error", category=payssam.ExperimentalWarning)
payssam.PaySsam("KEY", "MEMBER", "MERCHANT", "https://x.example")  # v1: nothing to raise
try:
    payssam.PaySsam("KEY", "MEMBER", "MERCHANT", "https://x.example", api_version=2)
except payssam.ExperimentalWarning:
    print("raised")
"""


def python(code: str) -> str:
    """Run code in a fresh interpreter (the warning is emitted once per process) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_experimental_warning_is_one_filterable_warning_per_process() -> None:
    found = json.loads(python(WARNING_PROBE))
    assert found["is_warning"]
    assert issubclass(payssam.ExperimentalWarning, Warning)
    assert found["v1"] == 0
    assert found["v2"] == [["ExperimentalWarning", "<string>", True]]  # once, pointing at the caller's line
    assert python(FILTERED_PROBE) == "raised\n"


# =========================================================================== 10. found by these tests, fixed


def test_an_apikey_in_the_charge_url_is_masked() -> None:
    answer = {"code": "0000", "message": "ok", "data": {"balance": 1, "chargeUrl": f"{CHARGE_URL}?apiKey={APIKEY}"}}
    with v2_client(Recorder(answer)) as client:
        balance = client.point_balance()
    no_secret(repr(balance), str(balance.charge_url))
    assert str(balance.charge_url).startswith(f"{CHARGE_URL}?apiKey=")  # masked, not dropped


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"billId": "OTHERBILL1", "bill_id": BILL_ID, "apprState": "F"}, id="bill-id-other-first"),
        pytest.param({"apprState": "F", "appr_state": "W"}, id="state-F-then-W"),
        pytest.param({"appr_state": "W", "apprState": "F"}, id="state-W-then-F"),
    ],
)
def test_a_read_field_given_twice_with_different_values_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(payssam.ProtocolError):
        read_v2({"code": "0000", "message": "ok", "data": data})


def test_two_different_short_urls_are_refused() -> None:
    data = {"shortUrl": "https://payssam.kr/s/one", "shortURL": "https://payssam.kr/s/two"}
    answer = {"code": "0000", "message": "ok", "data": data}
    recorder = Recorder(lambda request: NOT_FOUND if request.url.path.endswith("/read") else answer)
    with v2_client(recorder) as client, pytest.raises(payssam.PaySsamError) as info:
        client.send_bill(BILL_ID, PRICE, **send_kwargs())
    refusal = attempt_error(info.value)
    assert isinstance(refusal, payssam.ProtocolError)
    assert "shortURL is given twice (shortUrl and shortURL) with different values" in str(refusal)


def test_the_same_price_in_both_casings_once_numeric_is_accepted() -> None:
    approval = payssam.parse_approval({**CAMEL_APPROVAL, "apprPrice": 10000, "appr_price": "10000"})
    assert approval.price == PRICE


def test_the_given_twice_message_names_both_spellings() -> None:
    with pytest.raises(payssam.ValidationError) as info:
        payssam.parse_approval({**CAMEL_APPROVAL, "appr_num": "99999999"})
    assert "apprNum" in str(info.value)
    assert "(apprNum and appr_num)" in str(info.value)


def test_message_is_read_before_msg() -> None:
    status = read_v2({"code": "0000", "message": "from message", "msg": "from msg", "data": {"apprState": "W"}})
    assert status.message == "from message"


FROM_ENV_PROBE = """
import json, warnings
import payssam
environ = {"PAYSSAM_APIKEY": "KEY", "PAYSSAM_MEMBER": "M", "PAYSSAM_MERCHANT": "N",
           "PAYSSAM_BASE_URL": "https://x.example", "PAYSSAM_API_VERSION": "2"}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    payssam.PaySsam.from_env(environ)
print(json.dumps([w.filename for w in caught]))
"""


def test_from_envs_warning_points_at_the_caller() -> None:
    assert json.loads(python(FROM_ENV_PROBE)) == ["<string>"]
