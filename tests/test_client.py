"""Client construction, configuration from the environment, requests on the wire, timeouts, lifecycle.

Requests are captured with httpx.MockTransport; the timeout and refused-connection
tests use real loopback sockets on free ports.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import payssam

from kit import (
    APIKEY,
    MEMBER,
    MERCHANT,
    OFFLINE_URL,
    SANDBOX,
    Recorder,
    free_port,
    offline_async_client,
    offline_client,
)

BILL_ID = "1234567890ABCDEFGHIJ"
ENV = {
    "PAYSSAM_APIKEY": APIKEY,
    "PAYSSAM_MEMBER": MEMBER,
    "PAYSSAM_MERCHANT": MERCHANT,
    "PAYSSAM_BASE_URL": "http://127.0.0.1:9/env",
}
READ_OK = {"code": "0000", "msg": "ok", "appr_state": "W"}
CANCEL_OK = {"code": "0000", "msg": "ok", "appr_num": "1", "appr_cancel_dt": "20261125150000"}
CLIENTS = [payssam.PaySsam, payssam.AsyncPaySsam]


def by_path(request: httpx.Request) -> dict[str, Any]:
    """The answer a Recorder here gives: a cancel's success for a cancel, else an unpaid bill's read."""
    return CANCEL_OK if request.url.path.endswith("/cancel") else READ_OK


# --------------------------------------------------------------------------- construction

BAD_SETTINGS: list[Any] = [
    pytest.param("apikey", "", id="apikey-empty"),
    pytest.param("apikey", "k" * 33, id="apikey-33"),
    pytest.param("apikey", 12345, id="apikey-int"),
    pytest.param("apikey", None, id="apikey-none"),
    pytest.param("apikey", b"key", id="apikey-bytes"),
    pytest.param("member", "", id="member-empty"),
    pytest.param("member", "m" * 31, id="member-31"),
    pytest.param("member", 7, id="member-int"),
    pytest.param("merchant", "", id="merchant-empty"),
    pytest.param("merchant", "m" * 31, id="merchant-31"),
    pytest.param("merchant", ["m"], id="merchant-list"),
    pytest.param("base_url", None, id="base_url-none"),
    pytest.param("base_url", "", id="base_url-empty"),
    pytest.param("base_url", b"http://127.0.0.1", id="base_url-bytes"),
    pytest.param("base_url", "ftp://127.0.0.1/", id="base_url-ftp"),
    pytest.param("base_url", "file:///etc/passwd", id="base_url-file"),
    pytest.param("base_url", "mailto:someone@example.com", id="base_url-mailto"),
    pytest.param("base_url", "127.0.0.1:9", id="base_url-no-scheme"),
    pytest.param("base_url", "//127.0.0.1:9", id="base_url-scheme-relative"),
    pytest.param("base_url", "/if/bill", id="base_url-path-only"),
    pytest.param("base_url", "http://", id="base_url-no-host"),
    pytest.param("base_url", "http:///partner", id="base_url-empty-host"),
    pytest.param("base_url", "http://127.0.0.1:9/?env=dev", id="base_url-query"),
    pytest.param("base_url", "http://127.0.0.1:9/#top", id="base_url-fragment"),
    pytest.param("base_url", "http://user:pass@127.0.0.1:9", id="base_url-userinfo"),
    pytest.param("timeout", None, id="timeout-none"),
    pytest.param("timeout", 0, id="timeout-zero"),
    pytest.param("timeout", 0.0, id="timeout-zero-float"),
    pytest.param("timeout", -1, id="timeout-negative"),
    pytest.param("timeout", math.inf, id="timeout-inf"),
    pytest.param("timeout", math.nan, id="timeout-nan"),
    pytest.param("timeout", True, id="timeout-bool"),
    pytest.param("timeout", "5", id="timeout-str"),
    pytest.param("timeout", (5, 5), id="timeout-tuple"),
    pytest.param("timeout", httpx.Timeout(None), id="timeout-httpx-none"),
    pytest.param("timeout", httpx.Timeout(5.0, pool=None), id="timeout-httpx-pool-none"),
    pytest.param("timeout", httpx.Timeout(5.0, connect=0.0), id="timeout-httpx-connect-zero"),
    pytest.param("timeout", httpx.Timeout(5.0, read=-1.0), id="timeout-httpx-read-negative"),
]


@pytest.mark.parametrize(("field", "value"), BAD_SETTINGS)
@pytest.mark.parametrize("cls", CLIENTS)
def test_bad_setting_is_a_validation_error_naming_it(
    cls: type[payssam.PaySsam | payssam.AsyncPaySsam], field: str, value: object
) -> None:
    settings = {**SANDBOX, field: value}
    with pytest.raises(payssam.ValidationError) as info:
        cls(**settings)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, payssam.PaySsamError)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


@pytest.mark.parametrize("cls", CLIENTS)
def test_boundary_settings_are_accepted(cls: type[payssam.PaySsam | payssam.AsyncPaySsam]) -> None:
    client = cls("k" * 32, "m" * 30, "n" * 30, "https://pay.example.com/partner/", timeout=0.001)
    assert client.member == "m" * 30
    assert client.merchant == "n" * 30
    assert client.base_url == "https://pay.example.com/partner"


@pytest.mark.parametrize("timeout", [1, 2.5, httpx.Timeout(10.0, connect=1.0)])
def test_good_timeouts_are_accepted(timeout: float | httpx.Timeout) -> None:
    payssam.PaySsam(**SANDBOX, timeout=timeout)


def test_huge_int_timeout_is_a_validation_error() -> None:
    with pytest.raises(payssam.ValidationError):
        payssam.PaySsam(**SANDBOX, timeout=10**400)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:9/?", "http://127.0.0.1:9/#"])
def test_base_url_with_empty_query_or_fragment_is_refused(base_url: str) -> None:
    recorder = Recorder(by_path)
    try:
        client = offline_client(recorder, base_url=base_url)
    except payssam.ValidationError as exc:
        assert exc.field == "base_url"
        return
    client.read_bill(BILL_ID)
    assert recorder.last.url.path == "/if/bill/read"


@pytest.mark.parametrize("digest", ["md5", None])
def test_non_callable_digest_is_a_validation_error(digest: object) -> None:
    with pytest.raises(payssam.ValidationError):
        payssam.PaySsam(**SANDBOX, digest=digest)  # type: ignore[arg-type]


def test_client_exposes_its_settings() -> None:
    client = payssam.PaySsam(**SANDBOX)
    assert (client.member, client.merchant, client.base_url) == (MEMBER, MERCHANT, OFFLINE_URL)


# --------------------------------------------------------------------------- from_env


@pytest.mark.parametrize("cls", CLIENTS)
def test_from_env_reads_the_four_variables(cls: type[payssam.PaySsam | payssam.AsyncPaySsam]) -> None:
    client = cls.from_env(environ=ENV)
    assert isinstance(client, cls)
    assert client.member == MEMBER
    assert client.merchant == MERCHANT
    assert client.base_url == "http://127.0.0.1:9/env"


def test_from_env_sends_the_apikey_to_the_env_base_url() -> None:
    recorder = Recorder(by_path)
    client = payssam.PaySsam.from_env(
        environ={**ENV, "PAYSSAM_APIKEY": "ENV-KEY"},
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
        timeout=3.0,
    )
    client.read_bill(BILL_ID)
    assert str(recorder.last.url) == "http://127.0.0.1:9/env/if/bill/read"
    assert recorder.last_body()["apikey"] == "ENV-KEY"
    assert recorder.last.extensions["timeout"]["read"] == 3.0


async def test_async_from_env_sends_to_the_env_base_url() -> None:
    recorder = Recorder(by_path)
    client = payssam.AsyncPaySsam.from_env(
        environ=ENV, http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    )
    await client.read_bill(BILL_ID)
    assert str(recorder.last.url) == "http://127.0.0.1:9/env/if/bill/read"
    assert recorder.last_body()["member"] == MEMBER


@pytest.mark.parametrize("missing", sorted(ENV))
@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_from_env_names_the_missing_variable(
    cls: type[payssam.PaySsam | payssam.AsyncPaySsam], missing: str, how: str
) -> None:
    environ = {name: value for name, value in ENV.items() if name != missing}
    if how == "empty":
        environ[missing] = ""
    with pytest.raises(payssam.ValidationError) as info:
        cls.from_env(environ=environ)
    assert info.value.field == missing


def test_from_env_has_no_default_base_url() -> None:
    environ = {name: value for name, value in ENV.items() if name != "PAYSSAM_BASE_URL"}
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam.from_env(environ=environ)
    assert info.value.field == "PAYSSAM_BASE_URL"


def test_from_env_validates_the_values() -> None:
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam.from_env(environ={**ENV, "PAYSSAM_BASE_URL": "ftp://127.0.0.1"})
    assert info.value.field == "base_url"


def test_from_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAYSSAM_MEMBER", "FROM-OS-ENVIRON")
    assert payssam.PaySsam.from_env().member == "FROM-OS-ENVIRON"
    monkeypatch.delenv("PAYSSAM_APIKEY")
    with pytest.raises(payssam.ValidationError) as info:
        payssam.PaySsam.from_env()
    assert info.value.field == "PAYSSAM_APIKEY"


# --------------------------------------------------------------------------- requests

READ_FIELDS = {"apikey", "member", "merchant", "bill_id"}
CANCEL_FIELDS = READ_FIELDS | {"price", "hash"}


def check_common(request: httpx.Request, url: str) -> None:
    """POST to url with a JSON body and our User-Agent."""
    assert request.method == "POST"
    assert str(request.url) == url
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("payssam-python/")
    assert request.headers["user-agent"] == f"payssam-python/{payssam.__version__}"


def check_read_body(body: dict[str, Any], bill_id: str) -> None:
    """Exactly the BillReq fields, with our settings."""
    assert set(body) == READ_FIELDS
    assert body == {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}


def check_cancel_body(body: dict[str, Any], bill_id: str, price: str) -> None:
    """Exactly the ReqCancelBill fields; price as digits and the SHA-256 of "bill_id,price"."""
    assert set(body) == CANCEL_FIELDS
    assert body["price"] == price
    assert isinstance(body["price"], str)
    assert body["hash"] == payssam.bill_hash(bill_id, price)
    assert body["hash"] == hashlib.sha256(f"{bill_id},{price}".encode()).hexdigest()
    assert {k: body[k] for k in READ_FIELDS} == {
        "apikey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill_id": bill_id,
    }


BASES = [
    pytest.param("http://127.0.0.1:9", "http://127.0.0.1:9", id="bare"),
    pytest.param("http://127.0.0.1:9/", "http://127.0.0.1:9", id="trailing-slash"),
    pytest.param("http://127.0.0.1:9/partner/", "http://127.0.0.1:9/partner", id="prefix-slash"),
    pytest.param("https://pay.example.com/a/b", "https://pay.example.com/a/b", id="prefix-deep"),
]


@pytest.mark.parametrize(("base_url", "prefix"), BASES)
def test_read_request_sync(base_url: str, prefix: str) -> None:
    recorder = Recorder(by_path)
    result = offline_client(recorder, base_url=base_url).read_bill(BILL_ID)
    assert isinstance(result, payssam.BillStatus)
    assert len(recorder.requests) == 1
    check_common(recorder.last, prefix + "/if/bill/read")
    check_read_body(recorder.last_body(), BILL_ID)


@pytest.mark.parametrize(("base_url", "prefix"), BASES)
def test_cancel_request_sync(base_url: str, prefix: str) -> None:
    recorder = Recorder(by_path)
    result = offline_client(recorder, base_url=base_url).cancel_bill(BILL_ID, 10000)
    assert isinstance(result, payssam.Cancellation)
    check_common(recorder.last, prefix + "/if/bill/cancel")
    check_cancel_body(recorder.last_body(), BILL_ID, "10000")


@pytest.mark.parametrize(("base_url", "prefix"), BASES)
async def test_requests_async(base_url: str, prefix: str) -> None:
    recorder = Recorder(by_path)
    client = offline_async_client(recorder, base_url=base_url)
    assert isinstance(await client.read_bill(BILL_ID), payssam.BillStatus)
    check_common(recorder.last, prefix + "/if/bill/read")
    check_read_body(recorder.last_body(), BILL_ID)
    assert isinstance(await client.cancel_bill(BILL_ID, "10000"), payssam.Cancellation)
    check_common(recorder.last, prefix + "/if/bill/cancel")
    check_cancel_body(recorder.last_body(), BILL_ID, "10000")


def test_prefixed_base_url_keeps_its_path() -> None:
    recorder = Recorder(by_path)
    offline_client(recorder, base_url="http://127.0.0.1:9/partner/").read_bill("A1")
    assert recorder.last.url.path == "/partner/if/bill/read"


def test_int_and_string_price_give_the_same_body() -> None:
    recorder = Recorder(by_path)
    client = offline_client(recorder)
    client.cancel_bill("BILL1", 10000)
    as_int = recorder.last.content
    client.cancel_bill("BILL1", "10000")
    assert recorder.last.content == as_int
    assert json.loads(as_int)["price"] == "10000"


@pytest.mark.parametrize(("price", "sent"), [(0, "0"), (9_999_999_999, "9999999999"), ("0", "0"), ("1", "1")])
def test_price_bounds_are_sent_as_digits(price: int | str, sent: str) -> None:
    recorder = Recorder(by_path)
    offline_client(recorder).cancel_bill("B1", price)
    check_cancel_body(recorder.last_body(), "B1", sent)


def test_caller_http_client_headers_are_kept_and_user_agent_is_ours() -> None:
    recorder = Recorder(by_path)
    http = httpx.Client(
        transport=httpx.MockTransport(recorder), headers={"X-Trace": "abc", "User-Agent": "someone-else/1"}
    )
    payssam.PaySsam(**SANDBOX, http_client=http).read_bill(BILL_ID)
    assert recorder.last.headers["x-trace"] == "abc"
    assert recorder.last.headers["user-agent"].startswith("payssam-python/")


BAD_BILL_IDS: list[Any] = ["", "A" * 21, "abc-1", "abc 1", "청구서1", "abc1\n", 12345, None, b"abc"]
BAD_PRICES: list[Any] = [-1, 10**10, "1,000", "-5", "", " 5", "5 ", "1e3", "12345678901", "\uff15", True, 1.5, None]


@pytest.mark.parametrize("bill_id", BAD_BILL_IDS)
async def test_bad_bill_id_is_refused_before_sending(bill_id: Any) -> None:
    recorder = Recorder(by_path)
    calls: list[Callable[[], object]] = [
        lambda: offline_client(recorder).read_bill(bill_id),
        lambda: offline_client(recorder).cancel_bill(bill_id, 10000),
    ]
    for call in calls:
        with pytest.raises(payssam.ValidationError) as info:
            call()
        assert info.value.field == "bill_id"
    client = offline_async_client(recorder)
    with pytest.raises(payssam.ValidationError) as info:
        await client.read_bill(bill_id)
    assert info.value.field == "bill_id"
    with pytest.raises(payssam.ValidationError) as info:
        await client.cancel_bill(bill_id, 10000)
    assert info.value.field == "bill_id"
    assert recorder.requests == []


@pytest.mark.parametrize("price", BAD_PRICES)
async def test_bad_price_is_refused_before_sending(price: Any) -> None:
    recorder = Recorder(by_path)
    with pytest.raises(payssam.ValidationError) as info:
        offline_client(recorder).cancel_bill(BILL_ID, price)
    assert info.value.field == "price"
    with pytest.raises(payssam.ValidationError) as info:
        await offline_async_client(recorder).cancel_bill(BILL_ID, price)
    assert info.value.field == "price"
    assert recorder.requests == []


# --------------------------------------------------------------------------- timeouts on requests

DEFAULT_AS_SENT = {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}


def test_default_timeout_is_explicit() -> None:
    assert isinstance(payssam.DEFAULT_TIMEOUT, httpx.Timeout)
    assert payssam.DEFAULT_TIMEOUT.as_dict() == DEFAULT_AS_SENT


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        pytest.param(None, DEFAULT_AS_SENT, id="default"),
        pytest.param(2.5, dict.fromkeys(DEFAULT_AS_SENT, 2.5), id="float"),
        pytest.param(7, dict.fromkeys(DEFAULT_AS_SENT, 7.0), id="int"),
        pytest.param(
            httpx.Timeout(10.0, connect=1.0), {"connect": 1.0, "read": 10.0, "write": 10.0, "pool": 10.0}, id="httpx"
        ),
    ],
)
async def test_timeout_is_applied_to_every_request(
    configured: float | httpx.Timeout | None, expected: dict[str, float]
) -> None:
    recorder = Recorder(by_path)
    extra: dict[str, Any] = {} if configured is None else {"timeout": configured}
    # The caller's own client timeout (1000 s) must not win over the configured one.
    http = httpx.Client(transport=httpx.MockTransport(recorder), timeout=1000)
    client = payssam.PaySsam(**SANDBOX, http_client=http, **extra)
    client.read_bill(BILL_ID)
    client.cancel_bill(BILL_ID, 1)
    aclient = payssam.AsyncPaySsam(
        **SANDBOX, http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder), timeout=1000), **extra
    )
    await aclient.read_bill(BILL_ID)
    await aclient.cancel_bill(BILL_ID, 1)
    assert len(recorder.requests) == 4
    for request in recorder.requests:
        assert request.extensions["timeout"] == expected


# --------------------------------------------------------------------------- lifecycle


def test_context_manager_closes_its_own_http_client() -> None:
    with payssam.PaySsam(**SANDBOX) as client:
        assert isinstance(client, payssam.PaySsam)
        own = client._http
        assert not own.is_closed
    assert own.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        client.read_bill(BILL_ID)
    with pytest.raises(RuntimeError, match="closed"):
        client.cancel_bill(BILL_ID, 1)
    client.close()  # idempotent


def test_close_leaves_a_caller_http_client_open() -> None:
    recorder = Recorder(by_path)
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    with payssam.PaySsam(**SANDBOX, http_client=http) as client:
        client.read_bill(BILL_ID)
    assert not http.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        client.read_bill(BILL_ID)
    assert len(recorder.requests) == 1
    assert http.post("http://127.0.0.1:9/if/bill/read").status_code == 200  # still usable
    http.close()


def test_explicit_close_of_own_client() -> None:
    client = payssam.PaySsam(**SANDBOX)
    own = client._http
    client.close()
    assert own.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        client.read_bill(BILL_ID)


async def test_async_context_manager_closes_its_own_http_client() -> None:
    async with payssam.AsyncPaySsam(**SANDBOX) as client:
        assert isinstance(client, payssam.AsyncPaySsam)
        own = client._http
        assert not own.is_closed
    assert own.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        await client.read_bill(BILL_ID)
    with pytest.raises(RuntimeError, match="closed"):
        await client.cancel_bill(BILL_ID, 1)
    await client.close()  # idempotent


async def test_async_close_leaves_a_caller_http_client_open() -> None:
    recorder = Recorder(by_path)
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with payssam.AsyncPaySsam(**SANDBOX, http_client=http) as client:
        await client.read_bill(BILL_ID)
    assert not http.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        await client.read_bill(BILL_ID)
    response = await http.post("http://127.0.0.1:9/if/bill/read")
    assert response.status_code == 200
    await http.aclose()


async def test_async_explicit_close_of_own_client() -> None:
    client = payssam.AsyncPaySsam(**SANDBOX)
    own = client._http
    await client.close()
    assert own.is_closed


# --------------------------------------------------------------------------- real sockets


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback TCP server that accepts connections and never answers; yields its port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.05)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=serve, name="silent-server", daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        server.close()
    assert not thread.is_alive()


@pytest.mark.usefixtures("no_proxy")
def test_real_read_timeout(silent_server: int) -> None:
    client = payssam.PaySsam(**{**SANDBOX, "base_url": f"http://127.0.0.1:{silent_server}"}, timeout=0.3)
    with client, pytest.raises(payssam.TransportTimeoutError) as info:
        client.read_bill(BILL_ID)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


@pytest.mark.usefixtures("no_proxy")
async def test_real_read_timeout_async(silent_server: int) -> None:
    base_url = f"http://127.0.0.1:{silent_server}"
    async with payssam.AsyncPaySsam(**{**SANDBOX, "base_url": base_url}, timeout=0.3, max_retries=0) as client:
        with pytest.raises(payssam.TransportTimeoutError) as info:
            await client.read_bill(BILL_ID)
    assert isinstance(info.value.__cause__, httpx.TimeoutException | TimeoutError)


@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_cancel_no_read_back_can_settle_is_outcome_unknown(silent_server: int, mode: str) -> None:
    """A server that never answers: the cancel may have landed and every read-back times out too."""
    settings: dict[str, Any] = {**SANDBOX, "base_url": f"http://127.0.0.1:{silent_server}", "timeout": 0.3}
    settings["backoff"] = payssam.Backoff(0.0, 0.0)

    async def cancel() -> None:
        if mode == "sync":
            with payssam.PaySsam(**settings) as client:
                client.cancel_bill(BILL_ID, 1)
        else:
            async with payssam.AsyncPaySsam(**settings) as aclient:
                await aclient.cancel_bill(BILL_ID, 1)

    with pytest.raises(payssam.OutcomeUnknownError) as info:
        await cancel()
    assert (info.value.operation, info.value.bill_id) == ("cancel_bill", BILL_ID)
    assert isinstance(info.value, payssam.PaySsamError)
    assert isinstance(info.value.__cause__, payssam.TransportTimeoutError)


@pytest.mark.usefixtures("no_proxy")
def test_refused_connection_is_a_transport_error() -> None:
    client = payssam.PaySsam(**{**SANDBOX, "base_url": f"http://127.0.0.1:{free_port()}"}, timeout=2.0)
    with client, pytest.raises(payssam.TransportError) as info:
        client.read_bill(BILL_ID)
    assert not isinstance(info.value, payssam.TransportTimeoutError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.usefixtures("no_proxy")
async def test_refused_connection_is_a_transport_error_async() -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    async with payssam.AsyncPaySsam(**{**SANDBOX, "base_url": base_url}, timeout=2.0) as client:
        with pytest.raises(payssam.TransportError) as info:
            await client.read_bill(BILL_ID)
    assert not isinstance(info.value, payssam.TransportTimeoutError)


def _as_sent(request: httpx.Request) -> tuple[str, str, list[tuple[bytes, bytes]], bytes, Any]:
    return request.method, str(request.url), request.headers.raw, request.content, request.extensions.get("timeout")


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"headers": {"X-Partner": "academy-1", "User-Agent": "partner-erp/2"}},
        {"cookies": {"session": "s1"}},
        {"params": {"trace": "1"}},
    ],
    ids=["plain", "own-headers", "cookies", "params"],
)
def test_requests_are_what_httpx_build_request_makes(settings: dict[str, Any]) -> None:
    """The SDK merges the client's headers once instead of per request; what it sends must not differ."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"code": "0000", "appr_state": "W"})

    http = httpx.Client(transport=httpx.MockTransport(answer), **settings)
    with payssam.PaySsam(APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http) as client:
        call = payssam._wire_v1.read(client._config, "A1")
        expected = http.build_request(
            call.method,
            call.url,
            content=call.content,
            headers=call.headers,
            extensions={"timeout": client._config.timeout_phases},
        )
        client.read_bill("A1")
        assert _as_sent(sent[-1]) == _as_sent(expected)
        http.headers["X-Later"] = "changed"  # a client's headers are mutable: the next request carries the change
        client.read_bill("A1")
        assert sent[-1].headers["X-Later"] == "changed"
    http.close()


async def _never_answers(request: httpx.Request) -> httpx.Response:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_an_async_attempt_past_its_time_is_a_timeout_not_a_cancel() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(_never_answers))
    async with payssam.AsyncPaySsam(
        APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http, timeout=0.05, max_retries=0
    ) as client:
        with pytest.raises(payssam.TransportTimeoutError):
            await client.read_bill("A1")
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    await http.aclose()


async def test_cancelling_an_async_call_cancels_it_and_is_not_taken_for_a_timeout() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(_never_answers))
    async with payssam.AsyncPaySsam(APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http, max_retries=0) as client:
        call = asyncio.create_task(client.read_bill("A1"))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    await http.aclose()


CLOSED_CALLS = [
    pytest.param("read_bill", ("B1",), id="read"),
    pytest.param("send_bill", ("B1", 1000), id="send"),
    pytest.param("cancel_bill", ("B1", 1000), id="cancel"),
    pytest.param("destroy_bill", ("B1", 1000), id="destroy"),
    pytest.param("resend_bill", ("B1",), id="resend"),
]
SEND_KWARGS = {
    "phone": "01012345678",
    "customer_name": "홍길동",
    "product_name": "수강료",
    "callback_url": "https://erp.example/payssam/approval",
}


@pytest.mark.parametrize(("method", "args"), CLOSED_CALLS)
async def test_a_closed_client_sends_nothing_even_with_the_callers_http_client(
    method: str, args: tuple[Any, ...]
) -> None:
    """0.2.1 still sent /if/bill/resend on a closed client whose http_client the caller owned."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"code": "0000", "msg": "ok", "bill_id": "B1"})

    kwargs = SEND_KWARGS if method == "send_bill" else {}
    client = offline_client(record)
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        getattr(client, method)(*args, **kwargs)
    aclient = offline_async_client(record)
    await aclient.close()
    with pytest.raises(RuntimeError, match="closed"):
        await getattr(aclient, method)(*args, **kwargs)
    assert sent == []
