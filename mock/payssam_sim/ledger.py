"""The simulated bills and their lifecycle (W → F → C, W → D): pure logic behind one lock, no HTTP, no wire names.

Both API versions act on the same bills: a bill sent over v1 can be read, cancelled or destroyed over v2 and the
other way round. Each vendor operation returns an Outcome: its Status (OK, or why it was refused, found in the
order the vendor checks: credentials, v2 access, injected fault, hash, bill, state, price, points) and its facts
under the domain's own names (bill_id, short_url, state, pay_type, num, ...). Each version's wire module
(wire_v1.py, wire_v2.py) turns an Outcome into that version's code, text and field names.
"""

from __future__ import annotations

import hmac
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import NamedTuple

from .bodies import CARD_ISSUERS, TALK, Auth, BillRequest, Fault, Payment, PointsRequest, PricedRequest, SendRequest
from .contract import V1, V2
from .hashing import expected_hash
from .points import TALK_POINTS, Points

KST = timezone(timedelta(hours=9), "KST")
SUCCESS = "0000"
"""Success, in both API versions."""


class Status(StrEnum):
    """What an operation came to, whichever API version asked: OK, or why it was refused."""

    OK = SUCCESS
    CREDENTIALS = "credentials"
    """apikey, member or merchant is not the simulator's."""
    NOT_V2 = "not_v2"
    """The key is not enabled for v2 (a v2 call only)."""
    FAULT = "fault"
    """An injected fault: facts["code"] is the code to answer."""
    HASH = "hash"
    """The hash is not the one for the request's fields."""
    DUPLICATE = "duplicate"
    """The bill id is already used (in any state)."""
    EXPIRED = "expired"
    """The send's expiry date is already past in Korea."""
    UNKNOWN_BILL = "unknown_bill"
    STATE = "state"
    """The bill's state (facts["state"]) is not the one the operation acts on."""
    PRICE = "price"
    """The price is not the bill's."""
    NO_PHONE = "no_phone"
    """A resend of a bill sent with no phone: there is nowhere to send the KakaoTalk."""
    POINTS = "points"
    """The balance charged does not hold the points the send or resend costs (v2 only)."""


Facts = dict[str, str]


class Outcome(NamedTuple):
    """An operation's status and its facts under the domain's names (empty, or the detail of a refusal)."""

    status: Status
    facts: Facts


STATE_NAMES = {"W": "unpaid", "F": "paid", "C": "cancelled", "D": "destroyed"}
ACTS_ON = {"cancel": "F", "destroy": "W", "resend": "W"}
"""The one state each operation acts on: cancel a paid bill, destroy or resend an unpaid one."""
FIRST_APPROVAL_NUMBER = 30_000_001
FIRST_CASH_NUMBER = 100_000_001
CAT_ID = "1000000001"
CASH_SELF_ISSUANCE = "0100001234"
TIMESTAMP = "%Y%m%d%H%M%S"
CHARGE_PATH = "/_sim/points"
"""Where a balance's chargeUrl points: the control route that shows the balances (POST there tops them up)."""


def kst_now() -> datetime:
    """The current time in Korea (UTC+9), as the vendor stamps it."""
    return datetime.now(KST)


def refused(status: Status, **facts: str) -> Outcome:
    """A refusal and its detail."""
    return Outcome(status, dict(facts))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Credentials:
    """The partner credentials the simulator accepts, and whether the key is enabled for v2; the apikey stays out
    of repr."""

    apikey: str = field(repr=False)
    member: str
    merchant: str
    v2: bool = True
    """False for a v1-only key: every v2 call answers PARTNER_001 (some keys are not enabled for v2 [DOC])."""

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

    def accepts_key(self, apikey: str) -> bool:
        """The apikey matches (the partner's balance asks for nothing else), compared in constant time."""
        return _same(apikey, self.apikey)


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
    approval: Facts = field(default_factory=dict)
    cancel_num: str = ""
    cancel_dt: str = ""
    api: str = V1
    """The API version that sent it."""
    send_type: str = TALK
    has_phone: bool = True
    page_redirect_url: str | None = None
    """Where the payer lands after paying (v2)."""
    cancel_reason: str | None = None
    points_charged: int = 0
    """Points its send and resends cost (v2 calls only)."""

    def facts(self) -> Facts:
        """The state and the approval facts a read shows for it (a paid bill's approval; a cancelled bill's cancel)."""
        if self.state == "F":
            return {"state": "F", **self.approval}
        if self.state == "C":
            return {
                "state": "C",
                "pay_type": self.approval["pay_type"],
                "price": self.approval["price"],
                "dt": self.cancel_dt,
                "origin_dt": self.approval["dt"],
                "num": self.cancel_num,
                "origin_num": self.approval["num"],
            }
        return {"state": self.state}


@dataclass(frozen=True, slots=True)
class Paid:
    """A bill just paid: where its approval goes, the API version that sent it, and the approval's facts."""

    bill_id: str
    callback_url: str
    api: str
    apikey: str = field(repr=False)
    facts: Facts = field(repr=False)
    """The state (F) and the approval facts, as a read shows them."""


class Ledger:
    """The in-memory bills, the injected faults, the point balances and the number counters, all behind one lock."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], datetime] = kst_now,
        points: Points | None = None,
    ) -> None:
        self._credentials = credentials
        self._clock = clock
        self._points = Points() if points is None else points
        self._lock = threading.Lock()
        self._bills: dict[str, Bill] = {}
        self._faults: dict[tuple[str, str], deque[str]] = {}
        self._approval_numbers = itertools.count(FIRST_APPROVAL_NUMBER)
        self._cash_numbers = itertools.count(FIRST_CASH_NUMBER)

    def _admit(self, operation: str, api: str, accepted: bool) -> Outcome | None:
        """Foreign credentials, then a key not enabled for v2, then a pending injected fault; None: go on."""
        if not accepted:
            return refused(Status.CREDENTIALS)
        if api == V2 and not self._credentials.v2:
            return refused(Status.NOT_V2)
        pending = self._faults.get((api, operation))
        if pending:
            return refused(Status.FAULT, code=pending.popleft())
        return None

    def _gate(self, operation: str, auth: Auth) -> Outcome | None:
        return self._admit(operation, auth.api, self._credentials.accepts(auth))

    def _now(self) -> datetime:
        return self._clock().astimezone(KST)

    def _approval_number(self) -> str:
        return f"{next(self._approval_numbers) % 100_000_000:08d}"

    def send(self, request: SendRequest, site: str) -> Outcome:
        """Create the bill (W) and, for a TALK, "send" its KakaoTalk message; its short URL is on site
        (scheme://host). Over v2 the send costs points, charged only once everything else holds."""
        with self._lock:
            stop = self._gate("send", request.auth)
            if stop:
                return stop
            expected = expected_hash(request.bill_id, request.price, request.phone)
            if not _same(request.hash, expected):
                return refused(Status.HASH)
            if request.bill_id in self._bills:
                return refused(Status.DUPLICATE)
            if request.expire_dt is not None and request.expire_dt < self._now().date():
                return refused(Status.EXPIRED)
            merchant = request.auth.merchant
            cost = self._points.send_cost(request.send_type) if request.auth.api == V2 else 0
            if not self._points.can_pay(merchant, cost):
                return refused(Status.POINTS)
            short_url = f"{site}/_sim/b/{request.bill_id}"
            self._bills[request.bill_id] = Bill(
                bill_id=request.bill_id,
                price=request.price,
                product_nm=request.product_nm,
                callback_url=request.callback_url,
                short_url=short_url,
                expire_dt=request.expire_dt,
                messages_sent=1 if request.send_type == TALK else 0,
                api=request.auth.api,
                send_type=request.send_type,
                has_phone=request.phone is not None,
                page_redirect_url=request.page_redirect_url,
                points_charged=cost,
            )
            self._points.charge(merchant, cost)
            return Outcome(Status.OK, {"bill_id": request.bill_id, "short_url": short_url})

    def read(self, request: BillRequest) -> Outcome:
        """The bill's state and the approval facts that state has."""
        with self._lock:
            stop = self._gate("read", request.auth)
            if stop:
                return stop
            bill = self._bills.get(request.bill_id)
            if bill is None:
                return refused(Status.UNKNOWN_BILL)
            return Outcome(Status.OK, {"bill_id": bill.bill_id, **bill.facts()})

    def _acted_on(self, operation: str, request: BillRequest | PricedRequest) -> Bill | Outcome:
        """The bill the operation may change, or the answer refusing it, in the vendor's order of checks."""
        stop = self._gate(operation, request.auth)
        if stop:
            return stop
        if isinstance(request, PricedRequest) and not _same(
            request.hash, expected_hash(request.bill_id, request.price)
        ):
            return refused(Status.HASH)
        bill = self._bills.get(request.bill_id)
        if bill is None:
            return refused(Status.UNKNOWN_BILL)
        if bill.state != ACTS_ON[operation]:
            return refused(Status.STATE, state=bill.state)
        if isinstance(request, PricedRequest) and int(request.price) != int(bill.price):
            return refused(Status.PRICE)
        return bill

    def cancel(self, request: PricedRequest) -> Outcome:
        """F → C with a new cancel approval number (and the reason, if given); unpaid bills are destroyed instead."""
        with self._lock:
            bill = self._acted_on("cancel", request)
            if not isinstance(bill, Bill):
                return bill
            bill.state = "C"
            bill.cancel_num = self._approval_number()
            bill.cancel_dt = self._now().strftime(TIMESTAMP)
            bill.cancel_reason = request.cancel_reason
            return Outcome(
                Status.OK,
                {
                    "bill_id": bill.bill_id,
                    "num": bill.cancel_num,
                    "origin_num": bill.approval["num"],
                    "cancel_dt": bill.cancel_dt,
                },
            )

    def destroy(self, request: PricedRequest) -> Outcome:
        """W → D; a paid bill must be cancelled instead."""
        with self._lock:
            bill = self._acted_on("destroy", request)
            if not isinstance(bill, Bill):
                return bill
            bill.state = "D"
            return Outcome(Status.OK, {"bill_id": bill.bill_id})

    def resend(self, request: BillRequest) -> Outcome:
        """Send an unpaid bill's KakaoTalk message again (counted per bill); over v2 it costs a send's points."""
        with self._lock:
            bill = self._acted_on("resend", request)
            if not isinstance(bill, Bill):
                return bill
            if not bill.has_phone:
                return refused(Status.NO_PHONE)
            merchant = request.auth.merchant
            cost = TALK_POINTS if request.auth.api == V2 else 0
            if not self._points.can_pay(merchant, cost):
                return refused(Status.POINTS)
            self._points.charge(merchant, cost)
            bill.points_charged += cost
            bill.messages_sent += 1
            return Outcome(Status.OK, {"bill_id": bill.bill_id})

    def balance(self, request: PointsRequest, site: str) -> Outcome:
        """The partner's point balance (the apikey alone) or a sub-merchant's (all three credentials), and where to
        top it up (on site)."""
        with self._lock:
            if request.member is None or request.merchant is None:
                accepted = self._credentials.accepts_key(request.apikey)
            else:
                accepted = self._credentials.accepts(Auth(request.apikey, request.member, request.merchant, V2))
            stop = self._admit(request.operation, V2, accepted)
            if stop:
                return stop
            balance = self._points.balance(request.merchant)
            return Outcome(Status.OK, {"balance": str(balance), "charge_url": f"{site}{CHARGE_PATH}"})

    def pay(self, bill_id: str, payment: Payment) -> Paid:
        """The customer pays: W → F with the approval facts filled; raises for unknown or unpayable bills."""
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
            return Paid(
                bill_id=bill.bill_id,
                callback_url=bill.callback_url,
                api=bill.api,
                apikey=self._credentials.apikey,
                facts=bill.facts(),
            )

    def _approval(self, price: str, payment: Payment, now: datetime) -> Facts:
        number = self._approval_number()
        stamp = now.strftime(TIMESTAMP)
        facts = {
            "pay_type": payment.pay_type,
            "price": price,
            "dt": stamp,
            "origin_dt": stamp,
            "num": number,
            "origin_num": number,
            "res_cd": SUCCESS,
        }
        if payment.pay_type == "OFFLINE_CASH":
            facts["cash_num"] = f"{next(self._cash_numbers) % 1_000_000_000:09d}"
            facts["cash_trader"] = payment.cash_trader
            facts["cash_issuance_number"] = CASH_SELF_ISSUANCE
            return facts
        issuer_cd, bin6 = CARD_ISSUERS[payment.card_issuer]
        facts |= {
            "issuer": payment.card_issuer,
            "issuer_cd": issuer_cd,
            "issuer_num": f"{bin6[:4]}-{bin6[4:]}**-****-{number[-4:]}",
            "acquirer_cd": issuer_cd,
            "acquirer_nm": payment.card_issuer,
            "card_type": "신용",
            "monthly": f"{payment.installment_months:02d}",
            "cat_id": CAT_ID,
        }
        return facts

    def bill_ids(self) -> list[str]:
        """Every bill's id, oldest first."""
        with self._lock:
            return list(self._bills)

    def api(self, bill_id: str) -> str | None:
        """The API version that sent the bill, or None if there is no such bill."""
        with self._lock:
            bill = self._bills.get(bill_id)
            return None if bill is None else bill.api

    def view(self, bill_id: str) -> dict[str, object] | None:
        """What the control route shows about a bill (no personal data), or None.

        The approval facts carry v1's appr_ prefix, as they always have. A bill sent over v2 shows the version, its
        sendType, pageRedirectUrl, cancel reason and the points it cost too; a bill sent over v1 shows the layout of
        0.3 (no `api`), plus `cancel_reason` once a v2 cancel gave it one.
        """
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                return None
            appr = {f"appr_{name}": value for name, value in bill.facts().items() if name != "state"}
            view: dict[str, object] = {
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
            if bill.api == V2:
                view |= {
                    "api": bill.api,
                    "send_type": bill.send_type,
                    "page_redirect_url": bill.page_redirect_url,
                    "points_charged": bill.points_charged,
                }
            if bill.api == V2 or bill.cancel_reason is not None:
                view["cancel_reason"] = bill.cancel_reason
            return view

    def inject(self, fault: Fault) -> int:
        """Queue a fault for the next `count` calls of its operation over its API version; returns how many are
        pending for them."""
        with self._lock:
            pending = self._faults.setdefault((fault.api, fault.operation), deque())
            pending.extend([fault.code] * fault.count)
            return len(pending)

    def points(self) -> dict[str, object]:
        """The point balances, which one is charged, and the prices."""
        with self._lock:
            return self._points.view()

    def set_points(self, merchant: str | None, balance: int) -> None:
        """Set the partner's balance (merchant None) or a sub-merchant's."""
        with self._lock:
            self._points.set(merchant, balance)

    def reset(self) -> None:
        """Forget every bill and pending fault, balances back to their start; approval numbers keep counting so they
        stay unique."""
        with self._lock:
            self._bills.clear()
            self._faults.clear()
            self._points.reset()
