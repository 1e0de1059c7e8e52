"""The v1 operations as data: the request to send and how to read its answer.

Building a call validates the input and lets the generated client lay out the
request; nothing here does I/O, so the sync and async clients share all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from payssam_api_client.api.erp_partner_controller import bill_cancel, read_bill
from payssam_api_client.models.approval import Approval
from payssam_api_client.models.bill_req import BillReq
from payssam_api_client.models.cancel_bill import CancelBill
from payssam_api_client.models.req_cancel_bill import ReqCancelBill

from . import validation
from ._version import __version__
from .config import Config
from .hashing import hash_preimage
from .protocol import decode
from .results import BillStatus, Cancellation, bill_status, cancellation

USER_AGENT = f"payssam-python/{__version__}"

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class Call(Generic[Result]):
    """One request, ready to send, and the parser of its answer."""

    operation: str
    bill_id: str
    request: dict[str, Any]
    parse: Callable[[int, bytes], Result]


def _prepare(config: Config, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Absolute URL, our User-Agent and the configured timeout on the generated request."""
    return {
        **kwargs,
        "url": config.url(kwargs["url"]),
        "headers": {**kwargs.get("headers", {}), "User-Agent": USER_AGENT},
        "timeout": config.timeout,
    }


def read(config: Config, bill_id: object) -> Call[BillStatus]:
    """POST /if/bill/read: one bill's payment state."""
    bid = validation.bill_id(bill_id)
    body = BillReq(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return Call(
        operation="read_bill",
        bill_id=bid,
        request=_prepare(config, read_bill._get_kwargs(body=body)),
        parse=lambda status, content: decode(
            status, content, Approval, lambda model: bill_status(model, bid), config.secrets
        ),
    )


def cancel(config: Config, bill_id: object, price: object) -> Call[Cancellation]:
    """POST /if/bill/cancel: cancel a paid bill's approval; the hash has no phone part."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    body = ReqCancelBill(
        apikey=config.apikey.reveal(),
        member=config.member,
        merchant=config.merchant,
        bill_id=bid,
        hash_=config.digest(hash_preimage(bid, amount)),
        price=amount,
    )
    return Call(
        operation="cancel_bill",
        bill_id=bid,
        request=_prepare(config, bill_cancel._get_kwargs(body=body)),
        parse=lambda status, content: decode(
            status, content, CancelBill, lambda model: cancellation(model, bid), config.secrets
        ),
    )
