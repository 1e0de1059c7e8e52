"""The API v2 client against Prism serving the bundled v2 contract with --errors.

Prism refuses (HTTP 400) any request that breaks the v2 contract, so a success here means the v2 wire's
requests fit it; its named examples drive every answer (they are about bill EXAMPLE_BILL, so the calls
ask about that bill: the SDK refuses an answer about another one).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from payssam import (
    AsyncPaySsam,
    BillNotFoundError,
    BillState,
    BillStatus,
    Cancellation,
    Destruction,
    HashMismatchError,
    PartnerNotEnabledError,
    PaySsam,
    PaySsamError,
    PointBalance,
    PointsExhaustedError,
    Resend,
    SentBill,
)

from kit import APIKEY, MEMBER, MERCHANT, ROOT, free_port
from oracle import response_examples
from prism import Prism

pytestmark = [pytest.mark.prism, pytest.mark.filterwarnings("ignore::payssam.ExperimentalWarning")]

SPEC_V2 = ROOT / "openapi" / "payssam-v2.json"
EXAMPLE_BILL = "1234567890ABCDEFGHIJ"
SEND, READ, CANCEL, DESTROY, RESEND = "/bill", "/bill/read", "/bill/cancel", "/bill/destroy", "/bill/resend"
POINTS, MERCHANT_POINTS = "/read/remain_count", "/read/merchant/remain_count"
SEND_ARGS: dict[str, Any] = {"phone": "01012345678", "customer_name": "홍길동", "product_name": "12월 수강료"}
ERROR_OF_CODE = {
    "BILL_003": BillNotFoundError,
    "VALIDATION_002": HashMismatchError,
    "POINT_001": PointsExhaustedError,
    "PARTNER_001": PartnerNotEnabledError,
}


@pytest.fixture(scope="module")
def prism_v2() -> Iterator[Prism]:
    """One Prism (--errors) serving the v2 contract on a free loopback port, stopped by PID."""
    with Prism(SPEC_V2) as server:
        yield server


@pytest.fixture(scope="module")
def spec_v2() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_V2.read_text(encoding="utf-8"))
    return document


def callback() -> str:
    """A callbackUrl on loopback where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/approval"


def client(prism: Prism, http: httpx.Client | None = None) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, api_version=2, max_retries=0, http_client=http)


def async_client(prism: Prism, http: httpx.AsyncClient | None = None) -> AsyncPaySsam:
    return AsyncPaySsam(APIKEY, MEMBER, MERCHANT, prism.base_url, api_version=2, max_retries=0, http_client=http)


@pytest.mark.parametrize("path", [SEND, READ, CANCEL, DESTROY, RESEND, POINTS, MERCHANT_POINTS])
def test_prism_refuses_what_breaks_the_v2_contract_with_400(prism_v2: Prism, path: str) -> None:
    """The checks below mean something only if the mock validates requests: a v1-shaped body breaks v2's."""
    bad = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": "NOT-VALID-ID"}
    assert httpx.post(prism_v2.base_url + path, json=bad).status_code == 400


def test_the_v2_lifecycle_fits_the_contract_with_the_v1_result_types(prism_v2: Prism) -> None:
    with client(prism_v2) as v2:
        talk = v2.send_bill(EXAMPLE_BILL, 35000, callback_url=callback(), **SEND_ARGS)
        url = v2.send_bill(
            EXAMPLE_BILL,
            35000,
            callback_url=callback(),
            **{**SEND_ARGS, "phone": None},
            send_type="URL",
            redirect_url="https://partner.example/paid",
        )
        status = v2.read_bill(EXAMPLE_BILL)
        cancellation = v2.cancel_bill(EXAMPLE_BILL, 35000, reason="고객 요청")
        destruction = v2.destroy_bill(EXAMPLE_BILL, 35000)
        resend = v2.resend_bill(EXAMPLE_BILL)
        points, merchant_points = v2.point_balance(), v2.merchant_point_balance()
    assert isinstance(talk, SentBill)
    assert talk.short_url == "https://payssam.kr/b/AbC123"
    assert isinstance(url, SentBill)
    assert url.short_url == talk.short_url
    assert isinstance(status, BillStatus)
    assert (status.state, status.price, status.approval_number) == (BillState.PAID, 35000, "30012345")
    assert isinstance(cancellation, Cancellation)
    assert cancellation.approval_number == "30012346"
    assert cancellation.original_approval_number == "30012345"
    assert isinstance(destruction, Destruction)
    assert isinstance(resend, Resend)
    assert points == PointBalance(balance=5500, charge_url="https://payssam.kr/charge", message="성공하였습니다.")
    assert merchant_points.balance == 1100


def test_the_v2_lifecycle_async(prism_v2: Prism) -> None:
    async def run() -> tuple[Any, ...]:
        async with async_client(prism_v2) as v2:
            return await asyncio.gather(
                v2.send_bill(EXAMPLE_BILL, 35000, callback_url=callback(), **SEND_ARGS),
                v2.read_bill(EXAMPLE_BILL),
                v2.cancel_bill(EXAMPLE_BILL, 35000, reason="환불"),
                v2.destroy_bill(EXAMPLE_BILL, 35000),
                v2.resend_bill(EXAMPLE_BILL),
                v2.point_balance(),
                v2.merchant_point_balance(),
            )

    results = asyncio.run(run())
    kinds = [SentBill, BillStatus, Cancellation, Destruction, Resend, PointBalance, PointBalance]
    assert [type(result) for result in results] == kinds


CALLS: dict[str, Callable[[PaySsam], object]] = {
    SEND: lambda v2: v2.send_bill(EXAMPLE_BILL, 35000, callback_url=callback(), **SEND_ARGS),
    READ: lambda v2: v2.read_bill(EXAMPLE_BILL),
    CANCEL: lambda v2: v2.cancel_bill(EXAMPLE_BILL, 35000),
    DESTROY: lambda v2: v2.destroy_bill(EXAMPLE_BILL, 35000),
    RESEND: lambda v2: v2.resend_bill(EXAMPLE_BILL),
    POINTS: lambda v2: v2.point_balance(),
    MERCHANT_POINTS: lambda v2: v2.merchant_point_balance(),
}


def test_the_calls_cover_every_v2_operation(spec_v2: dict[str, Any]) -> None:
    assert sorted(CALLS) == sorted(spec_v2["paths"])


def error_cases() -> list[tuple[str, str]]:
    spec: dict[str, Any] = json.loads(SPEC_V2.read_text(encoding="utf-8"))
    return [
        (path, name.removeprefix("error_"))
        for path in spec["paths"]
        for name in response_examples(spec, path)
        if name.startswith("error_")
    ]


@pytest.mark.parametrize(("path", "code"), error_cases())
def test_each_named_v2_error_example_surfaces_as_its_exception(prism_v2: Prism, path: str, code: str) -> None:
    """The call answered with the example gets its typed error (a write's read-back finds no bill)."""

    def choose(request: httpx.Request) -> None:
        example = f"error_{code}" if request.url.path == path else "error_BILL_003"
        request.headers["Prefer"] = f"code=200, example={example}"

    with (
        httpx.Client(event_hooks={"request": [choose]}) as http,
        client(prism_v2, http) as v2,
        pytest.raises(PaySsamError) as raised,
    ):
        CALLS[path](v2)
    assert type(raised.value) is ERROR_OF_CODE[code]
    assert raised.value.code == code
    assert APIKEY not in str(raised.value)
