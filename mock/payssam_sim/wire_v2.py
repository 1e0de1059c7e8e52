"""API v2 on the wire: camelCase fields under `bill`, answers in `{code, message, data}` (`data` null on errors), text
codes, and the approval callback in camelCase (or v1's snake_case, a setting).

request() turns a body already held to the v2 contract into the ledger's typed request; answer() turns the
ledger's Outcome into v2's envelope; approval() is the body of a v2 bill's approval callback. The drifts public
integrations guard against (the reference's §7) are switches, all off by default: an answer with one on is the
drift, not the contract. Nothing here decides anything about a bill: the ledger does, for both versions.

Where the vendor's code for a refusal is unknown, the simulator picks one; each such constant says so, and
fidelity.V2_OPEN_POINTS lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import wire_v1
from .bodies import TALK, Auth, BillRequest, PointsRequest, PricedRequest, SendRequest, VendorRequest
from .contract import V2, BodyError
from .ledger import SUCCESS, Facts, Outcome, Paid, Status

SUCCESS_TEXT = "성공하였습니다."
NOT_ENABLED = "PARTNER_001"
"""The key is not enabled for v2 [DOC]."""
INVALID_PARTNER = "PARTNER_003"
"""Not a valid partner [DOC]: a wrong apiKey. A wrong member or merchant answers it too [OPEN]: the vendor has 002
(key missing or malformed), 004 (sub-merchant mapping not found) and 005 (no such partner), and which it answers
for which is not known."""
HASH_MISMATCH = "VALIDATION_002"
"""해싱값을 확인하시기 바랍니다 [3Px2: A measured, C]."""
BILL_NOT_FOUND = "BILL_003"
"""청구서를 찾을 수 없습니다 [3Px1: C measured]."""
DUPLICATE_BILL_ID = "BILL_001"
"""A bill id already used (v1 9800) [OPEN]: no v2 code was ever seen for it; BILL_001 appears in C's fixtures with
no meaning attached, and is picked for this."""
WRONG_STATE = "BILL_006"
"""A bill not in a state the operation acts on. C's comment names it for a bill "not in a sendable state" (a resend
of a paid bill) [3Px1 C]; for a destroy of a paid bill, a cancel of an unpaid one, a cancel twice and the rest it
is [OPEN] (v1 tells them apart: 9970, 9971, 9999). Also a resend of a bill sent with no phone [OPEN]."""
WRONG_VALUE = "VALIDATION_001"
"""A price that is not the bill's (cancel, destroy), an expireDt already past [OPEN]: v1 answers 9999; C's fixtures
show VALIDATION_001 with no meaning attached, picked for these."""
POINTS_EXHAUSTED = "POINT_001"
"""The balance charged cannot pay the send or resend [3Px1 C]."""

MESSAGES: dict[str, str] = {
    SUCCESS: SUCCESS_TEXT,
    NOT_ENABLED: "v2 연동이 허용되지 않은 파트너입니다.",
    INVALID_PARTNER: "유효한 파트너가 아닙니다.",
    HASH_MISMATCH: "해싱값을 확인하시기 바랍니다.",
    BILL_NOT_FOUND: "청구서를 찾을 수 없습니다.",
    DUPLICATE_BILL_ID: "이미 사용된 청구서 ID입니다.",
    WRONG_STATE: "처리할 수 없는 상태의 청구서입니다.",
    WRONG_VALUE: "요청 값을 확인하시기 바랍니다.",
    POINTS_EXHAUSTED: "포인트가 부족합니다.",
    "ERROR": "알 수 없는 오류가 발생했습니다.",
    "PAYMENT_001": "VAN사 응답이 없습니다.",
    "PAYMENT_002": "은행 응답이 없습니다.",
    "MAINTAINED_METHOD": "점검 중입니다.",
}
"""The simulator's text for each v2 code it answers or an injected fault is likely to carry."""
CODES: dict[Status, tuple[str, str | None]] = {
    Status.CREDENTIALS: (INVALID_PARTNER, None),
    Status.NOT_V2: (NOT_ENABLED, None),
    Status.HASH: (HASH_MISMATCH, None),
    Status.DUPLICATE: (DUPLICATE_BILL_ID, None),
    Status.EXPIRED: (WRONG_VALUE, "expireDt is already past in Korea time"),
    Status.UNKNOWN_BILL: (BILL_NOT_FOUND, None),
    Status.PRICE: (WRONG_VALUE, "price does not match the bill"),
    Status.NO_PHONE: (WRONG_STATE, "bill was sent without a phone: there is nowhere to resend it"),
    Status.POINTS: (POINTS_EXHAUSTED, None),
}
"""The v2 code (and reason) of every refusal but a state or a fault."""
STATE_REASONS: dict[str, dict[str, str]] = {
    "cancel": {
        "W": "bill is unpaid: destroy it instead",
        "C": "bill is already cancelled",
        "D": "bill is destroyed",
    },
    "destroy": {"F": "bill is paid: cancel it instead", "C": "bill is cancelled", "D": "bill is already destroyed"},
    "resend": {"F": "bill is paid", "C": "bill is cancelled", "D": "bill is destroyed"},
}
"""Why each operation refuses a bill in each state it cannot act on (all WRONG_STATE)."""
APPROVAL_NAMES: dict[str, str] = {
    "state": "apprState",
    "pay_type": "apprPayType",
    "price": "apprPrice",
    "dt": "apprDt",
    "origin_dt": "apprOriginDt",
    "num": "apprNum",
    "origin_num": "apprOriginNum",
    "res_cd": "apprResCd",
    "issuer": "apprIssuer",
    "issuer_cd": "apprIssuerCd",
    "issuer_num": "apprIssuerNum",
    "acquirer_cd": "apprAcquirerCd",
    "acquirer_nm": "apprAcquirerNm",
    "card_type": "apprCardType",
    "monthly": "apprMonthly",
    "cat_id": "catId",
    "cash_num": "apprCashNum",
    "cash_trader": "apprCashTrader",
    "cash_issuance_number": "apprCashIssuanceNumber",
}
"""The ledger's approval facts under v2's names: v1's appr_* camelCased [INF]; the terminal id as A reads it."""

DRIFTS: dict[str, str] = {
    "msg": "the text as msg, not message (the vendor's request/response page)",
    "shortURL": "a send's link as shortURL (v1's spelling), not shortUrl (D)",
    "data.data": "the answer's fields one level deeper, in data.data (D)",
    "top-level": "the answer's fields at the top level, with no data (B's and F's fallbacks)",
    "numeric-apprPrice": "apprPrice as a JSON number, in reads and approvals (A reads it defensively)",
}
"""The answer drifts integrations guard against, by name: what each switch does."""
CALLBACK_CASES = ("camel", "snake")


@dataclass(frozen=True, slots=True)
class Drifts:
    """Which drifts are switched on (all off: the contract's own answers)."""

    msg: bool = False
    short_url: bool = False
    nested: bool = False
    top_level: bool = False
    numeric_price: bool = False

    @classmethod
    def named(cls, names: Iterable[str]) -> Drifts:
        """The drifts with these DRIFTS names on; ValueError for an unknown name or for data.data with top-level."""
        chosen = set(names)
        unknown = chosen - set(DRIFTS)
        if unknown:
            raise ValueError(f"unknown v2 drift {sorted(unknown)[0]!r}: known are {', '.join(DRIFTS)}")
        if {"data.data", "top-level"} <= chosen:
            raise ValueError("the v2 drifts data.data and top-level exclude each other")
        return cls(
            msg="msg" in chosen,
            short_url="shortURL" in chosen,
            nested="data.data" in chosen,
            top_level="top-level" in chosen,
            numeric_price="numeric-apprPrice" in chosen,
        )


def message(code: str) -> str:
    """The text for a code; any other (injected) code gets a generic one."""
    return MESSAGES.get(code, f"Simulated error {code}")


def auth(data: Mapping[str, Any]) -> Auth:
    """The credentials of a v2 body."""
    return Auth(apikey=data["apiKey"], member=data["member"], merchant=data["merchant"], api=V2)


def _expiry(bill: Mapping[str, Any]) -> date | None:
    """expireDt as a date: the contract's pattern allows a day the calendar lacks (2026-02-30), refused here."""
    text = bill.get("expireDt")
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BodyError("bill.expireDt", "is not a day in the calendar") from None


def request(operation: str, data: Mapping[str, Any]) -> VendorRequest:
    """A body the v2 contract accepts as the ledger's typed request; BodyError for what the contract cannot say (a
    TALK send needs a phone; a sub-merchant balance takes no bill; an expireDt must exist)."""
    if operation == "remain_count":
        return PointsRequest(apikey=data["apiKey"])
    if operation == "merchant_remain_count":
        if "bill" in data:
            raise BodyError("bill", "is not part of a balance request: send the envelope only (C measured a 400)")
        return PointsRequest(apikey=data["apiKey"], member=data["member"], merchant=data["merchant"])
    bill: Mapping[str, Any] = data["bill"]
    if operation == "send":
        phone = bill.get("phone")
        if bill["sendType"] == TALK and phone is None:
            raise BodyError("bill.phone", "is missing: a TALK send needs one (the KakaoTalk goes to it)")
        return SendRequest(
            auth=auth(data),
            bill_id=bill["billId"],
            callback_url=bill["callbackUrl"],
            hash=bill["hash"],
            member_nm=bill["memberName"],
            phone=phone,
            price=bill["price"],
            product_nm=bill["productName"],
            bill_issuer=bill.get("billIssuer"),
            message=bill.get("message"),
            expire_dt=_expiry(bill),
            send_type=bill["sendType"],
            page_redirect_url=bill.get("pageRedirectUrl"),
        )
    if operation in ("cancel", "destroy"):
        return PricedRequest(
            auth=auth(data),
            bill_id=bill["billId"],
            price=bill["price"],
            hash=bill["hash"],
            cancel_reason=bill.get("cancelReason"),
        )
    return BillRequest(auth=auth(data), bill_id=bill["billId"])


def approval_fields(facts: Facts, drifts: Drifts) -> dict[str, object]:
    """Approval facts under v2's names; apprPrice a number under the numeric-apprPrice drift."""
    fields: dict[str, object] = {APPROVAL_NAMES[name]: value for name, value in facts.items()}
    if drifts.numeric_price and "apprPrice" in fields:
        fields["apprPrice"] = int(facts["price"])
    return fields


def _data(operation: str, facts: Facts, drifts: Drifts) -> dict[str, object]:
    """A success's data."""
    if operation in ("remain_count", "merchant_remain_count"):
        return {"balance": int(facts["balance"]), "chargeUrl": facts["charge_url"]}
    bill_id = facts["bill_id"]
    if operation == "send":
        return {"shortURL" if drifts.short_url else "shortUrl": facts["short_url"], "billId": bill_id}
    if operation == "read":
        return {"billId": bill_id, **approval_fields({k: v for k, v in facts.items() if k != "bill_id"}, drifts)}
    if operation == "cancel":
        return {
            "billId": bill_id,
            "apprNum": facts["num"],
            "apprOriginNum": facts["origin_num"],
            "apprCancelDt": facts["cancel_dt"],
        }
    return {"billId": bill_id}


def envelope(code: str, text: str, data: dict[str, object] | None, drifts: Drifts) -> dict[str, object]:
    """`{code, message, data}`, or the drift switched on."""
    body: dict[str, object] = {"code": code, "msg" if drifts.msg else "message": text}
    if drifts.top_level:
        return {**body, **(data or {})}
    if drifts.nested and data is not None:
        return {**body, "data": {"data": data}}
    return {**body, "data": data}


def answer(operation: str, request: VendorRequest, outcome: Outcome, drifts: Drifts) -> tuple[str, dict[str, object]]:
    """The code and the whole answer body, as v2 gives them."""
    status, facts = outcome
    if status is Status.OK:
        return SUCCESS, envelope(SUCCESS, SUCCESS_TEXT, _data(operation, facts, drifts), drifts)
    if status is Status.FAULT:
        code, reason = facts["code"], None
    elif status is Status.STATE:
        code, reason = WRONG_STATE, STATE_REASONS[operation][facts["state"]]
    else:
        code, reason = CODES[status]
    text = message(code)
    return code, envelope(code, f"{text} ({reason})" if reason else text, None, drifts)


def approval(paid: Paid, case: str, drifts: Drifts) -> dict[str, object]:
    """A v2 bill's approval callback: camelCase (apiKey, billId, apprState, ...), or v1's snake_case form."""
    if case == "snake":
        body = wire_v1.approval(paid)
        if drifts.numeric_price:
            body["appr_price"] = int(paid.facts["price"])
        return body
    return {"apiKey": paid.apikey, "billId": paid.bill_id, **approval_fields(paid.facts, drifts)}
