"""The apikey never shows in a consumer's pytest output, nor in the frames of an error the SDK raises.

pytest prints the arguments of the frames a failing test's error went through (`--tb=long`, and the last frame
under the default `--tb=auto`), with `-l` every frame's locals, and error trackers record them too. A consumer
project's tests run under pytester: every public call (sync and async, API v1 and v2, bulk and the callback
helpers) failing every way (an API error code, a malformed answer, no answer, a bad argument, a rejected
approval) and successful results a failing assertion shows, under each traceback style; the key (and its
JSON-escaped and %-encoded forms, and any run of 8 of its characters: a truncated repr) never appears. The
consumer's tests never hold the key themselves: their conftest makes the clients and the bodies. Then the same
failures in this process, walking every frame of each error and of the errors chained to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from payssam import (
    AsyncPaySsam,
    PaySsam,
    PaySsamError,
    ValidationError,
    parse_approval,
    verify_approval,
)
from payssam_sim import SANDBOX_CREDENTIALS, Credentials, Simulator

from kit import free_port

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.filterwarnings("ignore::payssam.ExperimentalWarning")

KEY = "Zq8+Tw3/Lm5=Xr7Kp2Nv9Hs4Jd"
"""The consumer's key: '+', '/' and '=' so its JSON-escaped and %-encoded forms differ from it."""
OTHER_KEY = "Yb6+Uc1/Qe0=Wf5Rg8Mh3Ti7Ok"
"""Someone else's key, on a forged approval."""
WINDOW = 8
"""A run of this many of a key's characters in the output is a leak (a truncated repr still shows that much)."""


def forms(key: str) -> set[str]:
    """What would betray the key in text, lowercased: every run of WINDOW characters of it, and its escaped forms."""
    spelled = {
        key,
        json.dumps(key)[1:-1],
        key.replace("/", "\\/"),
        quote(key, safe=""),
        quote_plus(key),
        json.dumps(json.dumps(key))[1:-1],
    }
    runs = {key[start : start + WINDOW] for start in range(len(key) - WINDOW + 1)}
    return {form.lower() for form in spelled | runs}


SECRET_FORMS = forms(KEY) | forms(OTHER_KEY)


def leaks(text: str) -> list[str]:
    """The forms of either key found in text (case-insensitive)."""
    lowered = text.lower()
    return sorted(form for form in SECRET_FORMS if form in lowered)


# --------------------------------------------------------------------------- the consumer's project

CASES = [("denied", 1), ("denied", 2), ("refused", 2), ("garbled", 1), ("not_json", 2), ("no_answer", 1), ("reset", 2)]
"""How the consumer's clients fail, (kind, API version): an API error code (a simulator that knows another key), a
malformed answer echoing the request (HTTP 400; a code off the contract; not JSON), no answer (a closed port,
through httpx's own connection code), a reset while the body is sent. Every kind, over both versions."""
BULK_CASES = [("denied", 1), ("garbled", 2), ("reset", 1)]

CONFTEST = f'''
import contextlib
import json
import socket

import httpx
import pytest
import pytest_asyncio

from payssam import AsyncPaySsam, PaySsam
from payssam_sim import SANDBOX_CREDENTIALS, Credentials, Simulator

KEY = {KEY!r}
OTHER_KEY = {OTHER_KEY!r}
SITE = "http://127.0.0.1"


def key():
    return KEY


def other_key():
    return OTHER_KEY


def environment(**changes):
    """PAYSSAM_* settings with the key, and no base URL unless given."""
    env = {{"PAYSSAM_APIKEY": KEY, "PAYSSAM_MEMBER": "MEMBER", "PAYSSAM_MERCHANT": "MERCHANT"}}
    env.update(changes)
    return env


def approval_body(**changes):
    body = {{"apikey": KEY, "bill_id": "1234567890ABCDEFGHIJ", "appr_state": "F", "appr_pay_type": "CARD_VAN",
            "appr_dt": "20261125143000", "appr_price": "10000", "appr_num": "30012345"}}
    body.update(changes)
    return json.dumps(body).encode()


def ack(request):
    return httpx.Response(200, json={{"code": "0000", "msg": "ok"}})


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def echo_refused(request):
    return httpx.Response(400, content=request.content)


def echo_garbled(request):
    return httpx.Response(200, content=b'{{"code": "0x00", "request": ' + request.content + b"}}")


def echo_not_json(request):
    return httpx.Response(200, content=b"<html>" + request.content + b"</html>")


def reset_while_sending(request):
    sending = request.content
    raise httpx.WriteError(f"connection reset after {{len(sending)}} bytes", request=request)


def simulator(credentials):
    return Simulator(credentials=credentials, callback_transport=httpx.MockTransport(ack))


OURS = Credentials(KEY, "MEMBER", "MERCHANT")
CASES = {CASES!r}
BULK_CASES = {BULK_CASES!r}


def transports(kind, asynchronous):
    """How a client of this kind fails: an API error code, a malformed answer that echoes the request, no
    answer at all (a closed port, through httpx's own connection code), or a reset while sending."""
    if kind == "denied":
        sim = simulator(SANDBOX_CREDENTIALS)
        return sim.async_transport() if asynchronous else sim.transport()
    handler = {{"refused": echo_refused, "garbled": echo_garbled, "not_json": echo_not_json,
               "reset": reset_while_sending}}.get(kind)
    return None if handler is None else httpx.MockTransport(handler)


def base_url(version, kind="denied"):
    site = f"http://127.0.0.1:{{closed_port()}}" if kind == "no_answer" else SITE
    return site + "/partner" if version == 2 else site


@contextlib.contextmanager
def failing(case):
    kind, version = case
    with httpx.Client(transport=transports(kind, False), trust_env=False) as http:
        with PaySsam(KEY, "MEMBER", "MERCHANT", base_url(version, kind), http_client=http, max_retries=0,
                     api_version=version) as made:
            yield made


@contextlib.asynccontextmanager
async def afailing(case):
    kind, version = case
    async with httpx.AsyncClient(transport=transports(kind, True), trust_env=False) as http:
        async with AsyncPaySsam(KEY, "MEMBER", "MERCHANT", base_url(version, kind), http_client=http,
                                max_retries=0, api_version=version) as made:
            yield made


def named(cases):
    return [f"{{kind}}-v{{version}}" for kind, version in cases]


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
def version(request):
    return request.param


@pytest.fixture(params=CASES, ids=named(CASES))
def client(request):
    with failing(request.param) as made:
        yield made


@pytest.fixture(params=BULK_CASES, ids=named(BULK_CASES))
def bulk_client(request):
    with failing(request.param) as made:
        yield made


@pytest.fixture
def offline(version):
    """A client whose calls are refused before anything is sent (its arguments are wrong)."""
    with failing(("denied", version)) as made:
        yield made


@pytest_asyncio.fixture(params=CASES, ids=named(CASES))
async def aclient(request):
    async with afailing(request.param) as made:
        yield made


@pytest_asyncio.fixture(params=BULK_CASES, ids=named(BULK_CASES))
async def bulk_aclient(request):
    async with afailing(request.param) as made:
        yield made


@pytest_asyncio.fixture
async def aoffline(version):
    async with afailing(("denied", version)) as made:
        yield made


@pytest.fixture
def sim():
    return simulator(OURS)


@pytest.fixture
def ours(sim, version):
    """A client the simulator knows: its calls succeed (v1's send and cancel answers echo the key)."""
    with httpx.Client(transport=sim.transport()) as http:
        with PaySsam(KEY, "MEMBER", "MERCHANT", base_url(version), http_client=http, api_version=version) as made:
            yield made


@pytest_asyncio.fixture
async def aours(sim, version):
    async with httpx.AsyncClient(transport=sim.async_transport()) as http:
        async with AsyncPaySsam(KEY, "MEMBER", "MERCHANT", base_url(version), http_client=http,
                                api_version=version) as made:
            yield made


@pytest.fixture
def key_in_env(monkeypatch):
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PAYSSAM_BASE_URL", raising=False)
'''

CALLS = """
import pytest

from payssam import AsyncPaySsam, PaySsam, new_bill_id, parse_approval, verify_approval

from conftest import approval_body, environment, key, other_key

BILL = "1234567890ABCDEFGHIJ"
SEND = dict(phone="01012345678", customer_name="홍길동", product_name="교재", callback_url="https://erp.example/a")


def test_read_bill(client):
    client.read_bill(BILL)


def test_send_bill(client):
    client.send_bill(BILL, 10000, **SEND)


def test_cancel_bill(client):
    client.cancel_bill(BILL, 10000)


def test_destroy_bill(client):
    client.destroy_bill(BILL, 10000)


def test_resend_bill(client):
    client.resend_bill(BILL)


def test_point_balance(client):
    client.point_balance()


def test_merchant_point_balance(client):
    client.merchant_point_balance()


def test_read_bills(client):
    assert dict(client.read_bills([BILL, "ABCDEFGHIJ1234567890"])) == {}


def test_verify_approval(client):
    verify_approval(parse_approval(approval_body()), client)


@pytest.mark.asyncio
async def test_async_read_bill(aclient):
    await aclient.read_bill(BILL)


@pytest.mark.asyncio
async def test_async_send_bill(aclient):
    await aclient.send_bill(BILL, 10000, **SEND)


@pytest.mark.asyncio
async def test_async_cancel_bill(aclient):
    await aclient.cancel_bill(BILL, 10000)


@pytest.mark.asyncio
async def test_async_destroy_bill(aclient):
    await aclient.destroy_bill(BILL, 10000)


@pytest.mark.asyncio
async def test_async_resend_bill(aclient):
    await aclient.resend_bill(BILL)


@pytest.mark.asyncio
async def test_async_point_balance(aclient):
    await aclient.point_balance()


@pytest.mark.asyncio
async def test_async_merchant_point_balance(aclient):
    await aclient.merchant_point_balance()


@pytest.mark.asyncio
async def test_async_read_bills(aclient):
    assert [pair async for pair in aclient.read_bills([BILL, "ABCDEFGHIJ1234567890"])] == []


@pytest.mark.asyncio
async def test_async_verify_approval(aclient):
    await verify_approval(parse_approval(approval_body()), aclient)
"""

ARGUMENTS = """
import httpx
import pytest

from payssam import AsyncPaySsam, PaySsam, parse_approval, verify_approval

from conftest import approval_body, environment, key, other_key

SEND = dict(phone="01012345678", customer_name="홍길동", product_name="교재", callback_url="https://erp.example/a")


def test_bad_bill_id(offline):
    offline.read_bill("not a bill id!")


def test_bad_price(offline):
    offline.cancel_bill("1234567890ABCDEFGHIJ", -1)


def test_bad_phone(offline):
    offline.send_bill("1234567890ABCDEFGHIJ", 10000, **{**SEND, "phone": "010-1234"})


def test_bad_destroy(offline):
    offline.destroy_bill("bad!", 10000)


def test_bad_resend(offline):
    offline.resend_bill("")


@pytest.mark.asyncio
async def test_async_bad_bill_id(aoffline):
    await aoffline.read_bill("not a bill id!")


@pytest.mark.asyncio
async def test_async_bad_send(aoffline):
    await aoffline.send_bill("1234567890ABCDEFGHIJ", "ten", **SEND)


@pytest.mark.parametrize("client_class", [PaySsam, AsyncPaySsam])
def test_bad_base_url(client_class):
    client_class(key(), "MEMBER", "MERCHANT", "ftp://127.0.0.1")


@pytest.mark.parametrize("client_class", [PaySsam, AsyncPaySsam])
def test_key_too_long(client_class):
    client_class(key() * 2, "MEMBER", "MERCHANT", "http://127.0.0.1")


def test_wrong_http_client():
    AsyncPaySsam(key(), "MEMBER", "MERCHANT", "http://127.0.0.1", http_client=httpx.Client())


def test_bad_version():
    PaySsam(key(), "MEMBER", "MERCHANT", "http://127.0.0.1", api_version=3)


@pytest.mark.parametrize("client_class", [PaySsam, AsyncPaySsam])
def test_from_env_without_base_url(client_class, key_in_env):
    client_class.from_env()


@pytest.mark.parametrize("client_class", [PaySsam, AsyncPaySsam])
def test_from_a_mapping_without_base_url(client_class):
    client_class.from_env(environment())


def test_from_a_mapping_with_a_bad_base_url():
    PaySsam.from_env(environment(PAYSSAM_BASE_URL="ftp://127.0.0.1"))


def test_from_a_mapping_with_a_bad_version():
    PaySsam.from_env(environment(PAYSSAM_BASE_URL="http://127.0.0.1", PAYSSAM_API_VERSION="9"))


def test_approval_with_a_bad_bill_id():
    parse_approval(approval_body(bill_id="not a bill!"))


def test_approval_with_a_bad_price():
    parse_approval(approval_body(appr_price="ten"))


def test_approval_missing_a_field():
    parse_approval(approval_body(appr_state=None))


def test_approval_that_is_not_json():
    parse_approval(approval_body()[:-1])


def test_approval_as_a_mapping():
    parse_approval({"apikey": key(), "bill_id": "bad!"})


def test_forged_approval(ours):
    verify_approval(parse_approval(approval_body(apikey=other_key())), ours)


@pytest.mark.asyncio
async def test_async_forged_approval(aours):
    await verify_approval(parse_approval(approval_body(apikey=other_key())), aours)


def test_approval_of_an_unknown_bill(ours):
    verify_approval(parse_approval(approval_body()), ours)
"""

RESULTS = """
import pytest

from payssam import new_bill_id, parse_approval

from conftest import approval_body

SEND = dict(phone="01012345678", customer_name="홍길동", product_name="교재", callback_url="https://erp.example/a")


def test_results_shown_by_a_failing_assertion(ours, sim):
    bill = new_bill_id()
    sent = ours.send_bill(bill, 10000, **SEND)
    sim.pay(bill)
    status = ours.read_bill(bill)
    cancelled = ours.cancel_bill(bill, 10000)
    assert (sent, status, cancelled) == (None, None, None)


def test_destroyed_and_resent(ours):
    bill = new_bill_id()
    ours.send_bill(bill, 10000, **SEND)
    resent = ours.resend_bill(bill)
    destroyed = ours.destroy_bill(bill, 10000)
    assert (resent, destroyed) == (None, None)


@pytest.mark.asyncio
async def test_async_results_shown_by_a_failing_assertion(aours, sim):
    bill = new_bill_id()
    sent = await aours.send_bill(bill, 10000, **SEND)
    sim.pay(bill)
    status = await aours.read_bill(bill)
    cancelled = await aours.cancel_bill(bill, 10000)
    assert (sent, status, cancelled) == (None, None, None)


def test_an_approval_shown_by_a_failing_assertion():
    approval = parse_approval(approval_body())
    assert approval is None
"""

BULK = """
import pytest

SEND_ROWS = "price,phone,customer_name,product_name\\n10000,01012345678,홍길동,교재\\n20000,01012345679,김철수,교재\\n"
BAD_ROWS = "price,phone,customer_name,product_name\\nten,010,홍길동,교재\\n"
IDS = "1234567890ABCDEFGHIJ\\nABCDEFGHIJ1234567890\\n"


def test_send_batch(bulk_client, tmp_path):
    (tmp_path / "bills.csv").write_text(SEND_ROWS, encoding="utf-8")
    report = bulk_client.send_batch(tmp_path / "bills.csv", callback_url="https://erp.example/a")
    assert report.complete, report


def test_send_batch_refused(bulk_client, tmp_path):
    (tmp_path / "bills.csv").write_text(BAD_ROWS, encoding="utf-8")
    bulk_client.send_batch(tmp_path / "bills.csv", callback_url="https://erp.example/a")


def test_reconcile(bulk_client, tmp_path):
    (tmp_path / "ids.txt").write_text(IDS, encoding="utf-8")
    report = bulk_client.reconcile(tmp_path / "ids.txt")
    assert report.complete, report


@pytest.mark.asyncio
async def test_async_send_batch(bulk_aclient, tmp_path):
    (tmp_path / "bills.csv").write_text(SEND_ROWS, encoding="utf-8")
    report = await bulk_aclient.send_batch(tmp_path / "bills.csv", callback_url="https://erp.example/a")
    assert report.complete, report


@pytest.mark.asyncio
async def test_async_reconcile(bulk_aclient, tmp_path):
    (tmp_path / "ids.txt").write_text(IDS, encoding="utf-8")
    report = await bulk_aclient.reconcile(tmp_path / "ids.txt")
    assert report.complete, report
"""

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = ignore::payssam.ExperimentalWarning\n"
FAILING = 18 * len(CASES) + 7 * 2 + 6 + 6 + 5 + 3 * 2 + 3 * 2 + 1 + 5 * len(BULK_CASES)
"""Every consumer test fails: the calls (each way), the arguments, constructors, from_env, parsed and verified
approvals, the results (both versions) and bulk work (three ways)."""
STYLES = [
    pytest.param((), id="auto"),
    pytest.param(("--tb=short",), id="short"),
    pytest.param(("--tb=native",), id="native"),
    pytest.param(("--tb=long", "-l", "-vv"), id="long-showlocals-untruncated"),
]
"""pytest's default (--tb=auto), --tb=short, Python's own format, and the most pytest shows: every frame's arguments
and locals, untruncated (all that --tb=long and -l could show, and more)."""


@pytest.mark.parametrize("options", STYLES)
def test_a_consumers_failing_tests_never_show_the_key(pytester: pytest.Pytester, options: tuple[str, ...]) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(  # names no test module of this project has: pytester runs them in this process
        test_consumer_calls=CALLS,
        test_consumer_arguments=ARGUMENTS,
        test_consumer_results=RESULTS,
        test_consumer_bulk=BULK,
    )
    result = pytester.runpytest("-p", "no:cacheprovider", *options)
    output = result.stdout.str() + result.stderr.str()
    assert result.parseoutcomes() == {"failed": FAILING}, output[-3000:]
    found = leaks(output)
    assert not found, "\n".join(line for line in output.splitlines() if leaks(line))[:4000]


# --------------------------------------------------------------------------- the frames themselves, in this process

MEMBER, MERCHANT = "MEMBER", "MERCHANT"
BILL = "1234567890ABCDEFGHIJ"
SEND: dict[str, Any] = {
    "phone": "01012345678",
    "customer_name": "홍길동",
    "product_name": "교재",
    "callback_url": "https://erp.example/a",
}
KINDS = ["denied", "refused", "garbled", "not_json", "too_deep", "no_answer", "reset"]
"""The consumer's ways to fail, and one more: an answer nested too deeply to be searched for the key (the
RecursionError behind the ProtocolError went through frames that held the key)."""


def _answer(kind: str) -> Callable[[httpx.Request], httpx.Response]:
    """A handler that fails a call this way, echoing the request (and so the key) where it answers."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = request.content
        if kind == "refused":
            return httpx.Response(400, content=sent)
        if kind == "garbled":
            return httpx.Response(200, content=b'{"code": "0x00", "request": ' + sent + b"}")
        if kind == "not_json":
            return httpx.Response(200, content=b"<html>" + sent + b"</html>")
        if kind == "too_deep":
            nested = b"[" * 700 + sent + b"]" * 700
            return httpx.Response(200, content=b'{"code": "0000", "msg": "\\\\", "more": ' + nested + b"}")
        raise httpx.WriteError(f"connection reset after {len(sent)} bytes", request=request)

    return handler


def _transport(kind: str, asynchronous: bool) -> Any:
    if kind == "denied":
        sim = Simulator(credentials=SANDBOX_CREDENTIALS)
        return sim.async_transport() if asynchronous else sim.transport()
    return None if kind == "no_answer" else httpx.MockTransport(_answer(kind))


def _url(kind: str, version: int) -> str:
    site = f"http://127.0.0.1:{free_port()}" if kind == "no_answer" else "http://127.0.0.1"
    return site + "/partner" if version == 2 else site


@contextlib.contextmanager
def _client(kind: str, version: int) -> Iterator[PaySsam]:
    url = _url(kind, version)
    with httpx.Client(transport=_transport(kind, False), trust_env=False) as http:
        yield PaySsam(KEY, MEMBER, MERCHANT, url, http_client=http, max_retries=0, api_version=version)


@contextlib.asynccontextmanager
async def _async_client(kind: str, version: int) -> AsyncIterator[AsyncPaySsam]:
    url = _url(kind, version)
    async with httpx.AsyncClient(transport=_transport(kind, True), trust_env=False) as http:
        yield AsyncPaySsam(KEY, MEMBER, MERCHANT, url, http_client=http, max_retries=0, api_version=version)


def _approval_body(**changes: str) -> bytes:
    body = {"apikey": KEY, "bill_id": BILL, "appr_state": "F", "appr_pay_type": "CARD_VAN", "appr_price": "10000"}
    return json.dumps({**body, **changes}).encode()


Operation = Callable[[Any], Any]
OPERATIONS: dict[str, Operation] = {
    "read_bill": lambda client: client.read_bill(BILL),
    "send_bill": lambda client: client.send_bill(BILL, 10000, **SEND),
    "cancel_bill": lambda client: client.cancel_bill(BILL, 10000),
    "destroy_bill": lambda client: client.destroy_bill(BILL, 10000),
    "resend_bill": lambda client: client.resend_bill(BILL),
    "point_balance": lambda client: client.point_balance(),
    "merchant_point_balance": lambda client: client.merchant_point_balance(),
    "verify_approval": lambda client: verify_approval(parse_approval(_approval_body()), client),
}
BAD_ARGUMENTS: dict[str, Operation] = {
    "read_bill": lambda client: client.read_bill("not a bill id!"),
    "send_bill": lambda client: client.send_bill(BILL, 10000, **{**SEND, "phone": "010-1234"}),
    "cancel_bill": lambda client: client.cancel_bill(BILL, -1),
    "destroy_bill": lambda client: client.destroy_bill("", 10000),
    "resend_bill": lambda client: client.resend_bill("bad!"),
}


def _raised(run: Callable[[], object]) -> BaseException:
    """The exception run raises (it must raise one)."""
    try:
        run()
    except Exception as error:  # every kind the SDK raises
        return error
    raise AssertionError("the call did not fail")


async def _raised_async(run: Callable[[], Any]) -> BaseException:
    try:
        await run()
    except Exception as error:
        return error
    raise AssertionError("the call did not fail")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every exception chained to it, as cause or context, shown or suppressed."""
    pending, seen = [error], set()
    while pending:
        one = pending.pop()
        if id(one) not in seen:
            seen.add(id(one))
            yield one
            pending += [linked for linked in (one.__cause__, one.__context__) if linked is not None]


def _frames(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _shows_a_key(value: object) -> bool:
    """Whether a frame's value is a key, holds one as text or bytes, or shows one in its repr."""
    if isinstance(value, bytes | bytearray):
        return bool(leaks(bytes(value).decode("utf-8", "replace")))
    if isinstance(value, str):
        return bool(leaks(value))
    try:
        shown = repr(value)
    except Exception:  # a half-made object (a client whose constructor failed): pytest shows only its type
        return False
    return bool(leaks(shown))


def assert_no_frame_holds_a_key(error: BaseException) -> None:
    """No frame of the error's traceback, nor of any exception chained to it, holds a key in a local or argument;
    nor does any message."""
    found = [
        f"{tb.tb_frame.f_code.co_qualname}: {name}"
        for one in _chain(error)
        for tb in _frames(one.__traceback__)
        for name, value in tb.tb_frame.f_locals.items()
        if _shows_a_key(value)
    ]
    found += [f"message of {type(one).__name__}" for one in _chain(error) if leaks(f"{one!r} {one}")]
    assert not found, found[:20]


CALL_CASES = [
    pytest.param(version, kind, name, id=f"v{version}-{kind}-{name}")
    for version in (1, 2)
    for kind in KINDS
    for name in OPERATIONS
]


@pytest.mark.parametrize(("version", "kind", "name"), CALL_CASES)
def test_no_frame_of_a_failed_call_holds_the_key(version: int, kind: str, name: str) -> None:
    with _client(kind, version) as client:
        error = _raised(lambda: OPERATIONS[name](client))
    assert isinstance(error, PaySsamError), error
    assert_no_frame_holds_a_key(error)


@pytest.mark.parametrize(("version", "kind", "name"), CALL_CASES)
def test_no_frame_of_a_failed_async_call_holds_the_key(version: int, kind: str, name: str) -> None:
    async def failed() -> BaseException:
        async with _async_client(kind, version) as client:
            return await _raised_async(lambda: OPERATIONS[name](client))

    error = asyncio.run(failed())
    assert isinstance(error, PaySsamError), error
    assert_no_frame_holds_a_key(error)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("name", BAD_ARGUMENTS)
def test_no_frame_of_a_refused_argument_holds_the_key(version: int, name: str) -> None:
    with _client("denied", version) as client:
        error = _raised(lambda: BAD_ARGUMENTS[name](client))
    assert isinstance(error, ValidationError), error
    assert_no_frame_holds_a_key(error)


def _key() -> str:
    return KEY


CONFIGURATIONS: dict[str, Callable[[], object]] = {
    "bad base_url": lambda: PaySsam(_key(), MEMBER, MERCHANT, "ftp://127.0.0.1"),
    "key too long": lambda: PaySsam(_key() * 2, MEMBER, MERCHANT, "http://127.0.0.1"),
    "key not text": lambda: AsyncPaySsam(_key().encode(), MEMBER, MERCHANT, "http://127.0.0.1"),  # type: ignore[arg-type]
    "wrong http client": lambda: AsyncPaySsam(_key(), MEMBER, MERCHANT, "http://127.0.0.1", http_client=httpx.Client()),  # type: ignore[arg-type]
    "bad api version": lambda: PaySsam(_key(), MEMBER, MERCHANT, "http://127.0.0.1", api_version=3),
    "environment without base_url": lambda: PaySsam.from_env({"PAYSSAM_APIKEY": _key(), "PAYSSAM_MEMBER": MEMBER}),
    "environment with a bad base_url": lambda: AsyncPaySsam.from_env(
        {"PAYSSAM_APIKEY": _key(), "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT, "PAYSSAM_BASE_URL": "x"}
    ),
    "environment with a bad version": lambda: PaySsam.from_env(
        {
            "PAYSSAM_APIKEY": _key(),
            "PAYSSAM_MEMBER": MEMBER,
            "PAYSSAM_MERCHANT": MERCHANT,
            "PAYSSAM_BASE_URL": "http://127.0.0.1",
            "PAYSSAM_API_VERSION": "9",
        }
    ),
    "approval with a bad bill id": lambda: parse_approval(_approval_body(bill_id="bad!")),
    "approval that is not JSON": lambda: parse_approval(_approval_body()[:-1]),
    "approval missing a field": lambda: parse_approval(json.dumps({"apikey": _key()})),
    "approval as a mapping": lambda: parse_approval({"apikey": _key(), "bill_id": "bad!"}),
}


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_no_frame_of_a_refused_configuration_holds_the_key(name: str) -> None:
    error = _raised(CONFIGURATIONS[name])
    assert isinstance(error, ValidationError), error
    assert_no_frame_holds_a_key(error)


def test_no_frame_of_a_missing_environment_holds_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYSSAM_APIKEY", KEY)
    monkeypatch.delenv("PAYSSAM_BASE_URL", raising=False)
    error = _raised(PaySsam.from_env)
    assert isinstance(error, ValidationError), error
    assert_no_frame_holds_a_key(error)


@pytest.mark.parametrize("version", [1, 2])
def test_no_frame_of_a_rejected_approval_holds_either_key(version: int) -> None:
    sim = Simulator(credentials=Credentials(KEY, MEMBER, MERCHANT))
    with httpx.Client(transport=sim.transport()) as http:
        client = PaySsam(KEY, MEMBER, MERCHANT, _url("denied", version), http_client=http, api_version=version)
        forged = _raised(lambda: verify_approval(parse_approval(_approval_body(apikey=OTHER_KEY)), client))
        unknown = _raised(lambda: verify_approval(parse_approval(_approval_body()), client))
    assert "apikey is not this client's" in str(forged)
    assert "no such bill" in str(unknown)
    assert_no_frame_holds_a_key(forged)
    assert_no_frame_holds_a_key(unknown)


def test_no_frame_of_a_refused_batch_holds_the_key(tmp_path: Path) -> None:
    source = tmp_path / "bills.csv"
    source.write_text("price,phone,customer_name,product_name\nten,010,홍길동,교재\n", encoding="utf-8")
    with _client("denied", 1) as client:
        error = _raised(lambda: client.send_batch(source, callback_url="https://erp.example/a"))
    assert type(error).__name__ == "BatchRefusedError"
    assert_no_frame_holds_a_key(error)


def test_the_check_finds_a_key_where_it_is() -> None:
    """The checks themselves: a frame holding the key, a repr or an escaped form showing it, are all found."""

    def holds(apikey: str) -> None:
        raise RuntimeError("failed")

    error = _raised(lambda: holds(KEY))
    with pytest.raises(AssertionError, match="holds: apikey"):
        assert_no_frame_holds_a_key(error)
    assert leaks(repr({"apikey": KEY}))
    assert leaks(quote(OTHER_KEY, safe=""))
    assert leaks(json.dumps(json.dumps({"apikey": KEY})))
    assert leaks("..." + KEY[5 : 5 + WINDOW] + "...")
    with PaySsam(KEY, MEMBER, MERCHANT, "http://127.0.0.1") as client:
        assert not leaks(repr(client))
