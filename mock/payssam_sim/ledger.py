"""The simulated bills and their lifecycle (W → F → C, W → D): pure logic behind one lock, no HTTP, no wire names.

Both API versions act on the same bills: a bill sent over v1 can be read, cancelled or destroyed over v2 and the
other way round. Each vendor operation returns an Outcome: its Status (OK, or why it was refused, found in the
order the vendor checks: credentials, v2 access, injected fault, hash, bill, state, price, points) and its facts
under the domain's own names (bill_id, short_url, state, pay_type, num, ...). Each version's wire module
(wire_v1.py, wire_v2.py) turns an Outcome into that version's code, text and field names.

Time (approval and cancel stamps, expiry) comes from the clock it is given: the simulator's simulated clock. Paying
(pay, payable) is the customer's side: the pay route, Simulator.pay and the bill page all go through it, with the
test cards and the installment rule of cards.py.
"""

from __future__ import annotations

import hmac
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from . import cards
from .bodies import CARD_ISSUERS, TALK, Auth, BillRequest, Fault, Payment, PointsRequest, PricedRequest, SendRequest
from .clock import KST as KST
from .clock import kst_now as kst_now
from .contract import V1, V2
from .hashing import expected_hash
from .points import TALK_POINTS, Points

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
PAGE_PATH = "/_sim/b/"
"""Where a bill's page is served (page.py): its short URL is this path and the bill id on the simulator's site."""
CHARGE_PATH = "/_sim/points"
"""Where a balance's chargeUrl points: the control route that shows the balances (POST there tops them up)."""
EXPIRED_READS = ("W", "D")
"""What a read answers for an unpaid bill past its expire_dt (open point): still W (the default), or D."""
REASONS: dict[str, tuple[str, str]] = {
    "unknown": ("청구서를 찾을 수 없습니다", "no such bill"),
    "paid": ("이미 결제된 청구서입니다", "already paid"),
    "cancelled": ("결제가 취소된 청구서입니다", "its payment was cancelled"),
    "destroyed": ("파기된 청구서입니다", "destroyed"),
    "expired": ("결제 기한이 지난 청구서입니다", "its last day to pay has passed"),
    "declined": ("카드 승인이 거절되었습니다", "the card was declined"),
    "installments": ("선택할 수 없는 할부 개월입니다", "installments not allowed"),
    "card": ("카드 번호가 올바르지 않습니다", "not a card number"),
    "reset": ("결제하는 동안 시뮬레이터가 초기화되었습니다", "the simulator was reset while this bill was being paid"),
}
"""Why a bill cannot be paid (payable(), NotPayableError.reason): the code -> (Korean, English), for pages."""
STATE_REASONS = {"F": "paid", "C": "cancelled", "D": "destroyed"}


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

    reason = "unknown"
    status = 404


class NotPayableError(Exception):
    """The bill cannot be paid as asked; nothing changed. reason: a REASONS code; status: the control route's HTTP
    status (409 for the bill's state or expiry, 402 for a declined card, 400 for installments or a card number).

    Reason "reset" (409) is the one case where something did happen: the bill was paid, then a reset wiped it while
    its approval was being delivered."""

    def __init__(self, reason: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class NotPaidError(Exception):
    """There is no approval to deliver again (Simulator.redeliver): the bill was never paid (reason "unpaid"), or
    the simulator was reset while its approval was being delivered (reason "reset"). status: the control route's
    HTTP status, 409."""

    status = 409

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


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
    bill_issuer: str | None = None
    """Who the bill is from, as the send named it (the bill page shows it)."""
    message: str | None = None
    """The send's text to the customer (the bill page shows it)."""
    cancel_reason: str | None = None
    points_charged: int = 0
    """Points its send and resends cost (v2 calls only)."""

    def expired(self, now: datetime) -> bool:
        """Unpaid and past the end of its expire_dt in Korea (valid until that midnight, KST)."""
        return self.state == "W" and self.expire_dt is not None and now.astimezone(KST).date() > self.expire_dt

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
        expired_read: str = "W",
    ) -> None:
        if expired_read not in EXPIRED_READS:
            raise ValueError(f"expired_read must be one of {', '.join(EXPIRED_READS)}")
        self._credentials = credentials
        self._clock = clock
        self._expired_read = expired_read
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

    def _state(self, bill: Bill, now: datetime) -> str:
        """The state vendor operations see: an expired unpaid bill reads as expired_read (W, or D)."""
        return self._expired_read if bill.expired(now) else bill.state

    def _facts(self, bill: Bill) -> Facts:
        """What a read shows: the bill's facts, under the state vendor operations see."""
        return {**bill.facts(), "state": self._state(bill, self._now())}

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
            short_url = f"{site}{PAGE_PATH}{request.bill_id}"
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
                bill_issuer=request.bill_issuer,
                message=request.message,
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
            return Outcome(Status.OK, {"bill_id": bill.bill_id, **self._facts(bill)})

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
        state = self._state(bill, self._now())
        if state != ACTS_ON[operation]:
            return refused(Status.STATE, state=state)
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

    def payable(self, bill_id: str) -> str | None:
        """None when the bill can be paid now, else why not: "unknown", or a REASONS code of its state or expiry."""
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                return "unknown"
            error = self._unpayable(bill)
            return None if error is None else error.reason

    def _unpayable(self, bill: Bill) -> NotPayableError | None:
        """Why the bill cannot be paid at all now (its state, its expiry), or None."""
        if bill.state != "W":
            return NotPayableError(STATE_REASONS[bill.state], f"bill is {bill.state}, not unpaid")
        if bill.expired(self._now()):
            assert bill.expire_dt is not None
            return NotPayableError(
                "expired", f"bill expired: its last day to pay, {bill.expire_dt.isoformat()}, has passed in Korea"
            )
        return None

    def pay(self, bill_id: str, payment: Payment) -> Paid:
        """The customer pays: W → F with the approval facts filled. Raises UnknownBillError, or NotPayableError (its
        reason and status say why) for a bill that cannot be paid now, a card number that is none, installments
        the amount does not allow, or a declined card; then nothing changes."""
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                raise UnknownBillError(bill_id)
            unpayable = self._unpayable(bill)
            if unpayable is not None:
                raise unpayable
            digits = _card(payment)
            _check_installments(int(bill.price), payment.installment_months)
            declined = None if digits is None else cards.decline(digits)
            if declined is not None:
                korean, english = declined
                raise NotPayableError("declined", f"card declined: {korean} ({english})", 402)
            now = self._now()
            bill.approval = self._approval(bill.price, payment, now, digits)
            bill.state = "F"
            return Paid(
                bill_id=bill.bill_id,
                callback_url=bill.callback_url,
                api=bill.api,
                apikey=self._credentials.apikey,
                facts=bill.facts(),
            )

    def _approval(self, price: str, payment: Payment, now: datetime, card: str | None) -> Facts:
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
            "issuer_num": cards.masked(bin6 + number[-4:] if card is None else card),
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
        0.3 (no `api`), plus `cancel_reason` once a v2 cancel gave it one. Either shows the bill_issuer and message
        its send gave, if any (what the bill page shows the customer).
        """
        with self._lock:
            bill = self._bills.get(bill_id)
            if bill is None:
                return None
            appr = {f"appr_{name}": value for name, value in bill.facts().items() if name != "state"}
            now = self._now()
            view: dict[str, object] = {
                "bill_id": bill.bill_id,
                "state": self._state(bill, now),
                "price": bill.price,
                "product_nm": bill.product_nm,
                "callback_url": bill.callback_url,
                "short_url": bill.short_url,
                "expire_dt": bill.expire_dt.isoformat() if bill.expire_dt else None,
                "expired": bill.expired(now),
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
            texts = {"bill_issuer": bill.bill_issuer, "message": bill.message}
            view |= {name: text for name, text in texts.items() if text is not None}
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


def _card(payment: Payment) -> str | None:
    """The card number's digits, or None when the payment names no card (NotPayableError "card" if malformed)."""
    if payment.card is None:
        return None
    try:
        return cards.card_digits(payment.card)
    except ValueError as exc:
        raise NotPayableError("card", str(exc), 400) from None


def _check_installments(price: int, months: int) -> None:
    """Months the amount allows: 0 (일시불), or 2 to 12 from 50,000 won (NotPayableError "installments")."""
    options = cards.installment_options(price)
    if months in options:
        return
    if price < cards.INSTALLMENT_MIN_PRICE and months:
        why = f"installments need an amount of {cards.INSTALLMENT_MIN_PRICE} won or more (this bill is {price} won)"
    else:
        why = f"must be 0 (일시불) or 2 to {cards.MAX_INSTALLMENT_MONTHS} months"
    raise NotPayableError("installments", f"installment_months: {why}", 400)
