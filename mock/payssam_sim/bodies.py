"""Incoming bodies as typed requests: the vendor operations' (whichever API version carried them, already held to
its contract by its wire module), and the control routes' own.

Anything off shape is refused before it can touch the ledger (HTTP 400); errors name the field, never its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .clock import duration, instant
from .contract import PATHS, V1, V2, BodyError, json_type
from .delivery import DEFAULT_DELAY, DELAY, DELIVERIES, NORMAL

V1_FAULT_CODE = re.compile(r"[0-9]{4}")
V2_FAULT_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
"""A v2 code as the vendor writes them (ERROR, BILL_003, MAINTAINED_METHOD): the contract's Code, led by a letter."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
"""Where a lone UTF-16 surrogate could come from: a \\uD800-\\uDFFF escape (raw UTF-8 cannot carry one)."""
OPERATIONS = tuple(PATHS[V1])
"""v1's operations."""
V2_OPERATIONS = tuple(PATHS[V2])
"""v2's operations: v1's and the two point balances."""
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
MAX_INSTALLMENT = 99
"""The bound a pay body's installment_months is parsed within; which months a bill allows is the ledger's to say
(cards.installment_options: 0, or 2 to 12 from 50,000 won)."""
MAX_FAULT_COUNT = 1000
TALK = "TALK"
URL = "URL"
SEND_TYPES = (TALK, URL)
"""v2's sendType: TALK, PaySsam sends the bill by KakaoTalk; URL, only its link is answered. A v1 send is a TALK."""
CALLBACK_CASES = ("camel", "snake")
"""The forms a v2 bill's approval can take: v2's camelCase, or v1's snake_case."""
MAX_BALANCE = 2**31 - 1
"""The largest point balance: the contract's int32."""
MAX_MERCHANT = 60
"""A merchant code's length limit (v2)."""


@dataclass(frozen=True, slots=True)
class Auth:
    """The credentials a vendor body carries, and the API version that carried it (v2 needs a key enabled for it);
    the apikey stays out of repr."""

    apikey: str = field(repr=False)
    member: str
    merchant: str
    api: str = V1


@dataclass(frozen=True, slots=True)
class BillRequest:
    """read and resend: credentials and a bill id."""

    auth: Auth
    bill_id: str


@dataclass(frozen=True, slots=True)
class PricedRequest:
    """cancel and destroy: credentials, a bill id, its price and the two-part hash; a v2 cancel may give a reason."""

    auth: Auth
    bill_id: str
    price: str
    hash: str
    cancel_reason: str | None = None


@dataclass(frozen=True, slots=True)
class SendRequest:
    """send: credentials and the bill; the customer's name and phone stay out of repr.

    A v2 URL send may have no phone (its hash then has two parts); a v1 send is always a TALK.
    """

    auth: Auth
    bill_id: str
    callback_url: str
    hash: str
    member_nm: str = field(repr=False)
    phone: str | None = field(repr=False)
    price: str
    product_nm: str
    bill_issuer: str | None
    message: str | None
    expire_dt: date | None
    send_type: str = TALK
    page_redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class PointsRequest:
    """A v2 point balance: the partner's (the apiKey alone) or, with member and merchant, the sub-merchant's."""

    apikey: str = field(repr=False)
    member: str | None = None
    merchant: str | None = None

    @property
    def operation(self) -> str:
        """remain_count (the partner's balance) or merchant_remain_count (the sub-merchant's)."""
        return "remain_count" if self.merchant is None else "merchant_remain_count"


VendorRequest = SendRequest | BillRequest | PricedRequest | PointsRequest
"""Any vendor operation's typed request."""


@dataclass(frozen=True, slots=True)
class Payment:
    """How the simulated customer pays (control route)."""

    pay_type: str = DEFAULT_PAY_TYPE
    card_issuer: str = DEFAULT_CARD_ISSUER
    installment_months: int = 0
    cash_trader: str = DEFAULT_CASH_TRADER
    callback_case: str | None = None
    """camel or snake: the form of a v2 bill's approval (None: the simulator's setting)."""
    card: str | None = None
    """The card number typed (cards.py: test cards approve or decline); None pays with the issuer's card."""
    delivery: str = NORMAL
    """How the approval callback goes out: delivery.DELIVERIES."""
    delivery_delay: timedelta = DEFAULT_DELAY
    """delivery delay: simulated time before the first attempt."""


@dataclass(frozen=True, slots=True)
class Fault:
    """The next `count` calls of `operation` over `api` answer `code` (control route)."""

    operation: str
    code: str
    count: int = 1
    api: str = V1


@dataclass(frozen=True, slots=True)
class PointsSetting:
    """New point balances (control route): the partner's, a sub-merchant's, or both."""

    partner: int | None = None
    merchant: str | None = None
    balance: int | None = None


def json_object(raw: bytes, content_type: str | None, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object: application/json, UTF-8, no NaN or Infinity; optional allows an empty body.

    Any JSON object comes back, whatever its members hold; text with a lone surrogate escape (`"\\ud800"`),
    which is no Unicode text (RFC 7493), is refused here so nothing later has to encode it.
    """
    if not is_json(content_type):
        raise BodyError("Content-Type", "must be application/json (UTF-8)")
    if optional and not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("body", "is not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BodyError("body", "is not JSON") from None
    if not isinstance(data, dict):
        raise BodyError("body", "must be a JSON object")
    if _SURROGATE_ESCAPE.search(raw) and _lone_surrogate(data):
        raise BodyError("body", "has a lone surrogate escape (\\uD800 to \\uDFFF alone): not Unicode text")
    return data


def _lone_surrogate(data: object) -> bool:
    """Whether any text or member name in the decoded JSON holds a lone surrogate (it cannot be UTF-8)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except RecursionError:
        return True  # as deep as json.loads goes, too deep to look at: refused rather than trusted
    return False


def is_json(content_type: str | None) -> bool:
    """application/json, in UTF-8 if a charset is named."""
    media_type, _, params = (content_type or "").partition(";")
    if media_type.strip().lower() != "application/json":
        return False
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.IGNORECASE)
    return charset is None or charset.group(1).lower() in ("utf-8", "utf8")


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _present(data: Mapping[str, Any], name: str) -> object:
    if name not in data:
        raise BodyError(name, "is missing")
    return data[name]


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise BodyError(name, f"must be a string, not {json_type(value)}")
    return value


def _only(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in data:
        if name not in allowed:
            raise BodyError(name, f"is not a known field (known: {', '.join(allowed)})")


def _int(name: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BodyError(name, f"must be an integer, not {json_type(value)}")
    if not low <= value <= high:
        raise BodyError(name, f"must be between {low} and {high}")
    return value


def payment(data: dict[str, Any]) -> Payment:
    """The optional body of POST /_sim/bills/{bill_id}/pay; card fields and cash fields do not mix. callback_case
    (camel or snake) picks the form of a v2 bill's approval; delivery (and delivery_delay, seconds or an ISO 8601
    duration, for delay) how the approval is delivered. Whether the card, the months and the bill go together is
    the ledger's to say."""
    _only(
        data,
        (
            "pay_type",
            "card_issuer",
            "installment_months",
            "cash_trader",
            "callback_case",
            "card",
            "delivery",
            "delivery_delay",
        ),
    )
    pay_type = _string("pay_type", data.get("pay_type", DEFAULT_PAY_TYPE))
    if pay_type not in PAY_TYPES:
        raise BodyError("pay_type", f"must be one of {', '.join(PAY_TYPES)}")
    cash = pay_type == "OFFLINE_CASH"
    for name in ("card_issuer", "installment_months", "card") if cash else ("cash_trader",):
        if name in data:
            raise BodyError(name, f"does not apply to {pay_type}")
    card_issuer = _string("card_issuer", data.get("card_issuer", DEFAULT_CARD_ISSUER))
    if card_issuer not in CARD_ISSUERS:
        raise BodyError("card_issuer", f"must be one of {', '.join(CARD_ISSUERS)}")
    cash_trader = _string("cash_trader", data.get("cash_trader", DEFAULT_CASH_TRADER))
    if cash_trader not in ("0", "1"):
        raise BodyError("cash_trader", 'must be "0" (individual) or "1" (business)')
    months = _int("installment_months", data.get("installment_months", 0), 0, MAX_INSTALLMENT)
    case = data.get("callback_case")
    if case is not None and case not in CALLBACK_CASES:
        raise BodyError("callback_case", f"must be one of {', '.join(CALLBACK_CASES)}")
    card = None if "card" not in data else _string("card", data["card"])
    delivery = _string("delivery", data.get("delivery", NORMAL))
    if delivery not in DELIVERIES:
        raise BodyError("delivery", f"must be one of {', '.join(DELIVERIES)}")
    if "delivery_delay" in data and delivery != DELAY:
        raise BodyError("delivery_delay", f'applies to "delivery": "{DELAY}" only')
    try:
        delay = duration(data.get("delivery_delay", DEFAULT_DELAY), "delivery_delay")
    except ValueError as exc:
        raise BodyError("delivery_delay", str(exc).removeprefix("delivery_delay: ")) from None
    return Payment(
        pay_type=pay_type,
        card_issuer=card_issuer,
        installment_months=months,
        cash_trader=cash_trader,
        callback_case=case,
        card=card,
        delivery=delivery,
        delivery_delay=delay,
    )


def fault(data: dict[str, Any]) -> Fault:
    """The body of POST /_sim/faults: an operation, a code other than 0000, a count (default 1).

    The code's form says which API version it hits: four digits are a v1 code (5000, 9870) and hit v1 calls
    only; a v2 code (ERROR, PAYMENT_001, MAINTAINED_METHOD: capitals, digits and _, led by a letter) hits v2
    calls only. The point balances (remain_count, merchant_remain_count) are v2's alone.
    """
    _only(data, ("operation", "code", "count"))
    operation = _string("operation", _present(data, "operation"))
    if operation not in V2_OPERATIONS:
        raise BodyError("operation", f"must be one of {', '.join(V2_OPERATIONS)}")
    code = _string("code", _present(data, "code"))
    if V1_FAULT_CODE.fullmatch(code) and code != "0000":
        api = V1
    elif V2_FAULT_CODE.fullmatch(code):
        api = V2
    else:
        raise BodyError(
            "code", "must be a v1 code (4 ASCII digits other than 0000) or a v2 code (A-Z, 0-9 and _, led by a letter)"
        )
    if api == V1 and operation not in OPERATIONS:
        raise BodyError("operation", f"{operation} is a v2 operation: give it a v2 code")
    count = _int("count", data.get("count", 1), 1, MAX_FAULT_COUNT)
    return Fault(operation=operation, code=code, count=count, api=api)


def points(data: dict[str, Any]) -> PointsSetting:
    """The body of POST /_sim/points: `{"partner": N}`, `{"merchant": CODE, "balance": N}`, or both at once."""
    _only(data, ("partner", "merchant", "balance"))
    if "partner" not in data and "merchant" not in data:
        raise BodyError("body", "must name partner, merchant (with balance), or both")
    partner = None if "partner" not in data else _int("partner", data["partner"], 0, MAX_BALANCE)
    if ("merchant" in data) != ("balance" in data):
        raise BodyError("balance" if "merchant" in data else "merchant", "is missing: merchant and balance go together")
    if "merchant" not in data:
        return PointsSetting(partner=partner)
    merchant = _string("merchant", data["merchant"])
    if not merchant or len(merchant) > MAX_MERCHANT or not merchant.isprintable():
        raise BodyError("merchant", f"must be 1 to {MAX_MERCHANT} printable characters")
    balance = _int("balance", data["balance"], 0, MAX_BALANCE)
    return PointsSetting(partner=partner, merchant=merchant, balance=balance)


def clock(data: dict[str, Any]) -> timedelta | datetime:
    """The body of POST /_sim/clock: `{"advance": seconds or an ISO 8601 duration}` or `{"set": an ISO 8601 date
    and time with its offset}`, exactly one of them."""
    _only(data, ("advance", "set"))
    if len(data) != 1:
        raise BodyError("body", 'must name one of "advance" (seconds or a duration such as PT25H) or "set"')
    try:
        if "advance" in data:
            return duration(data["advance"], "advance")
        return instant(data["set"], "set")
    except ValueError as exc:
        name = "advance" if "advance" in data else "set"
        raise BodyError(name, str(exc).removeprefix(f"{name}: ")) from None
