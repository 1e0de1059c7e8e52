"""Secrets hygiene: the API key never shows in reprs, results, errors or log records.

A mock server echoes the real key back (as the contract's examples do) and puts
it in error bodies, messages and transport failures; every surface is checked.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest

import payssam
from payssam.redaction import Secret, excerpt, mask_name, mask_phone, redact

from kit import (
    MEMBER,
    MERCHANT,
    OFFLINE_URL,
    Handler,
    attempt_error,
    fails,
    offline_async_client,
    offline_client,
    raw,
    reads_answered,
)

KEY = "SECRET-KEY-0123456789abcdefXYZ"
BILL_ID = "BILL0001"


READ_PAID = {
    "code": "0000",
    "msg": "성공하였습니다.",
    "appr_state": "F",
    "appr_pay_type": "CARD_VAN",
    "appr_price": "10000",
    "appr_dt": "20261125143000",
    "appr_num": "30012345",
}
CANCELLED = {
    "code": "0000",
    "msg": "성공하였습니다.",
    "member": MEMBER,
    "merchant": MERCHANT,
    "appr_num": "30012399",
    "appr_origin_num": "30012345",
    "appr_cancel_dt": "20261125150000",
}


def test_key_fits_the_contract() -> None:
    assert len(KEY) <= 32
    assert KEY not in redact(KEY, [KEY])


def echoing(body: dict[str, Any]) -> Handler:
    """A handler answering body plus the apikey it received, as the vendor does."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert sent["apikey"] == KEY  # the key does go on the wire
        return httpx.Response(200, json={**body, "apikey": sent["apikey"]})

    return handler


sync_client = partial(offline_client, apikey=KEY)
async_client = partial(offline_async_client, apikey=KEY)


def assert_clean(*texts: object) -> None:
    """Neither the key nor a long prefix of it is in any of texts (str() of each)."""
    for text in texts:
        shown = str(text)
        assert KEY not in shown, shown
        assert KEY[:12] not in shown, shown


def assert_exception_clean(exc: BaseException) -> None:
    """The key is in no visible part of exc."""
    assert_clean(str(exc), repr(exc), repr(exc.args), *(str(arg) for arg in exc.args))
    for attribute in ("message", "excerpt", "reason", "code", "problem", "field"):
        if hasattr(exc, attribute):
            assert_clean(getattr(exc, attribute))


def raised(call: Callable[[], object]) -> payssam.PaySsamError:
    """The PaySsamError call raises."""
    with pytest.raises(payssam.PaySsamError) as info:
        call()
    return info.value


# --------------------------------------------------------------------------- clients and results


def test_client_reprs_hide_the_key() -> None:
    for client in (sync_client(echoing(READ_PAID)), async_client(echoing(READ_PAID))):
        assert_clean(repr(client), str(client), repr(vars(client)), repr(client._config))
        assert MEMBER in repr(client)  # the repr is informative, not blank
        assert "***" in repr(client)


def test_client_from_env_repr_hides_the_key() -> None:
    env = {
        "PAYSSAM_APIKEY": KEY,
        "PAYSSAM_MEMBER": MEMBER,
        "PAYSSAM_MERCHANT": MERCHANT,
        "PAYSSAM_BASE_URL": OFFLINE_URL,
    }
    assert_clean(repr(payssam.PaySsam.from_env(environ=env)), repr(payssam.AsyncPaySsam.from_env(environ=env)))


def check_status(status: payssam.BillStatus) -> None:
    """The echoed key is gone from every view of the result."""
    assert status.state is payssam.BillState.PAID
    assert_clean(repr(status), str(status), repr(status.raw), status.raw.to_dict(), status.message)
    assert "apikey" not in status.raw.to_dict()


def check_cancellation(result: payssam.Cancellation) -> None:
    """The echoed key is gone from every view of the result."""
    assert result.approval_number == "30012399"
    assert_clean(repr(result), str(result), repr(result.raw), result.raw.to_dict(), result.message)
    assert "apikey" not in result.raw.to_dict()


def test_results_drop_the_echoed_key_sync() -> None:
    check_status(sync_client(echoing(READ_PAID)).read_bill(BILL_ID))
    check_cancellation(sync_client(echoing(CANCELLED)).cancel_bill(BILL_ID, 10000))


async def test_results_drop_the_echoed_key_async() -> None:
    check_status(await async_client(echoing(READ_PAID)).read_bill(BILL_ID))
    check_cancellation(await async_client(echoing(CANCELLED)).cancel_bill(BILL_ID, 10000))


def test_success_message_is_redacted() -> None:
    status = sync_client(echoing({**READ_PAID, "msg": f"ok for {KEY}"})).read_bill(BILL_ID)
    assert_clean(repr(status), status.message)


# --------------------------------------------------------------------------- errors

PROTOCOL_BODIES: list[Any] = [
    pytest.param(500, f"Internal error: apikey={KEY} rejected".encode(), id="500-text"),
    pytest.param(200, f"<html>bad gateway for {KEY}</html>".encode(), id="200-not-json"),
    pytest.param(400, json.dumps({"apikey": KEY, "error": "bad request"}).encode(), id="400-json-apikey"),
    pytest.param(200, json.dumps({"apikey": KEY, "msg": "no code"}).encode(), id="200-json-no-code"),
    pytest.param(200, json.dumps({"code": 1, "apikey": KEY}).encode(), id="200-code-int"),
    pytest.param(200, json.dumps({"code": "0000", "msg": 5, "apikey": KEY}).encode(), id="200-bad-field"),
    pytest.param(200, json.dumps({**READ_PAID, "bill_id": "OTHER", "apikey": KEY}).encode(), id="200-other-bill"),
    pytest.param(200, b"x" * 185 + KEY.encode() + b"y" * 50, id="key-across-the-cut"),
    pytest.param(200, b'{"apikey" : "' + KEY.encode() + b'", ' + b"[" * 300, id="json-member-then-junk"),
]


@pytest.mark.parametrize(("status", "content"), PROTOCOL_BODIES)
async def test_protocol_errors_hide_the_key(status: int, content: bytes) -> None:
    assert KEY.encode() in content  # the premise: the server body holds the key verbatim
    cancel = raised(lambda: sync_client(reads_answered(raw(status, content), READ_PAID)).cancel_bill(BILL_ID, 1))
    assert_exception_clean(cancel)  # the unknown outcome (a 4xx: the refusal itself) is clean, and so is its cause
    errors = [raised(lambda: sync_client(raw(status, content)).read_bill(BILL_ID)), attempt_error(cancel)]
    with pytest.raises(payssam.ProtocolError) as info:
        await async_client(raw(status, content)).read_bill(BILL_ID)
    errors.append(info.value)
    for exc in errors:
        assert isinstance(exc, payssam.ProtocolError)
        assert exc.status_code == status
        assert exc.excerpt  # something is shown, just not the key
        assert_exception_clean(exc)
    unknown = raised(lambda: sync_client(raw(status, content)).cancel_bill(BILL_ID, 1))
    assert_exception_clean(unknown)
    if 400 <= status < 500:  # turned away for sure: nothing to settle
        assert isinstance(unknown, payssam.ProtocolError)
        return
    assert isinstance(unknown, payssam.OutcomeUnknownError)  # the read-back got the same answer: nothing settled
    assert isinstance(unknown.__cause__, payssam.ProtocolError)
    assert_exception_clean(unknown.__cause__)


def test_protocol_error_masks_any_json_apikey_member() -> None:
    other = "SOME-OTHER-LEAKED-KEY-987"
    body = json.dumps({"apikey": other, "note": "x"}).encode()
    exc = raised(lambda: sync_client(raw(502, body)).read_bill(BILL_ID))
    assert isinstance(exc, payssam.ProtocolError)
    assert other not in str(exc)
    assert '"apikey": "***"' in exc.excerpt
    assert '"note": "x"' in exc.excerpt


@pytest.mark.parametrize("field", ["msg", "message"])
async def test_api_error_message_hides_the_key_and_phone(field: str) -> None:
    body = json.dumps({"code": "1003", field: f"Access denied for {KEY} (call 01012345678)"}).encode()
    errors = [
        raised(lambda: sync_client(raw(200, body)).read_bill(BILL_ID)),
        raised(lambda: sync_client(raw(200, body)).cancel_bill(BILL_ID, 1)),
    ]
    with pytest.raises(payssam.AccessDeniedError) as info:
        await async_client(raw(200, body)).cancel_bill(BILL_ID, 1)
    errors.append(info.value)
    for exc in errors:
        assert isinstance(exc, payssam.AccessDeniedError)
        assert exc.message.startswith("Access denied for ")
        assert "010****5678" in exc.message
        assert "01012345678" not in str(exc)
        assert_exception_clean(exc)


def test_api_error_code_cannot_carry_the_key() -> None:
    body = json.dumps({"code": KEY, "msg": "x"}).encode()
    assert_exception_clean(raised(lambda: sync_client(raw(200, body)).read_bill(BILL_ID)))


@pytest.mark.parametrize("cls", [payssam.PaySsam, payssam.AsyncPaySsam])
@pytest.mark.parametrize("apikey", [KEY + "abc", KEY * 2, KEY + "-" * 100])
def test_validation_error_does_not_echo_a_bad_key(cls: type[payssam.PaySsam], apikey: str) -> None:
    assert len(apikey) > 32
    with pytest.raises(payssam.ValidationError) as info:
        cls(apikey, MEMBER, MERCHANT, OFFLINE_URL)
    assert info.value.field == "apikey"
    assert_exception_clean(info.value)
    assert apikey not in str(info.value)


TRANSPORT_FAILURES: list[Any] = [
    pytest.param(httpx.ConnectError, payssam.TransportError, id="connect"),
    pytest.param(httpx.ReadTimeout, payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param(httpx.RemoteProtocolError, payssam.TransportError, id="protocol"),
]


@pytest.mark.parametrize(("kind", "expected"), TRANSPORT_FAILURES)
async def test_transport_errors_hide_the_key(kind: type[httpx.TransportError], expected: type) -> None:
    handler = fails(kind, f"failed while sending apikey={KEY}")
    cancel = raised(lambda: sync_client(reads_answered(handler, READ_PAID)).cancel_bill(BILL_ID, 1))
    assert_exception_clean(cancel)
    errors = [raised(lambda: sync_client(handler).read_bill(BILL_ID)), attempt_error(cancel)]
    unknown = raised(lambda: sync_client(handler).cancel_bill(BILL_ID, 1))
    # A connection that never opened sent nothing: no read-back is needed. Anything else may have landed.
    assert isinstance(unknown, payssam.TransportError if kind is httpx.ConnectError else payssam.OutcomeUnknownError)
    assert_exception_clean(unknown)
    with pytest.raises(payssam.TransportError) as info:
        await async_client(handler).read_bill(BILL_ID)
    errors.append(info.value)
    for exc in errors:
        assert type(exc) is expected
        assert "failed while sending apikey=***" in str(exc)  # the detail stays, the key goes
        assert_exception_clean(exc)


# --------------------------------------------------------------------------- logs


class Capture(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


LOGGERS = ["", "payssam", "httpx", "httpcore"]


@pytest.fixture
def captured() -> Iterator[Capture]:
    """A DEBUG handler on the root logger, with DEBUG on payssam, httpx and httpcore; all restored after."""
    handler = Capture()
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).disabled) for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).disabled = False
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, (level, disabled) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled


def check_records(capture: Capture) -> None:
    """Something was logged by payssam, and no record shows the key."""
    assert capture.records
    assert any(record.name == "payssam" or record.name.startswith("payssam.") for record in capture.records)
    for record in capture.records:
        assert_clean(capture.format(record), record.getMessage(), repr(record.args))


def calls_with_every_outcome(client: payssam.PaySsam) -> None:
    """Read and cancel: success, API error, protocol error, transport error."""
    client.read_bill(BILL_ID)
    client.cancel_bill(BILL_ID, 10000)
    for bill_id in ("ERROR", "PROTOCOL", "TRANSPORT"):
        with pytest.raises(payssam.PaySsamError):
            client.read_bill(bill_id)
        with pytest.raises(payssam.PaySsamError):
            client.cancel_bill(bill_id, 1)


def scripted(request: httpx.Request) -> httpx.Response:
    """Answers by bill_id: ERROR, PROTOCOL and TRANSPORT fail, with the key in the failure; else success."""
    sent = json.loads(request.content)
    if sent["bill_id"] == "ERROR":
        return httpx.Response(200, json={"code": "9980", "msg": f"no bill for {KEY}", "apikey": KEY})
    if sent["bill_id"] == "PROTOCOL":
        return httpx.Response(500, text=f"stack trace ... apikey={KEY}")
    if sent["bill_id"] == "TRANSPORT":
        raise httpx.ConnectError(f"refused for {KEY}", request=request)
    body = CANCELLED if request.url.path.endswith("/cancel") else READ_PAID
    return httpx.Response(200, json={**body, "apikey": sent["apikey"], "bill_id": sent["bill_id"]})


def test_logs_never_show_the_key(captured: Capture) -> None:
    calls_with_every_outcome(sync_client(scripted))
    check_records(captured)
    assert any(record.name == "httpx" for record in captured.records)  # the capture sees library logs too


async def test_logs_never_show_the_key_async(captured: Capture) -> None:
    client = async_client(scripted)
    await client.read_bill(BILL_ID)
    await client.cancel_bill(BILL_ID, 10000)
    for bill_id in ("ERROR", "PROTOCOL", "TRANSPORT"):
        with pytest.raises(payssam.PaySsamError):
            await client.read_bill(bill_id)
    check_records(captured)


def test_log_capture_would_see_a_leak(captured: Capture) -> None:
    logging.getLogger("payssam").debug("leak %s", KEY)
    with pytest.raises(AssertionError):
        check_records(captured)


# --------------------------------------------------------------------------- redaction helpers


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("01012345678", "010****5678"), ("0101234567", "010***4567"), ("01698765432", "016****5432"), ("0101", "***")],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("name", "masked"), [("홍길동", "홍**"), ("김철", "김*"), ("A", "A*"), ("", "")])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("연락처 01012345678 입니다", "연락처 010****5678 입니다"),
        ("a0101234567b", "a010***4567b"),
        ("call 010-1234-5678 now", "call 010-****-5678 now"),
        ("call 010 1234 5678 now", "call 010 **** 5678 now"),
        ('{"apikey": "abc", "x": 1}', '{"apikey": "***", "x": 1}'),
        ('{"apikey":"a\\"b","apikey" : "c"}', '{"apikey":"***","apikey" : "***"}'),
    ],
)
def test_redact_masks_phones_and_apikey_members(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_removes_given_secrets_longest_first() -> None:
    assert redact(f"key={KEY};", [KEY]) == "key=***;"
    assert redact("abcdef abc", ["abc", "abcdef"]) == "*** ***"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bill BILL0001 paid 10000 won at 20261125143000",
        "order 010123456789 and 1234567890",
        '{"apikeys": "plural is another member", "code": "0000"}',
        "apikey is a word here",
        "성공하였습니다.",
    ],
)
def test_redact_leaves_unrelated_text_unchanged(text: str) -> None:
    assert redact(text, [KEY]) == text


def test_redact_ignores_empty_secrets() -> None:
    assert redact("abc", ["", KEY]) == "abc"


def test_excerpt_redacts_before_truncating() -> None:
    content = b"a" * 195 + KEY.encode() + b"tail"
    shown = excerpt(content, [KEY])
    assert len(shown) <= 201
    assert KEY[:5] not in shown
    assert shown.startswith("a" * 195 + "***")


def test_secret_hides_its_value() -> None:
    secret = Secret(KEY)
    assert_clean(repr(secret), str(secret), f"{secret}", f"{secret!r}", [secret])
    assert secret.reveal() == KEY


def test_secret_cannot_be_pickled_or_copied() -> None:
    secret = Secret(KEY)
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(TypeError):
        copy.deepcopy(secret)


def test_client_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(payssam.PaySsam(KEY, MEMBER, MERCHANT, OFFLINE_URL))
