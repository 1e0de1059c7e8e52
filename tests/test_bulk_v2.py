"""Bulk work over API v2: send-batch and reconcile through the v2 wire, judged by the simulator's ledger and points.

The same guarantees as v1 (tests/test_bulk.py): one bill per row, one message per bill, a rerun sends nothing;
over v2 each TALK send also costs points, so a balance that runs dry mid-batch must leave the rest unsent and
billable by a later run, never billed twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import test_bulk
from test_bulk import WAIT, Served, assert_billed_exactly_once, bill_rows, payssam, read_jsonl, write_csv

from payssam import AsyncPaySsam, PaySsam
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, free_port

served = test_bulk.served
"""The `payssam sim` subprocess of the v1 bulk tests (a module fixture), here too."""
pytestmark = pytest.mark.filterwarnings("ignore::payssam.ExperimentalWarning")

BASE = "http://127.0.0.1/partner"
CONTROL = "http://127.0.0.1"
TALK_POINTS = 55


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(callback_retry_interval=3600.0)
    yield simulator
    simulator.stop()


@pytest.fixture
def callback() -> str:
    return f"http://127.0.0.1:{free_port()}/payssam/approval"


def control(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url=CONTROL)


def ledger(sim: Simulator) -> dict[str, dict[str, Any]]:
    with control(sim) as http:
        return {bill["bill_id"]: bill for bill in http.get("/_sim/bills").json()["bills"]}


def balance(sim: Simulator) -> int:
    with control(sim) as http:
        points: dict[str, Any] = http.get("/_sim/points").json()
    with PaySsam(
        APIKEY, MEMBER, MERCHANT, BASE, api_version=2, http_client=httpx.Client(transport=sim.transport())
    ) as v2:
        found = v2.merchant_point_balance().balance
    assert str(found) in str(points)  # the SDK reads what the ledger holds
    return found


def set_balance(sim: Simulator, points: int) -> None:
    with control(sim) as http:
        http.post("/_sim/points", json={"merchant": MERCHANT, "balance": points}).raise_for_status()


def sync_v2(sim: Simulator) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, BASE, api_version=2, http_client=httpx.Client(transport=sim.transport()))


def async_v2(sim: Simulator) -> AsyncPaySsam:
    http = httpx.AsyncClient(transport=sim.async_transport())
    return AsyncPaySsam(APIKEY, MEMBER, MERCHANT, BASE, api_version=2, http_client=http)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_send_batch_over_v2_bills_every_row_once_and_charges_each_once(
    sim: Simulator, tmp_path: Path, callback: str, mode: str
) -> None:
    rows = bill_rows(12)
    source = write_csv(tmp_path / "december.csv", rows)
    before = balance(sim)

    def run() -> Any:
        if mode == "sync":
            with sync_v2(sim) as client:
                return client.send_batch(source, callback_url=callback)

        async def arun() -> Any:
            async with async_v2(sim) as client:
                return await client.send_batch(source, callback_url=callback)

        return asyncio.run(arun())

    report = run()
    assert report.complete
    assert report.outcomes["sent"] == len(rows)
    output = tmp_path / "december.csv.sent.jsonl"
    bills = ledger(sim)
    assert_billed_exactly_once(rows, output, bills)
    assert {bill["api"] for bill in bills.values()} == {"v2"}
    assert balance(sim) == before - TALK_POINTS * len(rows)

    again = run()
    assert again.already_settled == len(rows)
    assert ledger(sim) == bills
    assert balance(sim) == before - TALK_POINTS * len(rows)


def test_a_balance_that_runs_dry_leaves_the_rest_for_a_later_run_never_twice(
    sim: Simulator, tmp_path: Path, callback: str
) -> None:
    rows = bill_rows(10)
    source = write_csv(tmp_path / "points.csv", rows)
    set_balance(sim, TALK_POINTS * 4)
    with sync_v2(sim) as client:
        first = client.send_batch(source, callback_url=callback, concurrency=1)
    assert first.outcomes["sent"] == 4
    assert first.errors["PointsExhaustedError"] == len(rows) - 4
    assert not first.complete
    assert len(ledger(sim)) == 4
    assert balance(sim) == 0

    set_balance(sim, TALK_POINTS * 100)
    with sync_v2(sim) as client:
        second = client.send_batch(source, callback_url=callback, concurrency=3)
    assert second.complete
    assert second.already_settled == 4
    output = tmp_path / "points.csv.sent.jsonl"
    latest = {record["line"]: record for record in read_jsonl(output)}  # a failed line is settled again later
    assert {record["outcome"] for record in latest.values()} == {"sent"}
    bills = ledger(sim)
    assert len(bills) == len(rows)
    assert all(bill["messages_sent"] == 1 for bill in bills.values())
    assert balance(sim) == TALK_POINTS * (100 - (len(rows) - 4))


def test_reconcile_over_v2_reads_every_bill(sim: Simulator, tmp_path: Path, callback: str) -> None:
    rows = bill_rows(6)
    source = write_csv(tmp_path / "open.csv", rows)
    with sync_v2(sim) as client:
        client.send_batch(source, callback_url=callback)
    ids = list(ledger(sim))
    with control(sim) as http:
        http.post(f"/_sim/bills/{ids[0]}/pay", json={}).raise_for_status()
    listed = tmp_path / "ids.txt"
    listed.write_text("\n".join(ids) + "\n", encoding="utf-8")

    async def run() -> Any:
        async with async_v2(sim) as client:
            return await client.reconcile(listed)

    report = asyncio.run(run())
    assert report.complete
    assert report.states == {"PAID": 1, "UNPAID": len(ids) - 1}


def test_the_command_line_sends_a_batch_over_v2(served: Served, tmp_path: Path, callback: str) -> None:
    served.reset()
    rows = bill_rows(4)
    write_csv(tmp_path / "cli.csv", rows)
    done = payssam(
        served,
        tmp_path,
        "--api-version",
        "2",
        "--base-url",
        served.base_url + "/partner",
        "send-batch",
        "cli.csv",
        "--callback-url",
        callback,
    )
    assert done.returncode == 0, done.stderr
    assert "experimental" in done.stderr
    bills = served.bills()
    assert_billed_exactly_once(rows, tmp_path / "cli.csv.sent.jsonl", bills)
    assert {bill["api"] for bill in bills.values()} == {"v2"}
    points = served.http.get("/_sim/points", timeout=WAIT).json()
    assert str(1_000_000 - TALK_POINTS * len(rows)) in str(points)
