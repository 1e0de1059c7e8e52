"""Validation agrees with the contract: the bundled spec's JSON Schema is the oracle.

For generated inputs, the client sends a request exactly when the spec accepts
the request body; otherwise it raises ValidationError and sends nothing. The few
places where the client is deliberately stricter say so and test that exact set.
"""

from __future__ import annotations

import json
import re
import string
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from payssam import KST, ValidationError, bill_hash

from kit import APIKEY, MEMBER, MERCHANT, SEND_WIRE_NAMES, SPEC_PATH, Recorder, offline_client
from oracle import request_schema, validator

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"
SEND = "/if/bill/send"
RESEND = "/if/bill/resend"
DESTROY = "/if/bill/destroy"
OK_READ = {"code": "0000", "appr_state": "W"}
OK_CANCEL = {"code": "0000"}
OK_SEND = {"code": "0000", "msg": "성공하였습니다.", "shortURL": "https://payssam.kr/b/AbC123"}
CALLBACK_URL_PATTERN: str = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]["SendBill"][
    "properties"
]["callbackURL"]["pattern"]

# Near-misses matter most: ASCII letters/digits mixed with separators, whitespace,
# a trailing newline, non-ASCII letters and digits, around the 20-character limit.
tricky = st.text(alphabet=string.ascii_letters + string.digits + " -_,\n\t.\u00e9\ud55c\u0661\uff12", max_size=24)
bill_ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
    tricky,
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.binary(max_size=5),
)
prices = st.one_of(
    st.integers(-(10**11), 10**11),
    st.integers(0, 9_999_999_999),
    st.integers(9_999_999_990, 10_000_000_010),  # around the 10-digit limit
    st.from_regex(r"[0-9]{9,12}", fullmatch=True),
    st.booleans(),
    st.from_regex(r"[0-9]{1,12}", fullmatch=True),
    st.text(alphabet="0123456789 ,-+.\u0661\u0662\n", max_size=12),
    st.floats(allow_nan=False, max_value=1e12),
    st.none(),
)
credentials = st.one_of(
    st.text(max_size=40), st.text(alphabet="ab", min_size=28, max_size=34), st.none(), st.integers()
)


def as_sent(price: Any) -> Any:
    """What the body would carry for this price if it were not refused (ints become digit strings)."""
    return str(price) if isinstance(price, int | bool) else price


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(bill_id=bill_ids)
def test_read_accepts_exactly_what_the_contract_accepts(spec: dict[str, Any], bill_id: Any) -> None:
    oracle = validator(request_schema(spec, READ))
    candidate = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
    recorder = Recorder(OK_READ)
    with offline_client(recorder) as client:
        try:
            client.read_bill(bill_id)
        except ValidationError as refused:
            assert refused.field == "bill_id"
            assert recorder.bodies == []
            assert not oracle.is_valid(candidate), f"contract accepts {bill_id!r} but the client refused it"
            return
    assert oracle.is_valid(candidate), f"client sent {bill_id!r}, which the contract refuses"
    assert recorder.bodies == [candidate]


@pytest.mark.parametrize("operation", ["cancel", "destroy"])
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(bill_id=st.one_of(st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True), bill_ids), price=prices)
@example(bill_id="ABC123", price=9_999_999_999)
@example(bill_id="ABC123", price=10_000_000_000)
@example(bill_id="ABC123", price="12345678901")
@example(bill_id="ABC123", price="0")
def test_priced_calls_accept_exactly_what_the_contract_accepts(
    spec: dict[str, Any], operation: str, bill_id: Any, price: Any
) -> None:
    """cancel and destroy carry the same fields and the same two-part hash."""
    oracle = validator(request_schema(spec, CANCEL if operation == "cancel" else DESTROY))
    candidate = {
        "apikey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill_id": bill_id,
        "price": as_sent(price),
        "hash": "0" * 64,
    }
    recorder = Recorder(OK_CANCEL)
    with offline_client(recorder) as client:
        try:
            getattr(client, f"{operation}_bill")(bill_id, price)
        except ValidationError as refused:
            assert refused.field in ("bill_id", "price")
            assert recorder.bodies == []
            assert not oracle.is_valid(candidate), f"contract accepts {bill_id!r}/{price!r}, client refused it"
            return
    assert oracle.is_valid(candidate), f"client sent {bill_id!r}/{price!r}, which the contract refuses"
    [sent] = recorder.bodies
    assert sent == {**candidate, "hash": bill_hash(bill_id, price)}
    assert oracle.is_valid(sent)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(apikey=credentials, member=credentials, merchant=credentials)
def test_credentials_accepted_exactly_when_the_contract_accepts_them(
    spec: dict[str, Any], apikey: Any, member: Any, merchant: Any
) -> None:
    oracle = validator(request_schema(spec, READ))
    candidate = {"apikey": apikey, "member": member, "merchant": merchant, "bill_id": "ABC123"}
    recorder = Recorder(OK_READ)
    try:
        client = offline_client(recorder, apikey=apikey, member=member, merchant=merchant)
    except ValidationError as refused:
        assert refused.field in ("apikey", "member", "merchant")
        assert not oracle.is_valid(candidate)
        return
    with client:
        client.read_bill("ABC123")
    assert oracle.is_valid(candidate)
    assert recorder.bodies == [candidate]


@pytest.mark.parametrize(
    ("bill_id", "price", "field"),
    [
        ("1234567890ABCDEFGHIJK", 100, "bill_id"),
        ("ABC\n", 100, "bill_id"),
        ("ABC-123", 100, "bill_id"),
        ("ABC123", "1,000", "price"),
        ("ABC123", 10_000_000_000, "price"),
        ("ABC123", "\u0661\u0660\u0660", "price"),  # Arabic-Indic digits
        ("ABC123", 99.0, "price"),
    ],
)
def test_errors_name_the_field_and_send_nothing(bill_id: Any, price: Any, field: str) -> None:
    recorder = Recorder(OK_CANCEL)
    with offline_client(recorder) as client, pytest.raises(ValidationError, match=f"^{field}: ") as refused:
        client.cancel_bill(bill_id, price)
    assert refused.value.field == field
    assert isinstance(refused.value, ValueError)
    assert recorder.bodies == []


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(bill_id=bill_ids)
def test_resend_accepts_exactly_what_the_contract_accepts(spec: dict[str, Any], bill_id: Any) -> None:
    oracle = validator(request_schema(spec, RESEND))
    candidate = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
    recorder = Recorder(OK_CANCEL)
    with offline_client(recorder) as client:
        try:
            client.resend_bill(bill_id)
        except ValidationError as refused:
            assert refused.field == "bill_id"
            assert recorder.bodies == []
            assert not oracle.is_valid(candidate), f"contract accepts {bill_id!r} but the client refused it"
            return
    assert oracle.is_valid(candidate), f"client sent {bill_id!r}, which the contract refuses"
    assert recorder.bodies == [candidate]


# ------------------------------------------------------------------- send
# send_bill's arguments, a valid set, and the field of SendBill each one becomes.
SEND_ARGS: dict[str, Any] = {
    "bill_id": "ABC123",
    "price": 10000,
    "phone": "01012345678",
    "customer_name": "홍길동",
    "product_name": "11월 수강료",
    "callback_url": "https://partner.example/payssam/approval",
}
OPTIONAL = {"message", "issuer", "expires_on"}  # None leaves the field out


def wire(name: str, value: Any) -> Any:
    """What the body would carry for this argument if it were not refused."""
    if name == "price":
        return as_sent(value)
    if name == "expires_on" and isinstance(value, date):
        return value.isoformat()
    return value


def send_body(args: dict[str, Any]) -> dict[str, Any]:
    bill = {SEND_WIRE_NAMES[k]: wire(k, v) for k, v in args.items() if not (k in OPTIONAL and v is None)}
    return {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": {**bill, "hash": "0" * 64}}


def check_send(spec: dict[str, Any], name: str, value: Any, *, deliberately_refused: bool = False) -> None:
    """send_bill sends exactly when the contract accepts the body, unless the client deliberately refuses value."""
    args = {**SEND_ARGS, name: value}
    candidate = send_body(args)
    accepted = validator(request_schema(spec, SEND)).is_valid(candidate)
    wire_name = SEND_WIRE_NAMES[name]
    recorder = Recorder(OK_SEND)
    with offline_client(recorder) as client:
        try:
            client.send_bill(**args)
        except ValidationError as refused:
            assert refused.field == name
            assert recorder.bodies == []
            assert deliberately_refused or not accepted, f"contract accepts {wire_name}={value!r}, client refused it"
            return
    assert accepted, f"client sent {wire_name}={value!r}, which the contract refuses"
    assert not deliberately_refused, f"client sent {wire_name}={value!r}, which it means to refuse"
    [sent] = recorder.bodies
    bill = candidate["bill"]
    assert sent == {**candidate, "bill": {**bill, "hash": bill_hash(bill["bill_id"], bill["price"], bill["phone"])}}


phones = st.one_of(
    st.from_regex(r"01[0-9]{8,9}", fullmatch=True),
    st.from_regex(r"01[0-9]{6,12}", fullmatch=True),
    st.from_regex(r"01[0-9]-?[0-9]{3,4}-?[0-9]{4}", fullmatch=True),
    st.from_regex(r"0[0-9]{7,12}", fullmatch=True),
    st.from_regex(r"01[0-9]{8,9}\n", fullmatch=True),
    st.text(alphabet="0123456789 -+\n\u0661\uff11", max_size=13),
    st.integers(),
    st.none(),
)
# Where Python's str.isspace and ECMA-262's \s disagree, and the usual blanks.
BLANKS = "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u180e\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
texts = st.one_of(
    st.text(alphabet=BLANKS + "a가", max_size=4),
    st.text(alphabet=st.one_of(hangul, st.sampled_from(string.ascii_letters + string.digits + " .,()")), max_size=30),
    st.text(max_size=30),
    st.integers(),
    st.none(),
)
issuers = st.one_of(texts, st.text(alphabet="가a \U0001f600", min_size=48, max_size=52))
IDENTIFIERS: dict[str, st.SearchStrategy[Any]] = {"bill_id": bill_ids, "price": prices, "phone": phones}


@pytest.mark.parametrize("name", list(IDENTIFIERS))
@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_send_identifiers_accepted_exactly_when_the_contract_accepts_them(
    spec: dict[str, Any], name: str, data: st.DataObject
) -> None:
    check_send(spec, name, data.draw(IDENTIFIERS[name], label=name))


@pytest.mark.parametrize("name", ["customer_name", "product_name", "message", "issuer"])
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(value=issuers)
@example(value="\ufeff")  # ECMA whitespace, not Python's
@example(value="\x1c")  # Python whitespace, not ECMA's
@example(value="가" * 50)
@example(value="가" * 51)
def test_send_texts_accepted_exactly_when_the_contract_accepts_them(
    spec: dict[str, Any], name: str, value: Any
) -> None:
    check_send(spec, name, value)


PORTED = re.compile(r"https?://(?:\[[^\]/]*\]|[^:/?#]*)(?::(?P<port>[^/?#]*))?(?:[/?#].*)?", re.DOTALL)


def bad_port(url: object) -> bool:
    """The authority names a port, but not one of 1 to 65535 (an empty port means the default)."""
    matched = PORTED.fullmatch(url) if isinstance(url, str) else None
    port = matched["port"] if matched else None
    return bool(port) and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535)


def insert(url: str, piece: str, at: int) -> str:
    at %= len(url) + 1
    return url[:at] + piece + url[at:]


ADVERSARIAL = [" ", "#", "#top", "@", "user@", "\u00e9", "한", "%", "%zz", "%4", "[", "]", ":", ":0", ":65536", "\n"]
callback_urls = st.one_of(
    st.from_regex(CALLBACK_URL_PATTERN),  # not fullmatch: `$` lets a trailing newline through
    st.from_regex(CALLBACK_URL_PATTERN, fullmatch=True),
    st.builds(
        insert, st.from_regex(CALLBACK_URL_PATTERN, fullmatch=True), st.sampled_from(ADVERSARIAL), st.integers(0, 60)
    ),
    st.builds(  # paths of escapes (valid, cut short, not hex) and delimiters, where RFC 3986 is strict
        "{}/{}".format,
        st.from_regex(CALLBACK_URL_PATTERN, fullmatch=True).map(lambda url: "http://" + url.split("/", 3)[2]),
        st.lists(
            st.sampled_from(["%", "%4", "%4F", "%zz", "%e2%82%ac", "[", "]", "a", "/", "?", ":", "@"]), max_size=4
        ).map("".join),
    ),
    st.builds(
        str.__add__,
        st.sampled_from(["ftp://", "http:/", "https:", "HTTP://", "http://", "//", "http:///", "https://user@"]),
        st.from_regex(r"[a-z0-9./:]{0,12}", fullmatch=True),
    ),
    st.builds(
        "http://{}:{}{}".format,
        st.sampled_from(["127.0.0.1", "[::1]", "partner.example", "a", "0"]),
        st.one_of(st.integers(0, 70000).map(str), st.from_regex(r"[0-9a-z:]{0,6}", fullmatch=True)),
        st.sampled_from(["", "/", "/approval", "?x=1"]),
    ),
    st.integers(2040, 2056).map(lambda n: "https://partner.example/" + "a" * (n - 24)),
    st.text(max_size=30),
    st.integers(),
    st.none(),
)


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(url=callback_urls)
@example(url="http://127.0.0.1:8080/approval")
@example(url="http://127.0.0.1:0/approval")
@example(url="http://127.0.0.1:8080/approval%zz")
@example(url="http://127.0.0.1:8080/approval?[x]")
@example(url="https://partner.example/" + "a" * 2024)
@example(url="https://partner.example/" + "a" * 2025)
def test_send_callback_url_accepted_exactly_when_the_contract_accepts_it(spec: dict[str, Any], url: Any) -> None:
    """Deliberately stricter than the contract: the port. The contract takes any 1 to 5 digits after the
    host (`:0`, `:00`, `:65536`, `:99999`); the client refuses a port that is not 1 to 65535, where PaySsam
    could never call back. Nothing else may differ.
    """
    check_send(spec, "callback_url", url, deliberately_refused=bad_port(url))


def kst_today() -> date:
    return datetime.now(KST).date()


expiries = st.one_of(
    st.integers(-3, 3).map(lambda days: kst_today() + timedelta(days=days)),
    st.dates(),
    st.datetimes(),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.text(max_size=12),
    st.none(),
)


def deliberately_refused_expiry(value: object, today: date) -> bool:
    """A string (even a valid YYYY-MM-DD), or a date already past in Korea time."""
    return isinstance(value, str) or (type(value) is date and value < today)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(value=expiries)
def test_send_expiry_accepted_exactly_when_the_contract_accepts_it(spec: dict[str, Any], value: Any) -> None:
    """Deliberately stricter than the contract, which takes any YYYY-MM-DD that exists: the client takes a
    datetime.date (it sends isoformat()), never a string, and refuses a day already past in Korea time,
    on which the bill could not be paid. A datetime is refused like the contract refuses its isoformat().
    """
    today = kst_today()
    try:
        check_send(spec, "expires_on", value, deliberately_refused=deliberately_refused_expiry(value, today))
    except AssertionError:
        assume(kst_today() == today)  # midnight in Korea during the call moves "past"
        raise


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("callback_url", "http://127.0.0.1:0/approval"),
        ("callback_url", "http://127.0.0.1:65536/approval"),
        ("callback_url", "http://partner.example:99999/approval"),
        ("expires_on", "2099-12-31"),
        ("expires_on", date(2000, 1, 1)),
    ],
)
def test_where_the_client_is_stricter_than_the_contract(spec: dict[str, Any], name: str, value: Any) -> None:
    """The contract accepts these bodies; the client refuses them on purpose (see the tests above)."""
    assert validator(request_schema(spec, SEND)).is_valid(send_body({**SEND_ARGS, name: value}))
    recorder = Recorder(OK_SEND)
    with offline_client(recorder) as client, pytest.raises(ValidationError, match=f"^{name}: "):
        client.send_bill(**{**SEND_ARGS, name: value})
    assert recorder.bodies == []


def test_an_expiry_of_today_in_korea_is_sent(spec: dict[str, Any]) -> None:
    today = kst_today()
    try:
        check_send(spec, "expires_on", today)
    except (AssertionError, ValidationError):
        if kst_today() != today:
            pytest.skip("midnight in Korea during the test")
        raise
