"""The fixtures and the `payssam` marker (entry point `pytest11: payssam`; `-p no:payssam` turns it off).

A fresh simulator per test, in-process: `payssam_sim` is the Simulator itself (pay, bill, requests, clock, faults
are its own methods), the clients are the SDK's own bound to its in-process transports, and approvals go to
`payssam_approvals` unless the test says otherwise. Nothing here imports the simulator or the SDK until a fixture
runs, so the plugin loads in every project that installs payssam, with or without the `mock` extra.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    import httpx

    from payssam import AsyncPaySsam, PaySsam
    from payssam_sim import Simulator

    from .approvals import Approvals

MARKER = "payssam"
MARKER_HELP = (
    "payssam(api_version=1, **settings): the API version the payssam_client fixtures speak (1 or 2) and the "
    "settings of the payssam_sim fixture's Simulator (its keyword arguments, e.g. strict=True)"
)
API_VERSIONS = (1, 2)
SITE = "http://127.0.0.1"
"""The in-process clients' base URL: any loopback URL reaches the transport; this one gives bills a loopback
short URL."""

Client = TypeVar("Client")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so runs with --strict-markers accept it."""
    config.addinivalue_line("markers", MARKER_HELP)


def _marked(node: pytest.Item) -> dict[str, Any]:
    """The keywords of the test's payssam markers (function, class, module): the closest one wins a keyword."""
    settings: dict[str, Any] = {}
    for mark in node.iter_markers(MARKER):
        if mark.args:
            pytest.fail("@pytest.mark.payssam takes keyword arguments only", pytrace=False)
        for name, value in mark.kwargs.items():
            settings.setdefault(name, value)
    return settings


def _simulator(settings: dict[str, Any]) -> Simulator:
    """A Simulator with these settings, or the test fails saying why: the `mock` extra to install, or the marker's
    wrong setting. It fails after the except block, so the report is the message alone, not the chain behind it."""
    try:
        from payssam_sim import Simulator
    except ModuleNotFoundError as missing:
        problem = f"the payssam_sim fixture cannot make a simulator: {missing}"
    else:
        try:
            return Simulator(**settings)
        except (TypeError, ValueError) as error:
            problem = f"@pytest.mark.payssam: {error}"
    pytest.fail(problem, pytrace=False)


def _quietly(make: Callable[[], Client]) -> Client:
    """A client made without API v2's ExperimentalWarning, so a run under `-W error` passes.

    The SDK warns once per process: a v2 client the test makes itself afterwards does not warn either.
    """
    from payssam import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return make()


def _settings(sim: Simulator, api_version: int) -> tuple[str, str, str, str]:
    """What a client of this simulator is made with: its credentials, and the base URL of the API version (v2's
    under /partner, as on the vendor's hosts)."""
    from payssam_sim.contract import PARTNER_PREFIX

    credentials = sim.credentials
    base_url = SITE + PARTNER_PREFIX if api_version == 2 else SITE
    return credentials.apikey, credentials.member, credentials.merchant, base_url


def _run(closing: Coroutine[Any, Any, None]) -> None:
    """Await a close on an event loop of its own: the async client's fixture is a plain one, whatever runs the
    test's loop (pytest-asyncio, anyio), and nothing it closes is bound to that loop."""
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(closing)
    finally:
        loop.close()


@pytest.fixture
def payssam_api_version(request: pytest.FixtureRequest) -> int:
    """The API version payssam_client and async_payssam_client speak: the marker's api_version, else 1.

    `@pytest.mark.parametrize("payssam_api_version", [1, 2])` runs a test over both.
    """
    version = _marked(request.node).get("api_version", 1)
    if version not in API_VERSIONS:
        pytest.fail(f"@pytest.mark.payssam: api_version must be 1 or 2, not {version!r}", pytrace=False)
    return int(version)


@pytest.fixture
def payssam_approvals() -> Approvals:
    """The approvals the test's bills got: payssam_sim delivers them here (acknowledged), whatever their
    callback_url; `payssam_approvals[bill_id]` is a bill's latest, typed by the SDK's parse_approval."""
    from .approvals import Approvals

    return Approvals()


@pytest.fixture
def payssam_sim(request: pytest.FixtureRequest, payssam_approvals: Approvals) -> Iterator[Simulator]:
    """A fresh in-process Simulator, closed after the test: the marker's settings, approvals to payssam_approvals.

    Set `payssam_sim.callback_transport` to your own receiver (httpx.WSGITransport(app=...)), or to None to have
    approvals POSTed over HTTP to the bill's loopback callback_url.
    """
    settings = {name: value for name, value in _marked(request.node).items() if name != "api_version"}
    settings.setdefault("callback_transport", payssam_approvals)
    sim = _simulator(settings)
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def payssam_client(payssam_sim: Simulator, payssam_api_version: int) -> Iterator[PaySsam]:
    """payssam.PaySsam on payssam_sim's in-process transport, with its credentials; closed after the test."""
    import httpx

    from payssam import PaySsam

    http = httpx.Client(transport=payssam_sim.transport())
    settings = _settings(payssam_sim, payssam_api_version)
    client = _quietly(lambda: PaySsam(*settings, http_client=http, api_version=payssam_api_version))
    try:
        yield client
    finally:
        client.close()
        http.close()


async def _close_async(client: AsyncPaySsam, http: httpx.AsyncClient) -> None:
    """The async client, then its httpx client (the SDK leaves a client it was given open)."""
    await client.close()
    await http.aclose()


@pytest.fixture
def async_payssam_client(payssam_sim: Simulator, payssam_api_version: int) -> Iterator[AsyncPaySsam]:
    """payssam.AsyncPaySsam on payssam_sim's async in-process transport; closed after the test.

    A plain fixture: it needs no async plugin, while the test that awaits it needs the one the project uses
    (pytest-asyncio, or anyio's with the asyncio backend: AsyncPaySsam runs in asyncio tasks).
    """
    import httpx

    from payssam import AsyncPaySsam

    http = httpx.AsyncClient(transport=payssam_sim.async_transport())
    settings = _settings(payssam_sim, payssam_api_version)
    client = _quietly(lambda: AsyncPaySsam(*settings, http_client=http, api_version=payssam_api_version))
    try:
        yield client
    finally:
        _run(_close_async(client, http))


@pytest.fixture
def payssam_sim_url(payssam_sim: Simulator) -> str:
    """payssam_sim, serving on a free loopback port too, for code in another process: its base URL, v1's and v2's
    alike (v2 also answers under `<url>/partner`, as the sandbox's base). Stopped with payssam_sim after the test.
    """
    payssam_sim.start()
    return payssam_sim.base_url
