"""Incoming bodies checked against their shape: the contract's request schemas, and the control routes' own.

Anything off shape is refused before it can touch the ledger (HTTP 400); errors name the field, never its value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from payssam import validation
from payssam.errors import ValidationError

MAX_BODY = 1 << 20
EXPIRE_DT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FAULT_CODE = re.compile(r"[0-9]{4}")
OPERATIONS = ("send", "read", "cancel", "destroy", "resend")
PAY_TYPES = ("CARD_VAN", "KEYIN", "OFFLINE_CARD", "OFFLINE_CASH")
CARD_ISSUERS: dict[str, tuple[str, str]] = {
    "비씨카드": ("01", "910003"),
    "KB국민카드": ("02", "457973"),
    "하나카드": ("03", "459930"),
    "신한카드": ("04", "451842"),
    "삼성카드": ("05", "536181"),
    "현대카드": ("06", "433290"),
    "롯데카드": ("07", "467309"),
    "NH농협카드": ("08", "546112"),
}
"""Simulated card issuers: name -> (issuer code, first six digits of the card number)."""
DEFAULT_PAY_TYPE = "CARD_VAN"
DEFAULT_CARD_ISSUER = "신한카드"
DEFAULT_CASH_TRADER = "0"
MAX_INSTALLMENT = 36
MAX_FAULT_COUNT = 1000


@dataclass(frozen=True, slots=True)
class Auth:
    """The credentials a vendor body carries; the apikey stays out of repr."""

    apikey: str = field(repr=False)
    member: str
    merchant: str


@dataclass(frozen=True, slots=True)
class BillRequest:
    """read and resend: credentials and a bill id."""

    auth: Auth
    bill_id: str


@dataclass(frozen=True, slots=True)
class PricedRequest:
    """cancel and destroy: credentials, a bill id, its price and the two-part hash."""

    auth: Auth
    bill_id: str
    price: str
    hash: str


@dataclass(frozen=True, slots=True)
class SendRequest:
    """send: credentials and the bill; the customer's name and phone stay out of repr."""

    auth: Auth
    bill_id: str
    callback_url: str
    hash: str
    member_nm: str = field(repr=False)
    phone: str = field(repr=False)
    price: str
    product_nm: str
    bill_issuer: str | None
    message: str | None
    expire_dt: date | None


@dataclass(frozen=True, slots=True)
class Payment:
    """How the simulated customer pays (control route)."""

    pay_type: str = DEFAULT_PAY_TYPE
    card_issuer: str = DEFAULT_CARD_ISSUER
    installment_months: int = 0
    cash_trader: str = DEFAULT_CASH_TRADER


@dataclass(frozen=True, slots=True)
class Fault:
    """The next `count` calls of `operation` answer `code` (control route)."""

    operation: str
    code: str
    count: int = 1


def json_object(raw: bytes, content_type: str | None, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object: application/json, UTF-8, no NaN or Infinity; optional allows an empty body."""
    if optional and not raw.strip():
        return {}
    media_type, _, params = (content_type or "").partition(";")
    if media_type.strip().lower() != "application/json":
        raise ValidationError("Content-Type", "must be application/json")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise ValidationError("Content-Type", "charset must be UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("body", "is not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ValidationError("body", "is not JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    return data


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _present(data: dict[str, Any], name: str, prefix: str = "") -> object:
    if name not in data:
        raise ValidationError(prefix + name, "is missing")
    return data[name]


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, f"must be a string, not {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _not_blank(name: str, value: object, max_length: int | None = None) -> str:
    """minLength 1, pattern \\S and maxLength when the contract has one: the client's own rule."""
    return validation.text(name, _string(name, value), max_length)


def _bill_id(data: dict[str, Any], prefix: str = "") -> str:
    name = prefix + "bill_id"
    return validation.bill_id(_string(name, _present(data, "bill_id", prefix)), name)


def _price(data: dict[str, Any], prefix: str = "") -> str:
    name = prefix + "price"
    return validation.price(_string(name, _present(data, "price", prefix)), name)


def _hash(data: dict[str, Any], prefix: str = "") -> str:
    return _string(prefix + "hash", _present(data, "hash", prefix))


def auth(data: dict[str, Any]) -> Auth:
    """apikey 1..32 (never echoed), member and merchant 1..30."""
    apikey = _string("apikey", _present(data, "apikey"))
    return Auth(
        apikey=validation.credential("apikey", apikey, validation.APIKEY_MAX, secret=True),
        member=validation.credential("member", _string("member", _present(data, "member")), validation.MEMBER_MAX),
        merchant=validation.credential(
            "merchant", _string("merchant", _present(data, "merchant")), validation.MERCHANT_MAX
        ),
    )


def bill_request(data: dict[str, Any]) -> BillRequest:
    """BillReq (read) and BillReq3P (resend)."""
    return BillRequest(auth=auth(data), bill_id=_bill_id(data))


def priced_request(data: dict[str, Any]) -> PricedRequest:
    """ReqCancelBill (cancel) and DestroyBillReq (destroy)."""
    return PricedRequest(auth=auth(data), bill_id=_bill_id(data), price=_price(data), hash=_hash(data))


def expire_dt(value: object, name: str) -> date:
    """YYYY-MM-DD and a real calendar date."""
    text = _string(name, value)
    if not EXPIRE_DT.fullmatch(text):
        raise ValidationError(name, "must be YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(name, "is not a real date") from None


def send_request(data: dict[str, Any]) -> SendRequest:
    """SendBillReq: credentials at the top, the bill under `bill` (SendBill)."""
    credentials = auth(data)
    bill = _present(data, "bill")
    if not isinstance(bill, dict):
        raise ValidationError("bill", f"must be an object, not {_json_type(bill)}")
    prefix = "bill."
    optional = {name: bill[name] for name in ("bill_issuer", "message", "expire_dt") if name in bill}
    return SendRequest(
        auth=credentials,
        bill_id=_bill_id(bill, prefix),
        callback_url=validation.callback_url(
            _string(prefix + "callbackURL", _present(bill, "callbackURL", prefix)), prefix + "callbackURL"
        ),
        hash=_hash(bill, prefix),
        member_nm=_not_blank(prefix + "member_nm", _present(bill, "member_nm", prefix)),
        phone=validation.phone(_string(prefix + "phone", _present(bill, "phone", prefix)), prefix + "phone"),
        price=_price(bill, prefix),
        product_nm=_not_blank(prefix + "product_nm", _present(bill, "product_nm", prefix)),
        bill_issuer=(
            _not_blank(prefix + "bill_issuer", optional["bill_issuer"], validation.ISSUER_MAX)
            if "bill_issuer" in optional
            else None
        ),
        message=_not_blank(prefix + "message", optional["message"]) if "message" in optional else None,
        expire_dt=expire_dt(optional["expire_dt"], prefix + "expire_dt") if "expire_dt" in optional else None,
    )


def _only(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in data:
        if name not in allowed:
            raise ValidationError(name, f"is not a known field (known: {', '.join(allowed)})")


def _int(name: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(name, f"must be an integer, not {_json_type(value)}")
    if not low <= value <= high:
        raise ValidationError(name, f"must be between {low} and {high}")
    return value


def payment(data: dict[str, Any]) -> Payment:
    """The optional body of POST /_sim/bills/{bill_id}/pay; card fields and cash fields do not mix."""
    _only(data, ("pay_type", "card_issuer", "installment_months", "cash_trader"))
    pay_type = _string("pay_type", data.get("pay_type", DEFAULT_PAY_TYPE))
    if pay_type not in PAY_TYPES:
        raise ValidationError("pay_type", f"must be one of {', '.join(PAY_TYPES)}")
    cash = pay_type == "OFFLINE_CASH"
    for name in ("card_issuer", "installment_months") if cash else ("cash_trader",):
        if name in data:
            raise ValidationError(name, f"does not apply to {pay_type}")
    card_issuer = _string("card_issuer", data.get("card_issuer", DEFAULT_CARD_ISSUER))
    if card_issuer not in CARD_ISSUERS:
        raise ValidationError("card_issuer", f"must be one of {', '.join(CARD_ISSUERS)}")
    cash_trader = _string("cash_trader", data.get("cash_trader", DEFAULT_CASH_TRADER))
    if cash_trader not in ("0", "1"):
        raise ValidationError("cash_trader", 'must be "0" (individual) or "1" (business)')
    months = _int("installment_months", data.get("installment_months", 0), 0, MAX_INSTALLMENT)
    return Payment(pay_type=pay_type, card_issuer=card_issuer, installment_months=months, cash_trader=cash_trader)


def fault(data: dict[str, Any]) -> Fault:
    """The body of POST /_sim/faults: an operation, a 4-digit code other than 0000, a count (default 1)."""
    _only(data, ("operation", "code", "count"))
    operation = _string("operation", _present(data, "operation"))
    if operation not in OPERATIONS:
        raise ValidationError("operation", f"must be one of {', '.join(OPERATIONS)}")
    code = _string("code", _present(data, "code"))
    if not FAULT_CODE.fullmatch(code) or code == "0000":
        raise ValidationError("code", "must be 4 ASCII digits other than 0000")
    count = _int("count", data.get("count", 1), 1, MAX_FAULT_COUNT)
    return Fault(operation=operation, code=code, count=count)
