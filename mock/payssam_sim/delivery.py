"""Approval-callback delivery: POST the approval, accept only the acknowledgement, else retry later.

What acknowledges an approval is set per delivery: v1's exact body `{"code":"0000","msg":"성공하였습니다."}`
(v1 bills; v2 bills under strict), or any JSON object whose code is "0000" (v2 bills by default: A and F reply
`{"code":"0000"}` [3Px2], D and E v1's body).

Retries follow the vendor's schedule on the simulated clock (clock.py): one attempt, then a retry an interval
(an hour) after each unacknowledged one, `retries` (24) of them, then given up. Moving the clock makes the
retries it passes, in order, before the move returns; real time reaching them wakes one worker thread instead. Over
the network only loopback receivers are called; a caller-given httpx transport (an in-process receiver) gets
every URL. Each attempt is logged with its URL and outcome, never the body (it holds the apikey), and kept
(its simulated time, kind and outcome) for the bill view.

The transport may be sync (httpx.BaseTransport: MockTransport, WSGITransport around Flask or Django) or
async (httpx.AsyncBaseTransport: ASGITransport around FastAPI or Starlette). An async one runs on an
event loop of its own in a daemon thread, whichever thread makes the attempt (the caller's for the
first, the retry worker's after), so it works whether or not the caller's code runs an event loop. A sync
one runs in a daemon worker thread, waited on for at most the timeout (workers.py): nothing else can cut a
Python function short, and a receiver that hangs must not hang the test that paid.

A redelivery is one extra attempt outside the schedule: it never starts, stops, delays or replaces a
scheduled attempt; only its acknowledgement, as any acknowledgement, ends the schedule.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import ipaddress
import itertools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from .clock import Clock
from .contract import approval_ack
from .workers import Workers

NORMAL = "normal"
DUPLICATE = "duplicate"
DELAY = "delay"
OUT_OF_ORDER = "out_of_order"
NONE = "none"
DELIVERIES = (NORMAL, DUPLICATE, DELAY, OUT_OF_ORDER, NONE)
"""How a payment's approval may be delivered (Deliveries.deliver)."""
DEFAULT_DELAY = timedelta(minutes=10)
"""A delayed approval's first attempt, when no delay is given: inside the 15 minutes one integration polls at."""
FIRST = "first"
RETRY = "retry"
REDELIVERY = "redelivery"
STOPPED = "not delivered: the simulator is stopped"
NOT_LOOPBACK = "not delivered: the simulator only calls loopback receivers"
REENTERED = "not delivered: the receiver's own event loop asked for it and would wait on itself"
NOT_ASKED = "not delivered: the payment asked for no callback (delivery none)"
HELD = "not delivered yet: held until the next approval's first attempt (delivery out_of_order)"

CallbackTransport = httpx.BaseTransport | httpx.AsyncBaseTransport
"""Where callbacks go in-process: any httpx transport, sync or async."""

logger = logging.getLogger("payssam_sim")


def is_loopback(url: str) -> bool:
    """The URL's host is localhost or a loopback IP address."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


HEADERS = {"Content-Type": "application/json"}


def attempt(client: httpx.Client, url: str, body: bytes, timeout: float, exact: bool = True) -> str | None:
    """POST once; None when acknowledged, else why not (never the body sent, which holds the apikey)."""
    try:
        response = client.post(url, content=body, headers=HEADERS, timeout=timeout)
    except httpx.TimeoutException:
        return f"timed out after {timeout:g} s"
    except httpx.HTTPError as exc:
        return f"connection failed ({type(exc).__name__})"
    return judge(response, exact)


async def attempt_async(
    client: httpx.AsyncClient, url: str, body: bytes, seconds: float, exact: bool = True
) -> str | None:
    """attempt() with an async client; `seconds` bounds the whole exchange (an in-process app has no timeouts)."""
    try:
        async with asyncio.timeout(seconds):
            response = await client.post(url, content=body, headers=HEADERS, timeout=seconds)
    except (httpx.TimeoutException, TimeoutError):
        return f"timed out after {seconds:g} s"
    except httpx.HTTPError as exc:
        return f"connection failed ({type(exc).__name__})"
    return judge(response, exact)


def judge(response: httpx.Response, exact: bool = True) -> str | None:
    """None for the acknowledgement, else what was wrong with the answer: exact, v1's body and nothing else;
    otherwise any JSON object whose code is the string "0000"."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        answer = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "HTTP 200 but the body is not JSON"
    if exact and (not isinstance(answer, dict) or answer != approval_ack()):
        return "HTTP 200 but the body is not exactly the acknowledgement"
    if not exact and (not isinstance(answer, dict) or answer.get("code") != approval_ack()["code"]):
        return 'HTTP 200 but the body is not a JSON object with "code": "0000"'
    return None


def is_async(transport: CallbackTransport) -> bool:
    """Whether to drive it with an httpx.AsyncClient: async only, or a MockTransport around an async handler."""
    if isinstance(transport, httpx.MockTransport):
        return inspect.iscoroutinefunction(transport.handler)
    return not isinstance(transport, httpx.BaseTransport)


def checked(transport: object) -> CallbackTransport | None:
    """The transport, if it is one httpx can drive (TypeError otherwise, at once rather than at the first payment)."""
    if transport is None or isinstance(transport, httpx.BaseTransport | httpx.AsyncBaseTransport):
        return transport
    raise TypeError(
        f"callback_transport must be an httpx.BaseTransport or httpx.AsyncBaseTransport, not {type(transport).__name__}"
    )


class _Sender(Protocol):
    """Makes attempts through one client; closed once, by stop() or a new transport."""

    @property
    def closed(self) -> bool: ...

    def post(self, url: str, body: bytes, timeout: float, exact: bool) -> str | None: ...

    def close(self) -> None: ...


class _SyncSender:
    """A sync transport (or the network) behind an httpx.Client, used from any thread.

    Over the network httpx's timeouts bound an attempt; an in-process transport's receiver runs in a worker
    thread (workers.py), waited on for at most the timeout, and it runs in a copy of the caller's context, so the
    clock knows a receiver called while its schedule runs (Clock.running).
    """

    def __init__(self, transport: httpx.BaseTransport | None) -> None:
        self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False)
        self._workers = None if transport is None else Workers("payssam-sim-receiver")

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def post(self, url: str, body: bytes, timeout: float, exact: bool) -> str | None:
        if self._workers is None:
            return attempt(self._client, url, body, timeout, exact)
        late: str | None = f"timed out after {timeout:g} s"
        return self._workers.call(lambda: attempt(self._client, url, body, timeout, exact), timeout, late)

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
        self._client.close()


class _AsyncSender:
    """An async transport behind an httpx.AsyncClient on an event loop of its own, in a daemon thread.

    Any thread may post (it waits for the answer); close() cancels what is in flight, closes the client
    (and so the transport) on that loop, and stops the loop.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._client = httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="payssam-sim-callback-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def post(self, url: str, body: bytes, timeout: float, exact: bool) -> str | None:
        if threading.current_thread() is self._thread:
            return REENTERED
        with self._lock:
            if self._closed:
                return STOPPED
            attempting = attempt_async(self._client, url, body, timeout, exact)
            future = asyncio.run_coroutine_threadsafe(attempting, self._loop)
        return future.result()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            done = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        # Stopped once the shutdown's outcome is handed over (stopping inside it would strand that outcome).
        done.add_done_callback(lambda _: self._loop.call_soon_threadsafe(self._loop.stop))
        if threading.current_thread() is self._thread:
            return  # asked from the receiver itself: the loop stops once the shutdown is through
        try:
            done.result()
        finally:
            self._thread.join()

    async def _shutdown(self) -> None:
        """Cancel every attempt in flight (its poster sees STOPPED), then close the client and the transport."""
        current = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self._client.aclose()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at delivering an approval: its number, its simulated time, what kind it was, its outcome."""

    number: int
    at: datetime
    kind: str
    """first, retry, duplicate (delivery duplicate's second send) or redelivery (redeliver())."""
    error: str | None
    """None: acknowledged; else why not."""

    def view(self) -> dict[str, object]:
        """The attempt as the bill view lists it."""
        return {
            "attempt": self.number,
            "at": self.at.isoformat(timespec="milliseconds"),
            "kind": self.kind,
            "acknowledged": self.error is None,
            "outcome": "acknowledged" if self.error is None else self.error,
        }


@dataclass(slots=True)
class _Record:
    """One bill's delivery: where, what, and how it went so far."""

    url: str
    body: bytes
    exact: bool = True
    """Only v1's exact acknowledgement will do (else any `"code": "0000"`)."""
    attempts: int = 0
    acknowledged: bool = False
    gave_up: bool = False
    last_error: str | None = None
    due: datetime | None = None
    """When the next scheduled attempt is due, in simulated time."""
    retried: int = 0
    """Scheduled retries made so far (the vendor makes `retries` of them, then gives up)."""
    first_made: bool = False
    """The schedule's first attempt was made (a redelivery before a delayed or held one is not it)."""
    held: bool = False
    """Waiting for the next approval's first attempt (delivery out_of_order)."""
    log: list[Attempt] = field(default_factory=list)


class Deliveries:
    """Every bill's approval delivery, on the simulated clock.

    The first attempt is made at once in the caller's thread (or held back, delayed, doubled or skipped, as the
    payment's delivery asks). An attempt not acknowledged is retried `retry_interval` seconds of simulated time
    after it, `retries` times, then given up. Retries due fall to whichever comes first: the clock being moved
    (advance() and set() make them, in order, each at its own instant, before returning) or real time reaching
    them (one worker thread, since the clock runs with real time); never both.
    """

    def __init__(
        self,
        *,
        retry_interval: float,
        retries: int,
        timeout: float,
        transport: CallbackTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.retry_interval = retry_interval
        self.retries = retries
        self.timeout = timeout
        self._transport = checked(transport)
        self._clock = Clock() if clock is None else clock
        self._clock.attach(self)
        self._cond = threading.Condition()
        self._running = threading.RLock()
        """Held while scheduled attempts run, by the worker or by a move of the clock: one runner at a time."""
        self._records: dict[str, _Record] = {}
        self._heap: list[tuple[datetime, int, str, _Record]] = []
        self._held: list[str] = []
        self._sequence = itertools.count()
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._sender: _Sender | None = None
        self._generation = 0

    @property
    def transport(self) -> CallbackTransport | None:
        """Where callbacks go: None for the network (loopback receivers only), or an in-process transport."""
        return self._transport

    @transport.setter
    def transport(self, transport: CallbackTransport | None) -> None:
        transport = checked(transport)
        with self._cond:
            self._transport = transport
            sender, self._sender = self._sender, None
        if sender is not None:
            sender.close()

    def stop(self) -> None:
        """Wake the worker, let it finish an attempt in flight, and join it; pending retries are dropped.

        The deliveries can be used again afterwards (a restarted simulator delivers again).
        """
        with self._cond:
            worker, self._worker = self._worker, None
            sender, self._sender = self._sender, None
            self._stopping = True
            self._heap.clear()
            self._held.clear()
            self._cond.notify_all()
        try:
            if worker is not None:
                worker.join()
            if sender is not None:
                sender.close()
        finally:
            with self._cond:
                self._stopping = False

    def reset(self) -> None:
        """Forget every delivery and cancel every pending retry; the generation moves on."""
        with self._cond:
            self._records.clear()
            self._heap.clear()
            self._held.clear()
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        """How many resets there have been: a payment that began before one is not delivered (deliver())."""
        with self._cond:
            return self._generation

    def reaches(self, url: str) -> bool:
        """Whether a callback to url would be attempted at all."""
        return self._transport is not None or is_loopback(url)

    def deliver(
        self,
        bill_id: str,
        url: str,
        body: Mapping[str, object],
        *,
        exact: bool = True,
        delivery: str = NORMAL,
        delay: timedelta = DEFAULT_DELAY,
        generation: int | None = None,
    ) -> dict[str, object] | None:
        """Deliver a new approval as `delivery` asks (DELIVERIES); the view once the first attempt, if any, is made.

        normal: the first attempt now; duplicate: a second send right after it, whatever the first's outcome;
        delay: the first attempt `delay` of simulated time from now; out_of_order: held until the next approval's
        first attempt, then sent right after it (several held ones newest first); none: never (redeliver() still
        sends it). exact: only v1's acknowledgement body will do; otherwise any JSON object with "code": "0000".
        generation: the one read as the payment began; if a reset has moved it on since, nothing is delivered and
        the answer is None (no generation given: no such check).
        """
        if delivery not in DELIVERIES:
            raise ValueError(f"delivery must be one of {', '.join(DELIVERIES)}")
        record = _Record(url=url, body=json.dumps(dict(body), ensure_ascii=False).encode("utf-8"), exact=exact)
        with self._cond:
            if generation is not None and generation != self._generation:
                return None
            self._records[bill_id] = record
            note = NOT_LOOPBACK if not self.reaches(url) else NOT_ASKED if delivery == NONE else None
            if note is not None:
                record.gave_up = True
                record.last_error = note
                logger.info("callback bill_id=%s to %s: %s", bill_id, url, note)
                return self._view(record)
            if delivery == OUT_OF_ORDER:
                record.held = True
                record.last_error = HELD
                self._held.append(bill_id)
                logger.info("callback bill_id=%s to %s: %s", bill_id, url, HELD)
                return self._view(record)
            if delivery == DELAY:
                self._schedule(bill_id, record, self._clock.now() + delay)
                logger.info("callback bill_id=%s to %s: first attempt in %g s", bill_id, url, delay.total_seconds())
                return self._view(record)
        view = self._try(bill_id, record, FIRST, self._clock.now())
        if delivery == DUPLICATE:
            view = self._try(bill_id, record, DUPLICATE, self._clock.now())
        return view

    def redeliver(self, bill_id: str) -> dict[str, object] | None:
        """Deliver the same approval again now, whatever happened before (None if none was ever made).

        One extra attempt outside the schedule: it never starts, stops, delays or replaces a scheduled attempt (a
        retry, a delayed or held first attempt); acknowledged, it ends the schedule as any acknowledgement does.
        """
        with self._cond:
            record = self._records.get(bill_id)
            if record is None:
                return None
            if not self.reaches(record.url):
                return self._view(record)
        return self._try(bill_id, record, REDELIVERY, self._clock.now())

    def _try(self, bill_id: str, record: _Record, kind: str, at: datetime) -> dict[str, object]:
        """One attempt of this kind, stamped `at`, and its consequences; a first attempt releases held approvals."""
        error = self._attempt(record)
        with self._cond:
            self._settle(bill_id, record, kind, at, error)
            view = self._view(record)
        if kind == FIRST:
            self._release_held()
        return view

    def _release_held(self) -> None:
        """Send every approval held back (out_of_order), the newest first."""
        with self._cond:
            held, self._held = self._held, []
        for bill_id in reversed(held):
            with self._cond:
                record = self._records.get(bill_id)
                if record is None or not record.held:
                    continue
                record.held = False
            self._try(bill_id, record, FIRST, self._clock.now())

    def view(self, bill_id: str) -> dict[str, object] | None:
        """The delivery view of one bill, or None when nothing was delivered for it."""
        with self._cond:
            record = self._records.get(bill_id)
            return None if record is None else self._view(record)

    def attempts(self, bill_id: str) -> list[dict[str, object]]:
        """Every attempt made for the bill's approval, oldest first (empty when none was)."""
        with self._cond:
            record = self._records.get(bill_id)
            return [] if record is None else [attempt.view() for attempt in record.log]

    def _view(self, record: _Record) -> dict[str, object]:
        next_in = None
        if record.due is not None:
            next_in = round(max(0.0, (record.due - self._clock.now()).total_seconds()), 3)
        return {
            "attempts": record.attempts,
            "acknowledged": record.acknowledged,
            "gave_up": record.gave_up,
            "last_error": record.last_error,
            "next_attempt_in": next_in,
        }

    def _settle(self, bill_id: str, record: _Record, kind: str, at: datetime, error: str | None) -> None:
        """Count an attempt stamped `at` (lock held); unless stopping, schedule the next one an interval after it
        ended (while the clock is moved it stands still, so exactly an interval after `at`). A reset record is left
        alone; a duplicate after an acknowledged attempt is only counted. An acknowledgement ends the schedule:
        nothing pending or held is sent after it. A redelivery not acknowledged changes nothing scheduled."""
        if self._records.get(bill_id) is not record:
            return
        record.attempts += 1
        record.log.append(Attempt(record.attempts, at, kind, error))
        record.first_made = record.first_made or kind == FIRST
        outcome = "acknowledged" if error is None else error
        if kind == DUPLICATE and record.acknowledged:
            pass  # the first send was acknowledged: the duplicate is only counted
        elif error is None:
            record.acknowledged = True
            record.gave_up = False
            record.last_error = None
            record.due = None
            record.held = False
        else:
            record.last_error = error
            if kind in (DUPLICATE, REDELIVERY):
                pass  # an extra send: the schedule (a retry, a first attempt to come, or none) stays as it was
            elif record.retried >= self.retries:
                record.gave_up = True
                outcome += f"; gave up after {record.attempts} attempts"
            elif not self._stopping:
                self._schedule(bill_id, record, self._clock.now() + timedelta(seconds=self.retry_interval))
                outcome += f"; next attempt in {self.retry_interval:g} s"
        logger.info("callback bill_id=%s attempt %d to %s: %s", bill_id, record.attempts, record.url, outcome)

    def _schedule(self, bill_id: str, record: _Record, due: datetime) -> None:
        """Queue an attempt due at `due` (lock held) and make sure the worker watches for it."""
        record.due = due
        heapq.heappush(self._heap, (due, next(self._sequence), bill_id, record))
        self._start_worker()
        self._cond.notify_all()

    def _start_worker(self) -> None:
        """Start the retry worker if it is not running (lock held)."""
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="payssam-sim-callbacks", daemon=True)
            self._worker.start()

    def _http(self) -> _Sender | None:
        """What makes attempts through the transport, created on first use; None while stopping."""
        with self._cond:
            if self._stopping:
                return None
            if self._sender is None:
                transport = self._transport
                if transport is not None and is_async(transport):
                    assert isinstance(transport, httpx.AsyncBaseTransport)
                    self._sender = _AsyncSender(transport)
                else:
                    assert transport is None or isinstance(transport, httpx.BaseTransport)
                    self._sender = _SyncSender(transport)
            return self._sender

    def _attempt(self, record: _Record) -> str | None:
        """One POST with the shared client (outside the lock); None when acknowledged.

        A receiver that raises (an in-process app, whose exceptions httpx passes on) counts as an answer
        other than the acknowledgement, as a server's HTTP 500 would: retried, never the simulator's error.
        """
        sender = self._http()
        if sender is None:
            return STOPPED
        try:
            return sender.post(record.url, record.body, self.timeout, record.exact)
        except Exception as exc:
            if sender.closed:
                return STOPPED
            return f"the receiver raised {type(exc).__name__}"

    # ------------------------------------------------------------------ the schedule, on the simulated clock

    def _next_due(self) -> datetime | None:
        """When the earliest pending attempt is due (lock held); entries a reset or a redelivery made stale are
        dropped."""
        while self._heap:
            due, _, bill_id, record = self._heap[0]
            if self._records.get(bill_id) is record and record.due == due:
                return due
            heapq.heappop(self._heap)
        return None

    def _pop_due(self) -> tuple[str, _Record, datetime] | None:
        """The earliest attempt due by now, taken off the schedule (lock held), or None."""
        due = self._next_due()
        if due is None or due > self._clock.now():
            return None
        _, _, bill_id, record = heapq.heappop(self._heap)
        record.due = None
        return bill_id, record, due

    def run_due(self) -> None:
        """Make every scheduled attempt due by now, in the order they fell due, each stamped with its due time.

        Their receivers cannot move the clock meanwhile (Clock.running): the move would wait on this very run.
        """
        with self._running, self._clock.running():
            while True:
                with self._cond:
                    job = None if self._stopping else self._pop_due()
                    if job is None:
                        return
                    bill_id, record, due = job
                    kind = RETRY if record.first_made else FIRST
                    if kind == RETRY:
                        record.retried += 1
                self._try(bill_id, record, kind, due)

    def run_until(self, when: datetime, forward: Callable[[datetime], None]) -> None:
        """The clock's move to `when`: forward to each attempt due on the way, in order, and make it; then to
        `when`. The worker waits meanwhile, and looks again afterwards."""
        with self._running:
            while True:
                with self._cond:
                    due = None if self._stopping else self._next_due()
                if due is None or due > when:
                    break
                forward(due)
                self.run_due()
            forward(when)
        with self._cond:
            self._cond.notify_all()

    def _wait_due(self) -> bool:
        """Block until an attempt is due on the simulated clock (True) or stop() is called (False)."""
        with self._cond:
            while not self._stopping:
                due = self._next_due()
                if due is None:
                    self._cond.wait()
                    continue
                wait = (due - self._clock.now()).total_seconds()
                if wait <= 0:
                    return True
                self._cond.wait(wait)
            return False

    def _run(self) -> None:
        """The worker: make the attempts real time brings due, until stop()."""
        while self._wait_due():
            self.run_due()
