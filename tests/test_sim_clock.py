"""The simulator's clock and what follows it: simulated time (advance, set, refusals, KST), POST and GET /_sim/clock,
approval and cancel times, and expiry (a bill past its last day cannot be paid; what a read answers is a setting).

No test here waits on real time or asserts it: instants are chosen far from a day's edges, and only their order is
compared with the real clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from payssam_sim import NotPayableError, Simulator
from payssam_sim.clock import KST, Clock, duration

from kit import APIKEY, MEMBER, MERCHANT, sha256, wait_for

PHONE = "01012345678"
PRICE = "10000"
NOWHERE = "https://partner.example/payssam/approval"  # not loopback: never called
NOON = datetime(2027, 1, 15, 12, 0, tzinfo=KST)
"""A start far from midnight: the date cannot change while a test runs."""
AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
V2_AUTH = {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}


class Lane:
    """A simulator started at NOON and an in-process client of its routes."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.http = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1")
        self._ids = iter(range(1, 10_000))

    def new_id(self) -> str:
        return f"1234567890C{next(self._ids):09d}"

    def send(self, expire_dt: str | None = None, price: str = PRICE) -> str:
        bill_id = self.new_id()
        bill: dict[str, Any] = {
            "bill_id": bill_id,
            "callbackURL": NOWHERE,
            "hash": sha256(bill_id, PHONE, price),
            "member_nm": "홍길동",
            "phone": PHONE,
            "price": price,
            "product_nm": "1월 수강료",
        }
        if expire_dt is not None:
            bill["expire_dt"] = expire_dt
        answer = self.http.post("/if/bill/send", json={**AUTH, "bill": bill}).json()
        assert answer["code"] == "0000", answer
        return bill_id

    def call(self, operation: str, bill_id: str, price: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {**AUTH, "bill_id": bill_id}
        if price is not None:
            body |= {"price": price, "hash": sha256(bill_id, price)}
        answer: dict[str, Any] = self.http.post(f"/if/bill/{operation}", json=body).json()
        return answer

    def read_v2(self, bill_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.post("/bill/read", json={**V2_AUTH, "bill": {"billId": bill_id}}).json()
        return answer

    def view(self, bill_id: str) -> dict[str, Any]:
        view = self.sim.bill(bill_id)
        assert view is not None
        return view

    def clock(self, **body: Any) -> httpx.Response:
        return self.http.post("/_sim/clock", json=body)


@pytest.fixture
def lane() -> Iterator[Lane]:
    with Simulator(clock_start=NOON) as sim:
        yield Lane(sim)


@pytest.fixture
def make() -> Iterator[Any]:
    made: list[Simulator] = []

    def start(**settings: Any) -> Lane:
        sim = Simulator(clock_start=NOON, **settings)
        made.append(sim)
        return Lane(sim)

    yield start
    for sim in made:
        sim.close()


def iso(when: datetime) -> str:
    return when.isoformat()


# --------------------------------------------------------------------------- the clock


def test_an_unmoved_clock_reads_the_real_time_in_kst() -> None:
    before = datetime.now(KST)
    now = Clock().now()
    after = datetime.now(KST)
    assert before <= now <= after
    assert now.utcoffset() == timedelta(hours=9)


def test_a_clock_starts_at_its_start_and_runs_on() -> None:
    clock = Clock(NOON)
    first = clock.now()
    assert first >= NOON
    assert first.date() == NOON.date()
    assert clock.now() >= first
    wait_for(lambda: clock.now() > first)  # it runs on: a clock stopped at its start never gets past it


def test_advance_moves_forward_by_seconds_or_a_timedelta() -> None:
    clock = Clock(NOON)
    after_hour = clock.advance(3600)
    assert after_hour >= NOON + timedelta(hours=1)
    assert after_hour.hour == 13
    after_day = clock.advance(timedelta(days=1))
    assert after_day >= NOON + timedelta(days=1, hours=1)
    assert after_day.date() == date(2027, 1, 16)
    assert clock.advance(0) >= after_day


def test_set_moves_to_an_instant_given_in_any_zone_and_reads_it_in_kst() -> None:
    clock = Clock(NOON)
    target = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 12:00 in Korea
    now = clock.set(target)
    assert now >= target
    assert now.utcoffset() == timedelta(hours=9)
    assert (now.date(), now.hour) == (date(2027, 3, 1), 12)


@pytest.mark.parametrize(
    ("move", "message"),
    [
        (lambda clock: clock.set(datetime(2027, 2, 1, 12, 0)), "time zone offset"),
        (lambda clock: clock.set(NOON - timedelta(seconds=1)), "never goes backwards"),
        (lambda clock: clock.advance(-1), "never goes backwards"),
        (lambda clock: clock.advance(timedelta(seconds=-1)), "never goes backwards"),
        (lambda clock: clock.advance(float("inf")), "finite"),
        (lambda clock: clock.advance(float("nan")), "finite"),
        (lambda clock: clock.advance(True), "seconds"),
        (lambda clock: clock.advance(timedelta(days=3651)), "at most"),
    ],
)
def test_moves_backwards_naive_or_absurd_are_refused(move: Any, message: str) -> None:
    clock = Clock(NOON)
    with pytest.raises(ValueError, match=message):
        move(clock)
    assert clock.now().date() == NOON.date()


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone offset"):
        Clock(datetime(2027, 1, 15, 12, 0))
    with pytest.raises(ValueError, match="time zone offset"):
        Simulator(clock_start=datetime(2027, 1, 15, 12, 0))


def test_reset_takes_the_clock_back_to_its_start() -> None:
    clock = Clock(NOON)
    clock.advance(timedelta(days=40))
    clock.reset()
    assert clock.now().date() == NOON.date()


@pytest.mark.parametrize(
    ("given", "span"),
    [
        (90, timedelta(seconds=90)),
        (0.5, timedelta(seconds=0.5)),
        ("PT25H", timedelta(hours=25)),
        ("pt25h", timedelta(hours=25)),
        ("P1D", timedelta(days=1)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        (timedelta(minutes=3), timedelta(minutes=3)),
    ],
)
def test_durations_are_seconds_or_iso_8601(given: Any, span: timedelta) -> None:
    assert duration(given) == span


@pytest.mark.parametrize("given", ["P", "PT", "P1DT", "25H", "PT-1H", "-PT1H", "P1Y", "soon", None, [], {}, True, -5])
def test_bad_durations_are_refused(given: Any) -> None:
    with pytest.raises(ValueError, match="advance"):
        duration(given, "advance")


# --------------------------------------------------------------------------- /_sim/clock


def test_get_answers_now_and_changes_nothing(lane: Lane) -> None:
    first = lane.http.get("/_sim/clock")
    assert first.status_code == 200
    now = datetime.fromisoformat(first.json()["now"])
    assert now >= NOON
    assert now.utcoffset() == timedelta(hours=9)
    assert lane.http.request("GET", "/_sim/clock", json={"advance": "P30D"}).status_code == 200
    assert lane.sim.clock.now().date() == NOON.date()


def test_post_advances_or_sets_and_answers_the_new_now(lane: Lane) -> None:
    advanced = lane.clock(advance="PT25H")
    assert advanced.status_code == 200
    now = datetime.fromisoformat(advanced.json()["now"])
    assert now >= NOON + timedelta(hours=25)
    assert (now.date(), now.hour) == (date(2027, 1, 16), 13)
    assert datetime.fromisoformat(lane.clock(advance=3600).json()["now"]).hour == 14
    at = lane.clock(set="2027-12-31T12:00:00+09:00").json()["now"]
    assert at.startswith("2027-12-31T12:00:0")
    assert at.endswith("+09:00")
    at = lane.clock(set="2028-01-01T00:00:00Z").json()["now"]
    assert at.startswith("2028-01-01T09:00:0")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"set": "2027-12-31T23:59:59"}, "set"),
        ({"set": "2027-01-01T00:00:00+09:00"}, "set"),
        ({"set": "tomorrow"}, "set"),
        ({"set": 1798675200}, "set"),
        ({"advance": -60}, "advance"),
        ({"advance": "PT-1H"}, "advance"),
        ({"advance": "1h"}, "advance"),
        ({"advance": True}, "advance"),
        ({"advance": 60, "set": "2028-01-01T00:00:00+09:00"}, "body"),
        ({}, "body"),
        ({"rewind": 60}, "rewind"),
    ],
)
def test_post_refuses_what_it_cannot_do(lane: Lane, body: dict[str, Any], named: str) -> None:
    answer = lane.clock(**body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"{named}: ")
    assert lane.sim.clock.now().date() == NOON.date()


def test_post_needs_json_like_every_control_route(lane: Lane) -> None:
    answer = lane.http.post("/_sim/clock", content=b'{"advance": 86400}', headers={"Content-Type": "text/plain"})
    assert answer.status_code == 403
    assert lane.sim.clock.now().date() == NOON.date()


def test_a_foreign_host_cannot_move_the_clock() -> None:
    with Simulator(port=0, clock_start=NOON) as sim:
        url = f"{sim.base_url}/_sim/clock"
        with httpx.Client(trust_env=False, timeout=10) as client:
            answer = client.post(url, json={"advance": 86400}, headers={"Host": "attacker.example"})
            assert answer.status_code == 403
            assert client.post(url, json={"advance": 86400}).status_code == 200
        assert sim.clock.now().date() == date(2027, 1, 16)


# --------------------------------------------------------------------------- times in the ledger


def test_approval_and_cancel_times_come_from_the_clock(lane: Lane) -> None:
    bill_id = lane.send()
    lane.sim.clock.set(datetime(2027, 6, 1, 9, 30, tzinfo=KST))
    lane.sim.pay(bill_id)
    paid = lane.call("read", bill_id)
    assert paid["appr_dt"].startswith("2027060109")
    lane.sim.clock.advance(timedelta(days=2))
    cancelled = lane.call("cancel", bill_id, PRICE)
    assert cancelled["appr_cancel_dt"].startswith("2027060309")
    assert lane.view(bill_id)["appr_origin_dt"] == paid["appr_dt"]


def test_a_send_whose_expiry_the_clock_has_passed_is_refused(lane: Lane) -> None:
    lane.sim.clock.set(datetime(2027, 2, 10, 12, 0, tzinfo=KST))
    bill_id = lane.new_id()
    bill = {
        "bill_id": bill_id,
        "callbackURL": NOWHERE,
        "hash": sha256(bill_id, PHONE, PRICE),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "1월 수강료",
        "expire_dt": "2027-02-09",
    }
    answer = lane.http.post("/if/bill/send", json={**AUTH, "bill": bill}).json()
    assert answer["code"] == "9999"
    bill["expire_dt"] = "2027-02-10"
    assert lane.http.post("/if/bill/send", json={**AUTH, "bill": bill}).json()["code"] == "0000"


# --------------------------------------------------------------------------- expiry


def test_a_bill_is_payable_until_the_end_of_its_last_day_in_korea(lane: Lane) -> None:
    bill_id = lane.send(expire_dt="2027-01-20")
    lane.sim.clock.set(datetime(2027, 1, 20, 23, 0, tzinfo=KST))
    assert lane.sim.payable(bill_id) is None
    view = lane.view(bill_id)
    assert view["expired"] is False
    lane.sim.clock.set(datetime(2027, 1, 21, 0, 0, tzinfo=KST))
    assert lane.sim.payable(bill_id) == "expired"
    view = lane.view(bill_id)
    assert (view["state"], view["expired"]) == ("W", True)


def test_an_expired_bill_cannot_be_paid_by_the_route_nor_by_sim_pay(lane: Lane) -> None:
    bill_id = lane.send(expire_dt="2027-01-20")
    lane.sim.clock.set(datetime(2027, 1, 21, 0, 0, 1, tzinfo=timezone(timedelta(hours=9))))
    answer = lane.http.post(f"/_sim/bills/{bill_id}/pay", json={})
    assert answer.status_code == 409
    assert "expired" in answer.json()["error"]
    with pytest.raises(NotPayableError, match="expired") as refused:
        lane.sim.pay(bill_id)
    assert (refused.value.reason, refused.value.status) == ("expired", 409)
    assert lane.call("read", bill_id)["appr_state"] == "W"
    assert lane.view(bill_id)["callback"] is None


def test_expiry_is_kept_in_korea_time_whatever_zone_the_clock_is_set_in(lane: Lane) -> None:
    bill_id = lane.send(expire_dt="2027-01-20")
    lane.sim.clock.set(datetime(2027, 1, 20, 14, 59, tzinfo=UTC))  # 23:59 in Korea
    assert lane.sim.payable(bill_id) is None
    lane.sim.clock.set(datetime(2027, 1, 20, 15, 0, tzinfo=UTC))  # midnight in Korea
    assert lane.sim.payable(bill_id) == "expired"


def test_a_bill_without_an_expiry_never_expires(lane: Lane) -> None:
    bill_id = lane.send()
    lane.sim.clock.advance(timedelta(days=3650))
    assert lane.sim.payable(bill_id) is None
    assert lane.view(bill_id)["expired"] is False
    lane.sim.pay(bill_id)
    assert lane.view(bill_id)["state"] == "F"


def test_an_expired_bill_reads_unpaid_by_default_and_can_be_destroyed(lane: Lane) -> None:
    bill_id = lane.send(expire_dt="2027-01-20")
    lane.sim.clock.advance(timedelta(days=10))
    assert lane.call("read", bill_id)["appr_state"] == "W"
    assert lane.read_v2(bill_id)["data"]["apprState"] == "W"
    assert lane.call("destroy", bill_id, PRICE)["code"] == "0000"
    assert lane.sim.payable(bill_id) == "destroyed"
    assert lane.view(bill_id)["expired"] is False


def test_expired_read_d_reads_an_expired_bill_as_destroyed(make: Any) -> None:
    lane = make(expired_read="D")
    bill_id = lane.send(expire_dt="2027-01-20")
    assert lane.call("read", bill_id)["appr_state"] == "W"
    lane.sim.clock.advance(timedelta(days=10))
    assert lane.call("read", bill_id)["appr_state"] == "D"
    assert lane.read_v2(bill_id)["data"]["apprState"] == "D"
    assert lane.call("destroy", bill_id, PRICE)["code"] != "0000"  # already destroyed, as a read says
    view = lane.view(bill_id)
    assert (view["state"], view["expired"]) == ("D", True)
    assert lane.sim.payable(bill_id) == "expired"


def test_expired_read_takes_w_or_d_only() -> None:
    with pytest.raises(ValueError, match="expired_read"):
        Simulator(expired_read="X")


def test_payable_names_every_reason(lane: Lane) -> None:
    unpaid, paid, cancelled, destroyed = (lane.send() for _ in range(4))
    for bill_id in (paid, cancelled):
        lane.sim.pay(bill_id)
    lane.call("cancel", cancelled, PRICE)
    lane.call("destroy", destroyed, PRICE)
    assert [lane.sim.payable(bill_id) for bill_id in (unpaid, paid, cancelled, destroyed, "NOSUCHBILL")] == [
        None,
        "paid",
        "cancelled",
        "destroyed",
        "unknown",
    ]


# --------------------------------------------------------------------------- the command line


def test_the_command_line_takes_a_start_and_the_expired_read() -> None:
    from payssam_sim import cli

    args = cli.build_parser().parse_args(["--clock", "2027-01-15T12:00:00+09:00", "--expired-read", "D"])
    assert (args.clock, args.expired_read) == (NOON, "D")
    defaults = cli.build_parser().parse_args([])
    assert (defaults.clock, defaults.expired_read) == (None, "W")


@pytest.mark.parametrize("argv", [["--clock", "2027-01-15T12:00:00"], ["--clock", "noon"], ["--expired-read", "F"]])
def test_the_command_line_refuses_a_naive_start_or_another_read(argv: list[str], capsys: Any) -> None:
    from payssam_sim import cli

    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert argv[0] in capsys.readouterr().err


@pytest.mark.parametrize(
    ("move", "named"),
    [
        (lambda clock: clock.set("2026-12-31T00:00:00Z"), "set: must be an aware datetime"),
        (lambda clock: clock.set(12345), "not int"),
        (lambda clock: clock.set(None), "not NoneType"),
        (lambda clock: clock.advance([60]), "advance: must be seconds"),
        (lambda clock: clock.advance(None), "not NoneType"),
    ],
)
def test_a_move_of_the_wrong_type_is_a_type_error_naming_what_is_expected(move: Any, named: str) -> None:
    clock = Clock(NOON)
    with pytest.raises(TypeError, match=named):
        move(clock)
    assert clock.now() < NOON + timedelta(hours=1)


def test_a_start_of_the_wrong_type_is_a_type_error() -> None:
    text: Any = "2027-01-15T12:00:00+09:00"
    seconds: Any = 1_800_000_000
    with pytest.raises(TypeError, match="start: must be an aware datetime"):
        Clock(text)
    with pytest.raises(TypeError, match="start: must be an aware datetime"):
        Simulator(clock_start=seconds)
