"""Hygiene and classification: secrets out of results and excerpts, answers classified by what they prove.

Everything goes through an httpx.MockTransport; the apikey has a "/" so its JSON-escaped spellings differ
from it. Constructors refuse what they cannot use before anything is sent; approvals are confirmed by
reading the bill back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import payssam

from kit import (
    GZIP_JSON,
    MEMBER,
    MODES,
    SANDBOX,
    Handler,
    attempt_error,
    fails,
    offline_async_client,
    offline_client,
    ok,
    raw,
    streamed,
)

KEY = "SECRET/KEY-0123456789abcdefXYZ"
BILL_ID = "BILL0001"
PRICE = 10000
CLIENTS = [payssam.PaySsam, payssam.AsyncPaySsam]
SETTINGS: dict[str, Any] = {"apikey": KEY, "max_retries": 0, "backoff": payssam.Backoff(0.0, 0.0)}

READ_UNPAID = {"code": "0000", "msg": "ok", "bill_id": BILL_ID, "appr_state": "W", "appr_price": str(PRICE)}
READ_PAID = {**READ_UNPAID, "appr_state": "F", "appr_num": "30012345", "appr_dt": "20261125143000"}
READ_CANCELLED = {
    **READ_UNPAID,
    "appr_state": "C",
    "appr_num": "30012399",
    "appr_origin_num": "30012345",
    "appr_dt": "20261125150000",
    "appr_origin_dt": "20261125143000",
}
CANCEL_OK = {
    "code": "0000",
    "msg": "ok",
    "bill_id": BILL_ID,
    "appr_num": "30012399",
    "appr_cancel_dt": "20261125150000",
}
SEND_ARGS: dict[str, Any] = {
    "phone": "01012345678",
    "customer_name": "홍길동",
    "product_name": "수강료",
    "callback_url": "https://partner.example/approval",
}


class Router:
    """A MockTransport handler answering by path (the last path component), keeping every request."""

    def __init__(self, **answers: Handler) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        op = request.url.path.rsplit("/", 1)[-1]
        assert op in self.answers, f"unexpected request to {request.url.path}"
        return self.answers[op](request)

    def count(self, op: str) -> int:
        return sum(1 for request in self.requests if request.url.path.endswith("/" + op))


async def run(mode: str, router: Router, method: str, *args: Any, **kwargs: Any) -> Any:
    """method on a fresh client (the KEY, no retries unless settings say so) answered by router."""
    settings = {**SETTINGS, **kwargs.pop("settings", {})}
    if mode == "sync":
        return getattr(offline_client(router, **settings), method)(*args, **kwargs)
    return await getattr(offline_async_client(router, **settings), method)(*args, **kwargs)


async def raised(mode: str, router: Router, method: str, *args: Any, **kwargs: Any) -> payssam.PaySsamError:
    with pytest.raises(payssam.PaySsamError) as info:
        await run(mode, router, method, *args, **kwargs)
    return info.value


def unescaped(text: str) -> str:
    """text with JSON's \\uXXXX and \\/ escapes undone (nothing else touched)."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), text)
    return text.replace("\\/", "/")


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY not in text
        assert KEY not in unescaped(text)


# --------------------------------------------------------------------------- the apikey out of results

ECHOES: list[Any] = [
    pytest.param({"apikey": KEY}, id="apikey"),
    pytest.param({"apiKey": KEY}, id="apiKey"),
    pytest.param({"api_key": KEY}, id="api_key"),
    pytest.param({"API-KEY": KEY}, id="API-KEY"),
    pytest.param({"Api_Key": KEY, "APIKEY": KEY}, id="two-spellings"),
    pytest.param({"echo": {"apikey": KEY, "other": "kept"}}, id="nested-object"),
    pytest.param({"echo": [{"api_key": KEY, "other": "kept"}]}, id="nested-in-array"),
    pytest.param({"echo": [[{"request": {"API-KEY": KEY}}]]}, id="deeply-nested"),
]


def members(value: Any) -> set[str]:
    """Every member name in a JSON value, nested ones too."""
    if isinstance(value, dict):
        return set(value) | {name for item in value.values() for name in members(item)}
    if isinstance(value, list):
        return {name for item in value for name in members(item)}
    return set()


def check_clean(result: Any) -> None:
    """Neither the result, nor its raw model, nor the raw model as JSON shows the key."""
    assert result.raw is not None
    dumped = json.dumps(result.raw.to_dict(), ensure_ascii=False)
    assert_no_key(repr(result), repr(result.raw), str(result.raw.additional_properties), dumped)
    spelled = [name for name in members(result.raw.to_dict()) if re.fullmatch(r"api[-_]?key", name, re.IGNORECASE)]
    assert not spelled


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("echo", ECHOES)
async def test_an_echoed_apikey_is_dropped_from_every_result(mode: str, echo: dict[str, Any]) -> None:
    check_clean(await run(mode, Router(read=ok({**READ_UNPAID, **echo})), "read_bill", BILL_ID))
    check_clean(await run(mode, Router(cancel=ok({**CANCEL_OK, **echo})), "cancel_bill", BILL_ID, PRICE))
    send = ok({"code": "0000", "bill_id": BILL_ID, "shortURL": "https://payssam.kr/b/x", **echo})
    check_clean(await run(mode, Router(send=send), "send_bill", BILL_ID, PRICE, **SEND_ARGS))
    check_clean(await run(mode, Router(destroy=ok({"code": "0000", **echo})), "destroy_bill", BILL_ID, PRICE))
    check_clean(await run(mode, Router(resend=ok({"code": "0000", **echo})), "resend_bill", BILL_ID))


@pytest.mark.parametrize("mode", MODES)
async def test_other_members_beside_an_echoed_apikey_are_kept(mode: str) -> None:
    answer = {**READ_UNPAID, "echo": [{"api_key": KEY, "other": "kept"}, 7], "member": MEMBER}
    status = await run(mode, Router(read=ok(answer)), "read_bill", BILL_ID)
    assert status.raw.additional_properties == {"echo": [{"other": "kept"}, 7], "member": MEMBER}


VALUES: list[Any] = [
    pytest.param({"token": KEY}, {"token": "***"}, id="under-another-key"),
    pytest.param({"note": f"key {KEY} was used"}, {"note": "key *** was used"}, id="inside-a-text"),
    pytest.param({"echo": {"request": {"key": KEY}}}, {"echo": {"request": {"key": "***"}}}, id="nested-value"),
    pytest.param({"echo": [KEY, "x"]}, {"echo": ["***", "x"]}, id="in-an-array"),
    pytest.param({"member": KEY}, {"member": "***"}, id="member-not-declared-on-reads"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("extra", "kept"), VALUES)
async def test_the_apikey_as_a_value_under_another_key_is_masked(
    mode: str, extra: dict[str, Any], kept: dict[str, Any]
) -> None:
    status = await run(mode, Router(read=ok({**READ_UNPAID, **extra})), "read_bill", BILL_ID)
    assert status.raw.additional_properties == kept
    check_clean(status)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"appr_issuer": f"card of {KEY}"}, id="declared-text-field"),
        pytest.param({KEY: "x"}, id="as-a-member-name"),
        pytest.param({"echo": {KEY: 1}}, id="as-a-nested-member-name"),
    ],
)
async def test_the_apikey_anywhere_else_in_a_result_is_never_shown(mode: str, extra: dict[str, Any]) -> None:
    status = await run(mode, Router(read=ok({**READ_UNPAID, **extra})), "read_bill", BILL_ID)
    check_clean(status)


@pytest.mark.parametrize("mode", MODES)
async def test_the_apikey_echoed_as_the_bill_id_is_not_shown_even_in_part(mode: str) -> None:
    """The "about another bill" message quotes up to 20 characters of the echoed id: none of them the key's."""
    error = await raised(mode, Router(read=ok({**READ_UNPAID, "bill_id": KEY})), "read_bill", BILL_ID)
    assert isinstance(error, payssam.ProtocolError)
    assert_no_key(str(error))
    assert KEY[:12] not in str(error)


# --------------------------------------------------------------------------- excerpts

SLASH_ESCAPED = KEY.replace("/", "\\/")
ALL_ESCAPED = "".join(f"\\u{ord(char):04x}" for char in KEY)
UPPER_ESCAPED = "".join(f"\\u{ord(char):04X}" for char in KEY)
MIXED_ESCAPED = "".join(f"\\u{ord(char):04x}" if i % 2 else char for i, char in enumerate(KEY)).replace("/", "\\/")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [400, 500, 200])
@pytest.mark.parametrize(
    "spelled",
    [
        pytest.param(KEY, id="plain"),
        pytest.param(SLASH_ESCAPED, id="slash-escaped"),
        pytest.param(ALL_ESCAPED, id="u-escaped"),
        pytest.param(UPPER_ESCAPED, id="u-escaped-upper-hex"),
        pytest.param(MIXED_ESCAPED, id="mixed"),
    ],
)
async def test_a_json_escaped_apikey_in_an_error_body_is_masked(mode: str, status: int, spelled: str) -> None:
    assert json.loads(f'"{spelled}"') == KEY  # the premise: a JSON parser reads it as the key
    body = f'{{"error": "key {spelled} refused", "trace": "x"'.encode()  # cut short: never valid JSON
    for method, args in [("read_bill", (BILL_ID,)), ("resend_bill", (BILL_ID,))]:
        error = await raised(mode, Router(read=raw(status, body), resend=raw(status, body)), method, *args)
        assert isinstance(error, payssam.ProtocolError)
        assert error.status_code == status
        assert "***" in error.excerpt
        assert "refused" in error.excerpt
        assert_no_key(error.excerpt, str(error), repr(error))


PHONES: list[Any] = [
    pytest.param("+82-10-1234-5678", "+82-10-****-5678", id="plus-82-dashes"),
    pytest.param("82 10 1234 5678", "82 10 **** 5678", id="82-spaces"),
    pytest.param("010.1234.5678", "010.****.5678", id="dots"),
    pytest.param("+821012345678", "+8210****5678", id="plus-82-digits"),
    pytest.param("010-1234-5678", "010-****-5678", id="dashes"),
    pytest.param("01012345678", "010****5678", id="digits"),
    pytest.param("010 1234 5678", "010 **** 5678", id="spaces"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("phone", "masked"), PHONES)
async def test_phone_numbers_in_excerpts_are_masked(mode: str, phone: str, masked: str) -> None:
    body = f"<html>customer {phone} not reachable</html>".encode()
    error = await raised(mode, Router(read=raw(502, body)), "read_bill", BILL_ID)
    assert isinstance(error, payssam.ProtocolError)
    assert masked in error.excerpt
    assert "1234" not in error.excerpt
    assert "1234" not in str(error)


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize("mode", MODES)
async def test_9980_about_another_bill_is_a_protocol_error(mode: str) -> None:
    answer = {"code": "9980", "msg": "Bill not found", "bill_id": "SOMEONEELSE1"}
    error = await raised(mode, Router(read=ok(answer)), "read_bill", BILL_ID)
    assert type(error) is payssam.ProtocolError
    assert not isinstance(error, payssam.BillNotFoundError)
    assert "SOMEONEELSE1" in str(error)
    assert (error.operation, error.bill_id) == ("read_bill", BILL_ID)


@pytest.mark.parametrize("mode", MODES)
async def test_9980_about_another_bill_never_settles_a_send_as_not_done(mode: str) -> None:
    """Taken as "no such bill", it would send the bill again; it proves nothing, so the outcome stays unknown."""
    router = Router(send=fails(httpx.ReadError), read=ok({"code": "9980", "bill_id": "SOMEONEELSE1"}))
    error = await raised(mode, router, "send_bill", BILL_ID, PRICE, **SEND_ARGS, settings={"max_retries": 2})
    assert type(error) is payssam.OutcomeUnknownError
    assert type(error.__cause__) is payssam.ProtocolError
    assert router.count("send") == 1


MAY = "may have taken effect"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "answer",
    [pytest.param(raw(503, b"busy"), id="http-503"), pytest.param(fails(httpx.ReadError), id="read-error")],
)
async def test_a_failed_write_says_it_may_have_taken_effect_and_a_read_does_not(mode: str, answer: Handler) -> None:
    unchanged = {"read": ok({"code": "9980"})}
    read = await raised(mode, Router(read=answer), "read_bill", BILL_ID)
    assert MAY not in str(read)
    resend = await raised(mode, Router(resend=answer), "resend_bill", BILL_ID)
    assert MAY in str(resend)
    send = await raised(mode, Router(send=answer, **unchanged), "send_bill", BILL_ID, PRICE, **SEND_ARGS)
    assert MAY in str(send)
    cancel = await raised(mode, Router(cancel=answer, read=ok(READ_PAID)), "cancel_bill", BILL_ID, PRICE)
    assert MAY in str(cancel)
    destroy = await raised(mode, Router(destroy=answer, read=ok(READ_UNPAID)), "destroy_bill", BILL_ID, PRICE)
    assert MAY in str(destroy)


BROKEN_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 24


@pytest.mark.parametrize("mode", MODES)
async def test_a_cancel_answered_with_broken_gzip_is_settled_by_the_read_back(mode: str) -> None:
    router = Router(cancel=streamed(BROKEN_GZIP, GZIP_JSON), read=ok(READ_CANCELLED))
    result = await run(mode, router, "cancel_bill", BILL_ID, PRICE)
    assert result.recovered is True
    assert result.original_approval_number == "30012345"
    assert router.count("cancel") == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_cancel_answered_with_broken_gzip_and_still_paid_is_a_protocol_error(mode: str) -> None:
    router = Router(cancel=streamed(BROKEN_GZIP, GZIP_JSON), read=ok(READ_PAID))
    error = await raised(mode, router, "cancel_bill", BILL_ID, PRICE)
    assert type(error) is payssam.OutcomeUnknownError  # an undecodable answer may hide a cancel that took effect
    check_undecodable(attempt_error(error))
    assert router.count("read") == 1
    assert router.count("cancel") == 1


def check_undecodable(error: payssam.PaySsamError, status: int = 200) -> None:
    """An answer came whose body could not be decoded: a ProtocolError about the encoding, not "no answer"."""
    assert not isinstance(error, payssam.TransportError)
    assert "got no answer" not in str(error)
    assert type(error) is payssam.ProtocolError
    assert "compressed" in str(error) or "encod" in str(error).lower()
    assert error.status_code == status


class ReadingTransport(httpx.BaseTransport):
    """A caller's transport that reads every answer itself (as logging or caching transports do)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return response


class AsyncReadingTransport(httpx.AsyncBaseTransport):
    """ReadingTransport for the awaitable client."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return response


def test_broken_gzip_read_by_the_callers_transport_is_not_a_lost_answer() -> None:
    """httpx itself raises DecodingError when a transport reads the answer: an answer all the same."""
    router = Router(cancel=streamed(BROKEN_GZIP, GZIP_JSON), read=ok(READ_PAID))
    http = httpx.Client(transport=ReadingTransport(httpx.MockTransport(router)))
    with http, pytest.raises(payssam.PaySsamError) as info:
        payssam.PaySsam(**{**SANDBOX, **SETTINGS}, http_client=http).cancel_bill(BILL_ID, PRICE)
    assert type(info.value) is payssam.OutcomeUnknownError  # the cancel may have taken effect
    check_undecodable(attempt_error(info.value), status=0)  # the transport failed before handing the answer over


async def test_broken_gzip_read_by_the_callers_transport_is_not_a_lost_answer_async() -> None:
    router = Router(cancel=streamed(BROKEN_GZIP, GZIP_JSON), read=ok(READ_PAID))
    async with httpx.AsyncClient(transport=AsyncReadingTransport(httpx.MockTransport(router))) as http:
        with pytest.raises(payssam.PaySsamError) as info:
            await payssam.AsyncPaySsam(**{**SANDBOX, **SETTINGS}, http_client=http).cancel_bill(BILL_ID, PRICE)
    assert type(info.value) is payssam.OutcomeUnknownError
    check_undecodable(attempt_error(info.value), status=0)


# --------------------------------------------------------------------------- constructors


def recording(requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=READ_UNPAID)

    return httpx.MockTransport(handler)


async def test_a_blocking_client_refuses_an_async_http_client() -> None:
    requests: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=recording(requests))
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam(**SANDBOX, http_client=http)  # type: ignore[arg-type]
    assert info.value.field == "http_client"
    assert "AsyncClient" in str(info.value)
    await http.aclose()
    assert requests == []


async def test_an_async_client_refuses_a_blocking_http_client() -> None:
    requests: list[httpx.Request] = []
    with httpx.Client(transport=recording(requests)) as http, pytest.raises(payssam.ValidationError) as info:
        payssam.AsyncPaySsam(**SANDBOX, http_client=http)  # type: ignore[arg-type]
    assert info.value.field == "http_client"
    assert requests == []


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("http_client", ["http://x", object(), 1])
def test_an_http_client_of_another_kind_is_refused(cls: type[payssam.PaySsam], http_client: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX, http_client=http_client)  # type: ignore[arg-type]
    assert info.value.field == "http_client"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("environ", ["x", ["PAYSSAM_APIKEY"], 1])
def test_from_env_refuses_an_environ_that_is_not_a_mapping(cls: type[payssam.PaySsam], environ: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls.from_env(environ)
    assert info.value.field == "environ"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("http://h h", id="space-in-host"),
        pytest.param("http://a..b", id="empty-label"),
        pytest.param("https://xn--", id="bare-ace-prefix"),
        pytest.param("https://xn--zz-zz.example", id="bad-punycode"),
        pytest.param("http://h\ud800.example", id="lone-surrogate-in-host"),
        pytest.param("http://127.0.0.1:9/\udcff", id="lone-surrogate-in-path"),
        pytest.param("http://-a.example", id="label-starting-with-hyphen"),
        pytest.param("http://a\tb.example", id="tab"),
    ],
)
def test_a_base_url_that_cannot_be_used_is_refused(cls: type[payssam.PaySsam], base_url: str) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls(**{**SANDBOX, "base_url": base_url})
    assert info.value.field == "base_url"


@pytest.mark.parametrize("cls", CLIENTS)
def test_digest_none_is_refused(cls: type[payssam.PaySsam]) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX, digest=None)  # type: ignore[arg-type]
    assert info.value.field == "digest"


def broken_digest(value: object) -> Callable[[str], Any]:
    return lambda preimage: value


def raising_digest(preimage: str) -> str:
    raise RuntimeError("no hash today")


BAD_DIGESTS: list[Any] = [
    pytest.param(broken_digest(b"0" * 64), id="bytes"),
    pytest.param(broken_digest(0), id="int"),
    pytest.param(broken_digest(None), id="none"),
    pytest.param(broken_digest("a" * 40), id="sha1-length-hex"),
    pytest.param(broken_digest("A" * 64), id="upper-case-hex"),
    pytest.param(broken_digest("a" * 63), id="63-characters"),
    pytest.param(broken_digest("g" * 64), id="not-hex"),
    pytest.param(broken_digest("a" * 64 + "\n"), id="trailing-newline"),
    pytest.param(raising_digest, id="raises"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("digest", BAD_DIGESTS)
async def test_a_digest_that_returns_no_sha256_hex_is_refused_before_a_write(
    mode: str, digest: Callable[[str], Any]
) -> None:
    router = Router(read=ok(READ_UNPAID))
    settings = {"digest": digest}
    for method, args, kwargs in [
        ("send_bill", (BILL_ID, PRICE), SEND_ARGS),
        ("cancel_bill", (BILL_ID, PRICE), {}),
        ("destroy_bill", (BILL_ID, PRICE), {}),
    ]:
        error = await raised(mode, router, method, *args, **kwargs, settings=settings)
        assert type(error) is payssam.ValidationError
        assert error.field == "digest"
    assert router.requests == []  # nothing was sent
    assert isinstance(await run(mode, router, "read_bill", BILL_ID, settings=settings), payssam.BillStatus)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("max_retries", [-1, 11, True, False, "2", 2.0, None])
def test_max_retries_out_of_range_or_type_is_refused(cls: type[payssam.PaySsam], max_retries: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX, max_retries=max_retries)  # type: ignore[arg-type]
    assert info.value.field == "max_retries"
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX).with_options(max_retries=max_retries)  # type: ignore[arg-type]
    assert info.value.field == "max_retries"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "backoff",
    [
        pytest.param((0.5, 8.0), id="tuple"),
        pytest.param(0.5, id="float"),
        pytest.param(None, id="none"),
        pytest.param({"initial": 0.5}, id="dict"),
        pytest.param(payssam.Backoff(-1.0, 8.0), id="negative-initial"),
        pytest.param(payssam.Backoff(0.0, -1.0), id="negative-maximum"),
        pytest.param(payssam.Backoff(4.0, 1.0), id="initial-above-maximum"),
        pytest.param(payssam.Backoff(float("nan"), 8.0), id="nan"),
        pytest.param(payssam.Backoff(0.5, float("inf")), id="infinite"),
        pytest.param(payssam.Backoff("0.5", 8.0), id="string-seconds"),  # type: ignore[arg-type]
        pytest.param(payssam.Backoff(True, 8.0), id="bool-seconds"),
    ],
)
def test_a_backoff_of_the_wrong_type_or_negative_is_refused(cls: type[payssam.PaySsam], backoff: object) -> None:
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX, backoff=backoff)  # type: ignore[arg-type]
    assert info.value.field == "backoff"
    with pytest.raises(payssam.ValidationError) as info:
        cls(**SANDBOX).with_options(backoff=backoff)  # type: ignore[arg-type]
    assert info.value.field == "backoff"


@pytest.mark.parametrize("cls", CLIENTS)
def test_retry_settings_at_their_bounds_are_accepted(cls: type[payssam.PaySsam]) -> None:
    assert cls(**SANDBOX, max_retries=0, backoff=payssam.Backoff(0.0, 0.0)).max_retries == 0
    assert cls(**SANDBOX, max_retries=10, backoff=payssam.Backoff(8, 8)).max_retries == 10
    assert cls(**SANDBOX).with_options(max_retries=10).max_retries == 10
