"""The client against Prism serving the bundled contract with --errors.

Prism refuses (HTTP 400) any request that breaks the contract, so a success
here means the client's requests fit it; its named examples drive every answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payssam import AsyncPaySsam, BillState, BillStatus, Cancellation, PaySsam
from payssam.errors import API_ERRORS, ApiError

from conftest import APIKEY, MEMBER, MERCHANT
from oracle import response_examples
from prism import Prism

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"
STATE_OF_EXAMPLE = {
    "paid": BillState.PAID,
    "unpaid": BillState.UNPAID,
    "cancelled": BillState.CANCELLED,
    "destroyed": BillState.DESTROYED,
    "paid_cash_receipt": BillState.PAID,
}

bill_ids = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)
prices = st.one_of(st.integers(0, 9_999_999_999), st.from_regex(r"[0-9]{1,10}", fullmatch=True))
contract_settings = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def prefer(example: str) -> dict[str, str]:
    return {"Prefer": f"code=200, example={example}"}


def sync_client(prism: Prism, headers: dict[str, str] | None = None) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=httpx.Client(headers=headers))


def async_client(prism: Prism, headers: dict[str, str] | None = None) -> AsyncPaySsam:
    return AsyncPaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, http_client=httpx.AsyncClient(headers=headers))


def test_prism_answers_within_five_seconds(prism: Prism) -> None:
    assert prism.startup_seconds is not None
    assert prism.startup_seconds < 5.0


def test_prism_refuses_what_breaks_the_contract(prism: Prism) -> None:
    """The check below is only meaningful if the mock really validates requests."""
    bad = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": "NOT-VALID-ID"}
    assert httpx.post(prism.base_url + READ, json=bad).status_code == 400


@contract_settings
@given(bill_id=bill_ids, price=prices)
def test_sync_requests_fit_the_contract(prism: Prism, bill_id: str, price: int | str) -> None:
    with sync_client(prism) as client:
        status = client.read_bill(bill_id)
        cancellation = client.cancel_bill(bill_id, price)
    assert isinstance(status, BillStatus)
    assert status.bill_id == bill_id
    assert status.state is BillState.PAID
    assert isinstance(cancellation, Cancellation)
    assert cancellation.bill_id == bill_id


@contract_settings
@given(bill_id=bill_ids, price=prices)
def test_async_requests_fit_the_contract(prism: Prism, bill_id: str, price: int | str) -> None:
    async def run() -> tuple[BillStatus, Cancellation]:
        async with async_client(prism) as client:
            return await asyncio.gather(client.read_bill(bill_id), client.cancel_bill(bill_id, price))

    status, cancellation = asyncio.run(run())
    assert status.state is BillState.PAID
    assert cancellation.bill_id == bill_id


@pytest.mark.parametrize("example", list(STATE_OF_EXAMPLE))
def test_each_read_success_example_gives_its_state(prism: Prism, example: str) -> None:
    with sync_client(prism, prefer(example)) as client:
        assert client.read_bill("ABC123").state is STATE_OF_EXAMPLE[example]


def test_every_success_example_of_read_is_covered(spec: dict[str, Any]) -> None:
    names = {n for n in response_examples(spec, READ) if not n.startswith("error_")}
    assert names == set(STATE_OF_EXAMPLE)


def call(client: PaySsam, path: str) -> object:
    return client.read_bill("ABC123") if path == READ else client.cancel_bill("ABC123", 10000)


ERROR_CASES = [(path, code) for path in (READ, CANCEL) for code in sorted(API_ERRORS)]


@pytest.mark.parametrize(("path", "code"), ERROR_CASES)
def test_each_named_error_example_surfaces_as_its_exception(prism: Prism, path: str, code: str) -> None:
    with sync_client(prism, prefer(f"error_{code}")) as client, pytest.raises(API_ERRORS[code]) as raised:
        call(client, path)
    assert type(raised.value) is API_ERRORS[code]
    assert raised.value.code == code
    assert raised.value.message


@pytest.mark.parametrize(("path", "code"), ERROR_CASES)
def test_each_named_error_example_surfaces_async(prism: Prism, path: str, code: str) -> None:
    async def run() -> None:
        async with async_client(prism, prefer(f"error_{code}")) as client:
            if path == READ:
                await client.read_bill("ABC123")
            else:
                await client.cancel_bill("ABC123", 10000)

    with pytest.raises(ApiError) as raised:
        asyncio.run(run())
    assert type(raised.value) is API_ERRORS[code]
