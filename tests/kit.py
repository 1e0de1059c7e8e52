"""The test kit: what more than one test module uses, imported by name (``from kit import Recorder, MODES``).

Fixtures live in conftest.py (``spec``, ``simulator``, ``prism``, ``sim_proxy``, ``no_proxy``); everything else that
tests share lives here: the sandbox credentials, offline clients whose requests go to a handler, fake answers, the
one ``Recorder``, loopback helpers, and the switches of the long fuzzes. A helper used by one module stays in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase

import payssam
from payssam import AsyncPaySsam, PaySsam

from processes import free_port

__all__ = [
    "APIKEY",
    "EXPECTED_ERRORS",
    "FUZZING",
    "FUZZ_HEALTH_CHECKS",
    "GZIP_JSON",
    "MEMBER",
    "MERCHANT",
    "MODES",
    "NOT_FOUND",
    "NO_BACKOFF",
    "NO_RETRIES",
    "OFFLINE_URL",
    "PROXY_VARIABLES",
    "QUICK_PHASES",
    "READ_PATH",
    "ROOT",
    "SANDBOX",
    "SEND_WIRE_NAMES",
    "SPEC_PATH",
    "Handler",
    "LyingInt",
    "Recorder",
    "attempt_error",
    "fails",
    "file_sha256",
    "free_port",
    "offline_async_client",
    "offline_client",
    "ok",
    "print_at_session_end",
    "raw",
    "reads_answered",
    "sha256",
    "streamed",
    "wait_for",
]

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "payssam-v1.json"

# --------------------------------------------------------------------------- the sandbox

APIKEY = "TEST-API-KEY-TALK"
MEMBER = "TEST-MEMBER-FOR-API"
MERCHANT = "TEST-MERCHANT-FOR-API"
OFFLINE_URL = "http://127.0.0.1:9"  # never contacted: offline clients send to a MockTransport
SANDBOX: dict[str, Any] = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "base_url": OFFLINE_URL}
PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
"""The environment's proxy settings, removed wherever a test talks to loopback (the ``no_proxy`` fixture)."""
SEND_WIRE_NAMES = {
    "bill_id": "bill_id",
    "price": "price",
    "phone": "phone",
    "customer_name": "member_nm",
    "product_name": "product_nm",
    "callback_url": "callbackURL",
    "message": "message",
    "issuer": "bill_issuer",
    "expires_on": "expire_dt",
}
"""send_bill's arguments and the names the contract gives them in the request's `bill` (written out by hand)."""

# Written out by hand (not derived from API_ERRORS) so a wrong mapping fails.
EXPECTED_ERRORS: dict[str, type[payssam.ApiError]] = {
    "9999": payssam.ProcessingError,
    "9800": payssam.DuplicateBillIdError,
    "9970": payssam.AlreadyCancelledError,
    "9971": payssam.AlreadyPaidError,
    "9980": payssam.BillNotFoundError,
    "9870": payssam.CallbackSyncError,
    "5000": payssam.ServerSystemError,
    "1003": payssam.AccessDeniedError,
}

MODES = ("sync", "async")
"""The two clients, PaySsam and AsyncPaySsam: parametrize a test with ``@pytest.mark.parametrize("mode", MODES)``."""

# --------------------------------------------------------------------------- the long fuzzes

FUZZING = os.environ.get("PAYSSAM_FUZZ", "") not in ("", "0")
"""PAYSSAM_FUZZ=1 (`make fuzz`): the fuzzes run their long budgets instead of `make test`'s quick ones."""
FUZZ_HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
"""The hypothesis health checks a fuzz suppresses: its inputs are large and slow on purpose."""
QUICK_PHASES = [phase for phase in Phase if phase is not Phase.explain]
"""Hypothesis phases for `make test`'s quick runs: explaining re-runs a failure traced, which is slow."""

# --------------------------------------------------------------------------- offline clients and fake answers

Handler = Callable[[httpx.Request], httpx.Response]
"""What httpx.MockTransport calls: one request in, one answer out (or an httpx error raised)."""

NO_BACKOFF = payssam.Backoff(0.0, 0.0)
"""Retries without pauses."""
# Offline clients answer one request with one outcome: no retries, no pauses, unless a test asks for them.
NO_RETRIES: dict[str, Any] = {"max_retries": 0, "backoff": NO_BACKOFF}
READ_PATH = "/if/bill/read"
NOT_FOUND = {"code": "9980", "msg": "Bill not found"}


def offline_client(handler: Handler, **settings: Any) -> PaySsam:
    """A blocking client with the sandbox settings (or these) whose requests go to handler."""
    return PaySsam(
        **{**SANDBOX, **NO_RETRIES, **settings}, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )


def offline_async_client(handler: Handler, **settings: Any) -> AsyncPaySsam:
    """An awaitable client with the sandbox settings (or these) whose requests go to handler."""
    return AsyncPaySsam(
        **{**SANDBOX, **NO_RETRIES, **settings}, http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )


def reads_answered(handler: Handler, answer: dict[str, Any] = NOT_FOUND) -> Handler:
    """handler for every request but reads, which get answer: what a write's read-back finds is the test's choice."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == READ_PATH:
            return httpx.Response(200, json=answer)
        return handler(request)

    return route


def attempt_error(error: payssam.PaySsamError) -> payssam.PaySsamError:
    """What a call's last attempt ended with: for a write that may have landed (OutcomeUnknownError), its cause."""
    if isinstance(error, payssam.OutcomeUnknownError):
        cause = error.__cause__
        assert isinstance(cause, payssam.PaySsamError), cause
        return cause
    return error


class Recorder:
    """A MockTransport handler that keeps every request and answers each one.

    The answer is ``answer(request)`` when answer is callable (an httpx.Response is returned as it is, anything
    else is sent as JSON), else answer itself as JSON, or ``raw`` bytes as they are; with HTTP ``status`` and
    ``Content-Type: application/json``. ``Recorder(READ_OK)``, ``Recorder(raw=b"<html>")``,
    ``Recorder(OK, status=500)``, ``Recorder(lambda request: ...)``.
    """

    def __init__(self, answer: object = None, *, raw: bytes | None = None, status: int = 200) -> None:
        self.answer = answer
        self.raw = raw
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answer(request) if callable(self.answer) else self.answer
        if isinstance(answer, httpx.Response):
            return answer
        content = self.raw if self.raw is not None else json.dumps(answer, ensure_ascii=False).encode("utf-8")
        return httpx.Response(self.status, content=content, headers={"Content-Type": "application/json"})

    @property
    def last(self) -> httpx.Request:
        """The last request."""
        assert self.requests, "no request was sent"
        return self.requests[-1]

    def body(self) -> dict[str, Any]:
        """The JSON body of the only request (fails if there were none or several)."""
        assert len(self.requests) == 1, f"{len(self.requests)} requests were sent"
        loaded: dict[str, Any] = json.loads(self.requests[0].content)
        return loaded

    def last_body(self) -> dict[str, Any]:
        """The JSON body of the last request."""
        loaded: dict[str, Any] = json.loads(self.last.content)
        return loaded

    @property
    def bodies(self) -> list[Any]:
        """The JSON body of every request, in order."""
        return [json.loads(request.content) for request in self.requests]


def ok(body: Mapping[str, Any]) -> Handler:
    """HTTP 200 with body as JSON."""
    return lambda request: httpx.Response(200, json=dict(body))


def raw(status: int, content: bytes, headers: Mapping[str, str] | None = None) -> Handler:
    """HTTP status with content as it is (no Content-Type unless headers give one)."""
    return lambda request: httpx.Response(status, content=content, headers=dict(headers or {}))


def streamed(content: bytes, headers: Mapping[str, str]) -> Handler:
    """HTTP 200 whose body is left unread, as from a socket (Content-Encoding undone by the SDK, not by httpx)."""
    return lambda request: httpx.Response(200, headers=dict(headers), stream=httpx.ByteStream(content))


GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
"""The headers of a gzipped JSON answer."""


def fails(kind: type[httpx.TransportError], text: str = "scripted failure") -> Handler:
    """No answer at all: the transport raises kind(text)."""

    def answer(request: httpx.Request) -> httpx.Response:
        raise kind(text, request=request)

    return answer


class LyingInt(int):
    """An int whose str() is not its digits."""

    def __str__(self) -> str:
        return "1 0"

    def __repr__(self) -> str:
        return f"LyingInt({int.__repr__(self)})"


def sha256(*parts: str) -> str:
    """The vendor's hash, written out: SHA-256 of the comma-joined parts, lowercase hex (one part: its own hash)."""
    return hashlib.sha256(",".join(parts).encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes: whether a run changed a file it must leave alone."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- loopback and the session

# free_port (imported above from tools/processes.py, the one definition Prism uses too): a loopback port nothing
# listens on right now (bound, then released); connecting to it is refused at once.


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll check every 10 ms until it holds; fail after timeout seconds (generous: a bound, never a measurement,
    so it holds on a loaded 2-core machine; a check that holds returns at once)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


class _SessionSummary:
    def __init__(self, lines: Callable[[], Iterable[str]]) -> None:
        self._lines = lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self._lines():
            terminalreporter.write_line(line)


def print_at_session_end(config: pytest.Config, name: str, lines: Callable[[], Iterable[str]]) -> None:
    """Have pytest print lines() in its terminal summary when the session ends (registered once per name)."""
    manager = config.pluginmanager
    if not manager.has_plugin(name):
        manager.register(_SessionSummary(lines), name)
