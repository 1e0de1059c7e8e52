"""Bulk work: send-batch, read_bills and reconcile, in-process and as the `payssam` command, killed mid-run.

The Python API runs against the in-process simulator (`Simulator().transport()` / `.async_transport()`);
the command line runs as a subprocess against a `payssam sim --port 0 --quiet` subprocess on loopback,
both stopped by PID. The witness of every send is the simulator's ledger (GET /_sim/bills): one bill
per row, one KakaoTalk message per bill, no bill the file did not ask for. The kill drills SIGKILL
`payssam send-batch` and `payssam reconcile` at seeded random points (when a file they write has
grown by a random number of lines, never after a wall-clock delay) and run them again until done.
Nothing here asserts wall-clock time; waits are generous timeouts, so a loaded machine is only slower.
PAYSSAM_DRILL_SEED picks another seed for the drills' kill points.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import httpx
import pytest

from payssam import (
    KST,
    AsyncPaySsam,
    BillNotFoundError,
    DuplicateBillIdError,
    PaySsam,
    ValidationError,
    new_bill_id,
)
from payssam import _batch as batch
from payssam._batch import OUTPUT_COLUMNS, BatchRefusedError, BatchReport
from payssam._reconcile import ReconcileReport
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, MODES, free_port
from processes import first_line, stop

BASE = "http://127.0.0.1"
CREDENTIALS = (APIKEY, MEMBER, MERCHANT)
WAIT = 60.0
"""Seconds any wait allows (a subprocess to answer, a file to grow): generous, so load never fails a test."""
HANG = 30.0
"""Seconds after which work that takes milliseconds counts as hung (failing fast instead of at WAIT)."""
READ_PATH = "/if/bill/read"
Result = TypeVar("Result")
COLUMNS = ["bill_id", "price", "phone", "customer_name", "product_name", "message", "issuer", "expires_on"]
NAMES = ["홍길동", "김철수", "이영희", "박민수", "최지우", "정하늘", "한가람"]
EXPIRES = datetime.now(KST).date() + timedelta(days=30)
SEED = int(os.environ.get("PAYSSAM_DRILL_SEED", "20261126"))
LISTENING = re.compile(r"payssam sim listening on (http://127\.0\.0\.1:[0-9]+)")


# --------------------------------------------------------------------------- files and the ledger


@pytest.fixture(scope="module")
def callback() -> str:
    """The batch's callback URL: a closed loopback port, so approvals never matter here."""
    return f"http://127.0.0.1:{free_port()}/payssam/approval"


def bill_rows(count: int, *, start: int = 0) -> list[dict[str, str]]:
    """Rows for a CSV: every other one names its bill id, optional columns sometimes filled."""
    rows = []
    for index in range(start, start + count):
        rows.append(
            {
                "bill_id": new_bill_id("T") if index % 2 == 0 else "",
                "price": str(10000 + 500 * index),
                "phone": f"010{20000000 + index:08d}",
                "customer_name": NAMES[index % len(NAMES)],
                "product_name": f"{index % 12 + 1}월 수강료",
                "message": "" if index % 3 else "이번 달 수강료 안내입니다.",
                "issuer": "" if index % 4 else "행복학원",
                "expires_on": "" if index % 5 else EXPIRES.isoformat(),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every whole line of a JSONL file as an object; a whole line that is not JSON fails the test.

    A last line without its newline is one a SIGKILL cut off mid-write: not a result yet (the next run
    drops it), so it is left out, as the SDK itself does.
    """
    if not path.exists():
        return []
    records = []
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    assert header.get("payssam") in ("send-batch", "reconcile"), header
    assert header.get("format") == 2, header
    for text in lines[1:]:
        if not text.endswith("\n"):
            break
        loaded = json.loads(text)
        assert isinstance(loaded, dict), text
        records.append(loaded)
    return records


def written_beside(source: Path) -> list[Path]:
    """Files a run wrote beside its input (results, journal)."""
    return sorted(source.parent.glob(source.name + ".*"))


def journal_of(output: Path) -> Path:
    return output.with_name(output.name + ".journal")


def once_each(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The records by line; each line must appear exactly once."""
    lines = Counter(int(record["line"]) for record in records)
    twice = sorted(line for line, seen in lines.items() if seen > 1)
    assert not twice, f"lines written more than once: {twice}"
    return {int(record["line"]): record for record in records}


def assert_billed_exactly_once(
    rows: list[dict[str, str]], output: Path, bills: dict[str, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Every row settled once in the output, and PaySsam holds exactly its bills, each sent once."""
    records = once_each(read_jsonl(output))
    assert set(records) == {index + 2 for index in range(len(rows))}
    outcomes = Counter(record["outcome"] for record in records.values())
    assert set(outcomes) <= {"sent", "recovered"}, outcomes
    for index, row in enumerate(rows):
        record = records[index + 2]
        if row["bill_id"]:
            assert record["bill_id"] == row["bill_id"], (index + 2, record)
        bill = bills.get(record["bill_id"])
        assert bill is not None, f"line {index + 2}: bill {record['bill_id']} is not at PaySsam"
        assert bill["price"] == row["price"]
        assert bill["product_nm"] == row["product_name"]
        assert bill["messages_sent"] == 1, bill
    assert len(bills) == len(rows), f"{len(bills)} bills for {len(rows)} rows"
    assert set(bills) == {record["bill_id"] for record in records.values()}
    return records


def journal_ids(output: Path) -> dict[int, str]:
    """The journal's bill id for each line (the line where its row stood when last seen), read-only."""
    path = journal_of(output)
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as db:
        found = db.execute("SELECT line, bill_id FROM rows WHERE state != 'replaced'").fetchall()
    ids: dict[int, str] = {}
    for line, bill_id in found:
        assert ids.setdefault(int(line), str(bill_id)) == bill_id, f"line {line} journaled with two ids"
    return ids


def on_daemon(work: Callable[[], Result]) -> Result:
    """work() on a daemon thread, its result or exception here: a hang fails the test after HANG seconds
    instead of blocking the suite (a blocking client cannot be cancelled from an event loop)."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG)
    assert outcome, f"still running after {HANG} s: the work hangs"
    finished, value = outcome[0]
    if not finished:
        raise value
    result: Result = value
    return result


# --------------------------------------------------------------------------- the in-process simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh in-process simulator (no socket); its callback worker is stopped afterwards."""
    simulator = Simulator(callback_retry_interval=3600.0)
    yield simulator
    simulator.stop()


def ledger(sim: Simulator) -> dict[str, dict[str, Any]]:
    """GET /_sim/bills: every bill PaySsam holds, by id."""
    with httpx.Client(transport=sim.transport(), base_url=BASE) as http:
        answer = http.get("/_sim/bills")
    assert answer.status_code == 200, answer.text
    return {bill["bill_id"]: bill for bill in answer.json()["bills"]}


def pay(sim: Simulator, bill_id: str) -> None:
    """The customer pays (the simulator's control route)."""
    with httpx.Client(transport=sim.transport(), base_url=BASE) as http:
        answer = http.post(f"/_sim/bills/{bill_id}/pay", json={})
    assert answer.status_code == 200, answer.text


def sync_client(sim: Simulator, transport: httpx.BaseTransport | None = None) -> PaySsam:
    http = httpx.Client(transport=transport or sim.transport())
    return PaySsam(*CREDENTIALS, BASE, http_client=http)


def async_client(sim: Simulator, transport: httpx.AsyncBaseTransport | None = None) -> AsyncPaySsam:
    http = httpx.AsyncClient(transport=transport or sim.async_transport())
    return AsyncPaySsam(*CREDENTIALS, BASE, http_client=http)


def send_one(sim: Simulator, bill_id: str, price: int, callback: str) -> None:
    client = sync_client(sim)
    try:
        client.send_bill(
            bill_id, price, phone="01099998888", customer_name="고객", product_name="기존 청구", callback_url=callback
        )
    finally:
        client._http.close()


async def send_batch(mode: str, sim: Simulator, source: Path, **options: Any) -> BatchReport:
    """send_batch on the blocking or the awaitable client."""
    if mode == "sync":
        client = sync_client(sim)
        try:
            return client.send_batch(source, **options)
        finally:
            client._http.close()
    aclient = async_client(sim)
    try:
        return await aclient.send_batch(source, **options)
    finally:
        await aclient._http.aclose()


class SeenSync(httpx.BaseTransport):
    """The simulator, noting the path of every request it gets."""

    def __init__(self, inner: httpx.BaseTransport, paths: list[str]) -> None:
        self.inner, self.paths = inner, paths

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


class SeenAsync(httpx.AsyncBaseTransport):
    """The simulator, noting the path of every request it gets."""

    def __init__(self, inner: httpx.AsyncBaseTransport, paths: list[str]) -> None:
        self.inner, self.paths = inner, paths

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


async def reconcile(
    mode: str, sim: Simulator, source: Path, paths: list[str] | None = None, **options: Any
) -> ReconcileReport:
    """reconcile on the blocking or the awaitable client; `paths` gets the path of every request sent."""
    if mode == "sync":
        client = sync_client(sim, None if paths is None else SeenSync(sim.transport(), paths))
        try:
            return client.reconcile(source, **options)
        finally:
            client._http.close()
    aclient = async_client(sim, None if paths is None else SeenAsync(sim.async_transport(), paths))
    try:
        return await aclient.reconcile(source, **options)
    finally:
        await aclient._http.aclose()


def read_all_sync(
    sim: Simulator, ids: Iterable[str], *, concurrency: int, pause: float, each: Callable[[int], None] | None
) -> list[tuple[str, Any]]:
    results: list[tuple[str, Any]] = []
    client = sync_client(sim)
    try:
        for item in client.read_bills(ids, concurrency=concurrency):
            results.append(item)
            if each is not None:
                each(len(results))
            time.sleep(pause)
    finally:
        client._http.close()
    return results


async def read_all(
    mode: str,
    sim: Simulator,
    ids: Iterable[str],
    *,
    concurrency: int = 4,
    pause: float = 0.0,
    each: Callable[[int], None] | None = None,
) -> list[tuple[str, Any]]:
    """Every (bill_id, status or error) read_bills yields, pausing after each; each(n) sees n results so far."""
    if mode == "sync":
        return read_all_sync(sim, ids, concurrency=concurrency, pause=pause, each=each)
    results: list[tuple[str, Any]] = []
    aclient = async_client(sim)
    try:
        async for item in aclient.read_bills(ids, concurrency=concurrency):
            results.append(item)
            if each is not None:
                each(len(results))
            await asyncio.sleep(pause)
    finally:
        await aclient._http.aclose()
    return results


# --------------------------------------------------------------------------- send_batch (Python API)


@pytest.mark.parametrize("mode", MODES)
async def test_send_batch_sends_every_row_once_and_a_second_run_sends_nothing(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = bill_rows(7)
    source = write_csv(tmp_path / "november.csv", rows)
    output = tmp_path / "november.csv.sent.jsonl" if mode == "sync" else tmp_path / "results.jsonl"
    named = {} if mode == "sync" else {"output": output}
    table = tmp_path / "results.csv"

    report = await send_batch(mode, sim, source, callback_url=callback, csv_output=table, **named)

    assert (report.rows, report.already_settled, report.outcomes) == (7, 0, Counter({"sent": 7}))
    assert report.complete
    assert report.output == output
    bills = ledger(sim)
    records = assert_billed_exactly_once(rows, output, bills)
    for line, record in records.items():
        assert record["outcome"] == "sent"
        assert record["error"] is None
        assert record["short_url"] == bills[record["bill_id"]]["short_url"], line
        assert len(record["bill_id"]) == 20
        assert bills[record["bill_id"]]["callback_url"] == callback
    assert journal_ids(output) == {line: record["bill_id"] for line, record in records.items()}
    with_expiry = [index + 2 for index, row in enumerate(rows) if row["expires_on"]]
    assert with_expiry
    for line in with_expiry:
        assert bills[records[line]["bill_id"]]["expire_dt"] == EXPIRES.isoformat()

    with table.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert reader.fieldnames == list(OUTPUT_COLUMNS)
        shown = {int(row["line"]): row for row in reader}
    assert {line: (row["bill_id"], row["outcome"]) for line, row in shown.items()} == {
        line: (record["bill_id"], "sent") for line, record in records.items()
    }

    written, tabled = output.read_bytes(), table.read_bytes()
    again = await send_batch(mode, sim, source, callback_url=callback, csv_output=table, **named)

    assert (again.rows, again.already_settled, again.outcomes) == (7, 7, Counter())
    assert again.complete
    assert ledger(sim) == bills
    assert output.read_bytes() == written
    assert table.read_bytes() == tabled


BAD_ROWS: list[tuple[dict[str, str], list[str]]] = [
    ({"phone": "010-2000-0000"}, ["phone"]),
    ({"price": "12,000"}, ["price"]),
    ({"product_name": "   "}, ["product_name"]),
    ({"expires_on": "2026/12/31"}, ["expires_on"]),
    ({"bill_id": "DUPLICATE0000000001"}, []),
    ({"bill_id": "DUPLICATE0000000001"}, ["bill_id"]),
    ({}, []),
    ({"price": "-5"}, ["price"]),
    ({"bill_id": "bad-id!"}, ["bill_id"]),
    ({"expires_on": "2020-01-01"}, ["expires_on"]),
    ({"customer_name": ""}, ["customer_name"]),
]


@pytest.mark.parametrize("mode", MODES)
async def test_invalid_rows_are_refused_with_every_problem_and_nothing_is_sent(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = [{**row, **change} for row, (change, _) in zip(bill_rows(len(BAD_ROWS)), BAD_ROWS, strict=True)]
    source = write_csv(tmp_path / "bad.csv", rows)
    expected = sorted((index + 2, name) for index, (_, names) in enumerate(BAD_ROWS) for name in names)

    with pytest.raises(BatchRefusedError) as refused:
        await send_batch(mode, sim, source, callback_url=callback)

    assert isinstance(refused.value, ValidationError)
    assert sorted((problem.line, problem.field) for problem in refused.value.problems) == expected
    duplicate = next(problem for problem in refused.value.problems if problem.line == 7)
    assert "line 6" in duplicate.problem
    assert "line 2: phone" in str(refused.value)
    assert all(str(problem) in str(refused.value) for problem in refused.value.problems)  # every one listed
    assert refused.value.count == len(expected)
    assert ledger(sim) == {}
    assert not written_beside(source), "a refused batch wrote results"


async def test_a_row_with_several_bad_fields_is_refused_with_each_of_them(
    sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = bill_rows(3)
    rows[1].update(price="-5", phone="0101234", product_name="", expires_on="tomorrow")
    source = write_csv(tmp_path / "bad.csv", rows)

    with pytest.raises(BatchRefusedError) as refused:
        await send_batch("sync", sim, source, callback_url=callback)

    assert sorted((problem.line, problem.field) for problem in refused.value.problems) == [
        (3, "expires_on"),
        (3, "phone"),
        (3, "price"),
        (3, "product_name"),
    ]
    assert ledger(sim) == {}


@pytest.mark.parametrize("mode", MODES)
async def test_an_invalid_callback_url_is_refused_before_anything_is_sent(
    mode: str, sim: Simulator, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "rows.csv", bill_rows(3))
    with pytest.raises(BatchRefusedError) as refused:
        await send_batch(mode, sim, source, callback_url="ftp://partner.example/approval")
    # One problem for the one option, not one per row.
    assert [(problem.line, problem.field) for problem in refused.value.problems] == [(1, "--callback-url")]
    assert ledger(sim) == {}


SHAPES: list[Any] = [
    pytest.param([*COLUMNS, "memo"], "memo", id="unknown-column"),
    pytest.param([name for name in COLUMNS if name != "phone"], "phone", id="missing-required-column"),
    pytest.param([], "no header row", id="empty-file"),
    pytest.param(COLUMNS, "has no rows", id="header-only"),
]


@pytest.mark.parametrize(("header", "named"), SHAPES)
async def test_a_file_of_the_wrong_shape_is_refused_as_a_batch_and_nothing_is_sent(
    sim: Simulator, tmp_path: Path, callback: str, header: list[str], named: str
) -> None:
    source = tmp_path / "shape.csv"
    if not header:
        source.write_text("", encoding="utf-8")
    elif header == COLUMNS:
        write_csv(source, [], header)
    else:
        write_csv(source, [{**row, "memo": "x"} for row in bill_rows(2)], header)

    with pytest.raises(ValidationError) as refused:
        await send_batch("sync", sim, source, callback_url=callback)

    assert named in str(refused.value)
    assert ledger(sim) == {}
    assert not written_beside(source)
    # The brief: a bad header, a missing column and an empty file are refused like bad rows, as a
    # BatchRefusedError whose .problems say what is wrong and where (line 1).
    assert isinstance(refused.value, BatchRefusedError), (
        f"refused as {type(refused.value).__name__}, not BatchRefusedError: {refused.value}"
    )
    assert refused.value.problems
    assert {problem.line for problem in refused.value.problems} == {1}


async def test_a_row_with_more_fields_than_the_header_is_refused(sim: Simulator, tmp_path: Path, callback: str) -> None:
    """An unquoted comma shifts a row's values: its extra field must not be dropped silently."""
    source = tmp_path / "shifted.csv"
    write_csv(source, bill_rows(3))
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[2] += ",안내 문구의 나머지"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(BatchRefusedError) as refused:
        await send_batch("sync", sim, source, callback_url=callback)

    assert [problem.line for problem in refused.value.problems] == [3]
    assert ledger(sim) == {}


@pytest.mark.parametrize("mode", MODES)
async def test_a_bill_id_used_at_paysam_with_another_price_fails_and_the_other_rows_are_sent(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = bill_rows(4)
    taken = rows[2]["bill_id"]
    assert taken
    send_one(sim, taken, 5000, callback)
    source = write_csv(tmp_path / "rows.csv", rows)
    output = tmp_path / "rows.csv.sent.jsonl"

    report = await send_batch(mode, sim, source, callback_url=callback)

    assert report.outcomes == Counter({"sent": 3, "failed": 1})
    assert not report.complete
    records = once_each(read_jsonl(output))
    assert set(records) == {2, 3, 4, 5}
    failed = records[4]
    assert (failed["bill_id"], failed["outcome"], failed["error"]) == (taken, "failed", DuplicateBillIdError.__name__)
    assert failed["short_url"] is None
    bills = ledger(sim)
    assert len(bills) == 4
    assert (bills[taken]["price"], bills[taken]["product_nm"], bills[taken]["messages_sent"]) == (
        "5000",
        "기존 청구",
        1,
    )
    for line in (2, 3, 5):
        assert records[line]["outcome"] == "sent"
        assert bills[records[line]["bill_id"]]["messages_sent"] == 1

    again = await send_batch(mode, sim, source, callback_url=callback)

    # A failed row is tried again (afresh: its failure proved nothing of ours landed), fails again the same
    # way, and nothing is billed twice; the batch stays incomplete (the CLI's exit 1).
    assert (again.already_settled, again.outcomes) == (3, Counter({"failed": 1}))
    assert read_jsonl(output)[-1]["outcome"] == "failed"
    assert ledger(sim) == bills
    assert not again.complete, "a re-run reports complete although line 4 failed and was never sent"


class FakeClock:
    """batch's time.monotonic and sleeps: a sleep moves the shared clock to the sleeper's wake-up, at once.

    Each sleeper's wake-up is the clock it read last (in delay(), on its own thread) plus the delay.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.delays: list[float] = []
        self.starts: list[float] = []
        self._read = threading.local()
        self._lock = threading.Lock()
        self._yield = asyncio.sleep

    def monotonic(self) -> float:
        with self._lock:
            self._read.value = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            start = getattr(self._read, "value", self.now) + seconds
            self.delays.append(seconds)
            self.starts.append(start)
            self.now = max(self.now, start)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await self._yield(0)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """batch's clock and blocking sleep, and asyncio.sleep (nothing else sleeps on asyncio in these tests)."""
        monkeypatch.setattr(batch, "time", SimpleNamespace(monotonic=self.monotonic, sleep=self.sleep))
        monkeypatch.setattr(asyncio, "sleep", self.async_sleep)


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("mode", MODES)
async def test_rate_spaces_the_sends_one_interval_apart(
    mode: str, concurrency: int, sim: Simulator, tmp_path: Path, callback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    clock.install(monkeypatch)
    rows, rate = bill_rows(12), 50.0
    source = write_csv(tmp_path / "rows.csv", rows)

    report = await send_batch(mode, sim, source, callback_url=callback, rate=rate, concurrency=concurrency)

    assert report.outcomes == Counter({"sent": 12})
    assert len(ledger(sim)) == 12
    assert len(clock.delays) == len(rows), "one pause (possibly 0) before each send"
    assert sorted(clock.starts) == pytest.approx([1000.0 + k / rate for k in range(len(rows))])
    if concurrency == 1:
        assert sum(clock.delays) == pytest.approx((len(rows) - 1) / rate)


@pytest.mark.parametrize("mode", MODES)
async def test_without_a_rate_no_send_waits(
    mode: str, sim: Simulator, tmp_path: Path, callback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    clock.install(monkeypatch)
    source = write_csv(tmp_path / "rows.csv", bill_rows(5))

    report = await send_batch(mode, sim, source, callback_url=callback)

    assert report.outcomes == Counter({"sent": 5})
    assert clock.delays == [0.0] * 5


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("concurrency", 0),
        ("concurrency", 257),
        ("concurrency", True),
        ("concurrency", 2.0),
        ("rate", 0),
        ("rate", -1.0),
        ("rate", float("inf")),
        ("rate", "10/s"),
        ("rate", True),
    ],
)
async def test_bad_concurrency_or_rate_is_refused_and_nothing_is_sent(
    mode: str, option: str, value: object, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    source = write_csv(tmp_path / "rows.csv", bill_rows(2))
    with pytest.raises(ValidationError) as refused:
        await send_batch(mode, sim, source, callback_url=callback, **{option: value})
    assert refused.value.field == option
    assert ledger(sim) == {}


@pytest.mark.parametrize("mode", MODES)
async def test_a_journal_that_is_not_ours_is_refused_untouched_and_nothing_is_sent(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = bill_rows(4)
    source = write_csv(tmp_path / "rows.csv", rows)
    output = tmp_path / "rows.csv.sent.jsonl"
    foreign = b'{"line": 2, "bill_id": "T000000'
    journal_of(output).write_bytes(foreign)

    with pytest.raises(ValidationError) as refused:
        await send_batch(mode, sim, source, callback_url=callback)

    assert refused.value.field == "output"
    assert "not written by payssam send-batch" in str(refused.value)
    assert journal_of(output).read_bytes() == foreign
    assert not output.exists()
    assert ledger(sim) == {}


def set_journal_state(output: Path, bill_id: str, state: str) -> None:
    """What a kill leaves in the journal: the row of bill_id with this state."""
    with contextlib.closing(sqlite3.connect(journal_of(output))) as db, db:
        db.execute("UPDATE rows SET state = ? WHERE bill_id = ?", (state, bill_id))


@pytest.mark.parametrize("mode", MODES)
async def test_an_output_line_cut_off_by_a_kill_is_repaired_and_its_row_settled_without_a_second_send(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    """A kill while the last result line was being written: the line is cut, and the journal (settled only after
    the line is written) still says the send was under way."""
    rows = bill_rows(5)
    source = write_csv(tmp_path / "rows.csv", rows)
    output = tmp_path / "rows.csv.sent.jsonl"
    await send_batch(mode, sim, source, callback_url=callback)
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = json.loads(lines[-1])
    output.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")
    set_journal_state(output, cut["bill_id"], "sending")

    report = await send_batch(mode, sim, source, callback_url=callback)

    assert report.already_settled == 4
    assert report.outcomes == Counter({"recovered": 1})
    records = assert_billed_exactly_once(rows, output, ledger(sim))
    assert records[cut["line"]]["bill_id"] == cut["bill_id"]


# --------------------------------------------------------------------------- read_bills


def make_bills(sim: Simulator, count: int, callback: str) -> list[str]:
    ids = [new_bill_id("R") for _ in range(count)]
    client = sync_client(sim)
    try:
        for index, bill_id in enumerate(ids):
            client.send_bill(
                bill_id,
                1000 + index,
                phone="01012345678",
                customer_name="홍길동",
                product_name="수강료",
                callback_url=callback,
            )
    finally:
        client._http.close()
    return ids


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_yields_every_id_with_its_status_or_its_error(
    mode: str, sim: Simulator, callback: str
) -> None:
    ids = make_bills(sim, 9, callback)
    pay(sim, ids[0])
    unknown, invalid = "NOSUCHBILL0000000001", "not-a-bill-id"

    results = await read_all(mode, sim, [*ids, unknown, invalid], concurrency=3)

    assert len(results) == len(ids) + 2
    found = dict(results)
    assert set(found) == {*ids, unknown, invalid}
    assert found[ids[0]].state.name == "PAID"
    assert {found[bill_id].state.name for bill_id in ids[1:]} == {"UNPAID"}
    assert all(found[bill_id].bill_id == bill_id for bill_id in ids)
    assert isinstance(found[unknown], BillNotFoundError)
    assert isinstance(found[invalid], ValidationError)
    assert found[invalid].field == "bill_id"


class Tracked:
    """An iterable of ids that records how many have been taken from it."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
        self.taken = 0

    def __iter__(self) -> Iterator[str]:
        for bill_id in self.ids:
            self.taken += 1
            yield bill_id


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_takes_the_ids_as_they_are_needed(mode: str, sim: Simulator) -> None:
    concurrency = 4
    ids = Tracked([f"LAZY{index:016d}" for index in range(120)])
    ahead: list[int] = []

    results = await read_all(
        mode, sim, ids, concurrency=concurrency, pause=0.002, each=lambda seen: ahead.append(ids.taken - seen)
    )

    assert {bill_id for bill_id, _ in results} == set(ids.ids)
    assert all(isinstance(result, BillNotFoundError) for _, result in results)
    assert ids.taken == len(ids.ids)
    # The blocking client keeps at most `concurrency` reads in flight; the awaitable one also queues up to
    # 2 x concurrency finished reads for a slow consumer. Either way a bound that does not grow with the input.
    bound = concurrency if mode == "sync" else 3 * concurrency
    assert max(ahead) <= bound, f"ids taken ahead of the results yielded: {max(ahead)} (at most {bound})"


class HeldSync(httpx.BaseTransport):
    """The simulator, except that the read of one bill waits until released."""

    def __init__(self, inner: httpx.BaseTransport, held: str) -> None:
        self.inner, self.held = inner, held
        self.release = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == READ_PATH and json.loads(request.read())["bill_id"] == self.held:
            self.release.wait(WAIT)
        return self.inner.handle_request(request)


class HeldAsync(httpx.AsyncBaseTransport):
    """The simulator, except that the read of one bill waits until released."""

    def __init__(self, inner: httpx.AsyncBaseTransport, held: str) -> None:
        self.inner, self.held = inner, held
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == READ_PATH and json.loads(await request.aread())["bill_id"] == self.held:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), WAIT)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_yields_each_read_as_it_ends_not_in_input_order(
    mode: str, sim: Simulator, callback: str
) -> None:
    ids = make_bills(sim, 8, callback)
    order: list[str] = []
    if mode == "sync":
        held = HeldSync(sim.transport(), ids[0])
        client = sync_client(sim, held)
        try:
            for bill_id, _ in client.read_bills(ids, concurrency=3):
                order.append(bill_id)
                if len(order) == len(ids) - 1:
                    held.release.set()
        finally:
            held.release.set()
            client._http.close()
    else:
        aheld = HeldAsync(sim.async_transport(), ids[0])
        aclient = async_client(sim, aheld)
        try:
            async for bill_id, _ in aclient.read_bills(ids, concurrency=3):
                order.append(bill_id)
                if len(order) == len(ids) - 1:
                    aheld.release.set()
        finally:
            aheld.release.set()
            await aclient._http.aclose()
    assert sorted(order) == sorted(ids)
    assert order[-1] == ids[0], "the first id's slow read held back the results of the others"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("concurrency", [0, -1, 257, True, 2.5, "4", None])
async def test_read_bills_refuses_a_bad_concurrency(mode: str, concurrency: Any, sim: Simulator) -> None:
    ids = Tracked(["NOSUCHBILL0000000001"])
    with pytest.raises(ValidationError) as refused:
        await read_all(mode, sim, ids, concurrency=concurrency)
    assert refused.value.field == "concurrency"
    assert ids.taken == 0


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_with_no_ids_yields_nothing(mode: str, sim: Simulator) -> None:
    assert await read_all(mode, sim, iter([])) == []


class InputBroke(Exception):
    """Raised by a test's id source."""


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_raises_what_the_ids_source_raises(mode: str, sim: Simulator) -> None:
    def source() -> Iterator[str]:
        yield "NOSUCHBILL0000000001"
        yield "NOSUCHBILL0000000002"
        raise InputBroke("the file went away")

    with pytest.raises(InputBroke):  # the read of two unknown ids takes milliseconds: HANG means waiting forever
        on_daemon(lambda: asyncio.run(read_all(mode, sim, source(), concurrency=2)))


# --------------------------------------------------------------------------- reconcile (Python API)


@dataclass
class Expected:
    """What reconcile must write for one id."""

    bill_id: str
    state: str | None = None
    error: str | None = None
    price: int | None = None


def bills_in_every_state(sim: Simulator, callback: str) -> list[Expected]:
    """Two paid, one cancelled, one destroyed, two unpaid; an unknown id and an invalid one."""
    ids = make_bills(sim, 6, callback)
    client = sync_client(sim)
    try:
        for bill_id in ids[:3]:
            pay(sim, bill_id)
        client.cancel_bill(ids[2], 1002)
        client.destroy_bill(ids[3], 1003)
    finally:
        client._http.close()
    return [
        Expected(ids[0], "PAID", price=1000),
        Expected(ids[1], "PAID", price=1001),
        Expected(ids[2], "CANCELLED"),
        Expected(ids[3], "DESTROYED"),
        Expected(ids[4], "UNPAID"),
        Expected(ids[5], "UNPAID"),
        Expected("NOSUCHBILL0000000001", error="BillNotFoundError"),
        Expected("bad-id", error="ValidationError"),
    ]


def ids_file(path: Path, expected: list[Expected], layout: str) -> tuple[dict[int, Expected], dict[str, Any]]:
    """The ids as one per line (blank lines between) or as a CSV column; their lines; reconcile's options."""
    lines: dict[int, Expected] = {}
    if layout == "lines":
        texts = [""]
        for index, item in enumerate(expected):
            texts.append(f"  {item.bill_id} " if index == 1 else item.bill_id)
            if index % 3 == 2:
                texts.append("")
        for number, text in enumerate(texts, start=1):
            if text.strip():
                lines[number] = next(item for item in expected if item.bill_id == text.strip())
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        return lines, {}
    rows = [
        {"student": NAMES[index % len(NAMES)], "bill_id": item.bill_id, "amount": "1000"}
        for index, item in enumerate(expected)
    ]
    rows.insert(3, {"student": "빈칸", "bill_id": "", "amount": "0"})
    write_csv(path, rows, ["student", "bill_id", "amount"])
    for number, row in enumerate(rows, start=2):
        if row["bill_id"]:
            lines[number] = next(item for item in expected if item.bill_id == row["bill_id"])
    return lines, {"column": "bill_id"}


def assert_reconciled(output: Path, lines: dict[int, Expected]) -> dict[int, dict[str, Any]]:
    """Each line of the ids file once in the output, with its bill's state or its error's class."""
    records = once_each(read_jsonl(output))
    assert set(records) == set(lines), f"missing {set(lines) - set(records)}, extra {set(records) - set(lines)}"
    for line, item in lines.items():
        record = records[line]
        assert record["bill_id"] == item.bill_id
        assert (record["state"], record["error"]) == (item.state, item.error), (line, record)
        if item.state == "PAID":
            assert record["price"] == item.price
            assert record["approval_number"]
            assert record["approved_at"]
            assert record["pay_type"] == "CARD_VAN"
    return records


@pytest.mark.parametrize("layout", ["lines", "csv"])
@pytest.mark.parametrize("mode", MODES)
async def test_reconcile_writes_each_ids_state_once_and_a_second_run_reads_nothing(
    mode: str, layout: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    expected = bills_in_every_state(sim, callback)
    source = tmp_path / ("ids.txt" if layout == "lines" else "ids.csv")
    lines, options = ids_file(source, expected, layout)
    output = source.with_name(source.name + ".states.jsonl")
    table = tmp_path / "states.csv"

    first: list[str] = []
    report = await reconcile(mode, sim, source, first, concurrency=3, csv_output=table, **options)

    assert report.states == Counter({"PAID": 2, "UNPAID": 2, "CANCELLED": 1, "DESTROYED": 1})
    assert first == [READ_PATH] * (len(lines) - report.errors["ValidationError"])  # an invalid id is never sent
    assert report.errors == Counter({"BillNotFoundError": 1, "ValidationError": 1})
    assert (report.already_done, report.output, report.complete) == (0, output, False)
    assert_reconciled(output, lines)
    with table.open(encoding="utf-8", newline="") as stream:
        shown = list(csv.DictReader(stream))
    assert sorted(int(row["line"]) for row in shown) == sorted(lines)
    assert "PAID" in report.table()
    assert "error BillNotFoundError" in report.table()

    written = output.read_bytes()
    second: list[str] = []
    again = await reconcile(mode, sim, source, second, concurrency=3, csv_output=table, **options)

    assert (again.states, again.errors, again.already_done) == (Counter(), Counter(), len(lines))
    # Answers such as "no such bill" are settled, not read again, and keep the file incomplete.
    assert (again.earlier_errors, again.complete) == (2, False)
    assert output.read_bytes() == written
    assert second == []


@pytest.mark.parametrize("mode", MODES)
async def test_reconcile_repairs_a_line_cut_off_by_a_kill_and_reads_that_id_again(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    expected = bills_in_every_state(sim, callback)
    source = tmp_path / "ids.txt"
    lines, _ = ids_file(source, expected, "lines")
    output = tmp_path / "states.jsonl"
    await reconcile(mode, sim, source, output=output)
    texts = output.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = json.loads(texts[-1])
    output.write_text("".join(texts[:-1]) + texts[-1][: len(texts[-1]) // 2], encoding="utf-8")

    report = await reconcile(mode, sim, source, output=output)

    assert report.already_done == len(lines) - 1
    assert sum(report.states.values()) + sum(report.errors.values()) == 1
    records = assert_reconciled(output, lines)
    assert records[cut["line"]] == cut


@pytest.mark.parametrize("mode", MODES)
async def test_reconcile_refuses_a_column_the_file_does_not_have(mode: str, sim: Simulator, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "ids.csv", [{"student": "홍길동", "bill": "NOSUCHBILL0000000001"}], ["student", "bill"]
    )
    with pytest.raises(ValidationError) as refused:  # a check of the header takes microseconds
        on_daemon(lambda: asyncio.run(reconcile(mode, sim, source, column="bill_id")))
    assert refused.value.field == "column"


@pytest.mark.parametrize("mode", MODES)
async def test_reconcile_refuses_bad_arguments(mode: str, sim: Simulator, tmp_path: Path) -> None:
    source = tmp_path / "ids.txt"
    source.write_text("NOSUCHBILL0000000001\n", encoding="utf-8")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"concurrency": 0}, "concurrency"),
        ({"column": ""}, "column"),
        ({"output": 7}, "output"),
    ]
    for options, named in cases:
        with pytest.raises(ValidationError) as refused:
            await reconcile(mode, sim, source, **options)
        assert refused.value.field == named
    assert not (tmp_path / "ids.txt.states.jsonl").exists()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layout", ["lines", "csv"])
async def test_reconcile_refuses_a_file_that_is_not_utf8_naming_the_file(
    mode: str, layout: str, sim: Simulator, tmp_path: Path
) -> None:
    source = tmp_path / "ids.txt"
    source.write_bytes(b"bill_id\nNOSUCHBILL0000000001\n" + "홍길동\n".encode("euc-kr"))
    options = {"column": "bill_id"} if layout == "csv" else {}
    with pytest.raises(ValidationError) as refused:
        await reconcile(mode, sim, source, **options)
    assert refused.value.field == "file"
    assert "UTF-8" in str(refused.value)


@pytest.mark.parametrize("mode", MODES)
async def test_send_batch_refuses_bad_path_arguments_naming_them_and_sends_nothing(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    source = write_csv(tmp_path / "bills.csv", bill_rows(2))
    cases: list[tuple[Any, dict[str, Any], str]] = [
        ("", {}, "file"),
        (7, {}, "file"),
        (source, {"output": 7}, "output"),
        (source, {"output": ""}, "output"),
        (source, {"csv_output": 7}, "csv_output"),
    ]
    for file, options, named in cases:
        with pytest.raises(ValidationError) as refused:
            await send_batch(mode, sim, file, callback_url=callback, **options)
        assert refused.value.field == named
    assert ledger(sim) == {}
    assert not written_beside(source)


@pytest.mark.parametrize("mode", MODES)
async def test_send_batch_refuses_a_file_that_is_not_utf8_naming_the_file(
    mode: str, sim: Simulator, tmp_path: Path, callback: str
) -> None:
    source = write_csv(tmp_path / "bills.csv", bill_rows(2))
    source.write_bytes(source.read_bytes() + "3,홍길동\n".encode("euc-kr"))
    with pytest.raises(ValidationError) as refused:
        await send_batch(mode, sim, source, callback_url=callback)
    assert refused.value.field == "file"
    assert ledger(sim) == {}


# --------------------------------------------------------------------------- the command line


@dataclass
class Served:
    """A `payssam sim` subprocess on a free loopback port."""

    process: subprocess.Popen[bytes]
    base_url: str
    stderr: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=WAIT, trust_env=False)

    def bills(self) -> dict[str, dict[str, Any]]:
        answer = self.http.get("/_sim/bills")
        assert answer.status_code == 200, answer.text
        return {bill["bill_id"]: bill for bill in answer.json()["bills"]}

    def reset(self) -> None:
        assert self.http.post("/_sim/reset", json={}).status_code == 200

    def pay(self, bill_id: str) -> None:
        answer = self.http.post(f"/_sim/bills/{bill_id}/pay", json={})
        assert answer.status_code == 200, answer.text

    def env(self) -> dict[str, str]:
        """The environment of a `payssam` subprocess: the sandbox settings, this simulator, no proxy."""
        env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
        env.update(
            PAYSSAM_APIKEY=APIKEY,
            PAYSSAM_MEMBER=MEMBER,
            PAYSSAM_MERCHANT=MERCHANT,
            PAYSSAM_BASE_URL=self.base_url,
            NO_PROXY="127.0.0.1,localhost",
        )
        return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`payssam sim --port 0 --quiet` with hourly callback retries, stopped by PID; it must exit cleanly."""
    stderr = tmp_path_factory.mktemp("served") / "stderr.log"
    command = [sys.executable, "-m", "payssam", "sim", "--port", "0", "--quiet", "--callback-retry-interval", "3600"]
    with stderr.open("wb") as sink:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=sink)
    try:
        line = first_line(process, WAIT)
        match = LISTENING.search(line)
        assert match is not None, f"the simulator did not start: {line!r} {stderr.read_text(errors='replace')}"
        running = Served(process, match[1], stderr)
        try:
            yield running
        finally:
            running.http.close()
    finally:
        status = stop(process, grace=15.0)
        if process.stdout is not None:
            process.stdout.close()
    log = stderr.read_text(encoding="utf-8", errors="replace")
    assert status == 0, log
    assert "Traceback" not in log, log


def payssam(served: Served, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m payssam ARGS` to completion, with the simulator's settings in its environment."""
    return subprocess.run(
        [sys.executable, "-m", "payssam", *args],
        cwd=cwd,
        env=served.env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def table_of(text: str) -> dict[str, int]:
    """`name  count` lines of a command's closing table."""
    return {match[1]: int(match[2]) for match in re.finditer(r"^(\S.*?)\s+(\d+)$", text, re.MULTILINE)}


def test_cli_send_batch_prints_the_table_and_a_rerun_sends_nothing(
    served: Served, tmp_path: Path, callback: str
) -> None:
    served.reset()
    rows = bill_rows(6)
    source = write_csv(tmp_path / "november.csv", rows)

    done = payssam(served, tmp_path, "send-batch", "november.csv", "--callback-url", callback)

    assert done.returncode == 0, done.stderr
    assert table_of(done.stdout) == {"sent": 6, "earlier runs": 0, "rows": 6}, done.stdout
    assert "results: november.csv.sent.jsonl" in done.stdout
    assert "Traceback" not in done.stderr
    output = tmp_path / "november.csv.sent.jsonl"
    bills = served.bills()
    assert_billed_exactly_once(rows, output, bills)
    for row in rows:
        assert row["phone"] not in done.stdout + done.stderr

    again = payssam(served, tmp_path, "send-batch", str(source), "--callback-url", callback)

    assert again.returncode == 0, again.stderr
    assert table_of(again.stdout) == {"earlier runs": 6, "rows": 6}, again.stdout
    assert served.bills() == bills


def test_cli_dry_run_prints_the_plan_masked_and_sends_nothing(served: Served, tmp_path: Path, callback: str) -> None:
    served.reset()
    rows = bill_rows(4)
    write_csv(tmp_path / "rows.csv", rows)

    done = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--dry-run")

    assert done.returncode == 0, done.stderr
    plan = [line for line in done.stdout.splitlines() if line.startswith("line ")]
    assert len(plan) == len(rows)
    for index, (row, line) in enumerate(zip(rows, plan, strict=True)):
        assert line.startswith(f"line {index + 2}: to send: ")
        assert (row["bill_id"] or "(new id)") in line
        assert f"{int(row['price']):,} won" in line
        assert row["phone"][:3] in line
        assert row["phone"][-4:] in line
        assert row["customer_name"][0] in line
    shown = done.stdout + done.stderr
    for row in rows:
        assert row["phone"] not in shown, "a full phone number in the plan"
        assert row["customer_name"] not in shown, "a full customer name in the plan"
    assert APIKEY not in shown
    total = sum(int(row["price"]) for row in rows)
    assert f"4 rows checked: 4 to send ({total:,} won), 0 already settled" in done.stdout
    assert served.bills() == {}
    assert not written_beside(tmp_path / "rows.csv"), "a dry run wrote results"

    as_json = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--dry-run", "--json")

    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert (data["rows"], data["to_send"], data["already_settled"], len(data["plan"])) == (4, 4, 0, 4)
    for row in rows:
        assert row["phone"] not in as_json.stdout
        assert row["customer_name"] not in as_json.stdout
    assert served.bills() == {}


def test_cli_send_batch_json_prints_one_object(served: Served, tmp_path: Path, callback: str) -> None:
    served.reset()
    rows = bill_rows(5)
    write_csv(tmp_path / "rows.csv", rows)

    done = payssam(
        served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--json", "--output", "out.jsonl"
    )

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1
    data = json.loads(done.stdout)
    assert data == {
        "rows": 5,
        "already_settled": 0,
        "outcomes": {"sent": 5},
        "errors": {},
        "not_in_file": 0,
        "not_in_file_bills": [],
        "file_changed": False,
        "output": "out.jsonl",
        "complete": True,
    }
    assert_billed_exactly_once(rows, tmp_path / "out.jsonl", served.bills())


def test_cli_send_batch_exits_2_listing_refused_rows_and_sends_nothing(
    served: Served, tmp_path: Path, callback: str
) -> None:
    served.reset()
    rows = bill_rows(5)
    rows[0]["phone"] = "010-2000-0000"
    rows[2]["price"] = "만원"
    rows[3]["product_name"] = ""
    write_csv(tmp_path / "rows.csv", rows)

    done = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback)

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    for problem in ("line 2: phone", "line 4: price", "line 5: product_name"):
        assert problem in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert served.bills() == {}
    assert not written_beside(tmp_path / "rows.csv")

    as_json = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--json")

    assert as_json.returncode == 2
    error = json.loads(as_json.stdout)["error"]
    assert (error["type"], error["field"]) == ("BatchRefusedError", "rows")
    assert "line 4: price" in error["message"]
    assert served.bills() == {}


def test_cli_send_batch_exits_1_while_a_row_has_failed_even_on_a_rerun(
    served: Served, tmp_path: Path, callback: str
) -> None:
    served.reset()
    rows = bill_rows(3)
    taken = rows[0]["bill_id"]
    with PaySsam(*CREDENTIALS, served.base_url) as client:
        client.send_bill(
            taken, 5000, phone="01099998888", customer_name="고객", product_name="기존 청구", callback_url=callback
        )
    write_csv(tmp_path / "rows.csv", rows)

    done = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--json")

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["outcomes"] == {"sent": 2, "failed": 1}

    again = payssam(served, tmp_path, "send-batch", "rows.csv", "--callback-url", callback, "--json")

    data = json.loads(again.stdout)
    assert (data["already_settled"], data["outcomes"]) == (2, {"failed": 1})
    assert (again.returncode, data["complete"]) == (1, False), "a re-run calls a batch with a failed row complete"


def test_cli_reconcile_prints_counts_by_state_and_exits_1_when_a_read_failed(
    served: Served, tmp_path: Path, callback: str
) -> None:
    served.reset()
    ids = [new_bill_id("C") for _ in range(4)]
    with PaySsam(*CREDENTIALS, served.base_url) as client:
        for bill_id in ids:
            client.send_bill(
                bill_id, 3000, phone="01012345678", customer_name="홍길동", product_name="교재", callback_url=callback
            )
        served.pay(ids[0])
        client.destroy_bill(ids[1], 3000)
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n", encoding="utf-8")

    done = payssam(served, tmp_path, "reconcile", "ids.txt")

    assert done.returncode == 0, done.stderr
    assert table_of(done.stdout) == {"DESTROYED": 1, "PAID": 1, "UNPAID": 2, "total": 4}, done.stdout
    assert "results: ids.txt.states.jsonl" in done.stdout
    assert_reconciled(
        tmp_path / "ids.txt.states.jsonl",
        {
            1: Expected(ids[0], "PAID", price=3000),
            2: Expected(ids[1], "DESTROYED"),
            3: Expected(ids[2], "UNPAID"),
            4: Expected(ids[3], "UNPAID"),
        },
    )

    (tmp_path / "more.txt").write_text(f"{ids[2]}\nNOSUCHBILL0000000001\n", encoding="utf-8")
    failed = payssam(served, tmp_path, "reconcile", "more.txt", "--concurrency", "2")

    assert failed.returncode == 1, failed.stderr
    assert table_of(failed.stdout) == {"UNPAID": 1, "error BillNotFoundError": 1, "total": 2}, failed.stdout

    as_json = payssam(served, tmp_path, "reconcile", "more.txt", "--json")

    assert as_json.returncode == 1, as_json.stderr
    assert json.loads(as_json.stdout) == {
        "states": {},
        "errors": {},
        "already_done": 2,
        "earlier_errors": 1,
        "output": "more.txt.states.jsonl",
        "complete": False,
    }


# --------------------------------------------------------------------------- the kill drills


class Lines:
    """Counts the lines of a file as it grows, reading only what is new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._offset = 0

    def now(self) -> int:
        try:
            with self.path.open("rb") as stream:
                stream.seek(self._offset)
                data = stream.read()
        except FileNotFoundError:
            return self.count
        self._offset += len(data)
        self.count += data.count(b"\n")
        return self.count


@dataclass
class Kill:
    """One SIGKILL of the drill: what was watched, how far it had to grow, what had happened by then."""

    watched: str
    target: int
    reached: int
    output_lines: int
    killed: bool


def kill_when_grown(command: list[str], served: Served, cwd: Path, watched: Path, grow: int) -> tuple[int, bool]:
    """Start the command; SIGKILL it by PID once `watched` has `grow` more lines. (lines then, whether it ran.)"""
    counter = Lines(watched)
    base = counter.now()
    log = cwd / "killed.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=served.env(), stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + WAIT
        while counter.now() - base < grow and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        running = process.poll() is None
        if running:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT)
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace"), log.read_text(errors="replace")
    assert running or process.returncode in (0, 1), f"exit {process.returncode} before the kill"
    return counter.now() - base, running and process.returncode == -signal.SIGKILL


def report_drill(name: str, kills: list[Kill], extra: str) -> str:
    landed = sum(kill.killed for kill in kills)
    points = "; ".join(
        f"{kill.watched}+{kill.target} (saw +{kill.reached}, output {kill.output_lines} lines, "
        f"{'killed' if kill.killed else 'finished first'})"
        for kill in kills
    )
    text = f"{name} drill (seed {SEED}): {landed}/{len(kills)} SIGKILLs landed mid-run: {points}; {extra}"
    print(text)
    return text


def test_kill_drill_send_batch_bills_every_row_exactly_once(served: Served, tmp_path: Path, callback: str) -> None:
    served.reset()
    rng = random.Random(SEED)
    rows = bill_rows(60)
    write_csv(tmp_path / "month.csv", rows)
    output = tmp_path / "month.csv.sent.jsonl"
    command = [sys.executable, "-m", "payssam", "send-batch", "month.csv", "--callback-url", callback]
    # At most 100 sends a second: a run takes long enough that no kill can miss it, even on a starved machine.
    command += ["--concurrency", "4", "--rate", "100/s"]
    kills: list[Kill] = []

    for round_ in range(4):
        settled = len(read_jsonl(output))
        remaining = len(rows) - settled
        if remaining < 2:
            break
        watched = journal_of(output) if round_ % 2 == 0 else output
        target = rng.randint(1, max(1, remaining * 2 // 3))
        reached, killed = kill_when_grown(command, served, tmp_path, watched, target)
        kills.append(
            Kill("journal" if watched != output else "output", target, reached, len(read_jsonl(output)), killed)
        )
        # After every kill: PaySsam holds no bill the journal did not name first, and none was sent twice.
        bills = served.bills()
        journaled = set(journal_ids(output).values())
        assert set(bills) <= journaled, f"bills sent before their id was journaled: {set(bills) - journaled}"
        assert all(bill["messages_sent"] == 1 for bill in bills.values())
        once_each(read_jsonl(output))

    final = payssam(served, tmp_path, *command[3:], "--json")

    assert final.returncode == 0, (final.stdout, final.stderr)
    data = json.loads(final.stdout)
    assert data["complete"]
    assert data["rows"] == len(rows)
    bills = served.bills()
    records = assert_billed_exactly_once(rows, output, bills)
    assert journal_ids(output) == {line: record["bill_id"] for line, record in records.items()}
    outcomes = Counter(record["outcome"] for record in records.values())

    last = payssam(served, tmp_path, *command[3:], "--json")

    assert last.returncode == 0, last.stderr
    assert json.loads(last.stdout)["already_settled"] == len(rows)
    assert served.bills() == bills
    assert sum(kill.killed for kill in kills) >= 1, report_drill("send-batch", kills, "")
    report_drill("send-batch", kills, f"final outcomes {dict(outcomes)}; {len(bills)} bills, each sent once")


def test_kill_drill_reconcile_reads_every_id_exactly_once(served: Served, tmp_path: Path, callback: str) -> None:
    served.reset()
    rng = random.Random(SEED + 1)
    real = [new_bill_id("K") for _ in range(300)]
    with PaySsam(*CREDENTIALS, served.base_url) as client, ThreadPoolExecutor(max_workers=8) as pool:
        send = partial(
            client.send_bill, phone="01012345678", customer_name="홍길동", product_name="교재", callback_url=callback
        )
        list(pool.map(lambda bill_id: send(bill_id, 2000), real))
        list(pool.map(served.pay, real[:40]))
        list(pool.map(lambda bill_id: client.cancel_bill(bill_id, 2000), real[30:40]))
        list(pool.map(lambda bill_id: client.destroy_bill(bill_id, 2000), real[40:60]))
    expected: list[Expected] = []
    for index, bill_id in enumerate(real):
        state = "PAID" if index < 30 else "CANCELLED" if index < 40 else "DESTROYED" if index < 60 else "UNPAID"
        expected.append(Expected(bill_id, state, price=2000 if state == "PAID" else None))
    expected += [Expected(f"NOSUCH{index:014d}", error="BillNotFoundError") for index in range(1690)]
    expected += [Expected(f"bad-id-{index}", error="ValidationError") for index in range(10)]
    rng.shuffle(expected)
    texts: list[str] = []
    for item in expected:
        if rng.random() < 0.01:
            texts.append("")
        texts.append(item.bill_id)
    (tmp_path / "ids.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    by_id = {item.bill_id: item for item in expected}
    lines = {number: by_id[text] for number, text in enumerate(texts, start=1) if text}
    assert len(lines) == 2000
    output = tmp_path / "ids.txt.states.jsonl"
    command = [sys.executable, "-m", "payssam", "reconcile", "ids.txt", "--concurrency", "8"]
    kills: list[Kill] = []

    for _ in range(4):
        remaining = len(lines) - len(read_jsonl(output))
        if remaining < 2:
            break
        target = rng.randint(1, max(1, remaining * 2 // 3))
        reached, killed = kill_when_grown(command, served, tmp_path, output, target)
        kills.append(Kill("output", target, reached, len(read_jsonl(output)), killed))
        # After every kill: no line written twice, and every line written is one of the file's ids.
        records = once_each(read_jsonl(output))
        assert set(records) <= set(lines)
        assert all(records[line]["bill_id"] == lines[line].bill_id for line in records)

    before = len(read_jsonl(output))
    final = payssam(served, tmp_path, *command[3:], "--json")

    assert final.stdout.strip(), final.stderr
    data = json.loads(final.stdout)
    assert final.returncode == (1 if data["errors"] or data["earlier_errors"] else 0), final.stderr
    assert data["already_done"] == before
    assert data["already_done"] + sum(data["states"].values()) + sum(data["errors"].values()) == len(lines)
    assert_reconciled(output, lines)

    last = payssam(served, tmp_path, *command[3:], "--json")

    # Nothing left to read; the ids PaySsam does not know keep the file incomplete (exit 1).
    assert last.returncode == 1, last.stderr
    assert json.loads(last.stdout)["already_done"] == len(lines)
    assert json.loads(last.stdout)["earlier_errors"] == 1700
    assert len(read_jsonl(output)) == len(lines)
    assert sum(kill.killed for kill in kills) >= 1, report_drill("reconcile", kills, "")
    report_drill("reconcile", kills, f"{before} lines read before the final run; every one of {len(lines)} once")
