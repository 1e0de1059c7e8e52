"""The client against Prism serving the bundled contract with --errors.

Prism refuses (HTTP 400) any request that breaks the contract, so a success
here means the client's requests fit it; its named examples drive every answer.
Prism also POSTs send's approval callback to the request's callbackURL, so every
callbackURL here is on loopback.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payssam import (
    APPROVAL_ACK,
    APPROVAL_ACK_CONTENT_TYPE,
    KST,
    AsyncPaySsam,
    BillState,
    BillStatus,
    Cancellation,
    Destruction,
    PaySsam,
    Resend,
    SentBill,
    parse_approval,
)
from payssam._errors import API_ERRORS, ApiError, OutcomeUnknownError, PaySsamError

from kit import APIKEY, MEMBER, MERCHANT, ROOT, attempt_error, free_port
from oracle import URI, callback_request_schema, response_examples, validator
from prism import Prism

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"
SEND = "/if/bill/send"
RESEND = "/if/bill/resend"
DESTROY = "/if/bill/destroy"
PATHS = [READ, CANCEL, SEND, RESEND, DESTROY]
STATE_OF_EXAMPLE = {
    "paid": BillState.PAID,
    "unpaid": BillState.UNPAID,
    "cancelled": BillState.CANCELLED,
    "destroyed": BillState.DESTROYED,
    "paid_cash_receipt": BillState.PAID,
}

bill_ids = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)
prices = st.one_of(st.integers(0, 9_999_999_999), st.from_regex(r"[0-9]{1,10}", fullmatch=True))
contract_settings = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
name_start = st.one_of(hangul, st.sampled_from(string.ascii_letters + string.digits))
names = st.builds(
    str.__add__, name_start, st.text(alphabet=st.one_of(name_start, st.sampled_from(" .-()")), max_size=19)
)
send_inputs = st.fixed_dictionaries(
    {
        "phone": st.from_regex(r"01[0-9]{8,9}", fullmatch=True),
        "customer_name": names,
        "product_name": names,
    },
    optional={
        "message": names,
        "issuer": names,
        "expires_on": st.integers(1, 365).map(lambda days: datetime.now(KST).date() + timedelta(days=days)),
    },
)
lifecycle_settings = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SEND_ARGS = {"phone": "01012345678", "customer_name": "홍길동", "product_name": "11월 수강료"}


def loopback_callback() -> str:
    """A callbackURL for Prism to POST the approval to: loopback, a port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/approval"


def prefer(example: str) -> dict[str, str]:
    return {"Prefer": f"code=200, example={example}"}


def sync_client(prism: Prism, headers: dict[str, str] | None = None) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=httpx.Client(headers=headers))


def async_client(prism: Prism, headers: dict[str, str] | None = None) -> AsyncPaySsam:
    return AsyncPaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=httpx.AsyncClient(headers=headers))


@pytest.mark.parametrize(
    "path", ["/if/bill/read", "/if/bill/cancel", "/if/bill/send", "/if/bill/resend", "/if/bill/destroy"]
)
def test_prism_refuses_what_breaks_the_contract_with_400(prism: Prism, path: str) -> None:
    """The checks below are only meaningful if the mock really validates requests; 400 is the status the contract
    declares for a bad request (Prism would fall back to 422 without it), and what the README promises."""
    bad = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": "NOT-VALID-ID"}
    assert httpx.post(prism.base_url + path, json=bad).status_code == 400


@contract_settings
@given(bill_id=bill_ids, price=prices)
def test_sync_requests_fit_the_contract(prism: Prism, bill_id: str, price: int | str) -> None:
    with sync_client(prism) as client:
        status = client.read_bill(bill_id)
        cancellation = client.cancel_bill(bill_id, price)
    assert isinstance(status, BillStatus)
    assert status.bill_id == bill_id
    assert status.state is BillState.PAID
    assert isinstance(cancellation, Cancellation)
    assert cancellation.bill_id == bill_id


@contract_settings
@given(bill_id=bill_ids, price=prices)
def test_async_requests_fit_the_contract(prism: Prism, bill_id: str, price: int | str) -> None:
    async def run() -> tuple[BillStatus, Cancellation]:
        async with async_client(prism) as client:
            return await asyncio.gather(client.read_bill(bill_id), client.cancel_bill(bill_id, price))

    status, cancellation = asyncio.run(run())
    assert status.state is BillState.PAID
    assert cancellation.bill_id == bill_id


@pytest.mark.parametrize("example", list(STATE_OF_EXAMPLE))
def test_each_read_success_example_gives_its_state(prism: Prism, example: str) -> None:
    with sync_client(prism, prefer(example)) as client:
        assert client.read_bill("ABC123").state is STATE_OF_EXAMPLE[example]


def test_every_success_example_of_read_is_covered(spec: dict[str, Any]) -> None:
    names = {n for n in response_examples(spec, READ) if not n.startswith("error_")}
    assert names == set(STATE_OF_EXAMPLE)


# One valid call per operation, for a PaySsam (returns the result) or an AsyncPaySsam (returns its coroutine).
CALLS: dict[str, Callable[[Any], Any]] = {
    READ: lambda client: client.read_bill("ABC123"),
    CANCEL: lambda client: client.cancel_bill("ABC123", 10000),
    SEND: lambda client: client.send_bill("ABC123", 10000, callback_url=loopback_callback(), **SEND_ARGS),
    RESEND: lambda client: client.resend_bill("ABC123"),
    DESTROY: lambda client: client.destroy_bill("ABC123", 10000),
}


def call(client: PaySsam, path: str) -> object:
    return CALLS[path](client)


ERROR_CASES = [(path, code) for path in PATHS for code in sorted(API_ERRORS)]


def only_on(path: str, example: str) -> Callable[[httpx.Request], None]:
    """A request hook choosing `example` for calls to path; a write's read-back finds no bill (error_9980)."""

    def choose(request: httpx.Request) -> None:
        chosen = example if request.url.path == path else "error_9980"
        request.headers["Prefer"] = prefer(chosen)["Prefer"]

    return choose


@pytest.mark.parametrize(("path", "code"), ERROR_CASES)
def test_each_named_error_example_surfaces_as_its_exception(prism: Prism, path: str, code: str) -> None:
    hooks = {"request": [only_on(path, f"error_{code}")]}
    with (
        httpx.Client(event_hooks=hooks) as http,
        PaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=http, max_retries=0) as client,
        pytest.raises(PaySsamError) as raised,
    ):
        call(client, path)
    error = settled(path, code, raised.value)
    assert type(error) is API_ERRORS[code]
    assert error.code == code
    assert error.message


WRITE_PATHS = ("/if/bill/send", "/if/bill/cancel", "/if/bill/destroy")


def settled(path: str, code: str, error: PaySsamError) -> ApiError:
    """The ApiError a call raised for code: itself, or, for a write answered 5000 (which may hide a write that took
    effect), the cause of the OutcomeUnknownError raised when the read-back could not settle it."""
    if code == "5000" and path in WRITE_PATHS:
        assert type(error) is OutcomeUnknownError
        error = attempt_error(error)
    assert isinstance(error, ApiError), error
    return error


@pytest.mark.parametrize(("path", "code"), ERROR_CASES)
def test_each_named_error_example_surfaces_async(prism: Prism, path: str, code: str) -> None:
    choose = only_on(path, f"error_{code}")

    async def hook(request: httpx.Request) -> None:
        choose(request)

    async def run() -> None:
        async with (
            httpx.AsyncClient(event_hooks={"request": [hook]}) as http,
            AsyncPaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=http, max_retries=0) as client,
        ):
            await CALLS[path](client)

    with pytest.raises(PaySsamError) as raised:
        asyncio.run(run())
    assert type(settled(path, code, raised.value)) is API_ERRORS[code]


def test_the_lifecycle_calls_cover_every_operation(spec: dict[str, Any]) -> None:
    assert sorted(CALLS) == sorted(PATHS) == sorted(spec["paths"])


@pytest.mark.parametrize(
    ("path", "bill"),
    [
        (SEND, {"phone": "010-1234-5678"}),
        (SEND, {"callbackURL": "http://127.0.0.1:9/approval%zz"}),  # the `uri` format, asserted by Prism
        (SEND, {"expire_dt": "2026-02-30"}),  # the `date` format
        (RESEND, {"bill_id": "ABC-123"}),
        (DESTROY, {"price": "1,000"}),
    ],
)
def test_prism_refuses_send_resend_destroy_bodies_that_break_the_contract(
    prism: Prism, path: str, bill: dict[str, str]
) -> None:
    """Without these refusals, the successes below would prove nothing."""
    credentials = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
    send = {"bill_id": "ABC123", "price": "10000", "phone": "01012345678", "hash": "0" * 64}
    send |= {"member_nm": "홍길동", "product_nm": "수강료", "callbackURL": loopback_callback()}
    body = {
        SEND: {**credentials, "bill": {**send, **bill}},
        RESEND: {**credentials, "bill_id": "ABC123", **bill},
        DESTROY: {**credentials, "bill_id": "ABC123", "price": "10000", "hash": "0" * 64, **bill},
    }[path]
    assert httpx.post(prism.base_url + path, json=body).status_code == 400


@lifecycle_settings
@given(bill_id=bill_ids, price=prices, send=send_inputs)
def test_sync_send_resend_destroy_fit_the_contract(
    prism: Prism, spec: dict[str, Any], bill_id: str, price: int | str, send: dict[str, Any]
) -> None:
    with sync_client(prism) as client:
        sent = client.send_bill(bill_id, price, callback_url=loopback_callback(), **send)
        resent = client.resend_bill(bill_id)
        destroyed = client.destroy_bill(bill_id, price)
    assert isinstance(sent, SentBill)
    assert (sent.bill_id, sent.short_url) == (bill_id, response_examples(spec, SEND)["sent"]["value"]["shortURL"])
    assert isinstance(resent, Resend)
    assert resent.bill_id == bill_id
    assert isinstance(destroyed, Destruction)
    assert destroyed.bill_id == bill_id


@lifecycle_settings
@given(bill_id=bill_ids, price=prices, send=send_inputs)
def test_async_send_resend_destroy_fit_the_contract(
    prism: Prism, bill_id: str, price: int | str, send: dict[str, Any]
) -> None:
    async def run() -> tuple[SentBill, Resend, Destruction]:
        async with async_client(prism) as client:
            return await asyncio.gather(
                client.send_bill(bill_id, price, callback_url=loopback_callback(), **send),
                client.resend_bill(bill_id),
                client.destroy_bill(bill_id, price),
            )

    sent, resent, destroyed = asyncio.run(run())
    assert isinstance(sent, SentBill)
    assert isinstance(resent, Resend)
    assert isinstance(destroyed, Destruction)
    assert sent.bill_id == resent.bill_id == destroyed.bill_id == bill_id


class CallbackReceiver(ThreadingHTTPServer):
    """A loopback HTTP server that answers each POST with reply and keeps the bodies it got."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.bodies: list[bytes] = []
        self.received = threading.Event()
        super().__init__(("127.0.0.1", free_port()), CallbackHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/approval"


class CallbackHandler(BaseHTTPRequestHandler):
    server: CallbackReceiver

    def do_POST(self) -> None:
        self.server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Type", APPROVAL_ACK_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(self.server.reply)))
        self.end_headers()
        self.wfile.write(self.server.reply)
        self.server.received.set()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def receiver(reply: bytes) -> Iterator[CallbackReceiver]:
    server = CallbackReceiver(reply)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for_log(prism: Prism, since: int, needle: str, after: int = 0) -> int:
    """Where needle appears in Prism's log (from offset since, at or after after), waiting up to 5 s."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = prism.log()[since:].find(needle, after)
        if found >= 0:
            return found
        time.sleep(0.02)
    raise AssertionError(f"Prism did not log {needle!r} within 5 s")


def callback_log(prism: Prism, since: int, url: str) -> str:
    """Prism's log of its callback to url, up to and including its check of the reply.

    Prism checks the reply as soon as it has read it, before it handles any later request, so
    the log is complete up to the next request it receives: this sends one and cuts there.
    """
    start = wait_for_log(prism, since, f"callback to {url}")
    wait_for_log(prism, since, "Received callback response", start)
    httpx.post(prism.base_url + RESEND, json={})
    end = wait_for_log(prism, since, f"post {RESEND}", start)
    return prism.log()[since:][start:end]


@pytest.mark.parametrize(
    ("reply", "violation"), [(APPROVAL_ACK, False), (b'{"code": "0000"}', True)], ids=["APPROVAL_ACK", "without-msg"]
)
def test_prism_calls_back_with_an_approval_the_sdk_parses_and_takes_its_ack(
    prism: Prism, spec: dict[str, Any], reply: bytes, violation: bool
) -> None:
    """The SDK's APPROVAL_ACK passes Prism's check of the callback reply; an ack without msg does not."""
    since = len(prism.log())
    with receiver(reply) as server:
        with sync_client(prism) as client:
            client.send_bill("ABC123", 10000, callback_url=server.url, **SEND_ARGS)
        assert server.received.wait(5), "Prism did not POST the approval callback"
        log = callback_log(prism, since, server.url)
        [body] = server.bodies
    approval = json.loads(body)
    assert validator(callback_request_schema(spec, SEND, "approval")).is_valid(approval)
    assert parse_approval(body).bill_id == approval["bill_id"]
    assert ("Violation" in log) is violation, log


@pytest.mark.prism  # reads ajv-formats, Prism's own format checks, from mock/node_modules
def test_the_oracle_checks_uri_like_the_mock() -> None:
    """oracle.URI is ajv-formats' expression, which Prism asserts for `format: uri`."""
    source = (ROOT / "mock" / "node_modules" / "ajv-formats" / "dist" / "formats.js").read_text(encoding="utf-8")
    [mock] = re.findall(r"^const URI = /(.*)/i;$", source, re.MULTILINE)
    assert mock == URI
