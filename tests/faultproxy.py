"""A hostile network between the SDK and the simulator, and a seeded run that judges the SDK by the ledger.

FaultProxy is a real TCP proxy on 127.0.0.1 (one asyncio loop in a background thread). It reads each
request whole (h11), takes the next fault from its Schedule, and forwards the request on a fresh upstream
connection, or not, and answers the client, or not, as the fault says (FAULTS below). Every connection
carries one request: answers go back with `Connection: close`. Per request it records the path, the bill
the JSON body names, the fault, whether and when (`landed`, on the proxy's clock) the request reached the
upstream (then the effect happened, because the proxy reads the upstream's whole answer before doing
anything to the client).

Requests about one bill reach the upstream in the order the proxy received them (one at a time per bill),
so a read-back never overtakes the write it is about on a loaded machine by accident, with one exception
made on purpose: a LATE request is held back, never answered, and forwarded only after further requests
about its bill were answered (the read-back or the retry overtakes it), or when land_late() flushes it.
That is the request that timed out on the client and reaches PaySsam a moment later.

run() performs seeded operations through PaySsam or AsyncPaySsam behind the proxy (send, then maybe pay and
cancel, or destroy) over API v1 or v2 (the proxy knows either version's calls by PATHS and finds the bill in
either's body), lands every late request, and judge() then holds every conclusion the SDK reached
against the simulator's ledger: done must be in effect; failed (any PaySsamError but OutcomeUnknownError)
must not be, late landings included; OutcomeUnknownError is allowed, counted, but must rest on an attempt
that may have reached PaySsam. A read the proxy passed but the SDK still gave up on (a starved machine)
is told apart by the SDK's own debug line for that attempt (AttemptLog), and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import re
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import h11
import httpx

import payssam
from payssam import (
    ApiError,
    AsyncPaySsam,
    Cancellation,
    Destruction,
    OutcomeUnknownError,
    PaySsam,
    PaySsamError,
    SentBill,
)
from payssam_sim import Simulator
from payssam_sim.points import TALK_POINTS

Result = TypeVar("Result")

PASS = "pass"
REFUSE = "refuse"
"""Reset the client's connection (SO_LINGER 0) before forwarding anything."""
DROP_BEFORE = "drop_before"
"""Close the client's connection (FIN) before forwarding anything."""
FIN_AFTER = "fin_after"
"""Forward and read the whole answer (the effect happened), then close the client's connection with FIN."""
RST_AFTER = "rst_after"
"""Forward and read the whole answer, then reset the client's connection."""
DELAY_AFTER = "delay_after"
"""Forward and read the whole answer, wait longer than the client's timeout, then try to send it."""
STATUS_BEFORE = "status_before"
"""Answer a gateway's 5xx (FaultProxy.before_status, 503 unless told) without forwarding."""
STATUS_AFTER = "status_after"
"""Forward (the effect happens), discard the answer, answer 502."""
DRIP_AFTER = "drip_after"
"""Forward, then send the answer one byte at a time, until the client gives up."""
LATE = "late"
"""Hold the whole request without forwarding it and never answer (close once the client gives up); forward it
later, after `hold` further requests about its bill were answered (or faulted), or when land_late() says."""
FAULTS = (REFUSE, DROP_BEFORE, FIN_AFTER, RST_AFTER, DELAY_AFTER, STATUS_BEFORE, STATUS_AFTER, DRIP_AFTER, LATE)
LATE_HOLD = 4
"""A seeded LATE request lands after 1 to LATE_HOLD further requests about its bill (drawn), or when flushed."""

API_VERSIONS = (1, 2)
PREFIXES = {1: "", 2: "/partner"}
"""What a client of each API version adds to the proxy's base URL (the simulator serves v2 with or without it)."""
PATHS: dict[int, dict[str, str]] = {
    1: {
        "read_bill": "/if/bill/read",
        "send_bill": "/if/bill/send",
        "cancel_bill": "/if/bill/cancel",
        "destroy_bill": "/if/bill/destroy",
    },
    2: {
        "read_bill": "/partner/bill/read",
        "send_bill": "/partner/bill",
        "cancel_bill": "/partner/bill/cancel",
        "destroy_bill": "/partner/bill/destroy",
    },
}
"""Each API version's operations at the paths the proxy sees them, its client's base URL ending in PREFIXES."""
OPERATIONS = {path: operation for paths in PATHS.values() for operation, path in paths.items()}
"""The SDK operation each path is, whichever the API version (no path is in both)."""
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade", b"transfer-encoding"}
CHUNK = 65536


@dataclass
class Record:
    """One request as the proxy saw it; forwarded and code are filled in once the upstream has answered."""

    seq: int
    path: str
    bill_id: str | None
    fault: str
    received: int = 0
    """When the proxy had the whole request, on its clock (one tick per request received and per landing)."""
    hold: int | None = None
    """LATE only: further requests about the bill it waits for (None: it waits for land_late())."""
    landed: int | None = None
    """When the request reached the upstream, on the proxy's clock (None: it never did)."""
    forwarded: bool = False
    """The request reached the upstream and its whole answer was read: whatever it does has been done."""
    code: str | None = None
    """The PaySsam code of the upstream's answer (None if not forwarded or not JSON)."""
    delivered: bool | None = None
    """For answers relayed (pass, delay_after, drip_after): whether every byte was written before the client left."""
    done: bool = False
    """The proxy has answered the request, or faulted it: it counts towards the holds of earlier LATE requests."""
    failure: str | None = None
    """Why a LATE request could not be landed (the upstream failed); None otherwise."""

    @property
    def operation(self) -> str | None:
        """The SDK operation the request is ("send_bill", "read_bill", ...), in either API version; None for a path
        neither has."""
        return OPERATIONS.get(self.path)

    @property
    def name(self) -> str:
        """The operation without "_bill" ("send", "read", ...), else the path's last part."""
        operation = self.operation
        return self.path.rsplit("/", 1)[-1] if operation is None else operation.removesuffix("_bill")


@dataclass(frozen=True)
class FaultDraw:
    """The fault one request gets, and for LATE how many further requests it waits for (None: until flushed)."""

    fault: str
    hold: int | None = None


class Schedule:
    """Which fault each request gets: queued faults first, in order; else the bill's own seeded draw; else pass."""

    def __init__(self, late_hold: int = LATE_HOLD) -> None:
        if late_hold < 1:
            raise ValueError("late_hold is at least 1")
        self.late_hold = late_hold
        self._lock = threading.Lock()
        self._queue: deque[FaultDraw] = deque()
        self._bills: dict[str, tuple[random.Random, float]] = {}

    def push(self, *faults: str) -> None:
        """Give the next requests these faults, whatever bill they are about (a LATE one waits for land_late())."""
        unknown = set(faults) - {PASS, *FAULTS}
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        with self._lock:
            self._queue.extend(FaultDraw(fault) for fault in faults)

    def push_late(self, after: int | None = None) -> None:
        """Make the next request LATE: it lands once `after` further requests about its bill were answered."""
        if after is not None and after < 1:
            raise ValueError("a late request lands after at least one further request, or when flushed (None)")
        with self._lock:
            self._queue.append(FaultDraw(LATE, after))

    def clear(self) -> int:
        """Drop the queued faults no request has taken; how many there were."""
        with self._lock:
            dropped = len(self._queue)
            self._queue.clear()
            return dropped

    def pending(self) -> int:
        """How many queued faults no request has taken yet."""
        with self._lock:
            return len(self._queue)

    def seed_bill(self, bill_id: str, rng: random.Random, probability: float) -> None:
        """Fault requests about bill_id with this probability, the kind drawn from rng (replayable per bill)."""
        with self._lock:
            self._bills[bill_id] = (rng, probability)

    def next(self, bill_id: str | None) -> FaultDraw:
        """The fault for the request that just came in."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            drawn = self._bills.get(bill_id) if bill_id else None
            if drawn is None:
                return FaultDraw(PASS)
            rng, probability = drawn
            if rng.random() >= probability:
                return FaultDraw(PASS)
            fault = rng.choice(FAULTS)
            return FaultDraw(fault, rng.randint(1, self.late_hold) if fault == LATE else None)


@dataclass
class _Held:
    """A LATE request waiting to land: what to forward, and how many more answered requests it waits for."""

    record: Record
    request: h11.Request
    body: bytes
    remaining: int | None


def bill_of(body: bytes) -> str | None:
    """The bill a request is about: v1's top-level bill_id (read, cancel, destroy) or bill.bill_id (send); v2's
    bill.billId (every call)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    bill = data.get("bill")
    value = bill.get("bill_id", bill.get("billId")) if isinstance(bill, dict) else data.get("bill_id")
    return value if isinstance(value, str) else None


def code_of(body: bytes) -> str | None:
    """The PaySsam code of an answer, if it is a JSON object with one."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) else None


def _framed(headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
    """Headers without hop-by-hop ones or a length, then our own length and `Connection: close`."""
    kept = [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP | {b"content-length"}]
    return [*kept, (b"content-length", str(len(body)).encode()), (b"connection", b"close")]


def _answer(conn: h11.Connection, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A whole response, serialised by the client connection's h11 state machine."""
    data = conn.send(h11.Response(status_code=status, headers=_framed(headers, body))) or b""
    if body:
        data += conn.send(h11.Data(data=body)) or b""
    return data + (conn.send(h11.EndOfMessage()) or b"")


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST: SO_LINGER on with a zero timeout, then drop the socket without flushing."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close with FIN (after whatever was written)."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def _gone(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """The client has hung up (FIN read, or the socket failed)."""
    return reader.at_eof() or writer.is_closing()


class FaultProxy:
    """A TCP proxy on a free loopback port that breaks requests to upstream as its schedule says."""

    def __init__(
        self,
        upstream: str,
        schedule: Schedule | None = None,
        *,
        delay: float = 1.0,
        drip_every: tuple[float, float] = (0.05, 0.2),
        upstream_timeout: float = 30.0,
        before_status: int = 503,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream {upstream!r} needs a host and a port")
        if not 500 <= before_status < 600 or before_status not in set(HTTPStatus):
            raise ValueError("before_status is a gateway's 5xx")
        self.upstream = (parts.hostname, parts.port)
        self.schedule = schedule or Schedule()
        self.delay = delay
        self.drip_every = drip_every
        self.upstream_timeout = upstream_timeout
        self.before_status = before_status
        self.port = 0
        self._records: list[Record] = []
        self._by_bill: dict[str, list[Record]] = {}
        self._records_lock = threading.Lock()
        self._clock = 0
        """Ticks once per request received and once per request landed (under _records_lock)."""
        self._bill_locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: dict[str, list[_Held]] = {}
        """LATE requests not yet released, per bill ("" for none); touched only on the proxy's loop."""
        self._landing: set[asyncio.Task[None]] = set()
        """LATE requests released and on their way to the upstream."""
        self._stopping = False
        self._drip = random.Random(0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        """Where the SDK should send its requests."""
        if not self.port:
            raise RuntimeError("start() the proxy first")
        return f"http://127.0.0.1:{self.port}"

    def client_url(self, api_version: int = 1) -> str:
        """The base URL for a client of this API version: its requests reach the proxy at PATHS[api_version]."""
        if api_version not in PREFIXES:
            raise ValueError(f"api_version is one of {API_VERSIONS}")
        return self.base_url + PREFIXES[api_version]

    def records(self, bill_id: str | None = None) -> list[Record]:
        """Every request so far, or those about one bill, in the order they came in."""
        with self._records_lock:
            return list(self._records if bill_id is None else self._by_bill.get(bill_id, ()))

    def clock(self) -> int:
        """The proxy's clock now: every request received or landed so far has a smaller tick."""
        with self._records_lock:
            return self._clock

    def land_late(self, timeout: float = 60.0) -> list[Record]:
        """Forward every LATE request still held (in the order they came in) and wait until every late request
        released so far has landed; the records of those this call released (forwarded, or with a failure)."""
        return self._on_loop(self._land_all(), timeout)

    def holding(self) -> int:
        """How many LATE requests have not landed yet (held, or on their way)."""
        return self._on_loop(self._holding(), 10.0)

    def _on_loop(self, work: Coroutine[Any, Any, Result], timeout: float) -> Result:
        loop = self._loop
        if loop is None:
            work.close()
            raise RuntimeError("start() the proxy first")
        return asyncio.run_coroutine_threadsafe(work, loop).result(timeout)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port) and serve in a background thread; returns once accepting."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="faultproxy", daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop listening, cancel every exchange and landing in progress (closing its sockets), join the thread.

        LATE requests still held are dropped: call land_late() first to have them land.
        """
        loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _listen(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _shutdown(self) -> None:
        self._stopping = True
        self._held.clear()
        if self._server is not None:
            self._server.close()
        tasks = [*self._tasks, *self._landing]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # ------------------------------------------------------------------ one connection, one request

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._exchange(reader, writer)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, h11.ProtocolError, asyncio.CancelledError):
            writer.transport.abort()  # the client or the upstream went away, or the proxy is stopping
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        received = await asyncio.wait_for(_read(conn, reader, h11.Request), self.upstream_timeout)
        if received is None:
            return
        request, body = received
        assert isinstance(request, h11.Request)
        bill_id = bill_of(body)
        draw = self.schedule.next(bill_id)
        record = self._record(request.target.decode("ascii", "replace"), bill_id, draw)
        if draw.fault == LATE:
            self._held.setdefault(bill_id or "", []).append(_Held(record, request, body, draw.hold))
            await self._hang_up(reader)
            await _close(writer)
            return
        try:
            await self._carry_out(record, conn, request, body, reader, writer)
        finally:
            self._done(record)

    async def _carry_out(
        self,
        record: Record,
        conn: h11.Connection,
        request: h11.Request,
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Everything but LATE: fault before forwarding, or forward and fault the answer (or relay it)."""
        fault = record.fault
        if fault == REFUSE:
            _reset(writer)
            return
        if fault == DROP_BEFORE:
            await _close(writer)
            return
        if fault == STATUS_BEFORE:
            text = f"{HTTPStatus(self.before_status).phrase}\n".encode()
            writer.write(_answer(conn, self.before_status, [(b"content-type", b"text/plain")], text))
            await writer.drain()
            return

        status, headers, content = await self._forward(request, body, record)
        record.forwarded, record.code = True, code_of(content)
        if fault == FIN_AFTER:
            await _close(writer)
        elif fault == RST_AFTER:
            _reset(writer)
        elif fault == STATUS_AFTER:
            writer.write(_answer(conn, 502, [(b"content-type", b"text/plain")], b"Bad Gateway\n"))
            await writer.drain()
        elif fault == DRIP_AFTER:
            self._done(record)  # the upstream has answered; the client may never have it all
            record.delivered = await self._drip_out(reader, writer, _answer(conn, status, headers, content))
        else:
            if fault == DELAY_AFTER:
                self._done(record)
                await asyncio.sleep(self.delay)
            record.delivered = not _gone(reader, writer)
            if record.delivered:
                writer.write(_answer(conn, status, headers, content))
                await writer.drain()

    async def _drip_out(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, answer: bytes) -> bool:
        """One byte at a time, a pause after each; False once the client has hung up."""
        for index in range(len(answer)):
            if _gone(reader, writer):
                return False
            writer.write(answer[index : index + 1])
            await writer.drain()
            await asyncio.sleep(self._drip.uniform(*self.drip_every))
        return True

    async def _hang_up(self, reader: asyncio.StreamReader) -> None:
        """Wait until the client closes its end (it gave up), at most upstream_timeout; discard what it sends."""
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(self.upstream_timeout):
                while await reader.read(CHUNK):
                    pass

    def _record(self, target: str, bill_id: str | None, draw: FaultDraw) -> Record:
        with self._records_lock:
            record = Record(len(self._records), urlsplit(target).path, bill_id, draw.fault, self._clock, draw.hold)
            self._clock += 1
            self._records.append(record)
            if bill_id is not None:
                self._by_bill.setdefault(bill_id, []).append(record)
            return record

    # ------------------------------------------------------------------ late requests

    def _done(self, record: Record) -> None:
        """The proxy is through with a request (answered or faulted): the LATE ones before it wait one less."""
        if record.done:
            return
        record.done = True
        held = self._held.get(record.bill_id or "", [])
        for late in list(held):
            if late.remaining is None or late.record.seq >= record.seq:
                continue
            late.remaining -= 1
            if late.remaining <= 0:
                held.remove(late)
                self._launch(late)

    def _launch(self, late: _Held) -> None:
        if self._stopping:
            return
        task = asyncio.get_running_loop().create_task(self._land(late))
        self._landing.add(task)
        task.add_done_callback(self._landing.discard)

    async def _land(self, late: _Held) -> None:
        """Forward a LATE request now; nobody waits for its answer."""
        record = late.record
        try:
            _, _, content = await self._forward(late.request, late.body, record)
        except (OSError, TimeoutError, h11.ProtocolError) as exc:
            record.failure = f"{type(exc).__name__}: {exc}"
            return
        record.forwarded, record.code = True, code_of(content)

    async def _land_all(self) -> list[Record]:
        released = sorted((late for held in self._held.values() for late in held), key=lambda late: late.record.seq)
        self._held.clear()
        for late in released:
            self._launch(late)
        await asyncio.gather(*self._landing, return_exceptions=True)
        return [late.record for late in released]

    async def _holding(self) -> int:
        return sum(len(held) for held in self._held.values()) + len(self._landing)

    async def _forward(
        self, request: h11.Request, body: bytes, record: Record
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The upstream's whole answer, on a fresh connection; one request at a time per bill."""
        bill_id = record.bill_id
        lock = self._bill_locks.setdefault(bill_id, asyncio.Lock()) if bill_id else contextlib.nullcontext()
        async with lock:
            with self._records_lock:
                record.landed = self._clock
                self._clock += 1
            return await asyncio.wait_for(self._upstream(request, body), self.upstream_timeout)

    async def _upstream(self, request: h11.Request, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        reader, writer = await asyncio.open_connection(*self.upstream)
        try:
            conn = h11.Connection(h11.CLIENT)
            headers = _framed(list(request.headers), body)
            writer.write(conn.send(h11.Request(method=request.method, target=request.target, headers=headers)) or b"")
            if body:
                writer.write(conn.send(h11.Data(data=body)) or b"")
            writer.write(conn.send(h11.EndOfMessage()) or b"")
            await writer.drain()
            received = await _read(conn, reader, h11.Response)
            if received is None:
                raise ConnectionError("the upstream closed without answering")
            response, content = received
            assert isinstance(response, h11.Response)
            return response.status_code, list(response.headers), content
        finally:
            writer.close()


async def _read(
    conn: h11.Connection, reader: asyncio.StreamReader, kind: type[h11.Request | h11.Response]
) -> tuple[h11.Request | h11.Response, bytes] | None:
    """One whole message (head and body) from reader, or None if the peer closed before sending one."""
    head: h11.Request | h11.Response | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(CHUNK))
        elif isinstance(event, kind):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage) and head is not None:
            return head, bytes(body)
        elif isinstance(event, h11.ConnectionClosed):
            return None


# ---------------------------------------------------------------------- a seeded run, judged by the ledger

TIMEOUT = 0.5
BACKOFF = payssam.Backoff(0.0, 0.01)
SANDBOX = ("TEST-API-KEY-TALK", "TEST-MEMBER-FOR-API", "TEST-MERCHANT-FOR-API")
PHONE = "01012345678"
CUSTOMER: dict[str, Any] = {"customer_name": "김민지", "product_name": "11월 수강료"}
CALLBACK = "http://127.0.0.1:9/payssam/approval"
"""Loopback, so the simulator calls it when a bill is paid; nobody listens on the discard port."""
FOLLOW_UPS = ("none", "cancel", "destroy")
RESULTS: dict[str, type] = {"send_bill": SentBill, "cancel_bill": Cancellation, "destroy_bill": Destruction}
EFFECTS: dict[str, tuple[str, ...]] = {"send_bill": ("W", "F", "C", "D"), "cancel_bill": ("C",), "destroy_bill": ("D",)}
"""The ledger states that prove each write took effect."""
SUCCESS = "0000"
"""Success, in either API version."""
SYSTEM_ERRORS = frozenset({"5000", "PAYMENT_001", "PAYMENT_002", "MAINTAINED_METHOD"})
"""PaySsam's codes for a failure on its side (v1's 5000, v2's ServerSystemError ones): a write so answered may have
taken effect."""


@dataclass
class Conclusion:
    """One SDK call: what it returned or raised, the proxy's records of its requests, and the SDK's own account."""

    name: str
    outcome: object
    records: list[Record]
    heard: list[str] = field(default_factory=list)
    """What the SDK logged of each attempt: "read_bill: HTTP 200, code 0000 in 3 ms", "read_bill: TimeoutError"."""
    ended: int = 0
    """The proxy's clock when the call had concluded: a request landing later landed after the conclusion."""


class AttemptLog(logging.Handler):
    """The SDK's debug line for every attempt (answered: HTTP status, or failed: exception), kept per bill.

    A request the proxy passed can still fail at the client when a loaded machine starves it past its
    deadline; this tells such a read apart from one whose answer the SDK actually got. Only DEBUG lines
    count: the SDK's INFO line before a pause ("...; trying again in 0.01 s") is no attempt.
    """

    LINE = re.compile(r"payssam (\w+) bill_id=(\w+): (.*)")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._lines: dict[str, list[str]] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno != logging.DEBUG:
            return
        match = self.LINE.fullmatch(record.getMessage())
        if match:
            operation, bill_id, said = match.groups()
            with self._guard:
                self._lines.setdefault(bill_id, []).append(f"{operation}: {said}")

    def heard(self, bill_id: str) -> list[str]:
        with self._guard:
            return list(self._lines.get(bill_id, ()))

    @contextlib.contextmanager
    def listening(self) -> Iterator[Self]:
        """Attached to the "payssam" logger at DEBUG for the block."""
        sdk = logging.getLogger("payssam")
        level = sdk.level
        sdk.addHandler(self)
        sdk.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            sdk.removeHandler(self)
            sdk.setLevel(level)


@dataclass
class Witness:
    """Where a call's evidence comes from: the proxy's records and the SDK's log."""

    proxy: FaultProxy
    log: AttemptLog

    def conclude(self, op: Operation, name: str, call: Callable[[], object]) -> None:
        """Make the call and keep what it concluded, with the evidence of its requests."""
        marks = len(self.proxy.records(op.bill_id)), len(self.log.heard(op.bill_id))
        try:
            outcome = call()
        except Exception as exc:
            outcome = exc
        self.keep(op, name, outcome, marks)

    async def aconclude(self, op: Operation, name: str, call: Awaitable[object]) -> None:
        """The same, awaited."""
        marks = len(self.proxy.records(op.bill_id)), len(self.log.heard(op.bill_id))
        try:
            outcome = await call
        except Exception as exc:
            outcome = exc
        self.keep(op, name, outcome, marks)

    def keep(self, op: Operation, name: str, outcome: object, marks: tuple[int, int]) -> None:
        ended = self.proxy.clock()
        records, heard = self.proxy.records(op.bill_id)[marks[0] :], self.log.heard(op.bill_id)[marks[1] :]
        op.calls.append(Conclusion(name, outcome, records, heard, ended))


@dataclass
class Operation:
    """One seeded operation: a fresh bill sent, then nothing more, paid and cancelled, or destroyed."""

    index: int
    bill_id: str
    price: int
    follow_up: str
    rng: random.Random = field(repr=False)
    calls: list[Conclusion] = field(default_factory=list)


@dataclass
class Tally:
    """What a run found; the problem columns count operations, the late and conclusion columns requests and calls."""

    mode: str
    operations: int = 0
    api_version: int = 1
    """The API the run spoke: 1 or 2."""
    tried: int = 0
    """Operations that met at least one fault."""
    duplicates: int = 0
    lost: int = 0
    wrong: int = 0
    unknown: int = 0
    """Calls that ended in OutcomeUnknownError (allowed, when an attempt may have reached PaySsam)."""
    unknown_read_back_failed: int = 0
    """Of those, the ones whose last read-back brought the SDK no answer (else the retries ran out)."""
    other: int = 0
    late: int = 0
    """LATE requests (held back, then forwarded)."""
    late_landed: int = 0
    """LATE requests that reached the simulator (all of them, once run() has landed the rest)."""
    late_after: int = 0
    """LATE requests that landed after the SDK had concluded the call they belong to."""
    starved: int = 0
    """Reads the proxy passed that the SDK still gave up on (machine load, not an injected fault)."""
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    """How many requests got each fault (pass included)."""
    conclusions: Counter[str] = field(default_factory=Counter)
    """How many calls concluded each way ("send_bill: SentBill recovered", "cancel_bill: OutcomeUnknownError")."""
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The mode, with the API version when it is not v1 ("sync", "async-v2")."""
        return self.mode if self.api_version == 1 else f"{self.mode}-v{self.api_version}"

    @property
    def clean(self) -> bool:
        """No duplicate, nothing lost, no wrong conclusion, no exception outside PaySsamError, every LATE landed."""
        return not (self.duplicates or self.lost or self.wrong or self.other or self.late != self.late_landed)

    def merge(self, other: Tally) -> Tally:
        """The two runs' counts together."""
        counts = {name: getattr(self, name) + getattr(other, name) for name in COUNTS}
        return Tally(
            self.mode,
            **counts,
            api_version=self.api_version,
            faults=self.faults + other.faults,
            conclusions=self.conclusions + other.conclusions,
            problems=self.problems + other.problems,
        )


COUNTS = ["operations", "tried", "duplicates", "lost", "wrong", "unknown", "unknown_read_back_failed", "other"]
COUNTS += ["late", "late_landed", "late_after", "starved", "seconds"]


def plan(count: int, seed: int, mode: str, first: int = 0) -> list[Operation]:
    """count operations, each with its own generator (f"{seed}:{mode}:{index}"), so any one can be replayed; the
    same for either API version, so v1 and v2 meet the same draws."""
    operations = []
    for index in range(first, first + count):
        rng = random.Random(f"{seed}:{mode}:{index}")
        follow_up = rng.choice(FOLLOW_UPS)
        price = rng.randrange(1_000, 1_000_000, 100)
        operations.append(Operation(index, payssam.new_bill_id(), price, follow_up, rng))
    return operations


def _sync_operation(client: PaySsam, control: httpx.Client, witness: Witness, op: Operation) -> None:
    """Send; then nothing more, or pay (straight to the simulator) and cancel, or destroy."""
    witness.conclude(
        op, "send_bill", lambda: client.send_bill(op.bill_id, op.price, phone=PHONE, callback_url=CALLBACK, **CUSTOMER)
    )
    if not isinstance(op.calls[-1].outcome, SentBill) or op.follow_up == "none":
        return
    if op.follow_up == "destroy":
        witness.conclude(op, "destroy_bill", lambda: client.destroy_bill(op.bill_id, op.price))
    elif control.post(f"/_sim/bills/{op.bill_id}/pay", json={}).status_code == httpx.codes.OK:
        witness.conclude(op, "cancel_bill", lambda: client.cancel_bill(op.bill_id, op.price))


async def _async_operation(
    client: AsyncPaySsam, control: httpx.AsyncClient, witness: Witness, op: Operation, slots: asyncio.Semaphore
) -> None:
    """The same, awaited, at most `slots` at a time."""
    async with slots:
        send = client.send_bill(op.bill_id, op.price, phone=PHONE, callback_url=CALLBACK, **CUSTOMER)
        await witness.aconclude(op, "send_bill", send)
        if not isinstance(op.calls[-1].outcome, SentBill) or op.follow_up == "none":
            return
        if op.follow_up == "destroy":
            await witness.aconclude(op, "destroy_bill", client.destroy_bill(op.bill_id, op.price))
        elif (await control.post(f"/_sim/bills/{op.bill_id}/pay", json={})).status_code == httpx.codes.OK:
            await witness.aconclude(op, "cancel_bill", client.cancel_bill(op.bill_id, op.price))


async def _run_async(
    operations: list[Operation], witness: Witness, control_url: str, options: dict[str, Any], concurrency: int
) -> None:
    slots = asyncio.Semaphore(concurrency)
    url = witness.proxy.client_url(options["api_version"])
    async with (
        AsyncPaySsam(*SANDBOX, url, **options) as client,
        httpx.AsyncClient(base_url=control_url, timeout=30) as control,
    ):
        await asyncio.gather(*(_async_operation(client, control, witness, op, slots) for op in operations))


def run(
    count: int,
    *,
    seed: int,
    mode: str = "sync",
    probability: float = 0.6,
    timeout: float = TIMEOUT,
    max_retries: int = 2,
    concurrency: int = 8,
    first: int = 0,
    late_hold: int = LATE_HOLD,
    api_version: int = 1,
) -> Tally:
    """count seeded operations through the SDK (over API api_version) behind a FaultProxy in front of a fresh
    simulator, judged once every LATE request has landed."""
    if mode not in ("sync", "async"):
        raise ValueError("mode is sync or async")
    if api_version not in API_VERSIONS:
        raise ValueError(f"api_version is one of {API_VERSIONS}")
    operations = plan(count, seed, mode, first)
    options: dict[str, Any] = {
        "timeout": timeout,
        "max_retries": max_retries,
        "backoff": BACKOFF,
        "api_version": api_version,
    }
    schedule = Schedule(late_hold)
    with Simulator() as sim, httpx.Client(base_url=sim.base_url, timeout=30) as control:
        with FaultProxy(sim.base_url, schedule, delay=2 * timeout + 0.2) as proxy, AttemptLog().listening() as log:
            witness = Witness(proxy, log)
            for op in operations:
                schedule.seed_bill(op.bill_id, op.rng, probability)
            started = time.perf_counter()
            if mode == "sync":
                with (
                    PaySsam(*SANDBOX, proxy.client_url(api_version), **options) as client,
                    ThreadPoolExecutor(concurrency) as pool,
                ):
                    list(pool.map(lambda op: _sync_operation(client, control, witness, op), operations))
            else:
                asyncio.run(_run_async(operations, witness, sim.base_url, options, concurrency))
            seconds = time.perf_counter() - started
            proxy.land_late()  # before the ledger is read: every request the SDK ever sent has had its effect
        ledger = {op.bill_id: ledger_view(control, op.bill_id) for op in operations}
    tally = judge(operations, ledger, mode, api_version)
    tally.seconds = seconds
    replay = f"seed={seed} mode={mode}" + ("" if api_version == 1 else f" api_version={api_version}")
    tally.problems = [f"{problem} (replay: {replay})" for problem in tally.problems]
    return tally


def ledger_view(control: httpx.Client, bill_id: str) -> dict[str, Any] | None:
    """The simulator's own account of a bill (GET /_sim/bills/{id}), or None if it has no such bill."""
    answer = control.get(f"/_sim/bills/{bill_id}")
    if answer.status_code == httpx.codes.NOT_FOUND:
        return None
    answer.raise_for_status()
    view: dict[str, Any] = answer.json()
    return view


# ---------------------------------------------------------------------- the judge

ANSWERED = re.compile(r"\w+: HTTP (\d{3})(?:, (?:code ([0-9A-Z_]+)|\w+))? in \d+ ms")
"""The SDK's debug line of an attempt that got an answer: its HTTP status, and PaySsam's code if it had one (v1's
four digits, v2's text: "BILL_003")."""
FAILED = re.compile(r"\w+: \w+")
"""The SDK's debug line of an attempt that got no answer: the exception's class."""


@dataclass(frozen=True)
class Heard:
    """What the SDK's debug line says of one attempt: the answer's HTTP status and code, or no answer (None)."""

    status: int | None
    code: str | None = None


def heard_of(line: str) -> Heard | None:
    """The attempt a debug line tells of, or None if the line is not one the SDK writes."""
    answered = ANSWERED.fullmatch(line)
    if answered:
        return Heard(int(answered.group(1)), answered.group(2))
    return Heard(None) if FAILED.fullmatch(line) else None


def _faults(records: list[Record]) -> str:
    def one(r: Record) -> str:
        late = "" if r.fault != LATE else "(landed)" if r.forwarded else "(never landed)"
        return f"{r.name}:{r.fault}{late}"

    return ", ".join(map(one, records)) or "no request"


def attempts(call: Conclusion, operation: str) -> list[tuple[Record, Heard | None]]:
    """The call's requests of one operation, each with what the SDK's line for that attempt says (None for all
    where they cannot be matched up, or a line is not one the SDK writes: then the proxy's record alone speaks)."""
    records = [r for r in call.records if r.operation == operation]
    lines = [line for line in call.heard if line.startswith(f"{operation}: ")]
    heard = [heard_of(line) for line in lines]
    if len(heard) != len(records) or None in heard:
        return [(record, None) for record in records]
    return list(zip(records, heard, strict=True))


def reads(call: Conclusion) -> list[tuple[Record, Heard | None]]:
    return attempts(call, "read_bill")


def writes(call: Conclusion) -> list[tuple[Record, Heard | None]]:
    return attempts(call, call.name)


def last_read_back(call: Conclusion) -> list[Record]:
    """The reads after the call's last write attempt: the read-back its conclusion rests on."""
    last = max((i for i, r in enumerate(call.records) if r.operation == call.name), default=-1)
    return [r for r in call.records[last + 1 :] if r.operation == "read_bill"]


def got_answer(read: Record, heard: Heard | None) -> bool:
    """The proxy passed the read, and (if the SDK's log says) the SDK got its answer before its deadline."""
    return read.fault == PASS and (heard is None or heard.status == httpx.codes.OK)


def all_failed(call: Conclusion) -> bool:
    """The call's last read-back happened, and no read in it brought the SDK an answer."""
    last = {r.seq for r in last_read_back(call)}
    answered = [got_answer(r, heard) for r, heard in reads(call) if r.seq in last]
    return bool(answered) and not any(answered)


def starved(call: Conclusion) -> int:
    """Reads the proxy passed but the SDK gave up on: a loaded machine starved it past its deadline."""
    return sum(read.fault == PASS and not got_answer(read, heard) for read, heard in reads(call))


def may_have_landed(write: Record, heard: Heard | None) -> bool:
    """Seen from the SDK: the attempt may have reached PaySsam, and no definitive answer says what it did.

    Every fault leaves the client without PaySsam's answer (even those the proxy never forwarded: the client
    cannot tell); a passed attempt too when its answer was a 5xx, a system error's code (SYSTEM_ERRORS), off the
    contract, or too late.
    """
    if write.fault != PASS:
        return True
    if heard is None:
        return write.code is None or write.code in SYSTEM_ERRORS
    return heard.status != httpx.codes.OK or heard.code is None or heard.code in SYSTEM_ERRORS


def effect_landed(call: Conclusion) -> Record | None:
    """The first of the call's write requests that took effect (PaySsam answered it 0000), by landing order."""
    effects = [r for r, _ in writes(call) if r.forwarded and r.code == SUCCESS and r.landed is not None]
    return min(effects, key=lambda r: r.landed or 0, default=None)


def read_after(call: Conclusion, effect: Record | None, before: int | None = None) -> Record | None:
    """A read the SDK got an answer to that reached PaySsam after the effect (so it showed it), received
    before `before` on the proxy's clock if given."""
    if effect is None or effect.landed is None:
        return None
    for read, heard in reads(call):
        if before is not None and read.received > before:
            continue
        if got_answer(read, heard) and read.landed is not None and read.landed > effect.landed:
            return read
    return None


def _landed_late(call: Conclusion, effect: Record | None) -> str:
    """Whether the effect was a LATE request's, and whether it landed after the SDK had concluded."""
    if effect is None or effect.fault != LATE:
        return ""
    after = effect.landed is not None and effect.landed > call.ended
    return f" (request {effect.seq}, late, landed {'after' if after else 'before'} the SDK concluded)"


def conclusion_kind(call: Conclusion) -> str:
    """How the call concluded, for the counts: the result's or error's class, recovered or why unknown."""
    outcome = call.outcome
    kind = type(outcome).__name__
    if getattr(outcome, "recovered", False):
        kind += " recovered"
    if isinstance(outcome, OutcomeUnknownError):
        kind += " (read-back failed)" if all_failed(call) else " (retries ran out)"
    return f"{call.name}: {kind}"


def judge_call(call: Conclusion, bill: dict[str, Any] | None, bill_id: str) -> list[tuple[str, str]]:
    """What is wrong with one call's conclusion, given the ledger once every request has landed: (kind, detail)
    for kind lost, wrong or other."""
    outcome = call.outcome
    took_effect = bill is not None and bill["state"] in EFFECTS[call.name]
    effect = effect_landed(call)
    said = type(outcome).__name__
    where = f"{call.name} of {bill_id} [{_faults(call.records)}] -> {said}; ledger {bill and bill['state']}"
    if isinstance(outcome, OutcomeUnknownError):
        problems = []
        if not any(may_have_landed(write, heard) for write, heard in writes(call)):
            problems.append(("wrong", f"{where}: OutcomeUnknownError, yet no attempt may have reached PaySsam"))
        shown = read_after(call, effect)
        if shown is not None:
            problems.append(("wrong", f"{where}: OutcomeUnknownError, yet read {shown.seq} showed the effect"))
        return problems
    if isinstance(outcome, BaseException) and not isinstance(outcome, PaySsamError):
        return [("other", f"{where}: {outcome!r}")]
    if isinstance(outcome, PaySsamError):
        problems = []
        if took_effect:
            problems.append(("lost", f"{where}: raised, but the write took effect{_landed_late(call, effect)}"))
            problems.append(("wrong", f"{where}: said failed"))
        if isinstance(outcome, ApiError):
            problems.append(("wrong", f"{where}: PaySsam never refused this write ({outcome})"))
        elif any(may_have_landed(write, heard) for write, heard in writes(call)):
            problems.append(("wrong", f"{where}: failed, not unknown, although an attempt may have reached PaySsam"))
        return problems
    if not isinstance(outcome, RESULTS[call.name]) or getattr(outcome, "bill_id", None) != bill_id:
        return [("wrong", f"{where}: not a {RESULTS[call.name].__name__} for this bill")]
    problems = []
    if not took_effect:
        problems += [("lost", f"{where}: returned, but nothing happened"), ("wrong", f"{where}: said done")]
    if getattr(outcome, "recovered", False):
        if not any(r.fault == PASS for r in last_read_back(call)):
            problems.append(("wrong", f"{where}: recovered, yet no read of the last read-back passed"))
        if isinstance(outcome, SentBill) and outcome.short_url is not None:
            problems.append(("wrong", f"{where}: recovered, yet a short URL"))
    else:
        last = [r for r, _ in writes(call)][-1:]
        if not last or (last[0].fault, last[0].code, last_read_back(call)) != (PASS, SUCCESS, []):
            problems.append(("wrong", f"{where}: an answer, yet the last write was not relayed with code 0000"))
    return problems


def duplicates(op: Operation, bill: dict[str, Any] | None) -> list[str]:
    """Double effects: a second KakaoTalk, points charged for more than one (v2), a write that took effect twice,
    or one the SDK sent again after it had taken effect without a read-back in between that (having reached
    PaySsam before it) showed nothing."""
    found = []
    if bill is not None and int(bill.get("messages_sent", 0)) > 1:
        found.append(f"{op.bill_id}: {bill['messages_sent']} KakaoTalk messages")
    if bill is not None and int(bill.get("points_charged", 0)) > TALK_POINTS:
        found.append(f"{op.bill_id}: {bill['points_charged']} points charged for one KakaoTalk send")
    for call in op.calls:
        sent = [r for r, _ in writes(call)]
        if sum(r.forwarded and r.code == SUCCESS for r in sent) > 1:
            found.append(f"{call.name} of {op.bill_id}: took effect twice [{_faults(call.records)}]")
        effect = effect_landed(call)
        if effect is None or effect.landed is None:
            continue
        for previous, again in itertools.pairwise(sent):
            if not again.forwarded or again.received < effect.landed:
                continue  # it never reached PaySsam, or was sent before the effect landed (nothing could show it)
            between = [(r, h) for r, h in reads(call) if previous.received < r.received < again.received]
            answered = [r for r, h in between if got_answer(r, h)]
            shown = read_after(call, effect, again.received)
            if not answered or shown is not None:
                why = "with no read-back answered before" if not answered else f"although read {shown and shown.seq}"
                found.append(
                    f"{call.name} of {op.bill_id}: sent again after it took effect, {why} [{_faults(call.records)}]"
                )
    return found


def judge(
    operations: list[Operation], ledger: dict[str, dict[str, Any] | None], mode: str, api_version: int = 1
) -> Tally:
    """Hold every call's conclusion against the ledger (read once every LATE request had landed); a bill the
    ledger holds for another API version than the run's is an exception of the harness's own (other)."""
    tally = Tally(mode, operations=len(operations), api_version=api_version)
    for op in operations:
        bill = ledger.get(op.bill_id)
        records = [record for call in op.calls for record in call.records]
        tally.tried += any(record.fault != PASS for record in records)
        tally.faults.update(record.fault for record in records)
        doubles = duplicates(op, bill)
        tally.duplicates += bool(doubles)
        tally.problems += [f"duplicate: {each}" for each in doubles]
        kinds: set[str] = set()
        wire = f"v{api_version}"
        if bill is not None and bill.get("api", "v1") != wire:  # the ledger's view names v2 bills only
            kinds.add("other")
            tally.problems.append(f"other: op {op.index} {op.bill_id} is a {bill.get('api', 'v1')} bill, not {wire}")
        for call in op.calls:
            tally.conclusions[conclusion_kind(call)] += 1
            if isinstance(call.outcome, OutcomeUnknownError):
                tally.unknown += 1
                tally.unknown_read_back_failed += all_failed(call)
            tally.starved += starved(call)
            held = [r for r in call.records if r.fault == LATE]
            tally.late += len(held)
            tally.late_landed += sum(r.forwarded for r in held)
            tally.late_after += sum(r.landed is not None and r.landed > call.ended for r in held)
            tally.problems += [
                f"never landed: op {op.index} {call.name} request {r.seq}" for r in held if not r.forwarded
            ]
            for kind, detail in judge_call(call, bill, op.bill_id):
                kinds.add(kind)
                tally.problems.append(f"{kind}: op {op.index} {detail}")
        tally.lost += "lost" in kinds
        tally.wrong += "wrong" in kinds
        tally.other += "other" in kinds
    return tally


def table(tallies: list[Tally]) -> str:
    """The tallies as a plain text table, then the late and the starved requests in words."""
    heads = ["mode", "operations", "faulted", "late landed", "after conclusion", "duplicates", "lost", "wrong"]
    heads += ["OutcomeUnknown", "other exceptions", "seconds"]
    cells = [heads]
    for t in tallies:
        counts = (t.operations, t.tried, t.late_landed, t.late_after, t.duplicates, t.lost, t.wrong, t.unknown, t.other)
        cells.append([t.label, *map(str, counts), f"{t.seconds:.1f}"])
    widths = [max(len(row[i]) for row in cells) for i in range(len(heads))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    for t in tallies:
        if t.late != t.late_landed:
            lines.append(f"note: {t.label}: {t.late - t.late_landed} of {t.late} late requests never landed")
        if t.unknown:
            failed = t.unknown_read_back_failed
            lines.append(f"note: {t.label}: {failed} of {t.unknown} unknowns after a read-back that failed")
        if t.starved:
            lines.append(f"note: {t.label}: {t.starved} reads the proxy passed reached the SDK after its deadline")
    return "\n".join(lines)
