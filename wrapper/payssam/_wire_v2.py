"""API v2's wire (experimental): camelCase fields, payloads under `bill`, `{code, message, data}` answers, text codes.

Requests are laid out by the client generated from openapi/payssam-v2.json. Answers are read tolerantly,
as the evidence asks (../shared/reference/payssam-v2.md §7): the text under `message` or `msg`, `data`
nested once more or missing (its fields at the top level), `shortUrl` or `shortURL`, a numeric
`apprPrice`. A bill's answer is then put in v1's flat shape (v2's names are v1's camelCased) so the
domain reads both versions alike, and `raw` keeps one type; the point balance, which v1 lacks, is read
with v2's own model. Text codes map onto the domain's error classes where the meaning matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from payssam_api_client.models.approval import Approval
from payssam_api_client.models.bill_result import BillResult
from payssam_api_client.models.cancel_bill import CancelBill
from payssam_api_client.models.sent_bill import SentBill as SentBillModel
from payssam_api_client_v2.api.bill import bill_cancel, bill_destroy, bill_read, bill_resend, bill_send
from payssam_api_client_v2.api.points import read_merchant_remain_count, read_remain_count
from payssam_api_client_v2.models.bill_cancel import BillCancel
from payssam_api_client_v2.models.bill_cancel_request import BillCancelRequest
from payssam_api_client_v2.models.bill_destroy_request import BillDestroyRequest
from payssam_api_client_v2.models.bill_key import BillKey
from payssam_api_client_v2.models.bill_key_request import BillKeyRequest
from payssam_api_client_v2.models.bill_priced import BillPriced
from payssam_api_client_v2.models.bill_send import BillSend
from payssam_api_client_v2.models.bill_send_request import BillSendRequest
from payssam_api_client_v2.models.bill_send_send_type import BillSendSendType
from payssam_api_client_v2.models.merchant_points_request import MerchantPointsRequest
from payssam_api_client_v2.models.points_answer import PointsAnswer
from payssam_api_client_v2.models.points_data import PointsData
from payssam_api_client_v2.models.points_request import PointsRequest

from . import _contract_v2
from . import _results as results
from . import _validation as validation
from ._calls import Call
from ._casing import v1_fields
from ._config import Config
from ._errors import (
    AccessDeniedError,
    ApiError,
    BillNotFoundError,
    HashMismatchError,
    PartnerNotEnabledError,
    PointsExhaustedError,
    ProcessingError,
    ServerSystemError,
)
from ._generated import UNSET_V2 as UNSET
from ._hashing import apply_digest, preimage
from ._protocol import Dialect
from ._results import BillStatus, Cancellation, Destruction, FieldFormatError, PointBalance, Resend, SentBill
from ._settlement import Write
from ._wire import call, judge_cancel, judge_destroy, judge_send

VERSION = 2

ERRORS: Mapping[str, type[ApiError]] = {
    "ERROR": ProcessingError,
    "PARTNER_001": PartnerNotEnabledError,
    "PARTNER_002": AccessDeniedError,
    "PARTNER_003": AccessDeniedError,
    "PARTNER_004": AccessDeniedError,
    "PARTNER_005": AccessDeniedError,
    "PARTNER_006": AccessDeniedError,
    "VALIDATION_002": HashMismatchError,
    "BILL_003": BillNotFoundError,
    "POINT_001": PointsExhaustedError,
    "PAYMENT_001": ServerSystemError,
    "PAYMENT_002": ServerSystemError,
    "MAINTAINED_METHOD": ServerSystemError,
}
"""v2's text codes and the domain's error for each whose meaning is known (§5 of the reference); any other code is
a plain ApiError that keeps it (never retried: an unknown refusal of a send may have cost points)."""

_CODE = re.compile(_contract_v2.CODE_PATTERN)
_ENVELOPE = ("code", "message", "msg")
_SLOTS = (("code", "code"), ("message", "msg"), ("msg", "message"))
"""The envelope in v1's slots: v2's `message` (its text, read first) in v1's first-read `msg`, v2's `msg` (seen
on one page) in the fallback."""


def error(code: str, message: str) -> ApiError:
    """The exception for a v2 code."""
    return ERRORS.get(code, ApiError)(code, message)


def _code_ok(code: str) -> bool:
    return _CODE.fullmatch(code) is not None


def _envelope(answer: dict[str, Any]) -> tuple[dict[str, Any], object]:
    """The envelope's members and the answer's data, wherever a drift put it: under `data` (nested once more
    perhaps), or, with no `data` at all, the other members of the answer."""
    envelope = {name: answer[name] for name in _ENVELOPE if name in answer}
    if "data" in answer:
        data = answer["data"]
        if isinstance(data, dict) and isinstance(data.get("data"), dict) and set(data) <= {"data", *_ENVELOPE}:
            data = data["data"]
    else:
        data = {name: value for name, value in answer.items() if name not in _ENVELOPE} or None
    return envelope, data


def flat(answer: dict[str, Any]) -> dict[str, Any]:
    """A bill's v2 answer in v1's flat shape: the envelope and the data's fields under their v1 names; a numeric
    apprPrice as its digits (an integration reads it so, defensively); a field in both spellings with different
    values refused."""
    data = answer.get("data")
    if data.__class__ is not dict or "data" in data:  # not the documented shape: find the data where it drifted
        envelope, data = _envelope(answer)
        if data is None:
            return envelope
        if not isinstance(data, dict):
            raise FieldFormatError("data", f"is {type(data).__name__}, not an object")
    fields = v1_fields(data)
    for name, slot in _SLOTS:
        if name in answer:
            fields[slot] = answer[name]
    return fields


def nested(answer: dict[str, Any]) -> dict[str, Any]:
    """A v2 answer read by v2's own model: the envelope, and the data found wherever a drift put it."""
    envelope, data = _envelope(answer)
    return {**envelope, "data": data}


BILLS = Dialect(flat, _code_ok, "a v2 code", error)
POINTS = Dialect(nested, _code_ok, "a v2 code", error)


def _auth(config: Config) -> dict[str, str]:
    return {"api_key": config.apikey.reveal(), "member": config.member, "merchant": config.merchant}


def read(config: Config, bill_id: object) -> Call[BillStatus]:
    """POST /bill/read: one bill's payment state."""
    bid = validation.bill_id(bill_id)
    body = BillKeyRequest(**_auth(config), bill=BillKey(bill_id=bid))
    return call(config, "read_bill", bid, bill_read, body, Approval, results.bill_status, effect=False, dialect=BILLS)


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
    """POST /bill: make a bill, sent by KakaoTalk (TALK, the default) or only its link answered (URL); the hash has
    the phone part when there is a phone (a URL send may leave it out)."""
    kind = "TALK" if send_type is None else validation.send_type(send_type)
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    mobile = None if phone is None and kind == "URL" else validation.phone(phone)
    name = validation.text("customer_name", customer_name)
    expiry: date | None = None if expires_on is None else validation.expiry(expires_on)
    bill = BillSend(
        bill_id=bid,
        send_type=BillSendSendType(kind),
        product_name=validation.text("product_name", product_name),
        price=amount,
        member_name=name,
        hash_=apply_digest(config.digest, preimage(bid, amount, mobile)),
        callback_url=validation.callback_url(callback_url),
        bill_issuer=UNSET if issuer is None else validation.text("issuer", issuer, _contract_v2.ISSUER_MAX),
        phone=UNSET if mobile is None else mobile,
        message=UNSET if message is None else validation.text("message", message),
        expire_dt=UNSET if expiry is None else expiry.isoformat(),
        page_redirect_url=UNSET if redirect_url is None else validation.redirect_url(redirect_url),
    )
    body = BillSendRequest(**_auth(config), bill=bill)
    made = call(
        config,
        "send_bill",
        bid,
        bill_send,
        body,
        SentBillModel,
        results.sent_bill,
        effect=True,
        personal=(name,),
        dialect=BILLS,
    )
    return Write(made, lambda: read(config, bid), judge_send(bid, amount))


def cancel(config: Config, bill_id: object, price: object, reason: object = None) -> Write[Cancellation]:
    """POST /bill/cancel: cancel a paid bill's approval, with a reason of at most 20 characters; 2-part hash."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    bill = BillCancel(
        bill_id=bid,
        price=amount,
        hash_=apply_digest(config.digest, preimage(bid, amount)),
        cancel_reason=UNSET if reason is None else validation.cancel_reason(reason),
    )
    body = BillCancelRequest(**_auth(config), bill=bill)
    made = call(
        config, "cancel_bill", bid, bill_cancel, body, CancelBill, results.cancellation, effect=True, dialect=BILLS
    )
    return Write(made, lambda: read(config, bid), judge_cancel(bid, amount))


def destroy(config: Config, bill_id: object, price: object) -> Write[Destruction]:
    """POST /bill/destroy: destroy an unpaid bill; the hash has two parts (a three-part one is refused)."""
    bid = validation.bill_id(bill_id)
    amount = validation.price(price)
    bill = BillPriced(bill_id=bid, price=amount, hash_=apply_digest(config.digest, preimage(bid, amount)))
    body = BillDestroyRequest(**_auth(config), bill=bill)
    made = call(
        config, "destroy_bill", bid, bill_destroy, body, BillResult, results.destruction, effect=True, dialect=BILLS
    )
    return Write(made, lambda: read(config, bid), judge_destroy(bid))


def resend(config: Config, bill_id: object) -> Call[Resend]:
    """POST /bill/resend: send an unpaid bill's KakaoTalk message again (it costs points again)."""
    bid = validation.bill_id(bill_id)
    body = BillKeyRequest(**_auth(config), bill=BillKey(bill_id=bid))
    return call(config, "resend_bill", bid, bill_resend, body, BillResult, results.resend, effect=True, dialect=BILLS)


def _balance(answer: PointsAnswer, _: str) -> PointBalance:
    data = answer.data
    if not isinstance(data, PointsData):
        raise FieldFormatError("data", "is missing: no balance")
    if type(data.balance) is not int:
        raise FieldFormatError("data.balance", f"is {type(data.balance).__name__}, not an integer")
    charge_url = data.charge_url if isinstance(data.charge_url, str) else None
    return PointBalance(balance=data.balance, charge_url=charge_url, message=results.envelope_message(answer))


def points(config: Config, *, merchant: bool) -> Call[PointBalance]:
    """POST /read/remain_count (the partner's points) or /read/merchant/remain_count (the sub-merchant's)."""
    if merchant:
        body: Any = MerchantPointsRequest(**_auth(config))
        endpoint: Any = read_merchant_remain_count
        operation = "merchant_point_balance"
    else:
        body = PointsRequest(api_key=config.apikey.reveal())
        endpoint = read_remain_count
        operation = "point_balance"
    return call(config, operation, "", endpoint, body, PointsAnswer, _balance, effect=False, dialect=POINTS)
