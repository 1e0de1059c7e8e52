"""API v1 on the wire: its field names (snake_case, `bill_id`, `appr_*`), its flat answers and its four-digit codes.

request() turns a body already held to the v1 contract into the ledger's typed request; answer() turns the
ledger's Outcome into v1's `{code, msg, ...}`; approval() is the body of v1's approval callback. Nothing here
decides anything about a bill: the ledger does, for both versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .bodies import Auth, BillRequest, PointsRequest, PricedRequest, SendRequest, VendorRequest
from .contract import V1
from .ledger import SUCCESS, Facts, Outcome, Paid, Status

MESSAGES: dict[str, str] = {
    SUCCESS: "성공하였습니다.",
    "9999": "Failure while processing",
    "9800": "bill_id already used",
    "9970": "Bill already cancelled",
    "9971": "Bill already paid",
    "9980": "Bill not found",
    "9870": "Nothing to synchronise (callback URL error)",
    "5000": "System error",
    "1003": "Access denied for this user",
}
"""Every v1 code [DOC] and the simulator's text for it."""
STATE_CODES: dict[str, dict[str, tuple[str, str | None]]] = {
    "cancel": {
        "C": ("9970", None),
        "W": ("9999", "bill is unpaid: destroy it instead"),
        "D": ("9999", "bill is already destroyed"),
    },
    "destroy": {"F": ("9971", None), "C": ("9970", None), "D": ("9999", "bill is already destroyed")},
    "resend": {"F": ("9971", None), "C": ("9970", None), "D": ("9999", "bill is destroyed")},
}
"""What each operation answers for a bill in a state it cannot act on: (code, reason after 9999's text)."""
REFUSALS: dict[Status, tuple[str, str | None]] = {
    Status.CREDENTIALS: ("1003", None),
    Status.HASH: ("9999", "hash does not match"),
    Status.DUPLICATE: ("9800", None),
    Status.EXPIRED: ("9999", "expire_dt is already past in Korea time"),
    Status.UNKNOWN_BILL: ("9980", None),
    Status.PRICE: ("9999", "price does not match the bill"),
    Status.NO_PHONE: ("9999", "bill was sent without a phone: there is nowhere to resend it"),
    Status.NOT_V2: ("1003", None),
    Status.POINTS: ("9999", "points exhausted"),
}
"""The v1 code (and reason) of every refusal but a state or a fault (the last two never meet a v1 call: v1 calls
need no v2 access and cost no points)."""
APPROVAL_NAMES: dict[str, str] = {
    "state": "appr_state",
    "pay_type": "appr_pay_type",
    "price": "appr_price",
    "dt": "appr_dt",
    "origin_dt": "appr_origin_dt",
    "num": "appr_num",
    "origin_num": "appr_origin_num",
    "res_cd": "appr_res_cd",
    "issuer": "appr_issuer",
    "issuer_cd": "appr_issuer_cd",
    "issuer_num": "appr_issuer_num",
    "acquirer_cd": "appr_acquirer_cd",
    "acquirer_nm": "appr_acquirer_nm",
    "card_type": "appr_card_type",
    "monthly": "appr_monthly",
    "cat_id": "appr_cat_id",
    "cash_num": "appr_cash_num",
    "cash_trader": "appr_cash_trader",
    "cash_issuance_number": "appr_cash_issuance_number",
}
"""The ledger's approval facts under v1's names (a read's answer, the approval callback)."""


def message(code: str) -> str:
    """The msg for a code; an undocumented (injected) code gets a generic text."""
    return MESSAGES.get(code, f"Simulated error {code}")


def failure(code: str, reason: str | None = None) -> tuple[str, dict[str, object]]:
    """An error answer: the code's msg, with a short reason after 9999's."""
    text = message(code)
    return code, {"code": code, "msg": f"{text}: {reason}" if reason else text}


def auth(data: Mapping[str, Any]) -> Auth:
    """The credentials of a v1 body."""
    return Auth(apikey=data["apikey"], member=data["member"], merchant=data["merchant"], api=V1)


def request(operation: str, data: Mapping[str, Any]) -> VendorRequest:
    """A body the v1 contract accepts as the ledger's typed request."""
    if operation == "send":
        bill: Mapping[str, Any] = data["bill"]
        expire_dt = bill.get("expire_dt")
        return SendRequest(
            auth=auth(data),
            bill_id=bill["bill_id"],
            callback_url=bill["callbackURL"],
            hash=bill["hash"],
            member_nm=bill["member_nm"],
            phone=bill["phone"],
            price=bill["price"],
            product_nm=bill["product_nm"],
            bill_issuer=bill.get("bill_issuer"),
            message=bill.get("message"),
            expire_dt=None if expire_dt is None else date.fromisoformat(expire_dt),
        )
    if operation in ("cancel", "destroy"):
        return PricedRequest(auth=auth(data), bill_id=data["bill_id"], price=data["price"], hash=data["hash"])
    return BillRequest(auth=auth(data), bill_id=data["bill_id"])


def approval_fields(facts: Facts) -> dict[str, str]:
    """Approval facts under v1's names."""
    return {APPROVAL_NAMES[name]: value for name, value in facts.items()}


def answer(operation: str, request: VendorRequest, outcome: Outcome) -> tuple[str, dict[str, object]]:
    """The code and the whole answer body, as v1 gives them."""
    status, facts = outcome
    if status is not Status.OK:
        if status is Status.FAULT:
            return failure(facts["code"])
        if status is Status.STATE:
            return failure(*STATE_CODES[operation][facts["state"]])
        return failure(*REFUSALS[status])
    assert not isinstance(request, PointsRequest), "v1 has no point balances here"
    ok: dict[str, object] = {"code": SUCCESS, "msg": message(SUCCESS)}
    credentials = request.auth
    if operation == "send":
        echo = {"apikey": credentials.apikey, "member": credentials.member, "merchant": credentials.merchant}
        return SUCCESS, {**ok, **echo, "bill_id": facts["bill_id"], "shortURL": facts["short_url"]}
    if operation == "read":
        return SUCCESS, {**ok, "bill_id": facts["bill_id"], **approval_fields(_without(facts, "bill_id"))}
    if operation == "cancel":
        echo = {"apikey": credentials.apikey, "member": credentials.member, "merchant": credentials.merchant}
        cancel = {
            "appr_num": facts["num"],
            "appr_origin_num": facts["origin_num"],
            "appr_cancel_dt": facts["cancel_dt"],
        }
        return SUCCESS, {**ok, **echo, "bill_id": facts["bill_id"], **cancel}
    return SUCCESS, {**ok, "member": credentials.member, "merchant": credentials.merchant, "bill_id": facts["bill_id"]}


def approval(paid: Paid) -> dict[str, object]:
    """The approval callback's body in v1's form: apikey, bill_id, then the appr_* fields."""
    return {"apikey": paid.apikey, "bill_id": paid.bill_id, **approval_fields(paid.facts)}


def _without(facts: Facts, name: str) -> Facts:
    return {key: value for key, value in facts.items() if key != name}
