"""The v1 operations as data: the request to send and how to read its answer.

Building a call validates the input and lets the generated client lay out the
request; nothing here does I/O, so the sync and async clients share all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from payssam_api_client.api.erp_partner_controller import (
    bill_cancel,
    destroy_bill,
    make_url_n_talk,
    read_bill,
    resend_bill,
)
from payssam_api_client.models.approval import Approval
from payssam_api_client.models.bill_req import BillReq
from payssam_api_client.models.bill_req_3p import BillReq3P
from payssam_api_client.models.bill_result import BillResult
from payssam_api_client.models.cancel_bill import CancelBill
from payssam_api_client.models.destroy_bill_req import DestroyBillReq
from payssam_api_client.models.req_cancel_bill import ReqCancelBill
from payssam_api_client.models.send_bill import SendBill
from payssam_api_client.models.send_bill_req import SendBillReq
from payssam_api_client.models.sent_bill import SentBill as SentBillModel
from payssam_api_client.types import UNSET

from . import results, validation
from ._version import __version__
from .config import Config
from .hashing import hash_preimage
from .protocol import decode
from .results import BillStatus, Cancellation, Destruction, Resend, SentBill

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
            status, content, Approval, lambda model: results.bill_status(model, bid), config.secrets
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
            status, content, CancelBill, lambda model: results.cancellation(model, bid), config.secrets
        ),
    )


def send(
    config: Config,
    bill_id: object,
    price: object,
    *,
    phone: object,
    customer_name: object,
    product_name: object,
    callback_url: object,
    message: object = None,
    issuer: object = None,
    expires_on: object = None,
) -> Call[SentBill]:
    """POST /if/bill/send: create a bill and send it by KakaoTalk; the hash has the phone part."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    mobile = validation.phone(phone)
    name = validation.text("customer_name", customer_name)
    # The customer's name is personal data: kept out of error texts and excerpts if echoed back.
    hidden = (*config.secrets, name)
    bill = SendBill(
        bill_id=bid,
        callback_url=validation.callback_url(callback_url),
        hash_=config.digest(hash_preimage(bid, amount, mobile)),
        member_nm=name,
        phone=mobile,
        price=amount,
        product_nm=validation.text("product_name", product_name),
        bill_issuer=UNSET if issuer is None else validation.text("issuer", issuer, validation.ISSUER_MAX),
        message=UNSET if message is None else validation.text("message", message),
        expire_dt=UNSET if expires_on is None else validation.expiry(expires_on),
    )
    body = SendBillReq(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill=bill)
    return Call(
        operation="send_bill",
        bill_id=bid,
        request=_prepare(config, make_url_n_talk._get_kwargs(body=body)),
        parse=lambda status, content: decode(
            status, content, SentBillModel, lambda model: results.sent_bill(model, bid), hidden
        ),
    )


def resend(config: Config, bill_id: object) -> Call[Resend]:
    """POST /if/bill/resend: send an unpaid bill's KakaoTalk message again."""
    bid = validation.bill_id(bill_id)
    body = BillReq3P(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return Call(
        operation="resend_bill",
        bill_id=bid,
        request=_prepare(config, resend_bill._get_kwargs(body=body)),
        parse=lambda status, content: decode(
            status, content, BillResult, lambda model: results.resend(model, bid), config.secrets
        ),
    )


def destroy(config: Config, bill_id: object, price: object) -> Call[Destruction]:
    """POST /if/bill/destroy: destroy an unpaid bill; like cancel, the hash has no phone part."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    body = DestroyBillReq(
        apikey=config.apikey.reveal(),
        member=config.member,
        merchant=config.merchant,
        bill_id=bid,
        price=amount,
        hash_=config.digest(hash_preimage(bid, amount)),
    )
    return Call(
        operation="destroy_bill",
        bill_id=bid,
        request=_prepare(config, destroy_bill._get_kwargs(body=body)),
        parse=lambda status, content: decode(
            status, content, BillResult, lambda model: results.destruction(model, bid), config.secrets
        ),
    )
