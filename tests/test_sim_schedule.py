"""The approval callback on the simulated clock, the delivery variants, and paying with cards and installments.

The vendor retries an unacknowledged approval every hour for 24 hours: here a test moves the clock, and the
retries it passes are made in order before the move returns, so nothing waits on real time (the default interval,
an hour, never comes due by itself while a test runs). Receivers are in-process (httpx.MockTransport): no socket.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

import payssam_sim.clock
from payssam_sim import NotPaidError, NotPayableError, Simulator, UnknownBillError
from payssam_sim.cards import (
    APPROVING_CARD,
    DECLINING_CARD,
    INSTALLMENT_MIN_PRICE,
    card_digits,
    installment_options,
)
from payssam_sim.clock import KST
from payssam_sim.workers import Workers

from kit import APIKEY, MEMBER, MERCHANT, sha256, wait_for
from receivers import V1_ACK

PHONE = "01012345678"
PRICE = "10000"
CALLBACK = "https://partner.example/payssam/approval"
NOON = datetime(2027, 1, 15, 12, 0, tzinfo=KST)
REAL_NOW = datetime(2026, 12, 6, 12, 0, tzinfo=KST)
"""The real time while a test holds it still (fixture `still`)."""
AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
V2_AUTH = {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
HOUR = timedelta(hours=1)
WAIT = 60.0
"""Seconds a thread is given to get somewhere: a generous bound, never a measurement."""


class Receiver:
    """An in-process callback receiver: acknowledges from attempt `ack_from` on (None: never), and notes the
    simulated time and body of every approval it gets."""

    def __init__(self, ack_from: int | None = 1) -> None:
        self.ack_from = ack_from
        self.sim: Simulator | None = None
        self.seen: list[tuple[datetime, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.sim is not None
        self.seen.append((self.sim.clock.now(), json.loads(request.content)))
        if self.ack_from is not None and len(self.seen) >= self.ack_from:
            return httpx.Response(200, content=V1_ACK)
        return httpx.Response(503)

    @property
    def bill_ids(self) -> list[str]:
        return [body.get("bill_id", body.get("billId")) for _, body in self.seen]


class Lane:
    """A simulator (callbacks to the receiver, the vendor's hour and 24 retries) and an in-process client."""

    def __init__(self, receiver: Receiver, **settings: Any) -> None:
        self.receiver = receiver
        self.sim = Simulator(
            clock_start=NOON, callback_transport=httpx.MockTransport(receiver), callback_timeout=30, **settings
        )
        receiver.sim = self.sim
        self.http = httpx.Client(transport=self.sim.transport(), base_url="http://127.0.0.1")
        self._ids = iter(range(1, 10_000))

    def send(self, price: str = PRICE, *, v2: bool = False) -> str:
        bill_id = f"1234567890S{next(self._ids):09d}"
        if v2:
            bill = {
                "billId": bill_id,
                "sendType": "TALK",
                "productName": "1월 수강료",
                "price": price,
                "memberName": "홍길동",
                "phone": PHONE,
                "hash": sha256(bill_id, PHONE, price),
                "callbackUrl": CALLBACK,
            }
            answer = self.http.post("/bill", json={**V2_AUTH, "bill": bill}).json()
        else:
            bill = {
                "bill_id": bill_id,
                "callbackURL": CALLBACK,
                "hash": sha256(bill_id, PHONE, price),
                "member_nm": "홍길동",
                "phone": PHONE,
                "price": price,
                "product_nm": "1월 수강료",
            }
            answer = self.http.post("/if/bill/send", json={**AUTH, "bill": bill}).json()
        assert answer["code"] == "0000", answer
        return bill_id

    def read(self, bill_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.post("/if/bill/read", json={**AUTH, "bill_id": bill_id}).json()
        return answer

    def cancel(self, bill_id: str, price: str = PRICE) -> dict[str, Any]:
        body = {**AUTH, "bill_id": bill_id, "price": price, "hash": sha256(bill_id, price)}
        answer: dict[str, Any] = self.http.post("/if/bill/cancel", json=body).json()
        return answer

    def view(self, bill_id: str) -> dict[str, Any]:
        view = self.sim.bill(bill_id)
        assert view is not None
        return view

    def delivery(self, bill_id: str) -> dict[str, Any]:
        callback: dict[str, Any] = self.view(bill_id)["callback"]
        return callback

    def pay(self, bill_id: str, **payment: Any) -> httpx.Response:
        return self.http.post(f"/_sim/bills/{bill_id}/pay", json=payment)


@pytest.fixture
def still(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real time stands still: the simulated clock moves only when a test moves it, so waits are exact figures."""
    monkeypatch.setattr(payssam_sim.clock, "kst_now", lambda: REAL_NOW)


@pytest.fixture
def make() -> Iterator[Callable[..., Lane]]:
    lanes: list[Lane] = []

    def start(ack_from: int | None = 1, **settings: Any) -> Lane:
        lane = Lane(Receiver(ack_from), **settings)
        lanes.append(lane)
        return lane

    yield start
    for lane in lanes:
        lane.http.close()
        lane.sim.close()


def send_v1(sim: Simulator, bill_id: str = "1234567890H000000001") -> str:
    """Send one v1 bill to the simulator in-process; its id."""
    bill = {
        "bill_id": bill_id,
        "callbackURL": CALLBACK,
        "hash": sha256(bill_id, PHONE, PRICE),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "1월 수강료",
    }
    with httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1") as http:
        assert http.post("/if/bill/send", json={**AUTH, "bill": bill}).json()["code"] == "0000"
    return bill_id


def stamps(view: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(attempt["at"]) for attempt in view["callback_attempts"]]


GAVE_UP = {"attempts": 25, "acknowledged": False, "gave_up": True, "last_error": "HTTP 503", "next_attempt_in": None}
ACKNOWLEDGED_ONCE = {"attempts": 1, "acknowledged": True, "gave_up": False, "last_error": None, "next_attempt_in": None}


# --------------------------------------------------------------------------- the vendor's schedule


@pytest.mark.usefixtures("still")
def test_advancing_25_hours_makes_24_hourly_retries_and_then_none(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    first = lane.sim.pay(bill_id)["callback"]
    assert first == {
        "attempts": 1,
        "acknowledged": False,
        "gave_up": False,
        "last_error": "HTTP 503",
        "next_attempt_in": 3600,
    }

    lane.sim.clock.advance(timedelta(hours=25))
    assert lane.delivery(bill_id) == GAVE_UP
    view = lane.view(bill_id)
    kinds = [attempt["kind"] for attempt in view["callback_attempts"]]
    assert kinds == ["first"] + ["retry"] * 24
    assert [attempt["attempt"] for attempt in view["callback_attempts"]] == list(range(1, 26))
    assert not any(attempt["acknowledged"] for attempt in view["callback_attempts"])
    at = stamps(view)
    gaps = [later - earlier for earlier, later in pairwise(at)]
    assert gaps == [HOUR] * 24  # an hour after the attempt before ended: exactly an hour apart
    assert len(lane.receiver.seen) == 25
    seen = [when for when, _ in lane.receiver.seen]
    assert seen[0] >= at[0]
    to_the_millisecond = [when.replace(microsecond=when.microsecond // 1000 * 1000) for when in seen]
    assert to_the_millisecond[1:] == at[1:]  # the clock stands at each retry's instant while it is made
    bodies = [body for _, body in lane.receiver.seen]
    assert all(body == bodies[0] for body in bodies)

    lane.sim.clock.advance(timedelta(days=3))
    assert len(lane.receiver.seen) == 25
    assert lane.delivery(bill_id) == GAVE_UP


@pytest.mark.usefixtures("still")
def test_retries_come_one_by_one_as_the_clock_passes_each_hour(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.sim.clock.advance(timedelta(minutes=30))
    assert len(lane.receiver.seen) == 1
    for hour in range(1, 4):
        lane.sim.clock.advance(HOUR)
        assert len(lane.receiver.seen) == 1 + hour
        assert lane.delivery(bill_id)["attempts"] == 1 + hour
        assert lane.delivery(bill_id)["next_attempt_in"] == 1800


def test_set_runs_the_retries_it_passes_like_advance(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    paid_at = stamps(lane.view(bill_id))[0]
    lane.sim.clock.set(paid_at + timedelta(hours=10, minutes=30))
    assert lane.delivery(bill_id)["attempts"] == 11


def test_the_control_route_moves_the_schedule_too(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    assert lane.pay(bill_id).status_code == 200
    assert lane.http.post("/_sim/clock", json={"advance": "PT25H"}).status_code == 200
    assert lane.http.get(f"/_sim/bills/{bill_id}").json()["callback"] == GAVE_UP


def test_an_acknowledging_receiver_gets_one_attempt(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    assert lane.sim.pay(bill_id)["callback"] == ACKNOWLEDGED_ONCE
    lane.sim.clock.advance(timedelta(hours=25))
    assert len(lane.receiver.seen) == 1
    assert lane.delivery(bill_id) == ACKNOWLEDGED_ONCE
    [attempt] = lane.view(bill_id)["callback_attempts"]
    assert (attempt["kind"], attempt["acknowledged"], attempt["outcome"]) == ("first", True, "acknowledged")
    assert datetime.fromisoformat(attempt["at"]).date() == NOON.date()


def test_retries_stop_at_the_acknowledgement(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=3)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.sim.clock.advance(timedelta(hours=25))
    assert lane.delivery(bill_id) == {
        "attempts": 3,
        "acknowledged": True,
        "gave_up": False,
        "last_error": None,
        "next_attempt_in": None,
    }
    at = stamps(lane.view(bill_id))
    assert at[1] - at[0] >= HOUR
    assert at[2] - at[1] == HOUR


def test_several_bills_retry_in_the_order_their_attempts_fall_due(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None, callback_retries=2)
    early = lane.send()
    lane.sim.pay(early)
    lane.sim.clock.advance(timedelta(minutes=20))
    late = lane.send()
    lane.sim.pay(late)
    lane.sim.clock.advance(timedelta(hours=5))
    assert lane.receiver.bill_ids == [early, late, early, late, early, late]
    seen = [when for when, _ in lane.receiver.seen]
    assert seen == sorted(seen)


def test_redeliver_still_delivers_at_once_and_keeps_the_schedule(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.sim.clock.advance(timedelta(hours=30))
    assert lane.delivery(bill_id)["gave_up"] is True
    lane.receiver.ack_from = 1
    answer = lane.http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()
    assert answer["callback"]["attempts"] == 26
    assert answer["callback"]["acknowledged"] is True
    assert answer["bill"]["callback_attempts"][-1]["kind"] == "redelivery"


def test_reset_forgets_pending_retries(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    assert lane.http.post("/_sim/reset", json={}).status_code == 200
    lane.sim.clock.advance(timedelta(hours=25))
    assert len(lane.receiver.seen) == 1


def test_a_short_real_interval_still_retries_in_real_time(make: Callable[..., Lane]) -> None:
    """callback_retry_interval keeps its meaning: seconds between retries, which the clock, running with real time,
    brings due by itself."""
    lane = make(ack_from=2, callback_retry_interval=0.05)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    wait_for(lambda: lane.delivery(bill_id)["acknowledged"], timeout=60)
    assert lane.delivery(bill_id)["attempts"] == 2
    assert [a["kind"] for a in lane.view(bill_id)["callback_attempts"]] == ["first", "retry"]


# --------------------------------------------------------------------------- delivery variants


def test_duplicate_delivers_the_same_approval_twice(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    callback = lane.sim.pay(bill_id, delivery="duplicate")["callback"]
    assert callback == {**ACKNOWLEDGED_ONCE, "attempts": 2}
    first, second = (body for _, body in lane.receiver.seen)
    assert first == second
    assert [a["kind"] for a in lane.view(bill_id)["callback_attempts"]] == ["first", "duplicate"]
    lane.sim.clock.advance(timedelta(hours=25))
    assert len(lane.receiver.seen) == 2


def test_duplicate_unacknowledged_keeps_one_schedule(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    assert lane.pay(bill_id, delivery="duplicate").json()["callback"]["attempts"] == 2
    lane.sim.clock.advance(timedelta(hours=25))
    assert lane.delivery(bill_id) == {**GAVE_UP, "attempts": 26}  # the duplicate, then one chain of 24 retries


@pytest.mark.usefixtures("still")
def test_delay_holds_the_first_attempt_for_simulated_time(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    callback = lane.pay(bill_id, delivery="delay", delivery_delay="PT1H").json()["callback"]
    assert (callback["attempts"], callback["acknowledged"], callback["gave_up"]) == (0, False, False)
    assert callback["next_attempt_in"] == 3600
    assert lane.read(bill_id)["appr_state"] == "F"  # paid, the approval not yet pushed
    lane.sim.clock.advance(timedelta(minutes=30))
    assert lane.receiver.seen == []
    lane.sim.clock.advance(timedelta(minutes=30))
    assert len(lane.receiver.seen) == 1
    assert lane.delivery(bill_id) == ACKNOWLEDGED_ONCE
    [attempt] = lane.view(bill_id)["callback_attempts"]
    assert attempt["kind"] == "first"


@pytest.mark.usefixtures("still")
def test_delay_defaults_to_ten_minutes_and_takes_seconds(make: Callable[..., Lane]) -> None:
    lane = make()
    default, seconds = lane.send(), lane.send()
    assert lane.sim.pay(default, delivery="delay")["callback"]["next_attempt_in"] == 600
    assert lane.sim.pay(seconds, delivery="delay", delivery_delay=90)["callback"]["next_attempt_in"] == 90


def test_an_approval_delayed_past_its_cancel_arrives_after_it(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    lane.sim.pay(bill_id, delivery="delay", delivery_delay=timedelta(minutes=5))
    assert lane.cancel(bill_id)["code"] == "0000"
    lane.sim.clock.advance(timedelta(minutes=5))
    [(_, approval)] = lane.receiver.seen
    assert approval["appr_state"] == "F"
    assert lane.read(bill_id)["appr_state"] == "C"


def test_out_of_order_holds_an_approval_until_the_next_one_is_delivered(make: Callable[..., Lane]) -> None:
    lane = make()
    first, second, third = lane.send(), lane.send(), lane.send()
    held = lane.pay(first, delivery="out_of_order").json()["callback"]
    assert (held["attempts"], held["gave_up"]) == (0, False)
    assert "out_of_order" in held["last_error"]
    lane.sim.pay(second, delivery="out_of_order")
    lane.sim.clock.advance(timedelta(hours=25))
    assert lane.receiver.seen == []  # held, not scheduled
    lane.sim.pay(third)
    assert lane.receiver.bill_ids == [third, second, first]
    for bill_id in (first, second, third):
        assert lane.delivery(bill_id) == ACKNOWLEDGED_ONCE


def test_none_never_delivers_until_redelivered(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    callback = lane.pay(bill_id, delivery="none").json()["callback"]
    assert callback == {
        "attempts": 0,
        "acknowledged": False,
        "gave_up": True,
        "last_error": "not delivered: the payment asked for no callback (delivery none)",
        "next_attempt_in": None,
    }
    lane.sim.clock.advance(timedelta(hours=25))
    other = lane.send()
    lane.sim.pay(other)
    assert lane.receiver.bill_ids == [other]
    assert lane.http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()["callback"]["acknowledged"] is True
    assert lane.receiver.bill_ids == [other, bill_id]


def test_callback_case_picks_a_v2_approvals_form(make: Callable[..., Lane]) -> None:
    lane = make()
    snake, camel = lane.send(v2=True), lane.send(v2=True)
    lane.sim.pay(snake, callback_case="snake")
    lane.sim.pay(camel)
    (_, snake_body), (_, camel_body) = lane.receiver.seen
    assert (snake_body["bill_id"], camel_body["billId"]) == (snake, camel)


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"delivery": "twice"}, "delivery"),
        ({"delivery": "normal", "delivery_delay": 5}, "delivery_delay"),
        ({"delivery": "delay", "delivery_delay": -5}, "delivery_delay"),
        ({"delivery": "delay", "delivery_delay": "soon"}, "delivery_delay"),
        ({"card": 9410000000000001}, "card"),
        ({"pay_type": "OFFLINE_CASH", "card": APPROVING_CARD}, "card"),
    ],
)
def test_bad_delivery_or_card_members_are_400_and_change_nothing(
    make: Callable[..., Lane], payment: dict[str, Any], field: str
) -> None:
    lane = make()
    bill_id = lane.send()
    answer = lane.pay(bill_id, **payment)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"{field}: ")
    assert lane.read(bill_id)["appr_state"] == "W"
    assert lane.receiver.seen == []


# --------------------------------------------------------------------------- cards and installments


def test_the_approving_card_pays_and_shows_in_the_approval(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    answer = lane.pay(bill_id, card=APPROVING_CARD)
    assert answer.status_code == 200
    read = lane.read(bill_id)
    assert read["appr_state"] == "F"
    assert read["appr_pay_type"] == "CARD_VAN"
    assert read["appr_issuer_num"] == "9410-00**-****-0001"
    assert read["appr_monthly"] == "00"
    assert len(read["appr_num"]) == 8
    assert APPROVING_CARD not in json.dumps(lane.view(bill_id))
    [(_, approval)] = lane.receiver.seen
    assert approval["appr_issuer_num"] == "9410-00**-****-0001"


def test_the_declining_card_changes_nothing_and_pushes_nothing(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    answer = lane.pay(bill_id, card=DECLINING_CARD)
    assert answer.status_code == 402
    assert "한도 초과" in answer.json()["error"]
    with pytest.raises(NotPayableError) as declined:
        lane.sim.pay(bill_id, card="9410 0000 0000 0002")
    assert (declined.value.reason, declined.value.status) == ("declined", 402)
    assert lane.read(bill_id)["appr_state"] == "W"
    assert lane.view(bill_id)["callback"] is None
    assert lane.receiver.seen == []
    assert lane.sim.pay(bill_id, card=APPROVING_CARD)["bill"]["state"] == "F"


@pytest.mark.parametrize("card", ["1234", "9410-0000-0000-000X", "9410--0000", "9410 0000 0000 0000 0001", "", " "])
def test_a_card_number_that_is_none_is_400(make: Callable[..., Lane], card: str) -> None:
    lane = make()
    bill_id = lane.send()
    answer = lane.pay(bill_id, card=card)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("card: ")
    assert card.strip() == "" or card not in answer.json()["error"]
    with pytest.raises(NotPayableError) as refused:
        lane.sim.pay(bill_id, card=card)
    assert (refused.value.reason, refused.value.status) == ("card", 400)
    assert lane.read(bill_id)["appr_state"] == "W"


def test_card_digits_takes_spaces_and_hyphens() -> None:
    assert card_digits(APPROVING_CARD) == "9410000000000001"
    assert card_digits(" 9410 0000 0000 0001 ") == "9410000000000001"
    assert card_digits("94100000000001") == "94100000000001"
    with pytest.raises(ValueError, match="card"):
        card_digits("9410-0000-0000-00011")


def test_installment_options_follow_the_50000_won_rule() -> None:
    assert INSTALLMENT_MIN_PRICE == 50_000
    assert installment_options(49_999) == (0,)
    assert installment_options(50_000) == (0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)


@pytest.mark.parametrize(
    ("price", "months", "status"),
    [
        ("50000", 3, 200),
        ("50000", 12, 200),
        ("49999", 0, 200),
        ("49999", 2, 400),
        ("10000", 3, 400),
        ("50000", 1, 400),
        ("50000", 13, 400),
        ("50000", 37, 400),
    ],
)
def test_installments_only_from_50000_won_and_2_to_12_months(
    make: Callable[..., Lane], price: str, months: int, status: int
) -> None:
    lane = make()
    bill_id = lane.send(price)
    answer = lane.pay(bill_id, card=APPROVING_CARD, installment_months=months)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert lane.read(bill_id)["appr_monthly"] == f"{months:02d}"
        return
    assert answer.json()["error"].startswith("installment_months: ")
    with pytest.raises(NotPayableError) as refused:
        lane.sim.pay(bill_id, installment_months=months)
    assert (refused.value.reason, refused.value.status) == ("installments", 400)
    assert lane.read(bill_id)["appr_state"] == "W"
    assert lane.receiver.seen == []


# --------------------------------------------------------------------------- the Python twins


def test_sim_pay_answers_what_the_route_answers(make: Callable[..., Lane]) -> None:
    lane = make()
    by_route, by_python = lane.send("60000"), lane.send("60000")
    route = lane.pay(by_route, card=APPROVING_CARD, installment_months=6, card_issuer="KB국민카드").json()
    python = lane.sim.pay(by_python, card=APPROVING_CARD, installment_months=6, card_issuer="KB국민카드")
    assert set(python) == set(route) == {"bill", "callback"}
    assert python["callback"] == route["callback"] == ACKNOWLEDGED_ONCE
    volatile = {"bill_id", "short_url", "appr_num", "appr_origin_num", "appr_dt", "appr_origin_dt", "callback_attempts"}
    assert {k: v for k, v in python["bill"].items() if k not in volatile} == {
        k: v for k, v in route["bill"].items() if k not in volatile
    }
    assert lane.read(by_python)["appr_issuer"] == "KB국민카드"


def test_sim_pay_takes_cash_and_the_vendors_pay_types(make: Callable[..., Lane]) -> None:
    lane = make()
    cash, keyin = lane.send(), lane.send()
    lane.sim.pay(cash, pay_type="OFFLINE_CASH", cash_trader="1")
    lane.sim.pay(keyin, pay_type="KEYIN", card=APPROVING_CARD)
    assert (lane.read(cash)["appr_pay_type"], lane.read(cash)["appr_cash_trader"]) == ("OFFLINE_CASH", "1")
    assert lane.read(keyin)["appr_pay_type"] == "KEYIN"


def test_sim_pay_refusals(make: Callable[..., Lane]) -> None:
    lane = make()
    with pytest.raises(UnknownBillError):
        lane.sim.pay("NOSUCHBILL")
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    with pytest.raises(NotPayableError, match="bill is F, not unpaid") as twice:
        lane.sim.pay(bill_id)
    assert (twice.value.reason, twice.value.status) == ("paid", 409)
    other = lane.send()
    with pytest.raises(ValueError, match="pay_type"):
        lane.sim.pay(other, pay_type="BITCOIN")
    with pytest.raises(ValueError, match="delivery"):
        lane.sim.pay(other, delivery="twice")
    with pytest.raises(ValueError, match="callback_case"):
        lane.sim.pay(other, callback_case="snake")  # a v1 bill's approval is in v1's form
    assert lane.sim.payable(other) is None


def test_sim_bill_is_the_route_view(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    assert lane.sim.bill(bill_id) == lane.http.get(f"/_sim/bills/{bill_id}").json()
    assert lane.sim.bill("NOSUCHBILL") is None


def test_a_receiver_cannot_move_the_clock_while_it_moves() -> None:
    """A receiver called during a move that asks to move the clock is refused (409), not left waiting on itself."""
    answers: list[int] = []
    sim = Simulator(clock_start=NOON)
    control = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1")

    def receiver(request: httpx.Request) -> httpx.Response:
        answers.append(control.post("/_sim/clock", json={"advance": 60}).status_code)
        return httpx.Response(200, content=V1_ACK) if len(answers) > 1 else httpx.Response(503)

    sim.callback_transport = httpx.MockTransport(receiver)
    try:
        lane_bill = f"1234567890R{0:09d}"
        bill = {
            "bill_id": lane_bill,
            "callbackURL": CALLBACK,
            "hash": sha256(lane_bill, PHONE, PRICE),
            "member_nm": "홍길동",
            "phone": PHONE,
            "price": PRICE,
            "product_nm": "1월 수강료",
        }
        assert control.post("/if/bill/send", json={**AUTH, "bill": bill}).json()["code"] == "0000"
        sim.pay(lane_bill)  # the first attempt is made outside any move: its receiver may move the clock
        sim.clock.advance(timedelta(hours=2))
        assert answers == [200, 409]
        view = sim.bill(lane_bill)
        assert view is not None
        assert view["callback"] == {**ACKNOWLEDGED_ONCE, "attempts": 2}
    finally:
        control.close()
        sim.close()


# --------------------------------------------------------------------------- redeliver: one extra attempt


def kinds(view: dict[str, Any]) -> list[str]:
    return [attempt["kind"] for attempt in view["callback_attempts"]]


def test_a_failing_redeliver_after_giving_up_schedules_nothing(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.sim.clock.advance(timedelta(hours=30))
    callback = lane.sim.redeliver(bill_id)["callback"]
    assert callback == {**GAVE_UP, "attempts": 26}
    lane.sim.clock.advance(timedelta(hours=30))
    assert lane.delivery(bill_id) == {**GAVE_UP, "attempts": 26}
    assert kinds(lane.view(bill_id)) == ["first"] + ["retry"] * 24 + ["redelivery"]


def test_a_failing_redeliver_after_the_acknowledgement_starts_no_new_schedule(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.receiver.ack_from = None
    callback = lane.sim.redeliver(bill_id)["callback"]
    assert callback == {**ACKNOWLEDGED_ONCE, "attempts": 2, "last_error": "HTTP 503"}
    lane.sim.clock.advance(timedelta(hours=30))
    assert len(lane.receiver.seen) == 2
    assert [attempt["acknowledged"] for attempt in lane.view(bill_id)["callback_attempts"]] == [True, False]


def test_a_failing_redeliver_neither_delays_nor_replaces_a_pending_retry(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.sim.clock.advance(timedelta(minutes=10))
    assert lane.sim.redeliver(bill_id)["callback"]["acknowledged"] is False
    lane.sim.clock.advance(timedelta(minutes=50))
    view = lane.view(bill_id)
    assert kinds(view) == ["first", "redelivery", "retry"]
    first, _, retry = stamps(view)
    assert HOUR <= retry - first < HOUR + timedelta(minutes=1)  # an hour after the first attempt ended, not 1:10
    lane.sim.clock.advance(timedelta(hours=30))
    assert lane.delivery(bill_id) == {**GAVE_UP, "attempts": 26}  # still 24 retries: the redelivery is not one


def test_an_acknowledged_redeliver_stops_the_pending_retries(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    lane.receiver.ack_from = 1
    assert lane.sim.redeliver(bill_id)["callback"] == {**ACKNOWLEDGED_ONCE, "attempts": 2}
    lane.sim.clock.advance(timedelta(hours=30))
    assert len(lane.receiver.seen) == 2


def test_a_failing_redeliver_before_a_delayed_first_attempt_leaves_it_in_place(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id, delivery="delay", delivery_delay="PT10M")
    assert lane.sim.redeliver(bill_id)["callback"]["next_attempt_in"] is not None
    lane.sim.clock.advance(timedelta(minutes=10))
    lane.sim.clock.advance(HOUR)
    view = lane.view(bill_id)
    assert kinds(view) == ["redelivery", "first", "retry"]
    redelivered, first, retry = stamps(view)
    assert timedelta(minutes=9) < first - redelivered <= timedelta(minutes=10)
    assert retry - first == HOUR


def test_an_acknowledged_redeliver_before_a_delayed_first_attempt_ends_the_schedule(
    make: Callable[..., Lane],
) -> None:
    lane = make()
    bill_id = lane.send()
    lane.sim.pay(bill_id, delivery="delay")
    assert lane.sim.redeliver(bill_id)["callback"] == ACKNOWLEDGED_ONCE
    lane.sim.clock.advance(timedelta(hours=2))
    assert kinds(lane.view(bill_id)) == ["redelivery"]


def test_a_failing_redeliver_of_a_held_approval_leaves_it_held(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    held = lane.send()
    lane.sim.pay(held, delivery="out_of_order")
    lane.sim.redeliver(held)
    lane.receiver.ack_from = 1
    other = lane.send()
    lane.sim.pay(other)
    assert lane.receiver.bill_ids == [held, other, held]
    assert kinds(lane.view(held)) == ["redelivery", "first"]
    assert lane.delivery(held) == {**ACKNOWLEDGED_ONCE, "attempts": 2}


def test_a_failing_redeliver_of_a_none_delivery_schedules_nothing(make: Callable[..., Lane]) -> None:
    lane = make(ack_from=None)
    bill_id = lane.send()
    lane.sim.pay(bill_id, delivery="none")
    callback = lane.sim.redeliver(bill_id)["callback"]
    assert callback == {**GAVE_UP, "attempts": 1}
    lane.sim.clock.advance(timedelta(hours=30))
    assert len(lane.receiver.seen) == 1


def test_sim_redeliver_answers_what_the_route_answers_and_raises_what_it_refuses(make: Callable[..., Lane]) -> None:
    lane = make()
    bill_id = lane.send()
    lane.sim.pay(bill_id)
    again = lane.sim.redeliver(bill_id)
    assert again == {"bill": lane.view(bill_id), "callback": {**ACKNOWLEDGED_ONCE, "attempts": 2}}
    over_http = lane.http.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()
    assert over_http == {"bill": lane.view(bill_id), "callback": {**ACKNOWLEDGED_ONCE, "attempts": 3}}
    with pytest.raises(UnknownBillError):
        lane.sim.redeliver("NOSUCHBILL")
    unpaid = lane.send()
    with pytest.raises(NotPaidError, match="bill was never paid: there is no approval to deliver") as never:
        lane.sim.redeliver(unpaid)
    assert (never.value.reason, never.value.status) == ("unpaid", 409)
    refused = lane.http.post(f"/_sim/bills/{unpaid}/redeliver", json={})
    assert (refused.status_code, refused.json()) == (409, {"error": str(never.value)})


# --------------------------------------------------------------------------- a receiver that hangs


class Hanging:
    """A sync receiver that holds every attempt until released, then acknowledges; notes when each one returns."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.returned = threading.Semaphore(0)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.entered.set()
        try:
            assert self.release.wait(WAIT)
            return httpx.Response(200, content=V1_ACK)
        finally:
            self.returned.release()


@pytest.mark.usefixtures("still")
def test_a_hanging_sync_receiver_is_cut_off_at_the_timeout_and_retried() -> None:
    """An in-process sync receiver gets callback_timeout, as an async one and the network do: past it the attempt is
    timed out and retried, even if the receiver answers later."""
    receiver = Hanging()
    sim = Simulator(clock_start=NOON, callback_transport=httpx.MockTransport(receiver), callback_timeout=2)
    try:
        bill_id = send_v1(sim)
        callback = sim.pay(bill_id)["callback"]
        assert callback["last_error"] == "timed out after 2 s"
        assert (callback["attempts"], callback["acknowledged"]) == (1, False)
        assert callback["next_attempt_in"] == 3600
        receiver.release.set()
        assert receiver.returned.acquire(timeout=WAIT)  # it acknowledged, too late to count
        view = sim.bill(bill_id)
        assert view is not None
        assert view["callback"]["attempts"] == 1
        assert view["callback"]["acknowledged"] is False
        sim.clock.advance(HOUR)
        view = sim.bill(bill_id)
        assert view is not None
        assert view["callback"] == {**ACKNOWLEDGED_ONCE, "attempts": 2}
        assert [attempt["kind"] for attempt in view["callback_attempts"]] == ["first", "retry"]
    finally:
        receiver.release.set()
        sim.close()


def test_a_hanging_wsgi_receiver_cannot_hang_the_payment() -> None:
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        release.wait(WAIT)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [V1_ACK]

    sim = Simulator(callback_transport=httpx.WSGITransport(app=app), callback_timeout=1)
    try:
        bill_id = send_v1(sim)
        with httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1") as http:
            paid = http.post(f"/_sim/bills/{bill_id}/pay", json={})
        assert paid.status_code == 200
        assert paid.json()["callback"]["last_error"] == "timed out after 1 s"
    finally:
        release.set()
        sim.close()


def test_a_receiver_called_by_the_retry_worker_cannot_move_the_clock() -> None:
    """The worker holds the schedule while its attempt runs: a move from the receiver would wait on it (409)."""
    answers: list[int] = []
    sim = Simulator(clock_start=NOON, callback_retry_interval=0.05)
    control = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1")

    def receiver(request: httpx.Request) -> httpx.Response:
        answers.append(control.post("/_sim/clock", json={"advance": 1}).status_code)
        return httpx.Response(200, content=V1_ACK) if len(answers) > 1 else httpx.Response(503)

    sim.callback_transport = httpx.MockTransport(receiver)
    try:
        bill_id = send_v1(sim)
        sim.pay(bill_id)  # made in this thread, outside any run of the schedule: the receiver may move the clock
        wait_for(lambda: len(answers) == 2, timeout=WAIT)
        assert answers == [200, 409]
    finally:
        control.close()
        sim.close()


# --------------------------------------------------------------------------- a reset while an approval is delivered


def test_a_reset_while_paying_or_redelivering_is_an_error_and_leaves_nothing_pending() -> None:
    """sim.pay() and sim.redeliver() whose receiver is still answering when a reset comes: they raise (409), and no
    retry of the forgotten bill follows."""
    entered, release = threading.Semaphore(0), threading.Event()
    calls: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["bill_id"])
        entered.release()
        assert release.wait(WAIT)
        return httpx.Response(503)

    sim = Simulator(clock_start=NOON, callback_transport=httpx.MockTransport(receiver), callback_timeout=WAIT)
    errors: list[Exception] = []

    def overtaken(call: Callable[[], object]) -> None:
        release.clear()
        worker = threading.Thread(target=lambda: catch(call))
        worker.start()
        assert entered.acquire(timeout=WAIT)
        sim.reset()
        release.set()
        worker.join(WAIT)

    def catch(call: Callable[[], object]) -> None:
        try:
            call()
        except Exception as exc:
            errors.append(exc)

    try:
        bill_id = send_v1(sim)
        overtaken(lambda: sim.pay(bill_id))
        bill_id = send_v1(sim)
        release.set()
        sim.pay(bill_id)
        assert entered.acquire(timeout=WAIT)  # this payment's own entry: the next one is the redelivery's
        overtaken(lambda: sim.redeliver(bill_id))
        paying, redelivering = errors
        assert isinstance(paying, NotPayableError)
        assert (paying.reason, paying.status) == ("reset", 409)
        assert str(paying) == "the simulator was reset while this bill was being paid"
        assert isinstance(redelivering, NotPaidError)
        assert (redelivering.reason, redelivering.status) == ("reset", 409)
        assert str(redelivering) == "the simulator was reset while this approval was being delivered"
        sim.clock.advance(timedelta(hours=30))
        assert len(calls) == 3  # pay, pay, redeliver: nothing retried for a forgotten bill
        assert sim.bill(bill_id) is None
    finally:
        release.set()
        sim.close()


# --------------------------------------------------------------------------- the receivers' threads


def test_workers_bound_a_call_keep_their_threads_and_end_them_on_close() -> None:
    workers = Workers("payssam-sim-test-workers")
    mine = lambda: [t for t in threading.enumerate() if t.name == "payssam-sim-test-workers"]  # noqa: E731
    release = threading.Event()
    try:
        assert workers.call(lambda: 7, WAIT, None) == 7
        assert workers.call(lambda: release.wait(WAIT), 0.01, "late") == "late"  # waits on the event: always late
        for _ in range(50):
            assert workers.call(lambda: "again", WAIT, None) == "again"
        assert len(mine()) == 2  # the late call's thread, and one kept for all the others
        with pytest.raises(ZeroDivisionError):
            workers.call(lambda: 1 / 0, WAIT, None)
        marker: ContextVar[str] = ContextVar("marker")
        marker.set("the caller's")
        assert workers.call(marker.get, WAIT, None) == "the caller's"
    finally:
        release.set()
        workers.close()
    wait_for(lambda: not mine(), timeout=WAIT)


def test_many_in_process_payments_share_a_receiver_thread(make: Callable[..., Lane]) -> None:
    lane = make()
    before = set(threading.enumerate())
    for _ in range(20):
        lane.sim.pay(lane.send())
    started = [t for t in set(threading.enumerate()) - before if t.name == "payssam-sim-receiver"]
    assert len(started) == 1
    lane.sim.close()
    wait_for(lambda: not started[0].is_alive(), timeout=WAIT)
