"""make demo: rehearse PaySsam's five review flows offline, against the simulator, through the SDK.

Starts `payssam sim` on a free loopback port and a local approval receiver built with the SDK's
callback helpers, runs payment approval, approval callback, bill read, approval cancel and bill
destroy over API v1 and then over API v2 (or the one --api-version names), prints every step and a
pass/fail table per version, stops both, and exits 1 if any flow failed.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from payssam import BillState, BillStatus, ExperimentalWarning, PaySsam, PaySsamError, new_bill_id

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # processes: stopping the simulator's process by PID

import processes  # noqa: E402
from receiver import ApprovalReceiver  # noqa: E402

HOST = "127.0.0.1"
# The public sandbox credentials seen in many integrations: the simulator's defaults.
APIKEY = "TEST-API-KEY-TALK"
MEMBER = "TEST-MEMBER-FOR-API"
MERCHANT = "TEST-MERCHANT-FOR-API"
BUSINESS_NUMBER = "1234567890"  # dev environment: bill ids start with the business number
PRICE = 35000
FLOWS = ("payment approval", "approval callback", "bill read", "approval cancel", "bill destroy")
MOCK_DIR = ROOT / "mock"  # payssam_sim, the simulator package


@dataclass
class Flow:
    """One review flow and what happened to it."""

    name: str
    passed: bool = False
    detail: str = ""


def step(text: str) -> None:
    """Print one step of a flow."""
    print(f"  · {text}", flush=True)


@contextmanager
def simulator() -> Iterator[str]:
    """`python -m payssam_sim --port 0` as its own process; yields its base URL, stops it by PID."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(MOCK_DIR), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "payssam_sim", "--host", HOST, "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if "listening on " not in line:
            raise RuntimeError(f"the simulator did not start (exit {process.poll()}): {line!r}")
        base_url = line.rsplit(" ", 1)[-1]
        print(f"simulator: pid {process.pid} on {base_url}")
        yield base_url
    finally:
        print(f"simulator: pid {process.pid} stopped (exit {processes.stop(process)})")


def send(client: PaySsam, callback_url: str) -> str:
    """Send a fresh bill and return its id."""
    bill_id = new_bill_id(BUSINESS_NUMBER)
    sent = client.send_bill(
        bill_id,
        PRICE,
        phone="01012345678",
        customer_name="홍길동",
        product_name="12월 수강료",
        callback_url=callback_url,
        message="12월 수강료 청구서입니다.",
        expires_on=date.today() + timedelta(days=7),
    )
    step(f"send_bill {bill_id} {PRICE} won -> short URL {sent.short_url}")
    return bill_id


def expect_state(client: PaySsam, bill_id: str, state: BillState) -> BillStatus:
    """Read the bill and require a state."""
    status = client.read_bill(bill_id)
    paid = "" if status.price is None else f", {status.price} won"
    step(f"read_bill {bill_id} -> {status.state.name}{paid}")
    if status.state is not state:
        raise AssertionError(f"expected {state.name}, read {status.state.name}")
    return status


def run(flow: Flow, body: Callable[[], str]) -> None:
    """Run one flow; any exception fails it with the reason."""
    print(f"\n{flow.name}")
    try:
        flow.detail = body()
        flow.passed = True
    except (PaySsamError, AssertionError, httpx.HTTPError, queue.Empty) as exc:
        flow.detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        step(f"FAILED: {flow.detail}")


def rehearse(base_url: str, api_version: int = 1) -> list[Flow]:
    """The five flows of the vendor's review, in the order a bill lives them, over one API version (v2 at the
    sandbox's /partner prefix, its cancel with a reason)."""
    flows = [Flow(name) for name in FLOWS]
    api_url = base_url + "/partner" if api_version == 2 else base_url
    print(f"\n== API v{api_version}: {api_url}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)  # a rehearsal of v2 on purpose
        sdk = PaySsam(APIKEY, MEMBER, MERCHANT, api_url, timeout=10, api_version=api_version)
    with (
        sdk as client,
        httpx.Client(base_url=base_url, timeout=10) as control,
        ApprovalReceiver(client, expected_price=PRICE) as receiver,
    ):
        seen, callback_url = receiver.seen, receiver.url
        paid: dict[str, str] = {}

        def approval() -> str:
            bill_id = paid["bill_id"] = send(client, callback_url)
            expect_state(client, bill_id, BillState.UNPAID)
            answer = control.post(f"/_sim/bills/{bill_id}/pay", json={"pay_type": "CARD_VAN"})
            answer.raise_for_status()
            outcome = answer.json()
            step(f"customer pays (simulated): the bill is now {BillState(outcome['bill']['state']).name}")
            return f"{bill_id} paid"

        def callback() -> str:
            status = seen.verified.get(timeout=10)
            step(f"receiver: approval for {status.bill_id} verified by read-back (PAID, {status.price} won)")
            if seen.rejected:
                raise AssertionError(f"receiver rejected: {seen.rejected}")
            delivery = control.get(f"/_sim/bills/{paid['bill_id']}").json()["callback"]
            step(f"simulator: {delivery['attempts']} attempt(s), acknowledged={delivery['acknowledged']}")
            if status.bill_id != paid["bill_id"] or not delivery["acknowledged"]:
                raise AssertionError("the approval was not acknowledged for the paid bill")
            return f"acknowledged after {delivery['attempts']} attempt(s)"

        def read() -> str:
            status = expect_state(client, paid["bill_id"], BillState.PAID)
            step(f"approval number {status.approval_number} at {status.approved_at}")
            return f"PAID, {status.price} won"

        def cancel() -> str:
            reason = "고객 요청" if api_version == 2 else None
            done = client.cancel_bill(paid["bill_id"], PRICE, reason=reason)
            step(f"cancel_bill -> cancel approval {done.approval_number} at {done.cancelled_at}")
            expect_state(client, paid["bill_id"], BillState.CANCELLED)
            return "CANCELLED"

        def destroy() -> str:
            bill_id = send(client, callback_url)
            client.destroy_bill(bill_id, PRICE)
            step(f"destroy_bill {bill_id}")
            expect_state(client, bill_id, BillState.DESTROYED)
            return "DESTROYED"

        for flow, body in zip(flows, (approval, callback, read, cancel, destroy), strict=True):
            run(flow, body)
    return flows


def table(flows: dict[int, list[Flow]]) -> None:
    """The pass/fail summary."""
    print(f"\n{'API':<4} {'flow':<20} {'result':<7} detail")
    for version, version_flows in flows.items():
        for flow in version_flows:
            print(f"v{version:<3} {flow.name:<20} {'PASS' if flow.passed else 'FAIL':<7} {flow.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rehearse PaySsam's five review flows against the simulator.")
    parser.add_argument(
        "--api-version", type=int, choices=(1, 2), action="append", help="only this version (default: 1 then 2)"
    )
    versions = parser.parse_args(argv).api_version or [1, 2]
    started = time.monotonic()
    with simulator() as base_url:
        flows = {version: rehearse(base_url, version) for version in versions}
    table(flows)
    every = [flow for version_flows in flows.values() for flow in version_flows]
    passed = sum(flow.passed for flow in every)
    print(f"\n{passed}/{len(every)} review flows passed in {time.monotonic() - started:.1f} s")
    return 0 if passed == len(every) else 1


if __name__ == "__main__":
    sys.exit(main())
