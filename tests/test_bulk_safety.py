"""Bulk work under real operations: files edited between runs, writes that land late, odd paths and files.

Each test here holds one defect of 0.2.1 (named in its docstring) against the simulator's ledger, the
witness that cannot lie, and against the bytes of every file a run was given.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import httpx
import pytest

import payssam.cli
from payssam import AsyncPaySsam, PaySsam, ValidationError
from payssam._batch import BatchRefusedError, BatchReport
from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, MODES, file_sha256

BASE = "http://127.0.0.1"
CALLBACK = "https://erp.example/payssam/approval"
COLUMNS = ["bill_id", "price", "phone", "customer_name", "product_name", "message"]


def row(index: int, price: int = 2000, **change: str) -> dict[str, str]:
    """A valid row for customer number index."""
    base = {
        "bill_id": "",
        "price": str(price),
        "phone": f"010{30000000 + index:08d}",
        "customer_name": f"고객{index}",
        "product_name": "12월 수강료",
        "message": "",
    }
    return {**base, **change}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for each in rows:
            writer.writerow([each.get(column, "") for column in columns])
    return path


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(callback_retry_interval=3600.0)
    yield simulator
    simulator.stop()


def ledger(sim: Simulator) -> list[dict[str, Any]]:
    with httpx.Client(transport=sim.transport(), base_url=BASE) as http:
        bills: list[dict[str, Any]] = http.get("/_sim/bills").json()["bills"]
    return bills


def fault(sim: Simulator, operation: str, code: str, count: int = 1) -> None:
    with httpx.Client(transport=sim.transport(), base_url=BASE) as http:
        answer = http.post("/_sim/faults", json={"operation": operation, "code": code, "count": count})
    assert answer.status_code == 200, answer.text


def send_batch_sync(sim: Simulator, source: Path, transport: Any = None, **options: Any) -> BatchReport:
    with (
        httpx.Client(transport=transport or sim.transport()) as http,
        PaySsam(APIKEY, MEMBER, MERCHANT, BASE, http_client=http) as client,
    ):
        return client.send_batch(source, callback_url=CALLBACK, **options)


async def send_batch(mode: str, sim: Simulator, source: Path, transport: Any = None, **options: Any) -> BatchReport:
    """send_batch on the blocking or the awaitable client."""
    if mode == "sync":
        return send_batch_sync(sim, source, transport, **options)
    ahttp = httpx.AsyncClient(transport=transport or sim.async_transport())
    async with AsyncPaySsam(APIKEY, MEMBER, MERCHANT, BASE, http_client=ahttp) as aclient:
        areport = await aclient.send_batch(source, callback_url=CALLBACK, **options)
    await ahttp.aclose()
    return areport


# --------------------------------------------------------------------------- rows known by what they are


@pytest.mark.parametrize("mode", MODES)
async def test_deleting_a_refused_row_and_running_again_bills_no_one_twice(
    mode: str, sim: Simulator, tmp_path: Path
) -> None:
    """0.2.1 resumed by line number: the second customer was billed twice and the run said complete."""
    rows = [row(1, 1000), row(2, 2000), row(3, 3000)]
    source = write_csv(tmp_path / "december.csv", rows)
    fault(sim, "send", "9999")
    first = await send_batch(mode, sim, source, concurrency=1)
    assert first.outcomes == Counter({"sent": 2, "failed": 1})

    write_csv(source, rows[1:])  # the operator deletes the refused row
    second = await send_batch(mode, sim, source, concurrency=1)

    assert second.complete
    assert second.already_settled == 2
    assert sum(second.outcomes.values()) == 0
    assert sorted(bill["price"] for bill in ledger(sim)) == ["2000", "3000"]


@pytest.mark.parametrize("mode", MODES)
async def test_inserting_a_row_at_the_top_bills_the_new_customer_and_skips_no_one(
    mode: str, sim: Simulator, tmp_path: Path
) -> None:
    """0.2.1: the new customer was never billed, the last one was skipped, and the run said complete."""
    rows = [row(1, 1000), row(2, 2000), row(3, 3000)]
    source = write_csv(tmp_path / "december.csv", rows)
    await send_batch(mode, sim, source)
    write_csv(source, [row(4, 4000), *rows])

    report = await send_batch(mode, sim, source)

    assert report.complete
    assert report.outcomes == Counter({"sent": 1})
    assert sorted(bill["price"] for bill in ledger(sim)) == ["1000", "2000", "3000", "4000"]


@pytest.mark.parametrize("mode", MODES)
async def test_reordering_rows_sends_nothing_again(mode: str, sim: Simulator, tmp_path: Path) -> None:
    rows = [row(index, 1000 * index) for index in range(1, 6)]
    source = write_csv(tmp_path / "december.csv", rows)
    await send_batch(mode, sim, source)
    write_csv(source, list(reversed(rows)))

    report = await send_batch(mode, sim, source)

    assert (report.complete, report.already_settled, sum(report.outcomes.values())) == (True, 5, 0)
    assert len(ledger(sim)) == 5


@pytest.mark.parametrize("mode", MODES)
async def test_a_row_fixed_after_its_bill_was_sent_is_reported_not_billed_again_until_destroyed(
    mode: str, sim: Simulator, tmp_path: Path
) -> None:
    rows = [row(1, 1000), row(2, 2000)]
    source = write_csv(tmp_path / "december.csv", rows)
    await send_batch(mode, sim, source)
    (old,) = [bill for bill in ledger(sim) if bill["price"] == "2000"]
    write_csv(source, [rows[0], row(2, 2500)])  # the price of the second row corrected after it was sent

    changed = await send_batch(mode, sim, source)

    assert changed.outcomes == Counter({"changed": 1})
    assert not changed.complete
    assert len(ledger(sim)) == 2
    line = [json.loads(text) for text in (tmp_path / "december.csv.sent.jsonl").read_text().splitlines()][-1]
    assert line["outcome"] == "changed"
    assert line["bill_id"] == old["bill_id"]
    assert "destroy" in line["message"]

    with PaySsam(APIKEY, MEMBER, MERCHANT, BASE, http_client=httpx.Client(transport=sim.transport())) as client:
        client.destroy_bill(old["bill_id"], 2000)  # what the message says to do
    rebilled = await send_batch(mode, sim, source)

    assert rebilled.outcomes == Counter({"sent": 1})
    assert rebilled.complete
    live = sorted(bill["price"] for bill in ledger(sim) if bill["state"] != "D")
    assert live == ["1000", "2500"]


async def test_two_identical_rows_are_refused_as_the_same_customer_and_product(sim: Simulator, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "twice.csv", [row(1), row(2), row(1)])
    with pytest.raises(BatchRefusedError) as refused:
        await send_batch("sync", sim, source)
    assert [(p.line, p.field) for p in refused.value.problems] == [(4, "row")]
    assert "line 2" in refused.value.problems[0].problem
    assert ledger(sim) == []


# --------------------------------------------------------------------------- a write that lands late


class LateOnce(httpx.BaseTransport):
    """The first send times out at the client and reaches PaySsam only after the client's next request about it;
    every later send is answered 502 by a gateway without reaching PaySsam."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.held: list[httpx.Request] = []
        self.sends = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            if request.url.path == "/if/bill/send":
                self.sends += 1
                if self.sends == 1:
                    self.held.append(request)
                    raise httpx.ReadTimeout("timed out", request=request)
                return httpx.Response(502, content=b"bad gateway")
        response = self.inner.handle_request(request)
        response.read()
        return response

    def land(self) -> None:
        """The held request finally reaches PaySsam."""
        for request in self.held:
            self.inner.handle_request(request).read()
        self.held.clear()


async def test_a_send_that_lands_late_is_unknown_and_a_later_run_recovers_it(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 marked such a row `failed`; every re-run then got 9800 and the row stayed failed for ever."""
    source = write_csv(tmp_path / "one.csv", [row(1, 35000)])
    late = LateOnce(sim.transport())
    first = await send_batch("sync", sim, source, transport=late)
    assert first.outcomes == Counter({"unknown": 1})
    assert first.errors == Counter({"OutcomeUnknownError": 1})
    late.land()
    assert [bill["price"] for bill in ledger(sim)] == ["35000"]

    second = await send_batch("sync", sim, source)

    assert second.outcomes == Counter({"recovered": 1})
    assert second.complete
    assert len(ledger(sim)) == 1


# --------------------------------------------------------------------------- files are sacred


def run_cli(tmp_path: Path, sim: Simulator, *argv: str) -> tuple[int, str, str]:
    """`payssam ARGV` in-process against the simulator, in tmp_path; (status, stdout, stderr)."""

    def sync_client(settings: Any) -> PaySsam:
        http = httpx.Client(transport=sim.transport())
        return PaySsam(settings.apikey, settings.member, settings.merchant, settings.base_url, http_client=http)

    def async_client(settings: Any) -> AsyncPaySsam:
        http = httpx.AsyncClient(transport=sim.async_transport())
        return AsyncPaySsam(settings.apikey, settings.member, settings.merchant, settings.base_url, http_client=http)

    out, err = io.StringIO(), io.StringIO()
    environ = {"PAYSSAM_APIKEY": APIKEY, "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payssam.cli, "_make_client", sync_client)
        patch.setattr(payssam.cli, "_make_async_client", async_client)
        for name, value in {**environ, "PAYSSAM_BASE_URL": BASE}.items():
            patch.setenv(name, value)
        patch.chdir(tmp_path)
        with redirect_stdout(out), redirect_stderr(err):
            status = payssam.cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def ids_file(path: Path, count: int) -> Path:
    path.write_text("".join(f"ID{index:08d}\n" for index in range(count)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "in.csv"], id="csv-is-the-input"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "in.csv"], id="output-is-input"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "link.csv"], id="csv-is-a-symlink"),
        pytest.param(
            ["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "hard.csv"], id="csv-is-a-hard-link"
        ),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "."], id="output-is-a-directory"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "."], id="csv-is-a-directory"),
        pytest.param(
            ["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "no/such/dir.jsonl"], id="no-dir"
        ),
        pytest.param(
            ["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "x.csv", "--output", "x.csv"], id="same"
        ),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "theirs.txt"], id="foreign-out"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "theirs.txt"], id="foreign-csv"),
        pytest.param(["send-batch", ".", "--callback-url", CALLBACK], id="input-is-a-directory"),
        pytest.param(["send-batch", "/dev/zero", "--callback-url", CALLBACK, "--output", "z.jsonl"], id="dev-zero"),
        pytest.param(["reconcile", "ids.txt", "--csv", "ids.txt"], id="reconcile-csv-is-the-input"),
        pytest.param(["reconcile", "ids.txt", "--output", "ids.txt"], id="reconcile-output-is-the-input"),
        pytest.param(["reconcile", "."], id="reconcile-a-directory"),
        pytest.param(["reconcile", "/dev/zero", "--output", "z.jsonl"], id="reconcile-dev-zero"),
        pytest.param(["reconcile", "ids.txt", "--output", "theirs.txt"], id="reconcile-foreign-output"),
        pytest.param(["--base-url", "http://127.0.0.1:-1", "read", "ABC"], id="negative-port"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--rate", "1e-300/s"], id="tiny-rate"),
    ],
)
def test_a_hostile_invocation_is_refused_with_exit_2_no_traceback_no_file_touched_nothing_sent(
    argv: list[str], sim: Simulator, tmp_path: Path
) -> None:
    """0.2.1 truncated or grew files it was given and ended 13 such invocations in a traceback with exit 1."""
    source = write_csv(tmp_path / "in.csv", [row(1), row(2)])
    ids = ids_file(tmp_path / "ids.txt", 3)
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    theirs = tmp_path / "theirs.txt"
    theirs.write_bytes(b"someone's notes\nlast line without a newline")
    before = {path.name: file_sha256(path) for path in (source, ids, theirs)}
    if "--base-url" in argv:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PAYSSAM_BASE_URL", "http://127.0.0.1:-1")
        status, out, err = run_cli_real_config(tmp_path, argv)
    else:
        status, out, err = run_cli(tmp_path, sim, *argv)

    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    assert err.startswith("payssam") or "usage:" in err, err
    assert {path.name: file_sha256(path) for path in (source, ids, theirs)} == before
    assert ledger(sim) == []
    assert not (tmp_path / "in.csv.sent.jsonl").exists()


def run_cli_real_config(tmp_path: Path, argv: list[str]) -> tuple[int, str, str]:
    """`payssam ARGV` in-process with the real client factory (its configuration is what is under test)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"PAYSSAM_APIKEY": APIKEY, "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT}.items():
            patch.setenv(name, value)
        patch.chdir(tmp_path)
        with redirect_stdout(out), redirect_stderr(err):
            status = payssam.cli.main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("mode", MODES)
async def test_send_batch_with_a_directory_as_output_is_a_validation_error(
    mode: str, sim: Simulator, tmp_path: Path
) -> None:
    """0.2.1's CHANGELOG said this was fixed; send_batch(output=<a directory>) still raised IsADirectoryError."""
    source = write_csv(tmp_path / "in.csv", [row(1)])
    with pytest.raises(ValidationError) as refused:
        await send_batch(mode, sim, source, output=tmp_path)
    assert refused.value.field == "output"
    assert ledger(sim) == []


def test_a_cut_off_last_line_of_a_foreign_file_is_never_repaired(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 truncated everything after the last newline of any file given as --csv."""
    source = write_csv(tmp_path / "in.csv", [row(1)])
    theirs = tmp_path / "theirs.csv"
    theirs.write_bytes(b"a,b\n1,2\n3,4 with no newline")
    before = theirs.read_bytes()
    status, _, err = run_cli(tmp_path, sim, "send-batch", source.name, "--callback-url", CALLBACK, "--csv", theirs.name)
    assert status == 2, err
    assert theirs.read_bytes() == before


def test_reconcile_never_reads_what_it_appends(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1: `reconcile ids.txt --csv ids.txt` grew a 34 KB file to 13 GB in 60 s."""
    ids = ids_file(tmp_path / "ids.txt", 50)
    before = ids.read_bytes()
    status, _, _ = run_cli(tmp_path, sim, "reconcile", "ids.txt", "--csv", "ids.txt")
    assert status == 2
    assert ids.read_bytes() == before


# --------------------------------------------------------------------------- headers, cells, terminals


def test_a_column_named_twice_is_refused_and_nothing_is_billed(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 billed 99,999 won for a row whose first price column said 1,000."""
    source = tmp_path / "twice.csv"
    source.write_text("price,phone,customer_name,product_name,price\n1000,01012345678,홍길동,수강료,99999\n")
    status, _, err = run_cli(tmp_path, sim, "send-batch", source.name, "--callback-url", CALLBACK)
    assert status == 2
    assert "'price' appears 2 times" in err
    assert ledger(sim) == []


def test_unknown_columns_are_named(sim: Simulator, tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("price,phone,customer_name,product_name,amount,memo\n1000,01012345678,홍길동,수강료,1,x\n")
    status, _, err = run_cli(tmp_path, sim, "send-batch", source.name, "--callback-url", CALLBACK)
    assert status == 2
    assert "'amount', 'memo'" in err


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "@SUM(A1)", "-2+3", "+1", "\uff1d1"])
def test_reconcile_csv_neutralises_cells_a_spreadsheet_would_run(payload: str, sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 wrote ids verbatim into reconcile's CSV cells (OWASP CSV injection)."""
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{payload}\n", encoding="utf-8")
    status, _, _ = run_cli(tmp_path, sim, "reconcile", "ids.txt", "--csv", "out.csv")
    assert status == 2  # the id is not a bill id: a validation error, written as the line's result
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as stream:
        records = list(csv.reader(stream))
    cells = [cell for record in records[1:] for cell in record]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")) for cell in cells), cells
    assert f"'{payload}" in cells


@pytest.mark.parametrize("cell", ["=1", "+1", "-1", "@1", "\t1", "\r1", "\uff1d1", "\uff0b1", "\uff0d1", "\uff201"])
def test_every_formula_start_is_neutralised(cell: str) -> None:
    from payssam._outputs import safe_cell

    assert safe_cell(cell) == "'" + cell
    assert safe_cell("1" + cell) == "1" + cell


def test_a_dry_run_never_prints_terminal_escapes_from_the_file(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 printed escape sequences taken from product_name straight to the terminal."""
    source = write_csv(tmp_path / "esc.csv", [row(1, product_name="수강료\x1b[2J\x1b]0;owned\x07\u202e")])
    status, out, err = run_cli(tmp_path, sim, "send-batch", source.name, "--callback-url", CALLBACK, "--dry-run")
    assert status == 0, err
    assert not any(char in out + err for char in "\x1b\x07\u202e")
    assert "\\x1b[2J" in out


# --------------------------------------------------------------------------- bounds


def test_a_huge_line_is_refused_naming_it_with_memory_bounded(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 read `send-batch /dev/zero` into 4.2 GB; a line is now bounded, and named when refused."""
    source = tmp_path / "huge.csv"
    with source.open("w", encoding="utf-8") as stream:
        stream.write("price,phone,customer_name,product_name\n1000,01012345678,홍길동,수강료\n")
        stream.write("1," + "x" * (8 << 20) + "\n")
    tracemalloc.start()
    try:
        status, _, err = run_cli(tmp_path, sim, "send-batch", source.name, "--callback-url", CALLBACK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 2
    assert "line 3" in err
    assert "longer than 65,536 characters" in err
    assert peak < 4 << 20, peak  # a bounded line, not the 8 MB one


@pytest.mark.parametrize("mode", MODES)
async def test_read_bills_refuses_a_single_string_of_ids(mode: str, sim: Simulator) -> None:
    """0.2.1 read bills A, B and C for read_bills("ABC")."""
    for ids in ("ABC", b"ABC"):
        if mode == "sync":
            client = PaySsam(APIKEY, MEMBER, MERCHANT, BASE, http_client=httpx.Client(transport=sim.transport()))
            with pytest.raises(ValidationError) as refused:
                client.read_bills(ids)  # type: ignore[arg-type]
        else:
            aclient = AsyncPaySsam(
                APIKEY, MEMBER, MERCHANT, BASE, http_client=httpx.AsyncClient(transport=sim.async_transport())
            )
            with pytest.raises(ValidationError) as refused:
                aclient.read_bills(ids)  # type: ignore[arg-type]
        assert refused.value.field == "bill_ids"


@pytest.mark.parametrize("rate", [1e-300, 0.0, -1.0, 1e300, float("nan"), float("inf")])
@pytest.mark.parametrize("mode", MODES)
async def test_a_rate_out_of_its_bounds_is_refused(mode: str, rate: float, sim: Simulator, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [row(1)])
    with pytest.raises(ValidationError) as refused:
        await send_batch(mode, sim, source, rate=rate)
    assert refused.value.field == "rate"
    assert ledger(sim) == []


# --------------------------------------------------------------------------- exit statuses


class Unreachable(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


class AsyncUnreachable(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def test_a_batch_whose_every_row_failed_on_transport_exits_3(sim: Simulator, tmp_path: Path) -> None:
    """0.2.1 exited 1, which the README reserves for an error code from PaySsam."""
    write_csv(tmp_path / "in.csv", [row(1), row(2)])

    def async_client(settings: Any) -> AsyncPaySsam:
        http = httpx.AsyncClient(transport=AsyncUnreachable())
        return AsyncPaySsam(
            settings.apikey, settings.member, settings.merchant, settings.base_url, http_client=http, max_retries=0
        )

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payssam.cli, "_make_async_client", async_client)
        for name, value in {"PAYSSAM_APIKEY": APIKEY, "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT}.items():
            patch.setenv(name, value)
        patch.setenv("PAYSSAM_BASE_URL", BASE)
        patch.chdir(tmp_path)
        with redirect_stdout(out), redirect_stderr(err):
            status = payssam.cli.main(["send-batch", "in.csv", "--callback-url", CALLBACK])
    assert status == 3, out.getvalue() + err.getvalue()
    assert "failed" in out.getvalue()
