"""The simulated bills and their lifecycle (W → F → C, W → D): pure logic behind one lock, no HTTP.

Each vendor operation returns (code, fields) in the order the vendor checks: credentials, injected fault, hash, bill.
"""

from __future__ import annotations

import hmac
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from .bodies import CARD_ISSUERS, Auth, BillRequest, Fault, Payment, PricedRequest, SendRequest
from .hashing import expected_hash

KST = timezone(timedelta(hours=9), "KST")
SUCCESS = "0000"
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
# What each operation answers for a bill in a state it cannot act on: (code, reason).
REFUSALS: dict[str, dict[str, tuple[str, str | None]]] = {
    "cancel": {
        "C": ("9970", None),
        "W": ("9999", "bill is unpaid: destroy it instead"),
        "D": ("9999", "bill is already destroyed"),
    },
    "destroy": {"F": ("9971", None), "C": ("9970", None), "D": ("9999", "bill is already destroyed")},
    "resend": {"F": ("9971", None), "C": ("9970", None), "D": ("9999", "bill is destroyed")},
}
STATE_NAMES = {"W": "unpaid", "F": "paid", "C": "cancelled", "D": "destroyed"}
FIRST_APPROVAL_NUMBER = 30_000_001
FIRST_CASH_NUMBER = 100_000_001
CAT_ID = "1000000001"
CASH_SELF_ISSUANCE = "0100001234"
TIMESTAMP = "%Y%m%d%H%M%S"

Fields = dict[str, str]
Outcome = tuple[str, Fields]


def kst_now() -> datetime:
    """The current time in Korea (UTC+9), as the vendor stamps it."""
    return datetime.now(KST)


def message(code: str) -> str:
    """The msg for a code; an undocumented (injected) code gets a generic text."""
    return MESSAGES.get(code, f"Simulated error {code}")


def failure(code: str, reason: str | None = None) -> Outcome:
    """An error answer: the code's msg, with a short reason after 9999's."""
    text = message(code)
    return code, {"msg": f"{text}: {reason}" if reason else text}


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Credentials:
    """The partner credentials the simulator accepts; the apikey stays out of repr."""

    apikey: str = field(repr=False)
    member: str
    merchant: str

    def __post_init__(self) -> None:
        for name in ("apikey", "member", "merchant"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or not value.isprintable():
                raise ValueError(f"{name} must be a non-empty printable string")

    def accepts(self, auth: Auth) -> bool:
        """All three match, compared in constant time (no short cut on the first mismatch)."""
        results = (
            _same(auth.apikey, self.apikey),
            _same(auth.member, self.member),
            _same(auth.merchant, self.merchant),
        )
        return all(results)


SANDBOX_CREDENTIALS = Credentials(
    apikey="TEST-API-KEY-TALK", member="TEST-MEMBER-FOR-API", merchant="TEST-MERCHANT-FOR-API"
)


class UnknownBillError(LookupError):
    """No bill with that id (control routes: HTTP 404)."""


class NotPayableError(Exception):
    """The bill cannot be paid now (control routes: HTTP 409)."""


@dataclass(slots=True)
class Bill:
    """One bill as the simulator keeps it: no customer name or phone, they are only needed for the hash."""

    bill_id: str
    price: str
    product_nm: str
    callback_url: str
    short_url: str
    expire_dt: date | None
    state: str = "W"
    messages_sent: int = 1
    approval: Fields = field(default_factory=dict)
    cancel_num: str = ""
    cancel_dt: str = ""

    def appr_fields(self) -> Fields:
        """The appr_* fields a read shows for the bill's state (appr_state included)."""
        if self.state == "F":
            return {"appr_state": "F", **self.approval}
        if self.state == "C":
            return {
                "appr_state": "C",
                "appr_pay_type": self.approval["appr_pay_type"],
                "appr_price": self.approval["appr_price"],
                "appr_dt": self.cancel_dt,
                "appr_origin_dt": self.approval["appr_dt"],
                "appr_num": self.cancel_num,
                "appr_origin_num": self.approval["appr_num"],
            }
        return {"appr_state": self.state}


@dataclass(frozen=True, slots=True)
class Paid:
    """A bill just paid: its callback URL and the approval body to POST there."""

    bill_id: str
    callback_url: str
    callback_body: dict[str, str] = field(repr=False)


class Ledger:
    """The in-memory bills, the injected faults and the number counters, all behind one lock."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], datetime] = kst_now,
    ) -> None:
        self._credentials = credentials
        self._clock = clock
        self._lock = threading.Lock()
        self._bills: dict[str, Bill] = {}
        self._faults: dict[str, deque[str]] = {}
        self._approval_numbers = itertools.count(FIRST_APPROVAL_NUMBER)
        self._cash_numbers = itertools.count(FIRST_CASH_NUMBER)

    def _gate(self, operation: str, auth: Auth) -> Outcome | None:
        """1003 for foreign credentials, else a pending injected fault, else None (go on)."""
        if not self._credentials.accepts(auth):
            return failure("1003")
        pending = self._faults.get(operation)
        if pending:
            return failure(pending.popleft())
        return None

    def _now(self) -> datetime:
        return self._clock().astimezone(KST)

    def _approval_number(self) -> str:
        return f"{next(self._approval_numbers) % 100_000_000:08d}"

    def send(self, request: SendRequest, site: str) -> Outcome:
        """Create the bill (W) and "send" its KakaoTalk message; answers its short URL on site (scheme://host)."""
        with self._lock:
            stop = self._gate("send", request.auth)
            if stop:
                return stop
            expected = expected_hash(request.bill_id, request.price, request.phone)
            if not _same(request.hash, expected):
                return failure("9999", "hash does not match")
            if request.bill_id in self._bills:
                return failure("9800")
            if request.expire_dt is not None and request.expire_dt < self._now().date():
                return failure("9999", "expire_dt is already past in Korea time")
            short_url = f"{site}/_sim/b/{request.bill_id}"
            self._bills[request.bill_id] = Bill(
                bill_id=request.bill_id,
                price=request.price,
                product_nm=request.product_nm,
                callback_url=request.callback_url,
                short_url=short_url,
                expire_dt=request.expire_dt,
            )
            return SUCCESS, {
                "msg": message(SUCCESS),
                "apikey": request.auth.apikey,
                "member": request.auth.member,
                "merchant": request.auth.merchant,
                "bill_id": request.bill_id,
                "shortURL": short_url,
            }

    def read(self, request: BillRequest) -> Outcome:
        """The bill's state and the appr_* fields that state has."""
        with self._lock:
            stop = self._gate("read", request.auth)
            if stop:
                return stop
            bill = self._bills.get(request.bill_id)
            if bill is None:
                return failure("9980")
            return SUCCESS, {"msg": message(SUCCESS), "bill_id": bill.bill_id, **bill.appr_fields()}

    def _acted_on(self, operation: str, request: BillRequest | PricedRequest) -> Bill | Outcome:
        """The bill the operation may change, or the answer refusing it, in the vendor's order of checks."""
        stop = self._gate(operation, request.auth)
        if stop:
            return stop
        if isinstance(request, PricedRequest) and not _same(
            request.hash, expected_hash(request.bill_id, request.price)
        ):
            return failure("9999", "hash does not match")
        bill = self._bills.get(request.bill_id)
        if bill is None:
            return failure("9980")
        refusal = REFUSALS[operation].get(bill.state)
        if refusal is not None:
            return failure(*refusal)
        if isinstance(request, PricedRequest) and int(request.price) != int(bill.price):
            return failure("9999", "price does not match the bill")
        return bill

    def cancel(self, request: PricedRequest) -> Outcome:
        """F → C with a new cancel approval number; unpaid bills are destroyed instead."""
        with self._lock:
            bill = self._acted_on("cancel", request)
            if not isinstance(bill, Bill):
                return bill
            bill.state = "C"
            bill.cancel_num = self._approval_number()
            bill.cancel_dt = self._now().strftime(TIMESTAMP)
            return SUCCESS, {
                "msg": message(SUCCESS),
                "apikey": request.auth.apikey,
                "member": request.auth.member,
                "merchant": request.auth.merchant,
                "bill_id": bill.bill_id,
                "appr_num": bill.cancel_num,
                "appr_origin_num": bill.approval["appr_num"],
                "appr_cancel_dt": bill.cancel_dt,
            }

    def destroy(self, request: PricedRequest) -> Outcome:
        """W → D; a paid bill must be cancelled instead (9971)."""
        with self._lock:
            bill = self._acted_on("destroy", request)
            if not isinstance(bill, Bill):
                return bill
            bill.state = "D"
            return SUCCESS, self._echo(request.auth, bill.bill_id)

    def resend(self, request: BillRequest) -> Outcome:
        """Send an unpaid bill's KakaoTalk message again (counted per bill)."""
        with self._lock:
            bill = self._acted_on("resend", request)
            if not isinstance(bill, Bill):
                return bill
            bill.messages_sent += 1
            return SUCCESS, self._echo(request.auth, bill.bill_id)

    @staticmethod
    def _echo(auth: Auth, bill_id: str) -> Fields:
        return {"msg": message(SUCCESS), "member": auth.member, "merchant": auth.merchant, "bill_id": bill_id}

    def pay(self, bill_id: str, payment: Payment) -> Paid:
        """The customer pays: W → F with the approval fields filled; raises for unknown or unpayable bills."""
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                raise UnknownBillError(bill_id)
            if bill.state != "W":
                raise NotPayableError(f"bill is {bill.state}, not unpaid")
            now = self._now()
            if bill.expire_dt is not None and now.date() > bill.expire_dt:
                raise NotPayableError(f"bill expired after {bill.expire_dt.isoformat()}")
            bill.approval = self._approval(bill.price, payment, now)
            bill.state = "F"
            body = {"apikey": self._credentials.apikey, "bill_id": bill.bill_id, **bill.appr_fields()}
            return Paid(bill_id=bill.bill_id, callback_url=bill.callback_url, callback_body=body)

    def _approval(self, price: str, payment: Payment, now: datetime) -> Fields:
        number = self._approval_number()
        stamp = now.strftime(TIMESTAMP)
        fields = {
            "appr_pay_type": payment.pay_type,
            "appr_price": price,
            "appr_dt": stamp,
            "appr_origin_dt": stamp,
            "appr_num": number,
            "appr_origin_num": number,
            "appr_res_cd": SUCCESS,
        }
        if payment.pay_type == "OFFLINE_CASH":
            fields["appr_cash_num"] = f"{next(self._cash_numbers) % 1_000_000_000:09d}"
            fields["appr_cash_trader"] = payment.cash_trader
            fields["appr_cash_issuance_number"] = CASH_SELF_ISSUANCE
            return fields
        issuer_cd, bin6 = CARD_ISSUERS[payment.card_issuer]
        fields |= {
            "appr_issuer": payment.card_issuer,
            "appr_issuer_cd": issuer_cd,
            "appr_issuer_num": f"{bin6[:4]}-{bin6[4:]}**-****-{number[-4:]}",
            "appr_acquirer_cd": issuer_cd,
            "appr_acquirer_nm": payment.card_issuer,
            "appr_card_type": "신용",
            "appr_monthly": f"{payment.installment_months:02d}",
            "appr_cat_id": CAT_ID,
        }
        return fields

    def bill_ids(self) -> list[str]:
        """Every bill's id, oldest first."""
        with self._lock:
            return list(self._bills)

    def view(self, bill_id: str) -> dict[str, object] | None:
        """What the control route shows about a bill (no personal data), or None."""
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                return None
            appr = bill.appr_fields()
            del appr["appr_state"]
            return {
                "bill_id": bill.bill_id,
                "state": bill.state,
                "price": bill.price,
                "product_nm": bill.product_nm,
                "callback_url": bill.callback_url,
                "short_url": bill.short_url,
                "expire_dt": bill.expire_dt.isoformat() if bill.expire_dt else None,
                "messages_sent": bill.messages_sent,
                **appr,
            }

    def inject(self, fault: Fault) -> int:
        """Queue a fault for the next `count` calls of its operation; returns how many are pending for it."""
        with self._lock:
            pending = self._faults.setdefault(fault.operation, deque())
            pending.extend([fault.code] * fault.count)
            return len(pending)

    def reset(self) -> None:
        """Forget every bill and pending fault; approval numbers keep counting so they stay unique."""
        with self._lock:
            self._bills.clear()
            self._faults.clear()
