"""Shared fixtures: the bundled contract, the Prism mock, sandbox credentials."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "mock"))

import payssam  # noqa: E402
from payssam import AsyncPaySsam, PaySsam  # noqa: E402

from prism import Prism  # noqa: E402

if TYPE_CHECKING:
    from payssam_sim import Simulator

SPEC_PATH = ROOT / "openapi" / "payssam-v1.json"

# No per-example deadline: a loaded CI machine must not turn slowness into a flaky failure. The same
# examples on every run (derandomize): `make test` passes or fails alike on every machine, and the wide,
# random search is `make fuzz`'s (its profile sets derandomize back off).
settings.register_profile("payssam", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("payssam")

APIKEY = "TEST-API-KEY-TALK"
MEMBER = "TEST-MEMBER-FOR-API"
MERCHANT = "TEST-MERCHANT-FOR-API"
OFFLINE_URL = "http://127.0.0.1:9"  # never contacted: offline clients send to a MockTransport
SANDBOX: dict[str, Any] = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "base_url": OFFLINE_URL}
PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
"""The environment's proxy settings, removed wherever a test talks to loopback."""
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

Handler = Callable[[httpx.Request], httpx.Response]

# Offline clients answer one request with one outcome: no retries, no pauses, unless a test asks for them.
NO_RETRIES: dict[str, Any] = {"max_retries": 0, "backoff": payssam.Backoff(0.0, 0.0)}
READ_PATH = "/if/bill/read"
NOT_FOUND = {"code": "9980", "msg": "Bill not found"}


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


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The bundled contract, openapi/payssam-v1.json."""
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def prism() -> Iterator[Prism]:
    """One Prism (--errors) on a free loopback port for the whole session, stopped by PID."""
    with Prism(SPEC_PATH) as server:
        yield server


# Retries every 50 ms instead of every hour, so a test sees the vendor's retry policy in full.
SIM_RETRY_INTERVAL = 0.05
SIM_RETRIES = 3


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """One in-process simulator on a free loopback port for the session (bill ids are always fresh)."""
    from payssam_sim import Simulator

    with Simulator(callback_retry_interval=SIM_RETRY_INTERVAL, callback_retries=SIM_RETRIES, callback_timeout=2) as sim:
        yield sim


@pytest.fixture(scope="session")
def sim_proxy(simulator: Simulator) -> Iterator[Prism]:
    """Prism in proxy mode with --errors in front of the simulator: an answer off the contract fails."""
    with Prism(SPEC_PATH, upstream=simulator.base_url) as server:
        yield server
