"""API v1's wire: snake_case fields, flat bodies but send's `bill`, four-digit codes (the generated v1 client).

Building a call validates every argument once and lets the generated client lay out the request,
serialised once (a retry sends the same bytes); nothing here does I/O, so the sync and async clients
share all of it. v2's options are refused here, naming the version, before anything is sent.
"""

from __future__ import annotations

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

from . import _results as results
from . import _validation as validation
from ._calls import Call
from ._config import Config
from ._errors import ValidationError
from ._generated import UNSET
from ._hashing import apply_digest, preimage
from ._results import BillStatus, Cancellation, Destruction, PointBalance, Resend, SentBill
from ._settlement import Write
from ._wire import call, judge_cancel, judge_destroy, judge_send

VERSION = 1


def _v2_only(field: str) -> ValidationError:
    return ValidationError(field, "is an API v2 option: create the client with api_version=2 to use it")


def read(config: Config, bill_id: object) -> Call[BillStatus]:
    """POST /if/bill/read: one bill's payment state."""
    bid = validation.bill_id(bill_id)
    body = BillReq(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return call(config, "read_bill", bid, read_bill, body, Approval, results.bill_status, effect=False)


def cancel(config: Config, bill_id: object, price: object, reason: object = None) -> Write[Cancellation]:
    """POST /if/bill/cancel: cancel a paid bill's approval; the hash has no phone part."""
    if reason is not None:
        raise _v2_only("reason")
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    body = ReqCancelBill(
        apikey=config.apikey.reveal(),
        member=config.member,
        merchant=config.merchant,
        bill_id=bid,
        hash_=apply_digest(config.digest, preimage(bid, amount)),
        price=amount,
    )

    made = call(config, "cancel_bill", bid, bill_cancel, body, CancelBill, results.cancellation, effect=True)
    return Write(made, lambda: read(config, bid), judge_cancel(bid, amount))


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
    send_type: object = None,
    redirect_url: object = None,
) -> Write[SentBill]:
    """POST /if/bill/send: create a bill and send it by KakaoTalk; the hash has the phone part."""
    if send_type is not None:
        raise _v2_only("send_type")
    if redirect_url is not None:
        raise _v2_only("redirect_url")
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    mobile = validation.phone(phone)
    name = validation.text("customer_name", customer_name)
    bill = SendBill(
        bill_id=bid,
        callback_url=validation.callback_url(callback_url),
        hash_=apply_digest(config.digest, preimage(bid, amount, mobile)),
        member_nm=name,
        phone=mobile,
        price=amount,
        product_nm=validation.text("product_name", product_name),
        bill_issuer=UNSET if issuer is None else validation.text("issuer", issuer, validation.ISSUER_MAX),
        message=UNSET if message is None else validation.text("message", message),
        expire_dt=UNSET if expires_on is None else validation.expiry(expires_on),
    )
    body = SendBillReq(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill=bill)

    # The customer's name is personal data: kept out of error texts and excerpts if echoed back.
    made = call(
        config, "send_bill", bid, make_url_n_talk, body, SentBillModel, results.sent_bill, effect=True, personal=(name,)
    )
    return Write(made, lambda: read(config, bid), judge_send(bid, amount))


def resend(config: Config, bill_id: object) -> Call[Resend]:
    """POST /if/bill/resend: send an unpaid bill's KakaoTalk message again."""
    bid = validation.bill_id(bill_id)
    body = BillReq3P(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return call(config, "resend_bill", bid, resend_bill, body, BillResult, results.resend, effect=True)


def destroy(config: Config, bill_id: object, price: object) -> Write[Destruction]:
    """POST /if/bill/destroy: destroy an unpaid bill; like cancel, the hash has no phone part."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    body = DestroyBillReq(
        apikey=config.apikey.reveal(),
        member=config.member,
        merchant=config.merchant,
        bill_id=bid,
        price=amount,
        hash_=apply_digest(config.digest, preimage(bid, amount)),
    )

    made = call(config, "destroy_bill", bid, destroy_bill, body, BillResult, results.destruction, effect=True)
    return Write(made, lambda: read(config, bid), judge_destroy(bid))


def points(config: Config, *, merchant: bool) -> Call[PointBalance]:
    """v1's point balance is not part of this SDK: an API v2 call."""
    raise ValidationError("api_version", "the point balance is an API v2 call: create the client with api_version=2")
