"""An operations drill for send_batch, judged by the simulator's ledger.

A SEQUENCE is a fresh in-process simulator, a CSV of logical rows, then 3 to 6 RUNS of send_batch (blocking or
awaitable, concurrency 1 to 4, max_retries 0 to 3) behind a fault-injecting transport, with EDITS of the file
between runs (delete, insert anywhere, reorder, fix a price, message, issuer, expiry or phone), the operator's
ACTIONS (destroy or cancel the bill of a row reported `changed`, or give a row a new bill_id, as its message
tells) and sometimes a customer paying a bill; at the end every late request lands and a final clean run goes.
Then Drill.judge() holds the sequence to INVARIANTS against the ledger (GET /_sim/bills), which cannot lie.

Each logical row has its own product_name (R007 수강료), customer name and phone: the ledger keeps product_nm and
price, not phone or name, so the product tells rows apart; and send_batch takes a row sharing two of phone, name
and product with a row that left the file for that row corrected, which unrelated rows must not trigger.

The transport (FaultTransport, and its twin AsyncFaultTransport) takes each request's fate from a Plan: pass,
refuse, time out and land late (after n further requests, between runs, or at the end), drop the answer after
forwarding, a gateway's 502 (after or before forwarding) or 503, the vendor's 9999 or 5000 (before, or 5000
after forwarding), or a KILL (Killed, a BaseException) before or after forwarding, which ends the run as a SIGKILL
would: once killed, every further request of the run dies too, forwarded or not. A kill can also strike while a
result line is being written (the line cut in half, the journal never told), and after a transport kill the
drill sometimes cuts the results file's last line in half.

A random sequence is a function of its seed: the file, the edits, each run's settings and each request's fate
(drawn from the seed, the run, the operation, the row and how many times that operation of that row was tried in
the run), so `python tests/drill.py SEED` replays one and prints it. Only the interleaving of concurrent workers
(and so when a late request lands "after n further requests", or which result line a kill cuts) may differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import random
import re
import string
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

from payssam import KST, AsyncPaySsam, Backoff, PaySsam, PaySsamError, ValidationError
from payssam import _outputs as outputs
from payssam._batch import BatchReport
from payssam_sim import Simulator
from payssam_sim.contract import approval_ack

from kit import APIKEY, MEMBER, MERCHANT, file_sha256

BASE = "http://127.0.0.1"
CREDENTIALS = (APIKEY, MEMBER, MERCHANT)
CALLBACK = "http://127.0.0.1:9/payssam/approval"
"""Where approvals go: to ACKNOWLEDGED, in-process (no socket is ever opened)."""
NO_PAUSE = Backoff(0.0, 0.0)
"""Retries at once: the drill's faults are instant, waiting would only slow it."""
COLUMNS = ["bill_id", "price", "phone", "customer_name", "product_name", "message", "issuer", "expires_on"]
NAMES = ["홍길동", "김철수", "이영희", "박민수", "최지우", "정하늘", "한가람"]
MESSAGES = ["", "이번 달 수강료 안내입니다.", "3월 교재비 포함", "문의: 02-555-0100"]
ISSUERS = ["", "행복학원", "별빛 피아노"]
HANG = 60.0
"""Seconds a leftover worker thread may take to end after a run (generous: load must not fail a test)."""
VENDOR = "/if/bill/"
ENDED = ("D", "C")
"""Bill states that bill no one: destroyed, cancelled."""


def _acknowledge(request: httpx.Request) -> httpx.Response:
    """The partner's receiver: every approval acknowledged, so the simulator schedules no retry."""
    return httpx.Response(200, json=approval_ack())


ACKNOWLEDGED = httpx.MockTransport(_acknowledge)

INVARIANTS: dict[int, str] = {
    1: "no double bill",
    2: "no silent skip",
    3: "no wrong amount",
    4: "reported outcomes true to the ledger",
    5: "rows that left the file are reported missing",
    6: "input files never changed by a run",
    7: "nothing unexpected escapes a run",
}


class Killed(BaseException):
    """The drill's kill: ends a run where it stands, as a SIGKILL would (never an Exception, so nothing catches it)."""


# --------------------------------------------------------------------------- faults

PASS = "pass"
REFUSE = "refuse"
"""httpx.ConnectError, nothing forwarded."""
LATE = "late"
"""httpx.ReadTimeout at once, nothing forwarded; the same request lands later."""
DROP = "drop"
"""Forwarded, then httpx.ReadError: the answer is lost."""
GATEWAY_AFTER = "502-after"
"""Forwarded, then HTTP 502 instead of the answer."""
GATEWAY_BEFORE = "502-before"
"""HTTP 502, nothing forwarded."""
UNAVAILABLE = "503-before"
"""HTTP 503, nothing forwarded."""
REFUSED_9999 = "9999-before"
"""The vendor's 9999, nothing forwarded (a definitive refusal)."""
BUSY_5000 = "5000-before"
"""The vendor's 5000, nothing forwarded."""
LOST_5000 = "5000-after"
"""Forwarded, then the vendor's 5000 instead of its answer."""
KILL_BEFORE = "kill-before"
KILL_AFTER = "kill-after"
KILLS = (KILL_BEFORE, KILL_AFTER)
FORWARDED = (PASS, DROP, GATEWAY_AFTER, LOST_5000, KILL_AFTER)
TROUBLE: tuple[tuple[str, int], ...] = (
    (REFUSE, 3),
    (LATE, 3),
    (DROP, 2),
    (GATEWAY_AFTER, 2),
    (GATEWAY_BEFORE, 1),
    (UNAVAILABLE, 2),
    (REFUSED_9999, 2),
    (BUSY_5000, 2),
    (LOST_5000, 2),
)
"""Every fault but the kills, with its weight in a random plan."""

AFTER = "after"
"""A late request lands after a number of further requests (of this run or the next)."""
BETWEEN = "between"
"""A late request lands when its run ends, before the next one."""
END = "end"
"""A late request lands only at the end of the sequence, before the final clean run."""


@dataclass(frozen=True, slots=True)
class Fault:
    """A request's fate; a late one says when it lands."""

    kind: str
    when: str = ""
    after: int = 0

    def __str__(self) -> str:
        if self.kind != LATE:
            return self.kind
        return f"late, lands after {self.after} more request(s)" if self.when == AFTER else f"late, lands {self.when}"


CLEAN_FAULT = Fault(PASS)


class Plan(Protocol):
    """Decides each request's fate from the run, the operation, its row (product) and the how-manieth it is."""

    def fault(self, run: int, operation: str, subject: str, nth: int) -> Fault: ...


class CleanPlan:
    """Every request passes."""

    def fault(self, run: int, operation: str, subject: str, nth: int) -> Fault:
        return CLEAN_FAULT


CLEAN = CleanPlan()


@dataclass(frozen=True, slots=True)
class RandomPlan:
    """Each request's fate drawn from (seed, run, operation, row, nth): the same request, the same fate."""

    seed: int
    rate: float
    """The chance a request meets one of TROUBLE."""
    kill_rate: float = 0.0
    """The chance a request is killed (before or after forwarding)."""

    def fault(self, run: int, operation: str, subject: str, nth: int) -> Fault:
        rng = random.Random(f"{self.seed}/{run}/{operation}/{subject}/{nth}")
        if rng.random() < self.kill_rate:
            return Fault(rng.choice(KILLS))
        if rng.random() >= self.rate:
            return CLEAN_FAULT
        kinds, weights = zip(*TROUBLE, strict=True)
        kind = rng.choices(kinds, weights)[0]
        if kind != LATE:
            return Fault(kind)
        when = rng.choices((AFTER, BETWEEN, END), (2, 1, 1))[0]
        return Fault(LATE, when, rng.randint(0, 6) if when == AFTER else 0)


@dataclass(frozen=True, slots=True)
class Rule:
    """A scripted fault: the nth (None: every) request of this operation for this row in this run."""

    run: int
    operation: str
    subject: str
    fault: Fault
    nth: int | None = None


@dataclass(frozen=True, slots=True)
class ScriptedPlan:
    """The first rule that matches decides; every other request passes."""

    rules: tuple[Rule, ...]

    def fault(self, run: int, operation: str, subject: str, nth: int) -> Fault:
        for rule in self.rules:
            if (rule.run, rule.operation, rule.subject) == (run, operation, subject) and rule.nth in (None, nth):
                return rule.fault
        return CLEAN_FAULT


@dataclass(slots=True)
class Held:
    """A request that timed out for the client and lands later."""

    number: int
    run: int
    operation: str
    subject: str
    bill_id: str
    request: httpx.Request
    when: str
    after: int


@dataclass(frozen=True, slots=True)
class Step:
    """What the network does with one request: its number, what it is about, its fate, and late ones to land first."""

    number: int
    run: int
    operation: str
    subject: str
    bill_id: str
    fault: Fault
    due: tuple[Held, ...]
    dead: bool


def _about(request: httpx.Request) -> tuple[str, str, str, str]:
    """(operation, bill id, product or "", price or "") of a vendor request; ("other", ...) for anything else."""
    path = request.url.path
    if not path.startswith(VENDOR):
        return "other", "", "", ""
    operation = path.removeprefix(VENDOR)
    try:
        body = json.loads(request.content)
    except ValueError:
        return operation, "", "", ""
    bill = body.get("bill") if isinstance(body.get("bill"), dict) else body
    return operation, str(bill.get("bill_id", "")), str(bill.get("product_nm", "")), str(bill.get("price", ""))


def _code(response: httpx.Response) -> str:
    """The vendor's code of an answer, or its HTTP status."""
    try:
        return str(json.loads(response.content).get("code"))
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


class Network:
    """Between the SDK and the simulator: each request's fate from the plan, late requests held and landed, and
    which run's request created each bill. Thread-safe: the blocking client's workers share it."""

    def __init__(self, sim: Simulator, note: Callable[[str], None]) -> None:
        self._sim = sim.transport()
        self._lock = threading.Lock()
        self._note = note
        self.run = -1
        self.plan: Plan = CLEAN
        self.seed = 0
        self.dead = False
        self.number = 0
        self.in_run = 0
        self.nth: Counter[tuple[str, str]] = Counter()
        self.held: list[Held] = []
        self.products: dict[str, str] = {}
        """Bill id -> product, from the sends seen."""
        self.created: dict[str, int] = {}
        """Bill id -> the run in which the send that created it was issued."""
        self.faults: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()
        self.late_landed = 0

    def start_run(self, run: int, plan: Plan, seed: int) -> None:
        with self._lock:
            self.run, self.plan, self.seed = run, plan, seed
            self.dead = False
            self.in_run = 0
            self.nth.clear()

    def end_run(self) -> None:
        """The run is over: no more kills; requests held to land between runs land now."""
        with self._lock:
            self.dead = False
            due = [held for held in self.held if held.when == BETWEEN]
            self.held = [held for held in self.held if held.when != BETWEEN]
        for held in due:
            self.land(held)

    def land_all(self) -> None:
        """Every request still held lands (the end of the sequence)."""
        with self._lock:
            due, self.held = self.held, []
        for held in due:
            self.land(held)

    def kill(self, how: str) -> None:
        """The run dies: every further request of it is killed too."""
        with self._lock:
            self.dead = True
            self.kills[how] += 1

    def begin(self, request: httpx.Request) -> Step:
        """Decide one request's fate (and which late requests land before it)."""
        operation, bill_id, product, _ = _about(request)
        with self._lock:
            self.number += 1
            self.in_run += 1
            if product:
                self.products[bill_id] = product
            subject = self.products.get(bill_id, bill_id or "?")
            due: list[Held] = []
            for held in self.held:
                if held.when == AFTER:
                    held.after -= 1
                    if held.after < 0:
                        due.append(held)
            self.held = [held for held in self.held if held not in due]
            dead = self.dead
            if dead:  # the process is gone: whatever was in flight may or may not have gone out
                rng = random.Random(f"{self.seed}/{self.run}/dead/{self.number}")
                fault = Fault(rng.choice(KILLS))
                self.kills["in flight"] += 1
            else:
                key = (operation, subject)
                fault = self.plan.fault(self.run, operation, subject, self.nth[key])
                self.nth[key] += 1
                self.faults[fault.kind] += 1
                if fault.kind in KILLS:
                    self.dead = True
                    self.kills[fault.kind] += 1
            step = Step(self.number, self.run, operation, subject, bill_id, fault, tuple(due), dead)
            if fault.kind == LATE:
                copy = httpx.Request(request.method, request.url, headers=request.headers, content=request.content)
                self.held.append(
                    Held(step.number, self.run, operation, subject, bill_id, copy, fault.when, fault.after)
                )
        return step

    def land(self, held: Held) -> None:
        """A held request reaches the simulator now."""
        response = self._sim.handle_request(held.request)
        code = _code(response)
        with self._lock:
            self.late_landed += 1
            if held.operation == "send" and code == "0000":
                self.created[held.bill_id] = held.run
        self._note(f"    late request #{held.number} (run {held.run} {held.operation} {held.subject}) lands: {code}")

    def landed(self, step: Step, response: httpx.Response) -> None:
        """A forwarded request's answer from the simulator (before any fault replaces it)."""
        code = _code(response)
        if step.operation == "send" and code == "0000":
            with self._lock:
                self.created[step.bill_id] = step.run
        self._note(self._line(step, f" (forwarded: {code})"))

    def skipped(self, step: Step) -> None:
        self._note(self._line(step, ""))

    @staticmethod
    def _line(step: Step, forwarded: str) -> str:
        dead = " [after the kill]" if step.dead else ""
        return f"    #{step.number} {step.operation} {step.subject} {step.bill_id}: {step.fault}{forwarded}{dead}"

    def before(self, step: Step, request: httpx.Request) -> httpx.Response | None:
        """The fault's effect before forwarding: raise, answer instead of the simulator, or None to forward."""
        kind = step.fault.kind
        if kind in FORWARDED:
            return None
        self.skipped(step)
        if kind == REFUSE:
            raise httpx.ConnectError("drill: connection refused", request=request)
        if kind == LATE:
            raise httpx.ReadTimeout("drill: no answer in time (the request lands later)", request=request)
        if kind == KILL_BEFORE:
            raise Killed(f"killed before request #{step.number} went out")
        if kind == GATEWAY_BEFORE:
            return httpx.Response(502, text="<html>502 Bad Gateway</html>", request=request)
        if kind == UNAVAILABLE:
            return httpx.Response(503, text="<html>503 Service Unavailable</html>", request=request)
        if kind == REFUSED_9999:
            return httpx.Response(200, json={"code": "9999", "msg": "Failure while processing"}, request=request)
        if kind == BUSY_5000:
            return httpx.Response(200, json={"code": "5000", "msg": "System error"}, request=request)
        raise AssertionError(f"no such fault: {kind}")

    def after(self, step: Step, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """The fault's effect on a forwarded request's answer."""
        self.landed(step, response)
        kind = step.fault.kind
        if kind == DROP:
            raise httpx.ReadError("drill: connection reset before the answer", request=request)
        if kind == GATEWAY_AFTER:
            return httpx.Response(502, text="<html>502 Bad Gateway</html>", request=request)
        if kind == LOST_5000:
            return httpx.Response(200, json={"code": "5000", "msg": "System error"}, request=request)
        if kind == KILL_AFTER:
            raise Killed(f"killed after request #{step.number} went out")
        return response


class FaultTransport(httpx.BaseTransport):
    """The simulator's transport behind the Network's faults, for the blocking client (its worker threads share it)."""

    def __init__(self, network: Network, inner: httpx.BaseTransport) -> None:
        self._network = network
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        step = self._network.begin(request)
        for held in step.due:
            self._network.land(held)
        instead = self._network.before(step, request)
        if instead is not None:
            return instead
        return self._network.after(step, request, self._inner.handle_request(request))


class AsyncFaultTransport(httpx.AsyncBaseTransport):
    """FaultTransport's twin for the awaitable client."""

    def __init__(self, network: Network, inner: httpx.AsyncBaseTransport) -> None:
        self._network = network
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        step = self._network.begin(request)
        for held in step.due:
            self._network.land(held)
        instead = self._network.before(step, request)
        if instead is not None:
            return instead
        return self._network.after(step, request, await self._inner.handle_async_request(request))


# --------------------------------------------------------------------------- the file


@dataclass(slots=True)
class Row:
    """One logical row of the file (its product_name is its own: R007 수강료)."""

    key: int
    price: int
    phone: str
    name: str
    bill_id: str = ""
    message: str = ""
    issuer: str = ""
    expires_on: str = ""

    @property
    def product(self) -> str:
        return f"R{self.key:03d} 수강료"

    def cells(self) -> dict[str, str]:
        return {
            "bill_id": self.bill_id,
            "price": str(self.price),
            "phone": self.phone,
            "customer_name": self.name,
            "product_name": self.product,
            "message": self.message,
            "issuer": self.issuer,
            "expires_on": self.expires_on,
        }

    def __str__(self) -> str:
        extra = "".join(
            f" {name}={value!r}"
            for name, value in (
                ("bill_id", self.bill_id),
                ("message", self.message),
                ("issuer", self.issuer),
                ("expires_on", self.expires_on),
            )
            if value
        )
        return f"R{self.key:03d} price={self.price} phone={self.phone} name={self.name}{extra}"


def whole_records(path: Path) -> list[dict[str, Any]]:
    """Every whole result line after the header (a last line a kill cut off is not one)."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")[:-1]  # the part after the last newline is cut off, or empty
    if not lines:
        return []
    header = json.loads(lines[0])
    assert header == {"payssam": "send-batch", "format": 2}, header
    records = [json.loads(line) for line in lines[1:]]
    assert all(isinstance(record, dict) for record in records), records
    return records


def cut_last_line(path: Path) -> bool:
    """Cut the file's last result line in half, as a SIGKILL in the middle of its write leaves it."""
    data = path.read_bytes() if path.exists() else b""
    if not data.endswith(b"\n"):
        return False
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    if start == 0:  # only the header: nothing to cut
        return False
    with path.open("r+b") as stream:
        stream.truncate(start + max(1, (len(data) - start - 1) // 2))
    return True


# --------------------------------------------------------------------------- a sequence


@dataclass(slots=True)
class RunRecord:
    """One run: its settings, the file it saw, what it wrote and how it ended."""

    index: int
    settings: str
    rows: list[Row]
    clean: bool
    records: list[dict[str, Any]] = field(default_factory=list)
    report: BatchReport | None = None
    killed: str = ""
    refused: str = ""
    error: str = ""
    input_changed: bool = False


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: int
    text: str

    def __str__(self) -> str:
        return f"invariant {self.invariant} ({INVARIANTS[self.invariant]}): {self.text}"


HINT = re.compile(r"payssam (?:destroy|cancel) ([A-Za-z0-9]{1,20}) ([0-9]+)")
"""The command a `changed` row's message tells the operator to run, with the bill's price."""


class Drill:
    """One sequence: a fresh simulator, the file, its runs, edits and actions, and the log that replays it."""

    def __init__(self, seed: int, directory: Path, *, title: str = "") -> None:
        self.seed = seed
        self.title = title or f"random sequence, seed {seed}"
        self.sim = Simulator(callback_retry_interval=3600.0, callback_transport=ACKNOWLEDGED)
        self.source = directory / "bills.csv"
        self.output = directory / "bills.csv.sent.jsonl"
        self.log: list[str] = []
        self._log_lock = threading.Lock()
        self.network = Network(self.sim, self.note)
        self.rng = random.Random(seed)
        self.rows: list[Row] = []
        self.ever: dict[int, Row] = {}
        self.runs: list[RunRecord] = []
        self.edits: Counter[str] = Counter()
        self.ended: dict[str, str] = {}
        """Bill id -> product, of the bills the operator destroyed or cancelled."""
        self._seen_records = 0
        self._next_key = 1
        self._phones: set[str] = set()

    # ------------------------------------------------------------------ the log

    def note(self, line: str) -> None:
        with self._log_lock:
            self.log.append(line)

    def describe(self) -> str:
        return "\n".join([f"=== {self.title} ===", *self.log])

    def close(self) -> None:
        self.sim.stop()

    # ------------------------------------------------------------------ rows

    def _phone(self) -> str:
        while True:
            phone = f"010{self.rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _bill_id(self) -> str:
        return "DR" + "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(18))

    def _expiry(self) -> str:
        return (datetime.now(KST).date() + timedelta(days=self.rng.randint(10, 90))).isoformat()

    def new_row(self, *, named: bool | None = None, price: int | None = None) -> Row:
        """A new logical row: its own product, customer name and phone; optional columns sometimes filled."""
        rng = self.rng
        key = self._next_key
        self._next_key += 1
        if named is None:
            named = rng.random() < 0.25
        row = Row(
            key=key,
            price=price if price is not None else rng.randrange(1000, 100_001, 500),
            phone=self._phone(),
            name=f"{rng.choice(NAMES)}{key}",
            bill_id=self._bill_id() if named else "",
            message=rng.choice(MESSAGES),
            issuer=rng.choice(ISSUERS),
            expires_on=self._expiry() if rng.random() < 0.4 else "",
        )
        self.ever[key] = row
        return row

    def write_file(self) -> None:
        with self.source.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(row.cells() for row in self.rows)

    def find(self, key: int) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)

    # ------------------------------------------------------------------ edits

    def delete(self, row: Row) -> None:
        self.rows.remove(row)
        self.edits["delete"] += 1
        self.note(f"  edit: delete R{row.key:03d}")

    def insert(self, position: int, row: Row | None = None) -> Row:
        row = row or self.new_row()
        self.rows.insert(position, row)
        self.edits["insert"] += 1
        self.note(f"  edit: insert at line {position + 2}: {row}")
        return row

    def reorder(self) -> None:
        before = [row.key for row in self.rows]
        while len(self.rows) > 1 and [row.key for row in self.rows] == before:
            self.rng.shuffle(self.rows)
        self.edits["reorder"] += 1
        self.note(f"  edit: reorder to {' '.join(f'R{row.key:03d}' for row in self.rows)}")

    def fix(self, row: Row, column: str, value: str | int | None = None, *, label: str = "") -> None:
        """Correct one column of a row (its product_name stays)."""
        rng = self.rng
        old = getattr(row, column)
        if value is None:
            while value is None or value == old:
                if column == "price":
                    value = rng.randrange(1000, 100_001, 500)
                elif column == "phone":
                    value = self._phone()
                elif column == "message":
                    value = rng.choice(MESSAGES)
                elif column == "issuer":
                    value = rng.choice(ISSUERS)
                elif column == "expires_on":
                    value = rng.choice(["", self._expiry()])
                elif column == "bill_id":
                    value = rng.choice(["", self._bill_id()])
                else:
                    raise AssertionError(column)
        setattr(row, column, value)
        label = label or f"fix {column}"
        self.edits[label] += 1
        self.note(
            f"  {'action' if label.startswith('action') else 'edit'}: {label} R{row.key:03d}: {old!r} -> {value!r}"
        )

    def random_edits(self) -> None:
        rng = self.rng
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            kind = rng.choices(["delete", "insert", "reorder", "fix"], [2, 2, 1, 3])[0]
            if kind == "delete" and len(self.rows) > 1:
                self.delete(rng.choice(self.rows))
            elif kind == "insert" or not self.rows:
                self.insert(rng.randint(0, len(self.rows)))
            elif kind == "reorder" and len(self.rows) > 1:
                self.reorder()
            elif kind == "fix":
                self.fix(
                    rng.choice(self.rows), rng.choice(["price", "price", "message", "issuer", "expires_on", "phone"])
                )

    # ------------------------------------------------------------------ the operator

    def client(self) -> tuple[PaySsam, httpx.Client]:
        """A clean client (no faults), as the operator's own command line."""
        http = httpx.Client(transport=self.sim.transport())
        return PaySsam(*CREDENTIALS, BASE, http_client=http), http

    def console(self, bill_id: str) -> dict[str, Any] | None:
        """The bill as PaySsam's console shows it (GET /_sim/bills/{id})."""
        with httpx.Client(transport=self.sim.transport(), base_url=BASE) as http:
            answer = http.get(f"/_sim/bills/{bill_id}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def end_bill(self, bill_id: str, price: str | None = None) -> bool:
        """The operator destroys an unpaid bill or cancels a paid one (its price from the message, else the console)."""
        shown = self.console(bill_id)
        state = shown and shown["state"]
        if shown is None or state not in ("W", "F"):
            self.note(f"  action: end {bill_id}: not done, the bill is {state}")
            return False
        verb = "destroy" if state == "W" else "cancel"
        client, http = self.client()
        try:
            if verb == "destroy":
                client.destroy_bill(bill_id, price or shown["price"])
            else:
                client.cancel_bill(bill_id, price or shown["price"])
        except PaySsamError as exc:
            self.note(f"  action: {verb} {bill_id} at {price or shown['price']}: {type(exc).__name__}: {exc}")
            return False
        finally:
            http.close()
        self.ended[bill_id] = str(shown["product_nm"])
        self.edits[f"action: {verb}"] += 1
        self.note(f"  action: {verb} {bill_id} ({shown['product_nm']}, {shown['price']} won)")
        return True

    def pay(self, bill_id: str) -> None:
        """The customer pays a bill (the simulator's control route)."""
        with httpx.Client(transport=self.sim.transport(), base_url=BASE) as http:
            answer = http.post(f"/_sim/bills/{bill_id}/pay", json={})
        assert answer.status_code == 200, answer.text
        self.edits["customer pays"] += 1
        self.note(f"  the customer of {bill_id} pays")

    def act(self, run: RunRecord, chance: float = 1.0) -> None:
        """What the operator does about the run's `changed` rows, as their messages tell."""
        for record in run.records:
            if record["outcome"] != "changed" or not record["bill_id"] or self.rng.random() >= chance:
                continue
            line = record["line"]
            if not 2 <= line < len(run.rows) + 2:
                continue
            row = self.find(run.rows[line - 2].key)
            if row is None:
                continue
            message = str(record["message"])
            if "give the row a new bill_id" in message:
                self.fix(row, "bill_id", self.rng.choice(["", self._bill_id()]), label="action: new bill_id")
            elif "destroy" in message or "cancel" in message:
                hint = HINT.search(message)
                self.end_bill(record["bill_id"], hint.group(2) if hint else None)

    def between(self, chance: float = 0.6) -> None:
        """Between runs: the operator acts on the last run's results, customers pay, the file is edited."""
        if self.runs:
            self.act(self.runs[-1], chance)
        if self.rng.random() < 0.2:
            unpaid = sorted(
                (bill["product_nm"], bill_id) for bill_id, bill in self.ledger().items() if bill["state"] == "W"
            )
            if unpaid:  # chosen by product, not by id (ids are random): a replay pays the same row's bill
                self.pay(self.rng.choice(unpaid)[1])
        self.random_edits()

    # ------------------------------------------------------------------ runs

    def run(
        self,
        *,
        mode: str,
        concurrency: int,
        plan: Plan = CLEAN,
        max_retries: int = 2,
        kill_at_write: int | None = None,
        cut_after_kill: bool = False,
        plan_text: str = "",
    ) -> RunRecord:
        """One send_batch over the file as it is now; whatever ends it is recorded, never raised."""
        self.write_file()
        clean = isinstance(plan, CleanPlan) and kill_at_write is None
        settings = f"{mode}, concurrency {concurrency}, max_retries {max_retries}, {plan_text or 'no faults'}"
        if kill_at_write is not None:
            settings += f", killed while writing result {kill_at_write}"
        run = RunRecord(len(self.runs), settings, [replace(row) for row in self.rows], clean)
        self.runs.append(run)
        self.note(f"run {run.index}: {settings}; the file:")
        for line, row in enumerate(run.rows, start=2):
            self.note(f"  line {line}: {row}")
        before = file_sha256(self.source)
        self.network.start_run(run.index, plan, self.seed)
        killed_by_transport = False
        try:
            with self._killed_while_writing(kill_at_write):
                run.report = self._send_batch(mode, concurrency, max_retries)
        except Killed as exc:
            run.killed = str(exc)
            killed_by_transport = "writing" not in run.killed
        except ValidationError as exc:
            run.refused = f"{type(exc).__name__}: {exc}"
            if self.network.in_run:
                run.error = f"a ValidationError after {self.network.in_run} request(s): {exc}"
        except Exception:
            run.error = traceback.format_exc()
        finally:
            self.network.end_run()
            run.error += _leftover_threads()
        run.input_changed = file_sha256(self.source) != before
        if killed_by_transport and cut_after_kill and cut_last_line(self.output):
            self.network.kills["last line cut"] += 1
            run.killed += "; the last result line cut in half"
        records = whole_records(self.output)
        run.records, self._seen_records = records[self._seen_records :], len(records)
        for record in run.records:
            row = run.rows[record["line"] - 2] if 2 <= record["line"] < len(run.rows) + 2 else None
            self.note(
                f"  result line {record['line']} ({row and f'R{row.key:03d}'}): {record['outcome']} "
                f"{record['bill_id']} [{record['error']}] {record['message']}"
            )
        report = run.report
        if report is not None:
            self.note(
                f"  report: rows {report.rows}, already settled {report.already_settled}, "
                f"outcomes {dict(report.outcomes)}, missing {report.missing}, complete {report.complete}, "
                f"file_changed {report.file_changed}"
            )
        for text, label in ((run.killed, "killed"), (run.refused, "refused"), (run.error, "ERROR")):
            if text:
                self.note(f"  {label}: {text}")
        return run

    def _send_batch(self, mode: str, concurrency: int, max_retries: int) -> BatchReport:
        if mode == "sync":
            http = httpx.Client(transport=FaultTransport(self.network, self.sim.transport()))
            try:
                client = PaySsam(*CREDENTIALS, BASE, http_client=http, max_retries=max_retries, backoff=NO_PAUSE)
                return client.send_batch(self.source, callback_url=CALLBACK, concurrency=concurrency)
            finally:
                http.close()

        async def send() -> BatchReport:
            http = httpx.AsyncClient(transport=AsyncFaultTransport(self.network, self.sim.async_transport()))
            try:
                client = AsyncPaySsam(*CREDENTIALS, BASE, http_client=http, max_retries=max_retries, backoff=NO_PAUSE)
                return await client.send_batch(self.source, callback_url=CALLBACK, concurrency=concurrency)
            finally:
                await http.aclose()

        # A loop of its own, never set as the thread's loop: pytest-asyncio's loop is left alone.
        with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
            return runner.run(send())

    @contextlib.contextmanager
    def _killed_while_writing(self, at: int | None) -> Iterator[None]:
        """A kill while the at-th result line of the run is being written: the line is cut in half and the journal
        never hears of it (send_batch writes the line first), as a SIGKILL in the middle of the write leaves it."""
        if at is None:
            yield
            return
        original = outputs.Writer.write
        written = 0
        drill = self

        def write(writer: outputs.Writer, record: Mapping[str, Any]) -> None:
            nonlocal written
            original(writer, record)
            if writer.path != drill.output:
                return
            written += 1
            if written == at:
                cut_last_line(writer.path)
                drill.network.kill("kill-mid-write")
                raise Killed(f"killed while writing result {at} (line {record.get('line')})")

        outputs.Writer.write = write  # type: ignore[method-assign]
        try:
            yield
        finally:
            outputs.Writer.write = original  # type: ignore[method-assign]

    def random_run(self) -> RunRecord:
        rng = self.rng
        rate = rng.choice([0.0, 0.15, 0.3, 0.5])
        kill_rate = 0.08 if rng.random() < 0.35 else 0.0
        kill_at_write = rng.randint(1, len(self.rows)) if rng.random() < 0.12 else None
        plan = RandomPlan(self.seed, rate, kill_rate)
        text = f"faults {rate:g}" + (f", kills {kill_rate:g}" if kill_rate else "")
        return self.run(
            mode=rng.choice(["sync", "async"]),
            concurrency=rng.randint(1, 4),
            plan=plan,
            max_retries=rng.choice([0, 1, 2, 2, 3]),
            kill_at_write=kill_at_write,
            cut_after_kill=rng.random() < 0.5,
            plan_text=text,
        )

    def finish(self, *, mode: str | None = None, concurrency: int | None = None) -> RunRecord:
        """Every late request lands, then the final clean run."""
        self.note("end of the sequence: every held request lands")
        self.network.land_all()
        return self.run(
            mode=mode or self.rng.choice(["sync", "async"]),
            concurrency=concurrency or self.rng.randint(1, 4),
        )

    # ------------------------------------------------------------------ judging

    def ledger(self) -> dict[str, dict[str, Any]]:
        with httpx.Client(transport=self.sim.transport(), base_url=BASE) as http:
            answer = http.get("/_sim/bills")
        assert answer.status_code == 200, answer.text
        return {bill["bill_id"]: bill for bill in answer.json()["bills"]}

    def judge(self) -> list[Violation]:
        """Every invariant, after the final clean run, against the ledger."""
        found: list[Violation] = []

        def violated(invariant: int, text: str) -> None:
            found.append(Violation(invariant, text))

        bills = self.ledger()
        products = {row.product: key for key, row in self.ever.items()}
        by_product: dict[str, list[dict[str, Any]]] = {product: [] for product in products}
        for bill in bills.values():
            if bill["product_nm"] not in by_product:
                violated(1, f"bill {bill['bill_id']} for {bill['product_nm']!r}: no row of the file asked for it")
                continue
            by_product[bill["product_nm"]].append(bill)
            if bill["messages_sent"] != 1:
                violated(1, f"bill {bill['bill_id']} was sent {bill['messages_sent']} times")

        def live(product: str) -> list[dict[str, Any]]:
            return [bill for bill in by_product[product] if bill["state"] not in ENDED]

        # 1. No double bill.
        for product, each in by_product.items():
            alive = live(product)
            if len(alive) > 1:
                violated(1, f"{product}: {len(alive)} live bills {[bill['bill_id'] for bill in alive]}")
            kept = [bill["bill_id"] for bill in each if bill["bill_id"] not in self.ended]
            if len(kept) > 1:
                violated(1, f"{product}: billed {len(kept)} times ({kept}) besides bills the operator ended")

        final = self.runs[-1] if self.runs else None
        if final is None or not final.clean:
            violated(7, "the sequence did not end with a clean run")
            return found
        if self.network.held:
            violated(7, f"{len(self.network.held)} request(s) still held before judging")
        report = final.report
        if report is None:
            violated(7, f"the final clean run did not finish: {final.killed or final.refused or final.error}")

        # 2 and 3. Every row of the final file billed once, at its price, unless reported changed.
        outcome_of = {record["line"]: record for record in final.records}
        any_changed = False
        for line, row in enumerate(final.rows, start=2):
            record = outcome_of.get(line)
            outcome = record["outcome"] if record else "settled earlier"
            alive = live(row.product)
            if record is not None and outcome == "changed":
                any_changed = True
                named = record["bill_id"]
                bill = bills.get(named) if named else None
                if bill is None or bill["product_nm"] != row.product:
                    violated(2, f"line {line} {row.product}: changed, naming bill {named}, which is not its bill")
                elif named not in str(record["message"]):
                    violated(2, f"line {line} {row.product}: changed, but its message does not name bill {named}")
                elif bill["state"] in ENDED and alive:
                    violated(2, f"line {line} {row.product}: changed, naming ended {named}, yet it has a live bill")
                elif bill["state"] not in ENDED and [each["bill_id"] for each in alive] != [named]:
                    violated(2, f"line {line} {row.product}: changed, naming {named}, but its live bills are {alive}")
                continue
            if outcome in ("unknown", "failed"):
                violated(4, f"line {line} {row.product}: {outcome} after the final clean run")
            if len(alive) != 1:
                ids = [bill["bill_id"] for bill in alive]
                violated(2, f"line {line} {row.product} ({outcome}): {len(alive)} live bills {ids}")
                continue
            bill = alive[0]
            where = f"line {line} {row.product} ({outcome})"
            if int(bill["price"]) != row.price:
                violated(3, f"{where}: billed {bill['price']} won, the row says {row.price}")
            if (bill["expire_dt"] or "") != row.expires_on:
                violated(3, f"{where}: expires {bill['expire_dt']}, the row says {row.expires_on!r}")
            if record is not None and record["bill_id"] != bill["bill_id"]:
                violated(4, f"{where}: reported as {record['bill_id']}, billed as {bill['bill_id']}")

        # 4. Every result line of every run true to the ledger.
        for run in self.runs:
            twice = sorted(line for line, count in Counter(r["line"] for r in run.records).items() if count > 1)
            if twice:
                violated(4, f"run {run.index}: lines reported more than once: {twice}")
            for record in run.records:
                line, outcome, bill_id = record["line"], record["outcome"], record["bill_id"]
                if not 2 <= line < len(run.rows) + 2:
                    violated(4, f"run {run.index}: a result for line {line}, which the file did not have")
                    continue
                row = run.rows[line - 2]
                bill = bills.get(bill_id) if bill_id else None
                where = f"run {run.index} line {line} {row.product}"
                if bill is not None and bill["product_nm"] != row.product:
                    violated(4, f"{where}: {outcome} names bill {bill_id}, which is {bill['product_nm']}'s")
                if outcome in ("sent", "recovered"):
                    if bill is None:
                        violated(4, f"{where}: {outcome} as {bill_id}, which PaySsam does not have")
                    elif int(bill["price"]) != row.price:
                        violated(4, f"{where}: {outcome} at {row.price} won, but {bill_id} is at {bill['price']}")
                elif outcome == "failed" and bill is not None:
                    created = self.network.created.get(bill_id)
                    if created is None or created <= run.index:
                        violated(4, f"{where}: failed, yet bill {bill_id} exists (created by a send of run {created})")
                elif outcome not in ("failed", "unknown", "changed"):
                    violated(4, f"{where}: an outcome that does not exist: {outcome!r}")
        if report is not None:
            if report.complete == any_changed:
                violated(4, f"the final report says complete={report.complete}; rows changed: {any_changed}")
            if report.file_changed:
                violated(4, "the final report says the file changed during the run; it did not")
            if report.rows != len(final.rows):
                violated(4, f"the final report counts {report.rows} rows; the file has {len(final.rows)}")

        # 5. Bills of rows that left the file are reported missing.
        if report is not None:
            missing = {bill_id for bill_id, _ in report.missing}
            here = {row.product for row in final.rows}
            for product, each in by_product.items():
                if product in here:
                    continue
                for bill in each:
                    if bill["state"] not in ENDED and bill["bill_id"] not in missing:
                        violated(
                            5, f"{product} left the file; its bill {bill['bill_id']} is not in the report's missing"
                        )

        # 6 and 7. Inputs untouched; nothing unexpected escaped.
        for run in self.runs:
            if run.input_changed:
                violated(6, f"run {run.index} changed the input file")
            if run.error:
                violated(7, f"run {run.index}: {run.error}")
        return found


def _leftover_threads() -> str:
    """Wait for the blocking client's workers (a killed run's pool drains them); report any that will not end.

    The SDK's pool names its threads payssam_N; the simulator's own (payssam-sim-…) live as long as it does."""
    stuck = []
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.startswith("payssam_"):
            thread.join(HANG)
            if thread.is_alive():
                stuck.append(thread.name)
    return f"worker threads still running after the run: {stuck}" if stuck else ""


# --------------------------------------------------------------------------- random sequences and totals


def random_sequence(seed: int, directory: Path) -> tuple[Drill, list[Violation]]:
    """One seeded sequence, run and judged; the caller closes the drill."""
    drill = Drill(seed, directory)
    rng = drill.rng
    drill.rows = [drill.new_row() for _ in range(rng.randint(3, 12))]
    for number in range(rng.randint(3, 6)):
        if number:
            drill.between()
        drill.random_run()
    drill.between()
    drill.finish()
    return drill, drill.judge()


@dataclass(slots=True)
class Totals:
    """What a set of sequences did, and what they found."""

    sequences: int = 0
    runs: int = 0
    killed: int = 0
    refused: int = 0
    rows: int = 0
    row_runs: int = 0
    edits: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    late: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    violations: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def add(self, drill: Drill, violations: list[Violation]) -> None:
        self.sequences += 1
        self.runs += len(drill.runs)
        self.killed += sum(1 for run in drill.runs if run.killed)
        self.refused += sum(1 for run in drill.runs if run.refused)
        self.rows += len(drill.ever)
        self.row_runs += sum(len(run.rows) for run in drill.runs)
        self.edits.update(drill.edits)
        self.faults.update(drill.network.faults)
        self.kills.update(drill.network.kills)
        self.late += drill.network.late_landed
        for run in drill.runs:
            self.outcomes.update(record["outcome"] for record in run.records)
        self.violations.update(violation.invariant for violation in violations)
        if violations:
            self.failures.append(failure(drill, violations))

    def lines(self) -> list[str]:
        def listed(counts: Mapping[Any, int]) -> str:
            return ", ".join(f"{name} {count:,}" for name, count in sorted(counts.items())) or "none"

        return [
            f"sequences {self.sequences:,}, runs {self.runs:,} ({self.killed:,} killed, {self.refused:,} refused), "
            f"logical rows {self.rows:,}, rows run {self.row_runs:,}",
            f"edits: {listed(self.edits)}",
            f"faults: {listed(self.faults)}",
            f"kills: {listed(self.kills)}; late requests landed {self.late:,}",
            f"outcomes reported: {listed(self.outcomes)}",
            "violations: " + ", ".join(f"{n} {INVARIANTS[n]} {self.violations[n]}" for n in INVARIANTS),
        ]


def failure(drill: Drill, violations: list[Violation]) -> str:
    """A failed sequence, whole: what broke, how to replay it, and every step."""
    return "\n".join(
        [
            *(str(violation) for violation in violations),
            f"replay: .venv/bin/python tests/drill.py {drill.seed}" if drill.title.startswith("random") else "",
            drill.describe(),
        ]
    )


def main(argv: list[str]) -> int:
    """Replay sequences by seed: `python tests/drill.py SEED [SEED ...]` prints each one and what it broke."""
    import tempfile

    status = 0
    for seed in (int(arg) for arg in argv):
        with tempfile.TemporaryDirectory() as directory:
            drill, violations = random_sequence(seed, Path(directory))
            drill.close()
        print(drill.describe())
        print("\n".join(str(violation) for violation in violations) or "no invariant violated")
        status |= bool(violations)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
