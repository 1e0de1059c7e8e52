"""The simulator: the vendor routes of v1 (/if/bill/*) and v2 (/bill, /bill/*, /read/*), each also under /partner, and
the control routes (/_sim/*), served over a socket or in-process.

Routing, guards, the request log and what the journal records (journal.py keeps it) only; the bill rules live in
ledger.py (one ledger for both versions), the points in points.py, the request rules in the contracts (contract.py,
fidelity.py), each version's field names, envelope and codes in wire_v1.py and wire_v2.py, callbacks in delivery.py,
the payer's bill page at the short URL in page.py, the socket in httpserver.py, the httpx seam in transport.py.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import metadata
from types import TracebackType
from typing import Self
from urllib.parse import SplitResult, urlsplit

import httpx

from . import bodies, contract, fidelity, page, wire_v1, wire_v2
from .bodies import CALLBACK_CASES, Payment, PointsRequest, PricedRequest, SendRequest, VendorRequest
from .clock import Clock
from .contract import PARTNER_PREFIX, V1, V2, BodyError
from .delivery import CallbackTransport, Deliveries, is_loopback
from .httpserver import HttpServer
from .journal import DEFAULT_LIMIT, Journal, bill_id_of, error_text, masked
from .journal import query as journal_query
from .ledger import (
    CHARGE_PATH,
    PAGE_PATH,
    SANDBOX_CREDENTIALS,
    Credentials,
    Ledger,
    NotPaidError,
    NotPayableError,
    Outcome,
    UnknownBillError,
)
from .messages import Request, Response, error_response, json_response
from .points import DEFAULT_BALANCE, MERCHANT, Points
from .transport import AsyncSimulatorTransport, SimulatorTransport
from .wire_v2 import Drifts

logger = logging.getLogger("payssam_sim")
logger.addHandler(logging.NullHandler())

_ID = r"([A-Za-z0-9-]{1,20})"
"""A bill id in a control route's path: the contract's letters and digits, and the hyphen of fidelity.py."""
MAX_PORT = 65535
CALLBACK_RETRY_INTERVAL = 3600.0
"""Seconds between approval-callback retries: the vendor's hour."""
CALLBACK_RETRIES = 24
CALLBACK_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
SIM_PREFIX = "/_sim/"


@dataclass(frozen=True, slots=True)
class Route:
    """A control route: its path, the methods it answers, and whether it may wait on a callback receiver."""

    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    blocks: bool = False
    name: str = ""
    """The operation the request journal files it under (pay, faults, ...); "" for the path after /_sim/."""


BILLS = Route(re.compile(r"/_sim/bills"), ("GET", "HEAD"), name="bills")
BILL = Route(re.compile(rf"/_sim/bills/{_ID}"), ("GET", "HEAD"), name="bill")
PAY = Route(re.compile(rf"/_sim/bills/{_ID}/pay"), ("POST",), blocks=True, name="pay")
REDELIVER = Route(re.compile(rf"/_sim/bills/{_ID}/redeliver"), ("POST",), blocks=True, name="redeliver")
PAGE = Route(re.compile(rf"{re.escape(PAGE_PATH)}{_ID}"), ("GET", "HEAD", "POST"), blocks=True, name="page")
"""The bill page (page.py): GET shows it, its form POSTs here to pay (and may wait on the approval's receiver)."""
RESET = Route(re.compile(r"/_sim/reset"), ("POST",), name="reset")
FAULTS = Route(re.compile(r"/_sim/faults"), ("POST",), name="faults")
POINTS = Route(re.compile(re.escape(CHARGE_PATH)), ("GET", "HEAD", "POST"), name="points")
REQUESTS = Route(re.compile(r"/_sim/requests"), ("GET", "HEAD"), name="requests")
HEALTH = Route(re.compile(r"/_sim/health"), ("GET", "HEAD"), name="health")
CLOCK = Route(re.compile(r"/_sim/clock"), ("GET", "HEAD", "POST"), blocks=True, name="clock")
CONTROL = (BILLS, BILL, PAY, REDELIVER, PAGE, RESET, FAULTS, POINTS, REQUESTS, HEALTH, CLOCK)


@cache
def distribution_version() -> str:
    """The installed distribution's version, for the health answer; "unknown" when run from a bare checkout."""
    try:
        return metadata.version("payssam")
    except metadata.PackageNotFoundError:
        return "unknown"


def vendor_routes() -> dict[str, tuple[str, str]]:
    """Every vendor path, with and without the /partner prefix: path -> (API version, operation)."""
    routes: dict[str, tuple[str, str]] = {}
    for api, paths in contract.PATHS.items():
        for operation, path in paths.items():
            routes[path] = routes[PARTNER_PREFIX + path] = (api, operation)
    return routes


def loopback_bind_address(host: str) -> str:
    """The address to bind for host; anything but loopback is refused (the simulator is for local use only)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"host {host!r} is not an IP address or localhost") from None
    if not address.is_loopback:
        raise ValueError(f"host {host!r} is not a loopback address: the simulator serves this machine only")
    return str(address)


_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?")


def is_loopback_host(header: str | None) -> bool:
    """A Host header naming this machine (localhost or a loopback address; a port, if any, 1 to 65535 in ASCII
    digits): guards DNS rebinding. Anything else, a malformed header included, is not this machine."""
    if header is None:
        return False
    match = _HOST.fullmatch(header)
    if match is None:
        return False
    port = match.group(1)
    if port is not None and not 1 <= int(port) <= MAX_PORT:
        return False
    return is_loopback(f"//{header}")


def _split(target: str) -> SplitResult | None:
    """The request target's parts, or None when it is no URL (e.g. `http://[::1/`, an unclosed IPv6 host)."""
    try:
        return urlsplit(target)
    except ValueError:
        return None


def _local_target(target: str) -> bool:
    """A request target in origin form, or in absolute form naming a loopback host."""
    if target.startswith("/"):
        return True
    parts = _split(target)
    return parts is not None and is_loopback_host(parts.netloc)


@dataclass(slots=True)
class _Answer:
    """A response and what the request log and the journal say about it."""

    response: Response
    bill_id: str | None = None
    code: str | None = None
    api: str | None = None
    operation: str | None = None
    body: dict[str, object] | None = None
    """The request body, masked (journal.masked), when it was a JSON object and the journal keeps entries."""
    journaled: bool = True
    """False for a reset, which starts the journal afresh (and a GET or HEAD under /_sim/ is never journaled)."""


class Simulator:
    """A local, in-memory, stateful stand-in for PaySsam v1 and v2 for tests and rehearsals; not the vendor.

    start() serves on a loopback socket; transport() and async_transport() serve the same routes to an
    httpx client in-process, with no socket and no start(). Callbacks go to loopback URLs, or to
    callback_transport: any httpx transport, sync (MockTransport, WSGITransport around a Flask or Django
    receiver) or async (ASGITransport around a FastAPI or Starlette receiver, run on an event loop of the
    simulator's own, so it works whether or not the caller runs one).

    v2's settings, where its evidence is open (fidelity.V2_OPEN_POINTS): v2_callback_case, the form of a v2
    bill's approval (camel, or v1's snake); url_send_points, what a URL send costs (a TALK send and a resend
    cost 55); points_from, whose balance a send is charged to (merchant or partner); partner_points and
    merchant_points, the balances to start from; v2_drifts, answer drifts to switch on (wire_v2.DRIFTS names:
    msg, shortURL, data.data, top-level, numeric-apprPrice). Credentials(v2=False) is a key not enabled for v2.
    strict also makes a v2 bill's approval need v1's exact acknowledgement.

    journal_limit: how many answered requests the journal keeps (requests(), GET /_sim/requests), the oldest
    dropped past it; 0 keeps none.

    Time: `clock` (clock.Clock) runs with real time from clock_start (an aware datetime; None: now) and only moves
    forward (clock.advance(), clock.set(), POST /_sim/clock), making the callback retries it passes on the way.
    Approval and cancel times and expiry follow it. A bill past its expire_dt cannot be paid; what a read answers
    for it is open: expired_read "W" (still unpaid, the default) or "D" (as destroyed).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        credentials: Credentials = SANDBOX_CREDENTIALS,
        strict: bool = False,
        callback_retry_interval: float = CALLBACK_RETRY_INTERVAL,
        callback_retries: int = CALLBACK_RETRIES,
        callback_timeout: float = CALLBACK_TIMEOUT,
        callback_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        idle_timeout: float = 75.0,
        v2_callback_case: str = "camel",
        url_send_points: int = 0,
        points_from: str = MERCHANT,
        partner_points: int = DEFAULT_BALANCE,
        merchant_points: int = DEFAULT_BALANCE,
        v2_drifts: Iterable[str] = (),
        journal_limit: int = DEFAULT_LIMIT,
        clock_start: datetime | None = None,
        expired_read: str = "W",
    ) -> None:
        if not 0 <= port <= MAX_PORT:
            raise ValueError(f"port must be between 0 and {MAX_PORT}")
        for name, seconds in (
            ("callback_retry_interval", callback_retry_interval),
            ("callback_timeout", callback_timeout),
            ("request_timeout", request_timeout),
            ("idle_timeout", idle_timeout),
        ):
            if not 0 < seconds < float("inf"):
                raise ValueError(f"{name} must be a positive number of seconds")
        if callback_retries < 0:
            raise ValueError("callback_retries must not be negative")
        if v2_callback_case not in CALLBACK_CASES:
            raise ValueError(f"v2_callback_case must be one of {', '.join(CALLBACK_CASES)}")
        points = Points(partner=partner_points, merchant=merchant_points, url_send=url_send_points, charged=points_from)
        self.v2_drifts = Drifts.named([v2_drifts] if isinstance(v2_drifts, str) else v2_drifts)
        self.v2_callback_case = v2_callback_case
        self.host = loopback_bind_address(host)
        self.port = port
        self.credentials = credentials
        self.strict = strict
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self._rules = {
            api: contract.request_rules(api) if strict else fidelity.lenient_rules(api) for api in contract.APIS
        }
        self.clock = Clock(clock_start)
        """The simulated time: now(), advance(), set()."""
        self._ledger = Ledger(credentials, points=points, clock=self.clock.now, expired_read=expired_read)
        self._deliveries = Deliveries(
            retry_interval=callback_retry_interval,
            retries=callback_retries,
            timeout=callback_timeout,
            transport=callback_transport,
            clock=self.clock,
        )
        self._vendor = vendor_routes()
        self._bill_page = page.BillPage(self)
        self._journal = Journal(journal_limit, now=self.clock.now)
        self._made = time.monotonic()
        self._server: HttpServer | None = None
        self._bound_port = 0

    # ------------------------------------------------------------------ serving

    @property
    def base_url(self) -> str:
        """http://HOST:PORT where the simulator answers on its socket (the real port once started)."""
        port = self._server.port if self._server is not None else self._bound_port or self.port
        if not port:
            raise RuntimeError("the simulator picks its port when it starts: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    def start(self) -> Self:
        """Bind (backlog 1024), listen and serve HTTP/1.1 in a background thread; returns once accepting."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        server = HttpServer(
            self.handle,
            self.blocks,
            self.host,
            self.port,
            request_timeout=self.request_timeout,
            idle_timeout=self.idle_timeout,
        )
        server.start()
        self._server = server
        self._bound_port = server.port
        return self

    def stop(self) -> None:
        """Stop serving, close every connection, stop the callback worker and join their threads."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._deliveries.stop()

    close = stop

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def callback_transport(self) -> CallbackTransport | None:
        """Where approval callbacks go: None for the network (loopback URLs only), or an httpx transport,
        sync or async.

        Settable, so a receiver built around a client of this very simulator can be plugged in afterwards.
        """
        return self._deliveries.transport

    @callback_transport.setter
    def callback_transport(self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None) -> None:
        self._deliveries.transport = transport

    def transport(self) -> httpx.BaseTransport:
        """The routes as an httpx transport: `httpx.Client(transport=sim.transport())`, no socket, no start()."""
        return SimulatorTransport(self.handle)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The routes as an async httpx transport; routes that call a receiver run in a worker thread."""
        return AsyncSimulatorTransport(self.handle, self.blocks)

    # ------------------------------------------------------------------ journal, readiness, reset

    def requests(
        self,
        bill_id: str | None = None,
        operation: str | None = None,
        *,
        api: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, object]]:
        """The request journal (GET /_sim/requests), oldest first, masked: the entries matching every filter given,
        only the newest `limit` of them with limit. Control routes are filed under their name (pay, faults, ...)
        with api None; what only looks (a GET or HEAD under /_sim/) and a reset are not journaled."""
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        entries = self._journal.entries(bill_id=bill_id, operation=operation, api=api, limit=limit)
        return copy.deepcopy(entries)  # the caller's to change: the journal's own bodies stay as recorded

    @property
    def dropped_requests(self) -> int:
        """Journal entries dropped for journal_limit since the last reset."""
        return self._journal.dropped

    def health(self) -> dict[str, object]:
        """What GET /_sim/health answers once the simulator serves: ok, its version and a few counts, no secrets."""
        return {
            "status": "ok",
            "simulator": "payssam_sim",
            "version": distribution_version(),
            "apis": list(contract.APIS),
            "uptime_seconds": round(time.monotonic() - self._made, 3),
            "time": self.clock.now().isoformat(timespec="milliseconds"),
            "bills": len(self._ledger.bill_ids()),
            "requests": len(self._journal),
            "requests_dropped": self._journal.dropped,
        }

    def reset(self) -> None:
        """POST /_sim/reset: forget every bill, delivery, pending fault and journal entry; the point balances and the
        clock back to where they started. Approval and journal sequence numbers keep counting, so they stay unique."""
        self._ledger.reset()
        self._deliveries.reset()
        self.clock.reset()
        self._journal.clear()

    def inject_fault(self, operation: str, code: str, count: int = 1) -> int:
        """POST /_sim/faults: the next `count` calls of operation answer code (four digits hit v1 calls, a text code
        v2's); returns how many are pending for them. ValueError names what is wrong."""
        fault = bodies.fault({"operation": operation, "code": code, "count": count})
        return self._ledger.inject(fault)

    # ------------------------------------------------------------------ routing

    def blocks(self, method: str, target: str) -> bool:
        """Whether answering may wait on a callback receiver (the caller should not block an event loop on it)."""
        parts = _split(target)
        if parts is None or not parts.path.startswith(SIM_PREFIX):
            return False  # every route that may wait is under /_sim/: a vendor call never does
        return any(route.blocks and route.pattern.fullmatch(parts.path) for route in CONTROL)

    def handle(self, request: Request) -> Response:
        """Answer one request, log one line for it (method, path, bill_id, code or status, milliseconds) and, unless
        it only looked (a GET or HEAD under /_sim/) or was a reset, add it to the journal (unless a reset came
        while it was answered: the journal keeps only what began after the last reset)."""
        started = time.perf_counter()
        generation = self._journal.generation
        parts = _split(request.target)
        path = "-" if parts is None else parts.path
        try:
            if parts is None:
                answer = _Answer(error_response(400, "request target: is not a URL"))
            else:
                answer = self._route(request, path)
        except Exception:
            logger.exception("%s %s: internal error", request.method, path)
            answer = _Answer(error_response(500, "internal error in the simulator"))
        outcome = f"code={answer.code}" if answer.code else f"HTTP {answer.response.status}"
        logger.info(
            "%s %s bill_id=%s %s %.1f ms",
            request.method,
            path,
            answer.bill_id or "-",
            outcome,
            (time.perf_counter() - started) * 1000,
        )
        looks = request.method in ("GET", "HEAD") and path.startswith(SIM_PREFIX)
        if answer.journaled and not looks:
            response = answer.response
            self._journal.record(
                request.method,
                path,
                api=answer.api,
                operation=answer.operation,
                bill_id=answer.bill_id,
                status=response.status,
                code=answer.code,
                body=answer.body,
                error=error_text(response) if response.status >= 400 else None,
                generation=generation,
            )
        return answer.response

    def _route(self, request: Request, path: str) -> _Answer:
        if path in self._vendor:
            if request.method != "POST":
                api, operation = self._vendor[path]
                wrong = error_response(405, f"{path} answers POST only", (("Allow", "POST"),))
                return _Answer(wrong, api=api, operation=operation)
            return self._vendor_call(request, path)
        for route in CONTROL:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            bill_id = match.group(1) if match.groups() else None
            name = route.name or path.removeprefix(SIM_PREFIX)
            if request.method not in route.methods:
                allow = ", ".join(route.methods)
                wrong = error_response(405, f"{path} answers {allow} only", (("Allow", allow),))
                return _Answer(wrong, bill_id, operation=name)
            refusal = self._guard(request, route)
            if refusal is not None:
                return _Answer(refusal, bill_id, operation=name)
            response = self._control(route, request, bill_id)
            return _Answer(response, bill_id, operation=name, journaled=route is not RESET)
        return _Answer(error_response(404, f"no route for {request.method} {path}"))

    def _guard(self, request: Request, route: Route) -> Response | None:
        """Control routes act only on requests a web page cannot forge: a loopback Host, and JSON on every POST.

        The one exception is the bill page's own form (PAGE, form-encoded): still loopback only, and held by page.py
        to its origin and its CSRF token before anything is paid.
        """
        if not request.trusted and not (
            is_loopback_host(request.headers.get("host")) and _local_target(request.target)
        ):
            return error_response(403, "Host: control routes answer only to a loopback host name")
        content_type = request.headers.get("content-type")
        if route is PAGE and request.method == "POST" and page.is_form(content_type):
            return None
        if request.method == "POST" and not bodies.is_json(content_type):
            return error_response(403, "Content-Type: control routes take application/json only")
        return None

    def _vendor_call(self, request: Request, path: str) -> _Answer:
        """A vendor operation: the whole body held to its version's contract and typed (HTTP 400 otherwise), then,
        and only then, the ledger's answer in that version's wire form. Whatever the body holds, nothing is read
        from it but the typed request."""
        api, operation = self._vendor[path]
        rules = self._rules[api][operation]
        data = kept = None
        try:
            data = bodies.json_object(request.body, request.headers.get("content-type"))
            kept = masked(data) if self._journal.enabled else None
            warnings = [] if self.strict else fidelity.relax(rules.schema, data)
            rules.check(data)
            typed = wire_v2.request(operation, data) if api == V2 else wire_v1.request(operation, data)
        except BodyError as exc:
            return _Answer(error_response(400, str(exc)), bill_id_of(data), api=api, operation=operation, body=kept)
        for warning in warnings:
            logger.warning("%s %s: %s", request.method, path, warning)
        outcome = self._act(operation, typed, request.site)
        if api == V2:
            code, body = wire_v2.answer(operation, typed, outcome, self.v2_drifts)
        else:
            code, body = wire_v1.answer(operation, typed, outcome)
        bill_id = None if isinstance(typed, PointsRequest) else typed.bill_id
        return _Answer(json_response(200, body), bill_id, code, api=api, operation=operation, body=kept)

    def _act(self, operation: str, request: VendorRequest, site: str) -> Outcome:
        """The ledger's action for a typed request, whichever version carried it."""
        ledger = self._ledger
        if isinstance(request, SendRequest):
            return ledger.send(request, site)
        if isinstance(request, PointsRequest):
            return ledger.balance(request, site)
        if isinstance(request, PricedRequest):
            return ledger.cancel(request) if operation == "cancel" else ledger.destroy(request)
        return ledger.read(request) if operation == "read" else ledger.resend(request)

    def _control(self, route: Route, request: Request, bill_id: str | None) -> Response:
        """The /_sim/ routes: list, inspect, pay, redeliver, short URL page, reset, faults, points, journal, health."""
        if route is BILLS:
            return json_response(200, {"bills": [self._view(each) for each in self._ledger.bill_ids()]})
        if route is PAGE:
            return self._bill_page.handle(request, str(bill_id))
        if route is RESET:
            self.reset()
            return json_response(200, {"reset": True})
        if route is REQUESTS:
            return self._requests(request)
        if route is HEALTH:
            return json_response(200, self.health())
        if route is CLOCK:
            return self._clock(request)
        if route is FAULTS:
            return self._fault(request)
        if route is POINTS:
            return self._points(request)
        view = self._view(str(bill_id))
        if view is None:
            return error_response(404, f"no bill {bill_id}")
        if route is PAY:
            return self._pay(str(bill_id), request)
        if route is REDELIVER:
            return self._redeliver(str(bill_id))
        return json_response(200, view)

    def _view(self, bill_id: str) -> dict[str, object] | None:
        view = self._ledger.view(bill_id)
        if view is not None:
            view["callback"] = self._deliveries.view(bill_id)
            view["callback_attempts"] = self._deliveries.attempts(bill_id)
        return view

    # ------------------------------------------------------------------ paying, in Python and over HTTP

    def bill(self, bill_id: str) -> dict[str, object] | None:
        """The bill as GET /_sim/bills/{bill_id} shows it (state, price, expiry, approval, callback attempts; no
        personal data), or None."""
        return self._view(bill_id)

    def payable(self, bill_id: str) -> str | None:
        """None when the bill can be paid now, else why not: unknown, paid, cancelled, destroyed or expired
        (ledger.REASONS has each in Korean and English)."""
        return self._ledger.payable(bill_id)

    def pay(
        self,
        bill_id: str,
        *,
        card: str | None = None,
        installment_months: int = 0,
        pay_type: str = "card",
        callback_case: str | None = None,
        delivery: str = "normal",
        card_issuer: str | None = None,
        cash_trader: str | None = None,
        delivery_delay: float | timedelta | str | None = None,
    ) -> dict[str, object]:
        """The customer pays, as POST /_sim/bills/{bill_id}/pay with these members does; the same answer,
        {"bill": <view>, "callback": <delivery>}. pay_type "card" is a card payment (CARD_VAN).

        Raises UnknownBillError, NotPayableError (its reason and status say why; nothing changed, but for reason
        "reset": a reset came while the approval was being delivered), or ValueError naming an argument that is
        wrong whatever the bill.
        """
        given: dict[str, object] = {
            "pay_type": None if pay_type == "card" else pay_type,
            "card": card,
            "installment_months": installment_months or None,
            "callback_case": callback_case,
            "delivery": delivery,
            "card_issuer": card_issuer,
            "cash_trader": cash_trader,
            "delivery_delay": delivery_delay,
        }
        payment = bodies.payment({name: value for name, value in given.items() if value is not None})
        return self._paid(bill_id, payment)

    def _paid(self, bill_id: str, payment: Payment) -> dict[str, object]:
        """W → F, then the approval delivered as the payment asks (by default its first attempt now, retries on the
        vendor's schedule if it is not acknowledged).

        The approval takes the form of the version that sent the bill: v1's, or v2's in the case the payment's
        callback_case or else the simulator's v2_callback_case names. A v1 bill's approval is acknowledged only by
        v1's exact body; a v2 bill's by any `"code": "0000"`, or by v1's exact body under strict.
        """
        if payment.callback_case is not None and self._ledger.api(bill_id) == V1:
            raise BodyError("callback_case", "a bill sent over v1 gets its approval in v1's form")
        generation = self._deliveries.generation
        paid = self._ledger.pay(bill_id, payment)
        if paid.api == V2:
            case = payment.callback_case or self.v2_callback_case
            body = wire_v2.approval(paid, case, self.v2_drifts)
        else:
            body = wire_v1.approval(paid)
        exact = paid.api == V1 or self.strict
        delivery = self._deliveries.deliver(
            paid.bill_id,
            paid.callback_url,
            body,
            exact=exact,
            delivery=payment.delivery,
            delay=payment.delivery_delay,
            generation=generation,
        )
        view = self._view(bill_id)
        if delivery is None or view is None or self._deliveries.generation != generation:
            raise NotPayableError("reset", "the simulator was reset while this bill was being paid")
        return {"bill": view, "callback": delivery}

    def redeliver(self, bill_id: str) -> dict[str, object]:
        """The approval once more, now, as POST /_sim/bills/{bill_id}/redeliver does; the same answer, {"bill": <view>,
        "callback": <delivery>}. One extra attempt outside the vendor's schedule: it never starts, stops, delays or
        replaces a scheduled one; acknowledged, it ends the schedule as any acknowledgement does.

        Raises UnknownBillError, or NotPaidError for a bill never paid (no approval to deliver) or one a reset wiped
        while it was being delivered.
        """
        if self._ledger.api(bill_id) is None:
            raise UnknownBillError(bill_id)
        generation = self._deliveries.generation
        delivery = self._deliveries.redeliver(bill_id)
        view = self._view(bill_id)
        if view is None or self._deliveries.generation != generation:
            raise NotPaidError("reset", "the simulator was reset while this approval was being delivered")
        if delivery is None:
            raise NotPaidError("unpaid", "bill was never paid: there is no approval to deliver")
        return {"bill": view, "callback": delivery}

    def _pay(self, bill_id: str, request: Request) -> Response:
        """POST /_sim/bills/{bill_id}/pay: the body (bodies.payment) paid through _paid; 400 for a bad body, 404,
        409 for a bill that cannot be paid now (or a reset while it was paid), 402 for a declined card, 400 for months
        or a card number."""
        try:
            payment = bodies.payment(
                bodies.json_object(request.body, request.headers.get("content-type"), optional=True)
            )
            return json_response(200, self._paid(bill_id, payment))
        except BodyError as exc:
            return error_response(400, str(exc))
        except UnknownBillError:
            return error_response(404, f"no bill {bill_id}")
        except NotPayableError as exc:
            return error_response(exc.status, str(exc))

    def _clock(self, request: Request) -> Response:
        """GET: the simulated now. POST `{"advance": seconds or "PT25H"}` or `{"set": "2026-12-31T23:59:59+09:00"}`
        (an offset is required): move it forward, making the callback retries that fall due on the way; the new
        now. Going back is refused (400); a callback receiver moving it while it moves, 409."""
        if request.method == "POST":
            try:
                move = bodies.clock(bodies.json_object(request.body, request.headers.get("content-type")))
                if isinstance(move, timedelta):
                    self.clock.advance(move)
                else:
                    self.clock.set(move)
            except ValueError as exc:
                return error_response(400, str(exc))
            except RuntimeError as exc:
                return error_response(409, str(exc))
        return json_response(200, {"now": self.clock.now().isoformat(timespec="milliseconds")})

    def _redeliver(self, bill_id: str) -> Response:
        """POST /_sim/bills/{bill_id}/redeliver: redeliver(); 404, or 409 when there is no approval to deliver."""
        try:
            return json_response(200, self.redeliver(bill_id))
        except UnknownBillError:
            return error_response(404, f"no bill {bill_id}")
        except NotPaidError as exc:
            return error_response(exc.status, str(exc))

    def _fault(self, request: Request) -> Response:
        """Queue a fault: the next `count` calls of an operation answer `code` (after shape and credential checks).

        No lifecycle reaches 5000 or 9870 (v1), ERROR, PAYMENT_001 or MAINTAINED_METHOD (v2); an injected fault is
        how a client's handling of them is tested. The code's form says which version it hits: four digits v1's
        calls, a text code v2's (bodies.fault).
        """
        try:
            fault = bodies.fault(bodies.json_object(request.body, request.headers.get("content-type")))
        except BodyError as exc:
            return error_response(400, str(exc))
        pending = self._ledger.inject(fault)
        return json_response(200, {"operation": fault.operation, "code": fault.code, "pending": pending})

    def _points(self, request: Request) -> Response:
        """GET: the point balances, which one a send is charged to, and the prices. POST sets balances:
        `{"partner": N}`, `{"merchant": CODE, "balance": N}`, or both."""
        if request.method == "POST":
            try:
                setting = bodies.points(bodies.json_object(request.body, request.headers.get("content-type")))
            except BodyError as exc:
                return error_response(400, str(exc))
            if setting.partner is not None:
                self._ledger.set_points(None, setting.partner)
            if setting.merchant is not None and setting.balance is not None:
                self._ledger.set_points(setting.merchant, setting.balance)
        return json_response(200, self._ledger.points())

    def _requests(self, request: Request) -> Response:
        """GET /_sim/requests?bill_id=&operation=&api=&limit=: the journal's entries, oldest first, and how many
        were dropped; an unknown or repeated filter, an unknown api or a limit that is not a count is HTTP 400."""
        parts = _split(request.target)
        try:
            asked = journal_query(parts.query if parts is not None else "")
        except BodyError as exc:
            return error_response(400, str(exc))
        entries = self._journal.entries(
            bill_id=asked.bill_id, operation=asked.operation, api=asked.api, limit=asked.limit
        )
        return json_response(200, {"requests": entries, "dropped": self._journal.dropped})
