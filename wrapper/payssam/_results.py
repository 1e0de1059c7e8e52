"""Typed results built from the generated response models.

Each result types what a caller needs (state, money as int, times as aware
datetimes) and keeps the generated model as ``raw`` for everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypedDict

from payssam_api_client.models.approval import Approval
from payssam_api_client.models.bill_result import BillResult
from payssam_api_client.models.cancel_bill import CancelBill
from payssam_api_client.models.sent_bill import SentBill as SentBillModel
from payssam_api_client.types import Unset

from ._states import BillState, CashTrader, CodeEnum, PayType, from_code
from ._validation import KST
from ._validation import PRICE as AMOUNT

_SHORT_URL = re.compile(r"https?://[^\s]+")


class FieldFormatError(ValueError):
    """A field of an answer is not in its documented format."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name} {problem}")


@dataclass(frozen=True, slots=True)
class Payment:
    """A bill's payment as PaySsam describes it (the typed appr_* fields), in reads and in approvals."""

    bill_id: str
    state: BillState
    state_code: str | None
    price: int | None
    pay_type: PayType | None
    pay_type_code: str | None
    approved_at: datetime | None
    original_approved_at: datetime | None
    approval_number: str | None
    original_approval_number: str | None
    installment_months: int | None
    cash_trader: CashTrader | None
    cash_trader_code: str | None


@dataclass(frozen=True, slots=True)
class BillStatus(Payment):
    """A bill's payment state as read from PaySsam."""

    message: str
    raw: Approval = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Cancellation:
    """A cancel that took effect: the cancel's own approval number and time.

    recovered: the answer was lost and a read-back proved the cancel happened; then only what the read
    shows is filled (the original approval number), the rest is None and raw is None.
    """

    bill_id: str
    approval_number: str | None
    original_approval_number: str | None
    cancelled_at: datetime | None
    message: str
    raw: CancelBill | None = field(repr=False, compare=False)
    recovered: bool = False


@dataclass(frozen=True, slots=True)
class SentBill:
    """A send that took effect: the bill exists and its short URL went out by KakaoTalk.

    recovered: the answer was lost and a read-back proved the bill exists; its short URL, which only the
    lost answer carried, is then None (and raw is None).
    """

    bill_id: str
    short_url: str | None
    message: str
    raw: SentBillModel | None = field(repr=False, compare=False)
    recovered: bool = False


@dataclass(frozen=True, slots=True)
class Resend:
    """The answer to a successful resend: the KakaoTalk message went out again."""

    bill_id: str
    message: str
    raw: BillResult = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class PointBalance:
    """Prepaid points left (쌤포인트, API v2) and where whoever pays for them tops them up."""

    balance: int
    charge_url: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Destruction:
    """A destroy that took effect: the unpaid bill can no longer be paid.

    recovered: the answer was lost and a read-back proved the bill destroyed (raw is then None).
    """

    bill_id: str
    message: str
    raw: BillResult | None = field(repr=False, compare=False)
    recovered: bool = False


def optional(value: object) -> str | None:
    """A present, non-empty string (as an exact str), else None (the vendor may send "" for "not applicable")."""
    if value.__class__ is str:
        return value or None
    return str.__str__(value) or None if isinstance(value, str) else None


def parse_timestamp(name: str, value: str | Unset) -> datetime | None:
    """YYYYMMDDHHMMSS in Korea time as an aware datetime (sliced, not strptime: it is on every read)."""
    text = optional(value)
    if text is None:
        return None
    if len(text) != 14 or not text.isdigit() or not text.isascii():  # no regex: this runs twice on every read
        raise FieldFormatError(name, "is not YYYYMMDDHHMMSS")
    try:
        return datetime(
            int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:14]), 0, KST
        )
    except ValueError:
        raise FieldFormatError(name, "is not a valid date and time") from None


def parse_amount(name: str, value: str | Unset) -> int | None:
    """A digit string of at most 10 digits as an int."""
    text = optional(value)
    if text is None:
        return None
    if not AMOUNT.fullmatch(text):
        raise FieldFormatError(name, "is not 1 to 10 digits")
    return int(text)


def _code(kind: type[CodeEnum], value: str | Unset) -> tuple[CodeEnum | None, str | None]:
    text = optional(value)
    return (None, None) if text is None else (from_code(kind, text), text)


class HasMessage(Protocol):
    """The two names an envelope uses for its text (read only: each version's models declare their own Unset)."""

    @property
    def msg(self) -> object: ...

    @property
    def message(self) -> object: ...


def envelope_message(model: HasMessage) -> str:
    """The answer's text, from `msg` [3P] or `message` [DOC]."""
    return optional(model.msg) or optional(model.message) or ""


class ApprovalFields(Protocol):
    """The appr_* fields shared by the read answer and the approval callback."""

    appr_state: str | Unset
    appr_pay_type: str | Unset
    appr_price: str | Unset
    appr_dt: str | Unset
    appr_origin_dt: str | Unset
    appr_num: str | Unset
    appr_origin_num: str | Unset
    appr_monthly: str | Unset
    appr_cash_trader: str | Unset


class TypedApproval(TypedDict):
    """The typed form of ApprovalFields, as BillStatus and the callback's Approval carry it."""

    state: BillState
    state_code: str | None
    price: int | None
    pay_type: PayType | None
    pay_type_code: str | None
    approved_at: datetime | None
    original_approved_at: datetime | None
    approval_number: str | None
    original_approval_number: str | None
    installment_months: int | None
    cash_trader: CashTrader | None
    cash_trader_code: str | None


def approval_fields(model: ApprovalFields) -> TypedApproval:
    """Type the appr_* fields; a malformed one raises FieldFormatError naming it."""
    state, state_code = _code(BillState, model.appr_state)
    pay_type, pay_type_code = _code(PayType, model.appr_pay_type)
    cash_trader, cash_trader_code = _code(CashTrader, model.appr_cash_trader)
    return TypedApproval(
        state=state or BillState.UNKNOWN,
        state_code=state_code,
        price=parse_amount("appr_price", model.appr_price),
        pay_type=pay_type,
        pay_type_code=pay_type_code,
        approved_at=parse_timestamp("appr_dt", model.appr_dt),
        original_approved_at=parse_timestamp("appr_origin_dt", model.appr_origin_dt),
        approval_number=optional(model.appr_num),
        original_approval_number=optional(model.appr_origin_num),
        installment_months=parse_amount("appr_monthly", model.appr_monthly),
        cash_trader=cash_trader,
        cash_trader_code=cash_trader_code,
    )


def bill_status(model: Approval, bill_id: str) -> BillStatus:
    """Type a successful read answer."""
    return BillStatus(
        bill_id=bill_id,
        **approval_fields(model),
        message=envelope_message(model),
        raw=model,
    )


def cancellation(model: CancelBill, bill_id: str) -> Cancellation:
    """Type a successful cancel answer."""
    return Cancellation(
        bill_id=bill_id,
        approval_number=optional(model.appr_num),
        original_approval_number=optional(model.appr_origin_num),
        cancelled_at=parse_timestamp("appr_cancel_dt", model.appr_cancel_dt),
        message=envelope_message(model),
        raw=model,
    )


def sent_bill(model: SentBillModel, bill_id: str) -> SentBill:
    """Type a successful send answer; without its short URL the bill cannot be shared."""
    short_url = optional(model.short_url)
    if short_url is None or not _SHORT_URL.fullmatch(short_url):
        raise FieldFormatError("shortURL", "is missing or not an http(s) URL")
    return SentBill(bill_id=bill_id, short_url=short_url, message=envelope_message(model), raw=model)


def resend(model: BillResult, bill_id: str) -> Resend:
    """Type a successful resend answer."""
    return Resend(bill_id=bill_id, message=envelope_message(model), raw=model)


def destruction(model: BillResult, bill_id: str) -> Destruction:
    """Type a successful destroy answer."""
    return Destruction(bill_id=bill_id, message=envelope_message(model), raw=model)
