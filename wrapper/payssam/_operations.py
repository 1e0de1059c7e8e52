"""The v1 operations as data: the request to send, how to read its answer, how a lost answer is recovered.

Building a call validates every argument once and lets the generated client lay out the request,
serialised once (a retry sends the same bytes); nothing here does I/O, so the sync and async
clients share all of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

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
from ._errors import AlreadyCancelledError, DuplicateBillIdError
from ._exchange import ACCEPT_ENCODING
from ._generated import UNSET, request_layout
from ._hashing import apply_digest, preimage
from ._protocol import Model, decode
from ._results import BillStatus, Cancellation, Destruction, Resend, SentBill
from ._settlement import Judgement, Verdict, Write
from ._states import BillState
from ._version import __version__

USER_AGENT = f"payssam-python/{__version__}"
HEADERS = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
"""On every request, whoever's client: JSON, who we are, and only the encodings the SDK can bound."""

Result = TypeVar("Result")


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every body: json.dumps with options would build a new one per request."""


def _body(model: Any) -> bytes:
    return _JSON.encode(model).encode("utf-8")


def _call(
    config: Config,
    operation: str,
    bill_id: str,
    endpoint: Any,
    body: Any,
    answer: type[Model],
    build: Callable[[Model, str], Result],
    *,
    effect: bool,
    personal: tuple[str, ...] = (),
) -> Call[Result]:
    """The generated endpoint's request for body, with our headers, serialised once; its answer is read as the
    `answer` model and built into the result (personal data, such as the customer's name, kept out of errors)."""
    method, path, data = request_layout(endpoint, body)
    secrets = config.secrets

    def result(model: Model) -> Result:
        return build(model, bill_id)

    def parse(status: int, content: bytes, retry_after: float | None) -> Result:
        return decode(
            status,
            content,
            answer,
            result,
            bill_id=bill_id,
            secrets=secrets,
            effect=effect,
            retry_after=retry_after,
            personal=personal,
        )

    return Call(
        operation=operation,
        bill_id=bill_id,
        method=method,
        url=config.url(path),
        content=_body(data),
        headers=HEADERS,
        parse=parse,
        effect=effect,
    )


def read(config: Config, bill_id: object) -> Call[BillStatus]:
    """POST /if/bill/read: one bill's payment state."""
    bid = validation.bill_id(bill_id)
    body = BillReq(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return _call(config, "read_bill", bid, read_bill, body, Approval, results.bill_status, effect=False)


def cancel(config: Config, bill_id: object, price: object) -> Write[Cancellation]:
    """POST /if/bill/cancel: cancel a paid bill's approval; the hash has no phone part."""
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

    def judge(status: BillStatus | None) -> Judgement[Cancellation]:
        if status is None or status.state is not BillState.CANCELLED:
            return Judgement(Verdict.NOT_DONE)
        if status.price != int(amount):
            return Judgement(Verdict.NOT_OURS, error=AlreadyCancelledError("9970", "cancelled at another price"))
        recovered = Cancellation(
            bill_id=bid,
            approval_number=None,
            original_approval_number=status.original_approval_number,
            cancelled_at=None,
            message="",
            raw=None,
            recovered=True,
        )
        return Judgement(Verdict.DONE, result=recovered)

    call = _call(config, "cancel_bill", bid, bill_cancel, body, CancelBill, results.cancellation, effect=True)
    return Write(call, lambda: read(config, bid), judge)


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
) -> Write[SentBill]:
    """POST /if/bill/send: create a bill and send it by KakaoTalk; the hash has the phone part."""
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

    def judge(status: BillStatus | None) -> Judgement[SentBill]:
        if status is None:
            return Judgement(Verdict.NOT_DONE)
        if status.price is not None and status.price != int(amount):
            return Judgement(
                Verdict.NOT_OURS, error=DuplicateBillIdError("9800", "a bill with this id has another price")
            )
        recovered = SentBill(bill_id=bid, short_url=None, message="", raw=None, recovered=True)
        return Judgement(Verdict.DONE, result=recovered)

    # The customer's name is personal data: kept out of error texts and excerpts if echoed back.
    call = _call(
        config, "send_bill", bid, make_url_n_talk, body, SentBillModel, results.sent_bill, effect=True, personal=(name,)
    )
    return Write(call, lambda: read(config, bid), judge)


def resend(config: Config, bill_id: object) -> Call[Resend]:
    """POST /if/bill/resend: send an unpaid bill's KakaoTalk message again."""
    bid = validation.bill_id(bill_id)
    body = BillReq3P(apikey=config.apikey.reveal(), member=config.member, merchant=config.merchant, bill_id=bid)
    return _call(config, "resend_bill", bid, resend_bill, body, BillResult, results.resend, effect=True)


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

    def judge(status: BillStatus | None) -> Judgement[Destruction]:
        if status is None or status.state is not BillState.DESTROYED:
            return Judgement(Verdict.NOT_DONE)
        return Judgement(Verdict.DONE, result=Destruction(bill_id=bid, message="", raw=None, recovered=True))

    call = _call(config, "destroy_bill", bid, destroy_bill, body, BillResult, results.destruction, effect=True)
    return Write(call, lambda: read(config, bid), judge)
