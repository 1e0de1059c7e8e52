"""Approval-callback delivery: POST the approval, accept only the acknowledgement, else retry later.

What acknowledges an approval is set per delivery: v1's exact body `{"code":"0000","msg":"성공하였습니다."}`
(v1 bills; v2 bills under strict), or any JSON object whose code is "0000" (v2 bills by default: A and F reply
`{"code":"0000"}` [3Px2], D and E v1's body).

Retries run in one worker thread (started on the first retry) over a heap of due attempts. Over the
network only loopback receivers are called; a caller-given httpx transport (an in-process receiver)
gets every URL. Each attempt is logged with its URL and outcome, never the body (it holds the apikey).

The transport may be sync (httpx.BaseTransport: MockTransport, WSGITransport around Flask or Django) or
async (httpx.AsyncBaseTransport: ASGITransport around FastAPI or Starlette). An async one runs on an
event loop of its own in a daemon thread, whichever thread makes the attempt (the caller's for the
first, the retry worker's after), so it works whether or not the caller's code runs an event loop.
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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from .contract import approval_ack

STOPPED = "not delivered: the simulator is stopped"
NOT_LOOPBACK = "not delivered: the simulator only calls loopback receivers"
REENTERED = "not delivered: the receiver's own event loop asked for it and would wait on itself"

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
    """A sync transport (or the network) behind an httpx.Client, used from any thread."""

    def __init__(self, transport: httpx.BaseTransport | None) -> None:
        self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False)

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def post(self, url: str, body: bytes, timeout: float, exact: bool) -> str | None:
        return attempt(self._client, url, body, timeout, exact)

    def close(self) -> None:
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
    due: float | None = None


class Deliveries:
    """Every bill's approval delivery: attempts on demand in the caller's thread, retries in one worker."""

    def __init__(
        self,
        *,
        retry_interval: float,
        retries: int,
        timeout: float,
        transport: CallbackTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.retry_interval = retry_interval
        self.retries = retries
        self.timeout = timeout
        self._transport = checked(transport)
        self._clock = clock
        self._cond = threading.Condition()
        self._records: dict[str, _Record] = {}
        self._heap: list[tuple[float, int, str, _Record]] = []
        self._sequence = itertools.count()
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._sender: _Sender | None = None

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
        """Forget every delivery and cancel every pending retry."""
        with self._cond:
            self._records.clear()
            self._heap.clear()
            self._cond.notify_all()

    def reaches(self, url: str) -> bool:
        """Whether a callback to url would be attempted at all."""
        return self._transport is not None or is_loopback(url)

    def deliver(self, bill_id: str, url: str, body: Mapping[str, object], *, exact: bool = True) -> dict[str, object]:
        """Make the first attempt now (synchronously), schedule retries if it is not acknowledged; the view.

        exact: only v1's acknowledgement body will do; otherwise any JSON object with "code": "0000".
        """
        record = _Record(url=url, body=json.dumps(dict(body), ensure_ascii=False).encode("utf-8"), exact=exact)
        with self._cond:
            self._records[bill_id] = record
            if not self.reaches(url):
                record.gave_up = True
                record.last_error = NOT_LOOPBACK
                logger.info("callback bill_id=%s to %s: %s", bill_id, url, NOT_LOOPBACK)
                return self._view(record)
        return self._try(bill_id, record)

    def redeliver(self, bill_id: str) -> dict[str, object] | None:
        """Deliver the same approval again now, whatever happened before (None if none was ever made)."""
        with self._cond:
            record = self._records.get(bill_id)
            if record is None:
                return None
            if not self.reaches(record.url):
                return self._view(record)
            record.gave_up = False
            record.acknowledged = False
            record.due = None
        return self._try(bill_id, record)

    def _try(self, bill_id: str, record: _Record) -> dict[str, object]:
        error = self._attempt(record)
        with self._cond:
            self._settle(bill_id, record, error)
            return self._view(record)

    def view(self, bill_id: str) -> dict[str, object] | None:
        """The delivery view of one bill, or None when nothing was delivered for it."""
        with self._cond:
            record = self._records.get(bill_id)
            return None if record is None else self._view(record)

    def _view(self, record: _Record) -> dict[str, object]:
        next_in = None if record.due is None else round(max(0.0, record.due - self._clock()), 3)
        return {
            "attempts": record.attempts,
            "acknowledged": record.acknowledged,
            "gave_up": record.gave_up,
            "last_error": record.last_error,
            "next_attempt_in": next_in,
        }

    def _settle(self, bill_id: str, record: _Record, error: str | None) -> None:
        """Count an attempt (lock held); schedule the next one unless stopping. A reset record is left alone."""
        if self._records.get(bill_id) is not record:
            return
        record.attempts += 1
        record.last_error = error
        outcome = "acknowledged" if error is None else error
        if error is None:
            record.acknowledged = True
        elif record.attempts > self.retries:
            record.gave_up = True
            outcome += f"; gave up after {record.attempts} attempts"
        elif not self._stopping:
            record.due = self._clock() + self.retry_interval
            heapq.heappush(self._heap, (record.due, next(self._sequence), bill_id, record))
            self._start_worker()
            self._cond.notify_all()
            outcome += f"; next attempt in {self.retry_interval:g} s"
        logger.info("callback bill_id=%s attempt %d to %s: %s", bill_id, record.attempts, record.url, outcome)

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

    def _next(self) -> tuple[str, _Record] | None:
        """Block until a retry is due (its record still current) or stop() is called (None)."""
        with self._cond:
            while not self._stopping:
                if not self._heap:
                    self._cond.wait()
                    continue
                due, _, bill_id, record = self._heap[0]
                wait = due - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                if self._records.get(bill_id) is record and record.due == due:
                    record.due = None
                    return bill_id, record
            return None

    def _run(self) -> None:
        """The worker: make each due retry until stop()."""
        while (job := self._next()) is not None:
            bill_id, record = job
            error = self._attempt(record)
            with self._cond:
                self._settle(bill_id, record, error)
