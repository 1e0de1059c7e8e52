"""PaySsam and AsyncPaySsam: the same calls, blocking or awaitable.

What to send and how to read it (one wire per API version), when to try again (retries), how a write is
made to happen once (settlement) and how an answer is bounded (exchange) are shared; each client only
carries the steps out in one plain loop: attempt, maybe read back, maybe pause, until a conclusion.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import sys
import time
import urllib.request
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from . import _batch as batch
from . import _bulk_files as bulk_files
from . import _reconcile as reconcile
from . import _validation as validation
from ._calls import Call
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Config,
    Timeout,
    check_backoff,
    check_max_retries,
    check_timeout,
    make_config,
    settings_from_env,
)
from ._deadlines import Deadlines, for_loop
from ._errors import (
    ApiError,
    BillNotFoundError,
    ExperimentalWarning,
    PaySsamError,
    TransportError,
    TransportTimeoutError,
    ValidationError,
)
from ._exchange import (
    MAX_ANSWER,
    AnswerEncodingError,
    AnswerTooLargeError,
    BoundedTransport,
    DeadlineExceededError,
    aread_answer,
    read_answer,
    reset_deadline,
    set_deadline,
)
from ._frames import detached
from ._hashing import DEFAULT_DIGEST, Digest
from ._protocol import MAY_HAVE_TAKEN_EFFECT, protocol_error, revealed
from ._results import BillStatus, Cancellation, Destruction, PointBalance, Resend, SentBill
from ._retries import DEFAULT_BACKOFF, NOT_SENT, Backoff
from ._runners import AsyncRunner, SyncRunner
from ._settlement import Done, Failed, ReadBack, Settlement, Write
from ._wires import Wire, wire_for
from .redaction import Secret, redact

if TYPE_CHECKING:
    from ._progress import Progress

logger = logging.getLogger("payssam")
logger.addHandler(logging.NullHandler())

Result = TypeVar("Result")
Item = TypeVar("Item")
Out = TypeVar("Out")
_KEEP: Any = object()
_async_sleep = asyncio.sleep
"""The awaitable client's pause between attempts (one name, so tests can record pauses instead of sleeping)."""


def _env_proxy(base_url: str) -> str | None:
    """The proxy the environment names for base_url (HTTPS_PROXY, NO_PROXY, ...), as httpx itself would use it."""
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


_warned_v2 = False


def _warn_experimental() -> None:
    """One ExperimentalWarning per process for API v2, whose contract the vendor has not fully published; it points
    at the first caller outside payssam (a constructor, from_env or with_options: whichever the user called)."""
    global _warned_v2
    if _warned_v2:
        return
    _warned_v2 = True
    level = 1
    frame: FrameType | None = sys._getframe(0)  # stacklevel 1: this function
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "payssam":
        level, frame = level + 1, frame.f_back
    warnings.warn(
        "PaySsam API v2 support is experimental: its contract is built from the vendor's partial documents "
        "and independent integrations (see the README's API v2 section)",
        ExperimentalWarning,
        stacklevel=level,
    )


def _progress(label: str, total: Callable[[], int], done: int, shown: bool) -> AbstractContextManager[Progress | None]:
    """A progress display for bulk work when asked (a bar on a terminal, plain lines otherwise), closed at the end;
    the total is counted only then."""
    if not shown:
        return nullcontext()
    from ._progress import on_stderr

    return on_stderr(label, total(), done)


def _retry_after(response: httpx.Response) -> float | None:
    """A Retry-After in seconds (the date form is ignored)."""
    value = response.headers.get("retry-after", "")
    return float(value) if value.isascii() and value.isdigit() else None


class _ClientBase:
    """Configuration, the attempt's bookkeeping and error mapping shared by both clients."""

    _config: Config
    _wire: Wire
    _owns_http: bool
    _http: httpx.Client | httpx.AsyncClient
    _closed: bool
    _merged: tuple[Any, ...] = ()
    """(the http client's headers as raw pairs, our headers' id, both merged): reused while neither changes."""

    def _configure(
        self,
        apikey: Secret,
        member: object,
        merchant: object,
        base_url: object,
        timeout: object,
        digest: object,
        max_retries: object,
        backoff: object,
        api_version: object,
    ) -> None:
        self._config = make_config(
            apikey, member, merchant, base_url, timeout, digest, max_retries, backoff, api_version
        )
        self._wire = wire_for(self._config)
        self._closed = False
        if self._config.api_version == 2:
            _warn_experimental()

    @property
    def api_version(self) -> int:
        """The API version the calls speak: 1, or 2 (experimental)."""
        return self._config.api_version

    @property
    def base_url(self) -> str:
        """Where requests go."""
        return self._config.base_url

    @property
    def member(self) -> str:
        """The partner's user code."""
        return self._config.member

    @property
    def merchant(self) -> str:
        """The partner's store code."""
        return self._config.merchant

    @property
    def max_retries(self) -> int:
        """How many times a call may be tried again."""
        return self._config.retry.max_retries

    def __repr__(self) -> str:
        cfg = self._config
        return (
            f"{type(self).__name__}(member={cfg.member!r}, merchant={cfg.merchant!r}, "
            f"base_url={cfg.base_url!r}, api_version={cfg.api_version}, apikey={cfg.apikey!r})"
        )

    def with_options(self, *, timeout: Timeout = _KEEP, max_retries: int = _KEEP, backoff: Backoff = _KEEP) -> Self:
        """The same client (same connections, same credentials) with other call options, e.g. max_retries=0."""
        cfg = self._config
        clone = copy.copy(self)
        timeouts = cfg.timeout if timeout is _KEEP else check_timeout(timeout)
        retry = replace(
            cfg.retry,
            max_retries=cfg.retry.max_retries if max_retries is _KEEP else check_max_retries(max_retries),
            backoff=cfg.retry.backoff if backoff is _KEEP else check_backoff(backoff),
        )
        clone._config = replace(cfg, timeout=timeouts, retry=retry)
        clone._owns_http = False
        return clone

    def _check_open(self) -> None:
        """Every call refuses to run on a closed client, whoever owns its HTTP client."""
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")

    def _build(self, http: httpx.Client | httpx.AsyncClient, call: Call[Result]) -> httpx.Request:
        """The request on this client (its default headers, cookies and params merged), with our timeout's phases.

        What httpx's build_request would redo on every request is done once: the URL parsed per operation,
        the timeout as the documented request extension, the headers merged per change of the client's.
        """
        timeout = {"timeout": self._config.timeout_phases}
        if http.cookies or http.params:  # merged per request, by httpx itself
            return http.build_request(
                call.method, call.url, content=call.content, headers=call.headers, extensions=timeout
            )
        return httpx.Request(
            call.method, call.url, content=call.content, headers=self._headers(http, call.headers), extensions=timeout
        )

    def _headers(self, http: httpx.Client | httpx.AsyncClient, ours: Mapping[str, str]) -> httpx.Headers:
        """The client's default headers with ours over them, as build_request merges them; merged again only
        when the client's headers change (they are mutable), not on every request."""
        raw = http.headers.raw
        merged = self._merged
        if not merged or merged[0] != raw or merged[1] is not ours:
            headers = httpx.Headers(http.headers)
            headers.update(ours)
            merged = self._merged = (raw, ours, headers)
        result: httpx.Headers = merged[2]
        return result

    def _failed(self, call: Call[Result], exc: Exception, status: int) -> PaySsamError:
        """The PaySsamError, caused by exc and naming the call, for an attempt that got no usable answer."""
        error = self._no_answer(call, exc, status)
        error.__cause__ = detached(exc)  # the frames it went through (httpx's, the transport's) may hold the body
        return self._tag(call, error)

    def _no_answer(self, call: Call[Result], exc: Exception, status: int) -> PaySsamError:
        """What an attempt that got no usable answer (status 0: no answer at all) amounts to."""
        secrets = self._config.secrets
        if isinstance(exc, AnswerTooLargeError | AnswerEncodingError | httpx.DecodingError):
            if isinstance(exc, AnswerTooLargeError):
                problem = f"answer is larger than {MAX_ANSWER >> 20} MiB"
            elif isinstance(exc, httpx.DecodingError):
                problem = "the answer's Content-Encoding could not be undone (broken compressed body)"
            else:
                problem = str(exc)
            return protocol_error(problem, status, b"", secrets, effect=call.effect)
        timed_out = isinstance(exc, httpx.TimeoutException | DeadlineExceededError | TimeoutError)
        if isinstance(exc, DeadlineExceededError | TimeoutError):
            detail = f"the attempt took longer than its {self._config.attempt_seconds:g} s"
        else:
            detail = redact(f"{type(exc).__name__}: {exc}", revealed(secrets))
        effect = f"; {MAY_HAVE_TAKEN_EFFECT}" if call.effect and not isinstance(exc, NOT_SENT) else ""
        message = f"{call.operation} got no answer from {self._config.base_url}: {detail}{effect}"
        kind = TransportTimeoutError if timed_out else TransportError
        logger.debug("payssam %s bill_id=%s: %s", call.operation, call.bill_id, type(exc).__name__)
        return kind(message)

    @staticmethod
    def _tag(call: Call[Result], error: PaySsamError) -> PaySsamError:
        """Say which call failed (operation, bill_id) on the error itself."""
        error.operation = error.operation or call.operation
        error.bill_id = error.bill_id or call.bill_id
        return error

    def _parsed(
        self, call: Call[Result], response: httpx.Response, content: bytes, started: float
    ) -> Result | PaySsamError:
        """The call's result, or the PaySsamError its answer means."""
        status = response.status_code
        outcome: Result | PaySsamError
        try:
            outcome = call.parse(status, content, None if status == 200 else _retry_after(response))
        except PaySsamError as error:  # raised again by the loop, not through the frames that held the answer
            outcome = self._tag(call, detached(error))
        if logger.isEnabledFor(logging.DEBUG):
            _log_answer(call, status, outcome, started)
        return outcome

    @staticmethod
    def _pausing(call: Call[Result], seconds: float, last: PaySsamError | None) -> None:
        logger.info(
            "payssam %s bill_id=%s: %s; trying again in %.2f s",
            call.operation,
            call.bill_id,
            type(last).__name__,
            seconds,
        )


def _log_answer(call: Call[Result], status: int, outcome: object, started: float) -> None:
    """The debug line of one answer: HTTP status, PaySsam's code (or the error's kind) and the time it took."""
    if isinstance(outcome, ApiError):
        said = f"code {outcome.code}"
    elif isinstance(outcome, PaySsamError):
        said = type(outcome).__name__
    else:
        said = "code 0000"
    elapsed = (time.perf_counter() - started) * 1000
    logger.debug("payssam %s bill_id=%s: HTTP %d, %s in %.0f ms", call.operation, call.bill_id, status, said, elapsed)


def _check_http(http_client: object, kind: type[httpx.Client] | type[httpx.AsyncClient], client: str) -> None:
    if http_client is not None and not isinstance(http_client, kind):
        raise ValidationError(
            "http_client", f"{client} needs an httpx.{kind.__name__} (or None), not {type(http_client).__name__}"
        )


class PaySsam(_ClientBase):
    """Blocking client for the PaySsam partner API (v1, or v2 with api_version=2).

    Reads are tried again on failures that may pass (max_retries, default 2); send, cancel and destroy
    happen exactly once (an ambiguous failure is settled by reading the bill back); resend is never
    repeated. Every argument is checked before anything is sent: a bad one raises ValidationError.
    """

    _http: httpx.Client

    def __init__(
        self,
        apikey: str | Secret,
        member: str,
        merchant: str,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        http_client: httpx.Client | None = None,
        digest: Digest = DEFAULT_DIGEST,
        api_version: int = 1,
    ) -> None:
        key = Secret.of(apikey)
        del apikey  # a traceback through this frame (a bad argument) must not show the key: only the Secret stays
        self._configure(key, member, merchant, base_url, timeout, digest, max_retries, backoff, api_version)
        _check_http(http_client, httpx.Client, "PaySsam")
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=BoundedTransport(proxy=_env_proxy(self._config.base_url)),
            timeout=self._config.timeout,
            follow_redirects=False,
        )

    @classmethod
    def from_env(
        cls,
        environ: object = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        http_client: httpx.Client | None = None,
        digest: Digest = DEFAULT_DIGEST,
        api_version: int | None = None,
    ) -> Self:
        """Configure from PAYSSAM_APIKEY, PAYSSAM_MEMBER, PAYSSAM_MERCHANT and PAYSSAM_BASE_URL (or `environ`);
        the API version from api_version, else PAYSSAM_API_VERSION, else 1."""
        settings = settings_from_env(environ, api_version)
        del environ  # it may hold the apikey: a traceback through this frame must not show it
        if isinstance(settings, ValidationError):
            raise settings
        return cls(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            http_client=http_client,
            digest=digest,
            api_version=settings.api_version,
        )

    def read_bill(self, bill_id: str) -> BillStatus:
        """A bill's payment state; tried again on failures that may pass."""
        return self._read(self._wire.read(self._config, bill_id))

    def cancel_bill(self, bill_id: str, price: int | str, *, reason: str | None = None) -> Cancellation:
        """Cancel a paid bill's approval, exactly once; price is the paid amount in won; reason (API v2 only)
        is at most 20 characters."""
        return self._settle(self._wire.cancel(self._config, bill_id, price, reason))

    def send_bill(
        self,
        bill_id: str,
        price: int | str,
        *,
        phone: str | None,
        customer_name: str,
        product_name: str,
        callback_url: str,
        message: str | None = None,
        issuer: str | None = None,
        expires_on: date | None = None,
        send_type: str | None = None,
        redirect_url: str | None = None,
    ) -> SentBill:
        """Create a bill and send it by KakaoTalk, exactly once; the answer has its short URL (None if recovered).

        API v2 only: send_type "URL" sends no message and only answers the link (phone may then be None);
        redirect_url is where the payer lands after paying.
        """
        return self._settle(
            self._wire.send(
                self._config,
                bill_id,
                price,
                phone=phone,
                customer_name=customer_name,
                product_name=product_name,
                callback_url=callback_url,
                message=message,
                issuer=issuer,
                expires_on=expires_on,
                send_type=send_type,
                redirect_url=redirect_url,
            )
        )

    def resend_bill(self, bill_id: str) -> Resend:
        """Send an unpaid bill's KakaoTalk message again.

        Never tried again automatically, whatever fails: a second message costs the customer a KakaoTalk and
        the partner points. After a TransportError or ProtocolError the message may have gone out.
        """
        call = self._wire.resend(self._config, bill_id)
        outcome = self._attempt(call, self._build(self._http, call))
        if isinstance(outcome, PaySsamError):
            raise outcome
        return outcome

    def destroy_bill(self, bill_id: str, price: int | str) -> Destruction:
        """Destroy an unpaid bill so it can no longer be paid, exactly once; price is the bill's price in won."""
        return self._settle(self._wire.destroy(self._config, bill_id, price))

    def point_balance(self) -> PointBalance:
        """The partner's KakaoTalk points left and where to charge them (API v2 only); tried again as a read."""
        return self._read(self._wire.points(self._config, merchant=False))

    def merchant_point_balance(self) -> PointBalance:
        """The sub-merchant's points left and where to charge them (API v2 only); tried again as a read."""
        return self._read(self._wire.points(self._config, merchant=True))

    def _read(self, call: Call[Result]) -> Result:
        """A read, tried again while the policy allows: on no answer, a time-out, HTTP 5xx or 429, or code 5000."""
        request = self._build(self._http, call)
        retry = 0
        while True:
            outcome = self._attempt(call, request)
            if not isinstance(outcome, PaySsamError):
                return outcome
            pause = self._config.retry.read_pause(retry, outcome)
            if pause is None:
                raise outcome
            self._pausing(call, pause, outcome)
            time.sleep(pause)
            retry += 1

    def _settle(self, write: Write[Result], *, resumed: bool = False) -> Result:
        """A write carried through to a definitive conclusion (see _settlement.py): its result, or its error."""
        settlement = Settlement(write, self._config.retry, resumed=resumed)
        request = self._build(self._http, write.call)
        while True:
            outcome = self._attempt(write.call, request)
            step = settlement.after_attempt(outcome)
            if isinstance(step, ReadBack):
                step = settlement.after_read_back(self._read_back(write))
            if isinstance(step, Done):
                return step.result
            if isinstance(step, Failed):
                raise step.error
            self._pausing(write.call, step.seconds, settlement.last)
            time.sleep(step.seconds)

    def _read_back(self, write: Write[Result]) -> BillStatus | PaySsamError | None:
        """The write's bill as a read shows it now: its status, None if PaySsam knows no such bill, or the error."""
        try:
            return self._read(write.read_back())
        except BillNotFoundError:
            return None
        except PaySsamError as error:
            return error

    def _attempt(self, call: Call[Result], request: httpx.Request) -> Result | PaySsamError:
        """One attempt within its deadline: the result, or the PaySsamError it ended with."""
        self._check_open()
        started = time.perf_counter()
        deadline = time.monotonic() + self._config.attempt_seconds
        token = set_deadline(deadline)
        status = 0
        try:
            response = self._http.send(request, stream=True)
            status = response.status_code
            try:
                content = read_answer(response, deadline)
            finally:
                response.close()
        except (httpx.HTTPError, DeadlineExceededError, AnswerTooLargeError, AnswerEncodingError) as exc:
            return self._failed(call, exc, status)
        finally:
            reset_deadline(token)
        return self._parsed(call, response, content, started)

    def read_bills(
        self, bill_ids: Iterable[str], *, concurrency: int = bulk_files.RECONCILE_CONCURRENCY
    ) -> Iterator[tuple[str, BillStatus | PaySsamError]]:
        """Read many bills with `concurrency` threads: (bill_id, status or the error) as each read ends.

        The ids are taken from the iterable as they are needed, so it may be a file read lazily; each read
        is tried again per the client's retry policy; a failed read is yielded, not raised.
        """
        ids = validation.bill_ids(bill_ids)
        workers = validation.concurrency(concurrency)
        self._check_open()
        return self._map(ids, self._read_one, workers)

    def _map(self, items: Iterable[Item], work: Callable[[Item], Out], concurrency: int) -> Iterator[tuple[Item, Out]]:
        """(item, work(item)) for every item as each ends, at most `concurrency` in flight on threads.

        Items are taken from the iterable only when a thread is free for them, in this thread.
        """
        self._check_open()
        source = iter(items)
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="payssam") as pool:
            pending: dict[Future[Out], Item] = {}
            while True:
                for item in source:
                    pending[pool.submit(work, item)] = item
                    if len(pending) == concurrency:
                        break
                if not pending:
                    return
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield pending.pop(future), future.result()

    def _read_one(self, bill_id: str) -> BillStatus | PaySsamError:
        try:
            return self.read_bill(bill_id)
        except PaySsamError as exc:
            return exc

    def send_batch(
        self,
        file: str | Path,
        output: str | Path | None = None,
        *,
        callback_url: str,
        concurrency: int = bulk_files.BATCH_CONCURRENCY,
        rate: float | None = None,
        csv_output: str | Path | None = None,
        progress: bool = False,
    ) -> batch.BatchReport:
        """Send every bill of a CSV file exactly once; resumable, and safe to edit between runs (see payssam.batch).
        Every row is checked first: BatchRefusedError lists the problems and nothing is sent."""
        job = batch.prepare(self._config, file, output, callback_url, csv_output, concurrency, rate)
        with _progress("send-batch", lambda: job.rows, 0, progress) as shown:  # settled rows count as they pass
            return batch.run_sync(runner(self), job, shown)

    def reconcile(
        self,
        file: str | Path,
        output: str | Path | None = None,
        *,
        column: str | None = None,
        concurrency: int = bulk_files.RECONCILE_CONCURRENCY,
        csv_output: str | Path | None = None,
        progress: bool = False,
    ) -> reconcile.ReconcileReport:
        """Read back every bill id of a file (one per line, or a CSV column), writing one line each to output;
        resumable; returns the counts by state and errors by class."""
        run = reconcile.prepare(file, output, column, csv_output, concurrency)
        with _progress("reconcile", run.total, run.already_done, progress) as shown:
            return reconcile.run_sync(runner(self), run, shown)

    def close(self) -> None:
        """Release the connection pool (a client passed in by the caller stays open)."""
        if not self._closed and self._owns_http:
            self._http.close()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncPaySsam(_ClientBase):
    """Awaitable client for the PaySsam partner API, v1 or v2 (the same calls and guarantees as PaySsam)."""

    _http: httpx.AsyncClient
    _last_deadlines: Deadlines | None = None

    def __init__(
        self,
        apikey: str | Secret,
        member: str,
        merchant: str,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        http_client: httpx.AsyncClient | None = None,
        digest: Digest = DEFAULT_DIGEST,
        api_version: int = 1,
    ) -> None:
        key = Secret.of(apikey)
        del apikey  # a traceback through this frame (a bad argument) must not show the key: only the Secret stays
        self._configure(key, member, merchant, base_url, timeout, digest, max_retries, backoff, api_version)
        _check_http(http_client, httpx.AsyncClient, "AsyncPaySsam")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self._config.timeout, follow_redirects=False)

    @classmethod
    def from_env(
        cls,
        environ: object = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        http_client: httpx.AsyncClient | None = None,
        digest: Digest = DEFAULT_DIGEST,
        api_version: int | None = None,
    ) -> Self:
        """Configure from PAYSSAM_APIKEY, PAYSSAM_MEMBER, PAYSSAM_MERCHANT and PAYSSAM_BASE_URL (or `environ`);
        the API version from api_version, else PAYSSAM_API_VERSION, else 1."""
        settings = settings_from_env(environ, api_version)
        del environ  # it may hold the apikey: a traceback through this frame must not show it
        if isinstance(settings, ValidationError):
            raise settings
        return cls(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            http_client=http_client,
            digest=digest,
            api_version=settings.api_version,
        )

    async def read_bill(self, bill_id: str) -> BillStatus:
        """A bill's payment state; tried again on failures that may pass."""
        return await self._read(self._wire.read(self._config, bill_id))

    async def cancel_bill(self, bill_id: str, price: int | str, *, reason: str | None = None) -> Cancellation:
        """Cancel a paid bill's approval, exactly once; price is the paid amount in won; reason (API v2 only)
        is at most 20 characters."""
        return await self._settle(self._wire.cancel(self._config, bill_id, price, reason))

    async def send_bill(
        self,
        bill_id: str,
        price: int | str,
        *,
        phone: str | None,
        customer_name: str,
        product_name: str,
        callback_url: str,
        message: str | None = None,
        issuer: str | None = None,
        expires_on: date | None = None,
        send_type: str | None = None,
        redirect_url: str | None = None,
    ) -> SentBill:
        """Create a bill and send it by KakaoTalk, exactly once; the answer has its short URL (None if recovered).

        API v2 only: send_type "URL" sends no message and only answers the link (phone may then be None);
        redirect_url is where the payer lands after paying.
        """
        return await self._settle(
            self._wire.send(
                self._config,
                bill_id,
                price,
                phone=phone,
                customer_name=customer_name,
                product_name=product_name,
                callback_url=callback_url,
                message=message,
                issuer=issuer,
                expires_on=expires_on,
                send_type=send_type,
                redirect_url=redirect_url,
            )
        )

    async def resend_bill(self, bill_id: str) -> Resend:
        """Send an unpaid bill's KakaoTalk message again.

        Never tried again automatically, whatever fails: a second message costs the customer a KakaoTalk and
        the partner points. After a TransportError or ProtocolError the message may have gone out.
        """
        call = self._wire.resend(self._config, bill_id)
        outcome = await self._attempt(call, self._build(self._http, call))
        if isinstance(outcome, PaySsamError):
            raise outcome
        return outcome

    async def destroy_bill(self, bill_id: str, price: int | str) -> Destruction:
        """Destroy an unpaid bill so it can no longer be paid, exactly once; price is the bill's price in won."""
        return await self._settle(self._wire.destroy(self._config, bill_id, price))

    async def point_balance(self) -> PointBalance:
        """The partner's KakaoTalk points left and where to charge them (API v2 only); tried again as a read."""
        return await self._read(self._wire.points(self._config, merchant=False))

    async def merchant_point_balance(self) -> PointBalance:
        """The sub-merchant's points left and where to charge them (API v2 only); tried again as a read."""
        return await self._read(self._wire.points(self._config, merchant=True))

    async def _read(self, call: Call[Result]) -> Result:
        """A read, tried again while the policy allows: on no answer, a time-out, HTTP 5xx or 429, or code 5000."""
        request = self._build(self._http, call)
        retry = 0
        while True:
            outcome = await self._attempt(call, request)
            if not isinstance(outcome, PaySsamError):
                return outcome
            pause = self._config.retry.read_pause(retry, outcome)
            if pause is None:
                raise outcome
            self._pausing(call, pause, outcome)
            await _async_sleep(pause)
            retry += 1

    async def _settle(self, write: Write[Result], *, resumed: bool = False) -> Result:
        """A write carried through to a definitive conclusion (see _settlement.py): its result, or its error."""
        settlement = Settlement(write, self._config.retry, resumed=resumed)
        request = self._build(self._http, write.call)
        while True:
            outcome = await self._attempt(write.call, request)
            step = settlement.after_attempt(outcome)
            if isinstance(step, ReadBack):
                step = settlement.after_read_back(await self._read_back(write))
            if isinstance(step, Done):
                return step.result
            if isinstance(step, Failed):
                raise step.error
            self._pausing(write.call, step.seconds, settlement.last)
            await _async_sleep(step.seconds)

    async def _read_back(self, write: Write[Result]) -> BillStatus | PaySsamError | None:
        """The write's bill as a read shows it now: its status, None if PaySsam knows no such bill, or the error."""
        try:
            return await self._read(write.read_back())
        except BillNotFoundError:
            return None
        except PaySsamError as error:
            return error

    def _deadlines(self, loop: asyncio.AbstractEventLoop) -> Deadlines:
        """The watch over this loop's attempts (the last one used is kept at hand)."""
        last = self._last_deadlines
        if last is None or not last.serves(loop):
            last = self._last_deadlines = for_loop(loop)
        return last

    async def _attempt(self, call: Call[Result], request: httpx.Request) -> Result | PaySsamError:
        """One attempt, cancelled when its time is up: the result, or the PaySsamError it ended with.

        As asyncio.timeout: the task is cancelled when its time is up and the cancel becomes a TimeoutError;
        but one timer per loop watches every attempt in flight (see _deadlines.py).
        """
        self._check_open()
        started = time.perf_counter()
        response: httpx.Response | None = None
        try:
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        if task is None:
            raise RuntimeError(f"{type(self).__name__} runs its calls in an asyncio task")
        deadlines = self._deadlines(task.get_loop())
        cancelling, fired = task.cancelling(), False
        deadlines.start(task, self._config.attempt_seconds)
        try:
            try:
                response = await self._http.send(request, stream=True)
                content = await aread_answer(response)
            except asyncio.CancelledError:
                fired = deadlines.stop(task)
                if fired and task.uncancel() <= cancelling:
                    raise TimeoutError from None
                raise
            finally:
                if not fired and deadlines.stop(task):  # our cancel overtaken by another end: take it back
                    task.uncancel()
        except (httpx.HTTPError, TimeoutError, AnswerTooLargeError, AnswerEncodingError) as exc:
            return self._failed(call, exc, 0 if response is None else response.status_code)
        return self._parsed(call, response, content, started)

    def read_bills(
        self, bill_ids: Iterable[str], *, concurrency: int = bulk_files.RECONCILE_CONCURRENCY
    ) -> AsyncIterator[tuple[str, BillStatus | PaySsamError]]:
        """Read many bills with `concurrency` tasks: (bill_id, status or the error) as each read ends (asyncio).

        The ids are taken from the iterable as they are needed, so it may be a file read lazily; each read
        is tried again per the client's retry policy; a failed read is yielded, not raised.
        """
        ids = validation.bill_ids(bill_ids)
        workers = validation.concurrency(concurrency)
        self._check_open()
        return self._map(ids, self._read_one, workers)

    async def _map(
        self, items: Iterable[Item], work: Callable[[Item], Awaitable[Out]], concurrency: int
    ) -> AsyncIterator[tuple[Item, Out]]:
        """(item, await work(item)) for every item as each ends: `concurrency` tasks share the items."""
        self._check_open()
        source = iter(items)
        results: asyncio.Queue[tuple[Item, Out] | None] = asyncio.Queue(maxsize=concurrency)
        failures: list[BaseException] = []

        async def worker() -> None:
            try:
                for item in source:
                    await results.put((item, await work(item)))
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # the items' source or the work failed: the caller gets it
                failures.append(exc)
            await results.put(None)

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        finished = 0
        try:
            while finished < concurrency:
                item = await results.get()
                if item is not None:
                    yield item
                    continue
                finished += 1
                if failures:
                    raise failures[0]
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _read_one(self, bill_id: str) -> BillStatus | PaySsamError:
        try:
            return await self.read_bill(bill_id)
        except PaySsamError as exc:
            return exc

    async def send_batch(
        self,
        file: str | Path,
        output: str | Path | None = None,
        *,
        callback_url: str,
        concurrency: int = bulk_files.BATCH_CONCURRENCY,
        rate: float | None = None,
        csv_output: str | Path | None = None,
        progress: bool = False,
    ) -> batch.BatchReport:
        """Send every bill of a CSV file exactly once; resumable, and safe to edit between runs (see payssam.batch).
        Every row is checked first: BatchRefusedError lists the problems and nothing is sent."""
        job = batch.prepare(self._config, file, output, callback_url, csv_output, concurrency, rate)
        with _progress("send-batch", lambda: job.rows, 0, progress) as shown:  # settled rows count as they pass
            return await batch.run_async(async_runner(self), job, shown)

    async def reconcile(
        self,
        file: str | Path,
        output: str | Path | None = None,
        *,
        column: str | None = None,
        concurrency: int = bulk_files.RECONCILE_CONCURRENCY,
        csv_output: str | Path | None = None,
        progress: bool = False,
    ) -> reconcile.ReconcileReport:
        """Read back every bill id of a file (one per line, or a CSV column), writing one line each to output;
        resumable; returns the counts by state and errors by class."""
        run = reconcile.prepare(file, output, column, csv_output, concurrency)
        with _progress("reconcile", run.total, run.already_done, progress) as shown:
            return await reconcile.run_async(async_runner(self), run, shown)

    async def close(self) -> None:
        """Release the connection pool (a client passed in by the caller stays open)."""
        if not self._closed and self._owns_http:
            await self._http.aclose()
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class _SyncRunner:
    """The blocking client as bulk work sees it (runners.SyncRunner)."""

    def __init__(self, client: PaySsam) -> None:
        self._client = client

    @property
    def config(self) -> Config:
        return self._client._config

    def map(self, items: Iterable[Item], work: Callable[[Item], Out], concurrency: int) -> Iterator[tuple[Item, Out]]:
        return self._client._map(items, work, concurrency)

    def send(self, write: Write[SentBill], *, resumed: bool) -> SentBill | PaySsamError:
        try:
            return self._client._settle(write, resumed=resumed)
        except PaySsamError as error:
            return error

    def read(self, bill_id: str) -> BillStatus | PaySsamError:
        return self._client._read_one(bill_id)


class _AsyncRunner:
    """The awaitable client as bulk work sees it (runners.AsyncRunner)."""

    def __init__(self, client: AsyncPaySsam) -> None:
        self._client = client

    @property
    def config(self) -> Config:
        return self._client._config

    def map(
        self, items: Iterable[Item], work: Callable[[Item], Awaitable[Out]], concurrency: int
    ) -> AsyncIterator[tuple[Item, Out]]:
        return self._client._map(items, work, concurrency)

    async def send(self, write: Write[SentBill], *, resumed: bool) -> SentBill | PaySsamError:
        try:
            return await self._client._settle(write, resumed=resumed)
        except PaySsamError as error:
            return error

    async def read(self, bill_id: str) -> BillStatus | PaySsamError:
        return await self._client._read_one(bill_id)


def runner(client: PaySsam) -> SyncRunner:
    """The seam bulk work uses to reach a blocking client (see _runners.py)."""
    client._check_open()
    return _SyncRunner(client)


def async_runner(client: AsyncPaySsam) -> AsyncRunner:
    """The seam bulk work uses to reach an awaitable client (see _runners.py)."""
    client._check_open()
    return _AsyncRunner(client)
