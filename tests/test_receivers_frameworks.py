"""Approval receivers in FastAPI and Django, as a partner writes them, each given a real approval in-process.

The receivers are the README's snippets, kept here as text and run as written (exec into a fresh
namespace): a FastAPI app behind httpx.ASGITransport (async), a Django view behind httpx.WSGITransport
(sync). The simulator's pay control route delivers the approval through `callback_transport`; the
receiver parses and verifies it with the SDK, reading the bill back through the same in-process
simulator, and acknowledges it; the simulator must record it acknowledged. Around them: the async
transport driven from code with and without a running event loop, over the socket, retried from the
delivery worker, timed out, raising, and closed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import payssam
from payssam import AsyncPaySsam, PaySsam, new_bill_id
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, wait_for

# --------------------------------------------------------------------------- the receivers (README text)

FASTAPI_RECEIVER = """\
from fastapi import FastAPI, Request, Response
from payssam import (APPROVAL_ACK, APPROVAL_ACK_CONTENT_TYPE, ApprovalRejectedError, AsyncPaySsam, BillState,
                     PaySsamError, ValidationError, parse_approval, verify_approval)

client = AsyncPaySsam.from_env()
paid_orders: set[str] = set()                               # your database, keyed by bill_id
app = FastAPI()


@app.post("/payssam/approval")
async def payssam_approval(request: Request) -> Response:
    try:
        approval = parse_approval(await request.body())     # ValidationError names the bad field
        status = await verify_approval(approval, client)    # add expected_price=<your order's price>
    except (ValidationError, ApprovalRejectedError):
        return Response(status_code=400)                    # forged or malformed: never acknowledged
    except PaySsamError:
        return Response(status_code=503)                    # could not confirm now: PaySsam retries
    if status.state is BillState.PAID:
        paid_orders.add(status.bill_id)                     # fulfil once: a repeat changes nothing
    # CANCELLED: a genuine approval repeated after you cancelled; acknowledge it, fulfil nothing
    return Response(APPROVAL_ACK, media_type=APPROVAL_ACK_CONTENT_TYPE)
"""
"""A FastAPI (or Starlette) receiver: an async endpoint with an AsyncPaySsam. Serve `app` with uvicorn."""

DJANGO_RECEIVER = """\
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from payssam import (APPROVAL_ACK, APPROVAL_ACK_CONTENT_TYPE, ApprovalRejectedError, BillState, PaySsam,
                     PaySsamError, ValidationError, parse_approval, verify_approval)

client = PaySsam.from_env()
paid_orders: set[str] = set()                               # your database, keyed by bill_id


@csrf_exempt                                                # PaySsam sends no CSRF token
@require_POST                                               # urls.py: path("payssam/approval", payssam_approval)
def payssam_approval(request: HttpRequest) -> HttpResponse:
    try:
        approval = parse_approval(request.body)             # ValidationError names the bad field
        status = verify_approval(approval, client)          # add expected_price=<your order's price>
    except (ValidationError, ApprovalRejectedError):
        return HttpResponse(status=400)                     # forged or malformed: never acknowledged
    except PaySsamError:
        return HttpResponse(status=503)                     # could not confirm now: PaySsam retries
    if status.state is BillState.PAID:
        paid_orders.add(status.bill_id)                     # fulfil once: a repeat changes nothing
    # CANCELLED: a genuine approval repeated after you cancelled; acknowledge it, fulfil nothing
    return HttpResponse(APPROVAL_ACK, content_type=APPROVAL_ACK_CONTENT_TYPE)
"""
"""A Django receiver: a plain view with a PaySsam; route it in urls.py."""

# --------------------------------------------------------------------------- harness

BASE_URL = "http://127.0.0.1"
CALLBACK_URL = "https://erp.example/payssam/approval"  # never reached over a network: the transport takes it
PRICE = 35000
ACK = {"code": "0000", "msg": "성공하였습니다."}
ACKNOWLEDGED = {"attempts": 1, "acknowledged": True, "gave_up": False, "last_error": None, "next_attempt_in": None}
ENV = {"PAYSSAM_APIKEY": APIKEY, "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT, "PAYSSAM_BASE_URL": BASE_URL}
"""What `from_env()` reads when a snippet is loaded; the test then points `client` at the in-process simulator."""
WAIT = 20.0
"""Seconds to wait for a retry the worker makes: generous, so a loaded machine is slow, never failing."""

urlpatterns: list[Any] = []
"""The Django URLconf (ROOT_URLCONF is this module): the receiver's view, once loaded."""


def load(snippet: str, name: str) -> dict[str, Any]:
    """Run a receiver snippet as a module of its own; its namespace (client, paid_orders, app or view)."""
    namespace: dict[str, Any] = {"__name__": name}
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in ENV.items():
            patch.setenv(variable, value)
        exec(compile(snippet, f"<{name}>", "exec"), namespace)  # noqa: S102 - the README's own text, run as written
    return namespace


def send_bill(sim: Simulator) -> str:
    """A new unpaid bill, sent with the SDK through the simulator in-process."""
    bill_id = new_bill_id()
    with PaySsam(APIKEY, MEMBER, MERCHANT, BASE_URL, http_client=httpx.Client(transport=sim.transport())) as client:
        client.send_bill(
            bill_id,
            PRICE,
            phone="01012345678",
            customer_name="홍길동",
            product_name="수강료",
            callback_url=CALLBACK_URL,
        )
    return bill_id


def cancel_bill(sim: Simulator, bill_id: str) -> None:
    with PaySsam(APIKEY, MEMBER, MERCHANT, BASE_URL, http_client=httpx.Client(transport=sim.transport())) as client:
        client.cancel_bill(bill_id, PRICE)


def control(sim: Simulator) -> httpx.Client:
    """The simulator's control routes, in-process."""
    return httpx.Client(transport=sim.transport(), base_url=BASE_URL)


def delivery(sim: Simulator, bill_id: str) -> dict[str, Any]:
    """The simulator's record of the bill's approval delivery (GET /_sim/bills/{id} → callback)."""
    with control(sim) as http:
        view: dict[str, Any] = http.get(f"/_sim/bills/{bill_id}").json()["callback"]
    return view


@pytest.fixture
def fastapi_receiver() -> Iterator[tuple[Simulator, dict[str, Any]]]:
    """The FastAPI snippet behind ASGITransport as the simulator's callback transport; its AsyncPaySsam reads
    the bill back through the same simulator."""
    receiver = load(FASTAPI_RECEIVER, "fastapi_receiver")
    sim = Simulator(callback_transport=httpx.ASGITransport(app=receiver["app"]))
    async_http = httpx.AsyncClient(transport=sim.async_transport())
    receiver["client"] = AsyncPaySsam(APIKEY, MEMBER, MERCHANT, BASE_URL, http_client=async_http)
    try:
        yield sim, receiver
    finally:
        sim.close()
        asyncio.run(async_http.aclose())  # nothing on it is bound to a loop: the simulator's transport holds none


# --------------------------------------------------------------------------- FastAPI (async transport)


def test_fastapi_receiver_acknowledges_an_approval_paid_from_sync_code(
    fastapi_receiver: tuple[Simulator, dict[str, Any]],
) -> None:
    sim, receiver = fastapi_receiver
    bill_id = send_bill(sim)
    with control(sim) as http:
        paid = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()
    assert paid["callback"] == ACKNOWLEDGED
    assert delivery(sim, bill_id) == ACKNOWLEDGED
    assert receiver["paid_orders"] == {bill_id}

    cancel_bill(sim, bill_id)  # PaySsam, which missed the ack, delivers again: acknowledged, nothing fulfilled twice
    with control(sim) as http:
        again = http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()
    assert again["callback"]["acknowledged"] is True
    assert again["bill"]["state"] == "C"
    assert receiver["paid_orders"] == {bill_id}


async def test_fastapi_receiver_acknowledges_an_approval_paid_from_async_code(
    fastapi_receiver: tuple[Simulator, dict[str, Any]],
) -> None:
    """The caller runs an event loop: the pay route runs in a worker thread, the receiver on the simulator's loop."""
    sim, receiver = fastapi_receiver
    bill_id = send_bill(sim)
    async with httpx.AsyncClient(transport=sim.async_transport(), base_url=BASE_URL) as http:
        paid = (await http.post(f"/_sim/bills/{bill_id}/pay", json={})).json()
        view = (await http.get(f"/_sim/bills/{bill_id}")).json()
    assert paid["callback"] == ACKNOWLEDGED
    assert view["callback"] == ACKNOWLEDGED
    assert receiver["paid_orders"] == {bill_id}


async def test_fastapi_receiver_acknowledges_when_the_caller_blocks_its_own_running_loop(
    fastapi_receiver: tuple[Simulator, dict[str, Any]],
) -> None:
    """A sync client inside a coroutine (blocking its loop, as careless code does): the delivery needs none of it."""
    sim, receiver = fastapi_receiver
    bill_id = send_bill(sim)
    asyncio.get_running_loop()  # there is one, and this thread is inside it
    with control(sim) as http:
        paid = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()
    assert paid["callback"] == ACKNOWLEDGED
    assert receiver["paid_orders"] == {bill_id}


def test_fastapi_receiver_acknowledges_an_approval_paid_over_the_socket(
    fastapi_receiver: tuple[Simulator, dict[str, Any]],
) -> None:
    sim, receiver = fastapi_receiver
    sim.start()
    bill_id = send_bill(sim)
    with httpx.Client(base_url=sim.base_url, trust_env=False, timeout=WAIT) as http:
        paid = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()
    assert paid["callback"] == ACKNOWLEDGED
    assert receiver["paid_orders"] == {bill_id}


def test_fastapi_receiver_refuses_a_forged_approval(fastapi_receiver: tuple[Simulator, dict[str, Any]]) -> None:
    sim, receiver = fastapi_receiver
    bill_id = send_bill(sim)
    forged = {"apikey": "NOT-OURS", "bill_id": bill_id, "appr_state": "F", "appr_price": str(PRICE)}

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver["app"])) as http:
            return await http.post(CALLBACK_URL, json=forged)

    assert asyncio.run(post()).status_code == 400
    assert receiver["paid_orders"] == set()


# --------------------------------------------------------------------------- Django (sync transport)


@pytest.fixture(scope="module")
def django_receiver() -> dict[str, Any]:
    """Django configured minimally (no database, this module as the URLconf) and the snippet's view routed."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, INSTALLED_APPS=[], DATABASES={})
    assert __name__ == settings.ROOT_URLCONF, "Django was configured elsewhere in this session"
    from django.core.wsgi import get_wsgi_application
    from django.urls import path

    receiver = load(DJANGO_RECEIVER, "django_receiver")
    urlpatterns[:] = [path("payssam/approval", receiver["payssam_approval"])]
    receiver["wsgi"] = get_wsgi_application()
    return receiver


def test_django_receiver_acknowledges_an_approval(django_receiver: dict[str, Any]) -> None:
    sim = Simulator(callback_transport=httpx.WSGITransport(app=django_receiver["wsgi"]))
    try:
        with PaySsam(APIKEY, MEMBER, MERCHANT, BASE_URL, http_client=httpx.Client(transport=sim.transport())) as client:
            django_receiver["client"] = client  # the view verifies through the same in-process simulator
            bill_id = send_bill(sim)
            with control(sim) as http:
                paid = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()
            assert paid["callback"] == ACKNOWLEDGED
            assert delivery(sim, bill_id) == ACKNOWLEDGED
            assert bill_id in django_receiver["paid_orders"]

            cancel_bill(sim, bill_id)
            with control(sim) as http:
                again = http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()
            assert again["callback"]["acknowledged"] is True
    finally:
        sim.close()


def test_django_receiver_answers_exactly_the_acknowledgement_and_refuses_the_rest(
    django_receiver: dict[str, Any],
) -> None:
    sim = Simulator(callback_transport=httpx.WSGITransport(app=django_receiver["wsgi"]))
    try:
        with PaySsam(APIKEY, MEMBER, MERCHANT, BASE_URL, http_client=httpx.Client(transport=sim.transport())) as client:
            django_receiver["client"] = client
            bill_id = send_bill(sim)
            with control(sim) as http:
                http.post(f"/_sim/bills/{bill_id}/pay", json={})
            approval = {"apikey": APIKEY, "bill_id": bill_id, **read_appr(sim, bill_id)}
            with httpx.Client(transport=httpx.WSGITransport(app=django_receiver["wsgi"])) as partner:
                answer = partner.post(CALLBACK_URL, json=approval)
                assert answer.status_code == 200
                assert answer.json() == ACK
                assert answer.headers["content-type"] == payssam.APPROVAL_ACK_CONTENT_TYPE
                assert answer.content == payssam.APPROVAL_ACK
                assert partner.post(CALLBACK_URL, json={**approval, "apikey": "NOT-OURS"}).status_code == 400
                assert partner.post(CALLBACK_URL, content=b"{not json").status_code == 400
                assert partner.get(CALLBACK_URL).status_code == 405
    finally:
        sim.close()


def read_appr(sim: Simulator, bill_id: str) -> dict[str, str]:
    """The appr_* fields of a read, as the approval carried them."""
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
        body = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
        answer: dict[str, str] = http.post("/if/bill/read", json=body).json()
    return {key: value for key, value in answer.items() if key.startswith("appr_")}


# --------------------------------------------------------------------------- any transport, sync or async


class ScriptedReceiver:
    """An async approval handler answering from a script (status, body); records how many calls it had."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.answers = answers
        self.calls = 0
        self.threads: set[str] = set()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        status, body = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return httpx.Response(status, content=body)


ACK_BYTES = payssam.APPROVAL_ACK


def test_async_mock_transport_retries_run_from_the_delivery_worker() -> None:
    script = ScriptedReceiver((503, b""), (200, ACK_BYTES))
    handler: Callable[[httpx.Request], Any] = script.__call__
    sim = Simulator(callback_transport=httpx.MockTransport(handler), callback_retry_interval=0.05)
    try:
        bill_id = send_bill(sim)
        with control(sim) as http:
            first = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()["callback"]
        assert (first["attempts"], first["acknowledged"], first["last_error"]) == (1, False, "HTTP 503")
        wait_for(lambda: delivery(sim, bill_id)["acknowledged"], timeout=WAIT)
        assert delivery(sim, bill_id)["attempts"] == 2
        assert script.threads == {"payssam-sim-callback-loop"}  # both attempts ran on the simulator's own loop
    finally:
        sim.close()


def test_a_hung_async_receiver_times_out_and_close_still_returns() -> None:
    never = asyncio.Event()  # never set: the receiver hangs until cancelled

    async def hang(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return httpx.Response(200, content=ACK_BYTES)

    sim = Simulator(callback_transport=httpx.MockTransport(hang), callback_timeout=0.2, callback_retry_interval=3600)
    try:
        bill_id = send_bill(sim)
        with control(sim) as http:
            paid = http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()
        assert paid["callback"]["last_error"] == "timed out after 0.2 s"
    finally:
        sim.close()


def test_a_receiver_that_raises_is_an_unacknowledged_attempt_not_a_500() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("the partner's bug")

    sim = Simulator(callback_transport=httpx.ASGITransport(app=app), callback_retry_interval=3600)
    try:
        bill_id = send_bill(sim)
        with control(sim) as http:
            paid = http.post(f"/_sim/bills/{bill_id}/pay", json={})
        assert paid.status_code == 200
        assert paid.json()["callback"]["last_error"] == "the receiver raised RuntimeError"
        assert paid.json()["bill"]["state"] == "F"
    finally:
        sim.close()


class ClosingSync(httpx.MockTransport):
    closed = 0

    def close(self) -> None:
        self.closed += 1


class ClosingAsync(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.closed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=ACK_BYTES)

    async def aclose(self) -> None:
        self.closed += 1


def test_closing_the_simulator_closes_either_kind_of_transport() -> None:
    sync = ClosingSync(lambda request: httpx.Response(200, content=ACK_BYTES))
    for transport in (sync, ClosingAsync(), httpx.ASGITransport(app=load(FASTAPI_RECEIVER, "closing")["app"])):
        sim = Simulator(callback_transport=transport)
        sim.close()  # nothing delivered yet: nothing to close, no error
        bill_id = send_bill(sim)
        with control(sim) as http:
            http.post(f"/_sim/bills/{bill_id}/pay", json={})
        sim.close()
        sim.close()
        if isinstance(transport, ClosingSync | ClosingAsync):
            assert transport.closed == 1
    assert not [thread for thread in threading.enumerate() if thread.name == "payssam-sim-callback-loop"]


def test_replacing_an_async_transport_closes_it() -> None:
    old, new = ClosingAsync(), ClosingAsync()
    sim = Simulator(callback_transport=old)
    try:
        bill_id = send_bill(sim)
        with control(sim) as http:
            assert http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()["callback"]["acknowledged"]
            sim.callback_transport = new
            assert old.closed == 1
            assert http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()["callback"]["acknowledged"]
    finally:
        sim.close()
    assert (old.closed, new.closed) == (1, 1)


@pytest.mark.parametrize(
    "transport",
    [object(), "http://127.0.0.1:8000", lambda request: httpx.Response(200)],
    ids=["object", "url", "handler"],
)
def test_a_callback_transport_httpx_cannot_drive_is_refused_at_once(transport: object) -> None:
    with pytest.raises(TypeError, match=r"callback_transport must be an httpx\.BaseTransport or httpx\.AsyncBase"):
        Simulator(callback_transport=transport)  # type: ignore[arg-type]
    sim = Simulator()
    with pytest.raises(TypeError, match="callback_transport"):
        sim.callback_transport = transport  # type: ignore[assignment]
    assert sim.callback_transport is None
