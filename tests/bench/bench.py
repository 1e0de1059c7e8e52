"""`make bench`: the SDK's costs against raw httpx, measured side by side in one run (medians of interleaved rounds).

1. Per call, in-process (httpx.MockTransport answering the same bytes): the SDK's read, cancel and send
   against a raw httpx POST of the same body whose JSON answer is parsed, sync and async, over API v1
   and over API v2 (experimental). CPU time of this thread (time.thread_time), so other processes on the
   machine do not blur the ratio.
2. `python -c "import payssam"` against `python -c "import httpx"`, and `payssam --help` against the
   latter: wall time of fresh interpreters.
3. Reconcile of 10,000 bills against the simulator (its own process, real bills) with the async client,
   against a raw httpx async loop doing the same reads at the same concurrency.
4. Peak memory (max RSS of a fresh process) of a reconcile of 10,000 and of 100,000 ids, in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "mock"))

import payssam  # noqa: E402
from payssam._hashing import sha256_hex  # noqa: E402

BIN = Path(sys.executable).parent
BILL = "1234567890ABCDEFGHIJ"
CREDENTIALS = {"apikey": "TEST-API-KEY-TALK", "member": "TEST-MEMBER-FOR-API", "merchant": "TEST-MERCHANT-FOR-API"}
OK = {"code": "0000", "msg": "성공하였습니다.", **CREDENTIALS, "bill_id": BILL}
ANSWERS = {
    "/if/bill/read": {
        **OK,
        "appr_state": "F",
        "appr_pay_type": "CARD_VAN",
        "appr_price": "10000",
        "appr_dt": "20261125143000",
        "appr_origin_dt": "20261125143000",
        "appr_num": "30012345",
        "appr_origin_num": "30012345",
        "appr_issuer": "신한카드",
        "appr_issuer_cd": "04",
        "appr_issuer_num": "4518-42**-****-1234",
        "appr_acquirer_cd": "04",
        "appr_acquirer_nm": "신한카드",
        "appr_res_cd": "0000",
        "appr_card_type": "신용",
        "appr_monthly": "00",
        "appr_cat_id": "1234567890",
    },
    "/if/bill/cancel": {
        **OK,
        "appr_num": "30012399",
        "appr_origin_num": "30012345",
        "appr_cancel_dt": "20261125150000",
    },
    "/if/bill/send": {**OK, "shortURL": "https://payssam.kr/b/AbC123"},
}
ANSWERS_V2 = {
    "/bill/read": {
        "code": "0000",
        "message": "성공하였습니다.",
        "data": {
            "billId": BILL,
            "apprState": "F",
            "apprPayType": "CARD_VAN",
            "apprPrice": "10000",
            "apprDt": "20261125143000",
            "apprOriginDt": "20261125143000",
            "apprNum": "30012345",
            "apprOriginNum": "30012345",
            "apprIssuer": "신한카드",
            "apprIssuerCd": "04",
            "apprIssuerNum": "4518-42**-****-1234",
            "apprAcquirerCd": "04",
            "apprAcquirerNm": "신한카드",
            "apprResCd": "0000",
            "apprCardType": "신용",
            "apprMonthly": "00",
        },
    },
    "/bill/cancel": {
        "code": "0000",
        "message": "성공하였습니다.",
        "data": {"billId": BILL, "apprNum": "30012399", "apprOriginNum": "30012345", "apprCancelDt": "20261125150000"},
    },
    "/bill": {
        "code": "0000",
        "message": "성공하였습니다.",
        "data": {"billId": BILL, "shortUrl": "https://payssam.kr/b/AbC"},
    },
}
ENCODED = {path: json.dumps(body, ensure_ascii=False).encode() for path, body in {**ANSWERS, **ANSWERS_V2}.items()}
SEND = {
    "phone": "01012345678",
    "customer_name": "홍길동",
    "product_name": "12월 수강료",
    "callback_url": "https://erp.example/payssam/approval",
}
REQUESTS = {
    "read": ("/if/bill/read", {**CREDENTIALS, "bill_id": BILL}),
    "cancel": (
        "/if/bill/cancel",
        {**CREDENTIALS, "bill_id": BILL, "hash": sha256_hex(f"{BILL},10000"), "price": "10000"},
    ),
    "send": (
        "/if/bill/send",
        {
            **CREDENTIALS,
            "bill": {
                "bill_id": BILL,
                "callbackURL": SEND["callback_url"],
                "hash": sha256_hex(f"{BILL},{SEND['phone']},10000"),
                "member_nm": SEND["customer_name"],
                "phone": SEND["phone"],
                "price": "10000",
                "product_nm": SEND["product_name"],
            },
        },
    ),
}
AUTH_V2 = {"apiKey": CREDENTIALS["apikey"], "member": CREDENTIALS["member"], "merchant": CREDENTIALS["merchant"]}
REQUESTS_V2 = {
    "read": ("/bill/read", {**AUTH_V2, "bill": {"billId": BILL}}),
    "cancel": (
        "/bill/cancel",
        {**AUTH_V2, "bill": {"billId": BILL, "price": "10000", "hash": sha256_hex(f"{BILL},10000")}},
    ),
    "send": (
        "/bill",
        {
            **AUTH_V2,
            "bill": {
                "billId": BILL,
                "sendType": "TALK",
                "productName": SEND["product_name"],
                "price": "10000",
                "memberName": SEND["customer_name"],
                "phone": SEND["phone"],
                "hash": sha256_hex(f"{BILL},{SEND['phone']},10000"),
                "callbackUrl": SEND["callback_url"],
            },
        },
    ),
}
WIRES = {1: REQUESTS, 2: REQUESTS_V2}
JSON = {"Content-Type": "application/json"}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ENCODED[request.url.path], headers={"content-type": "application/json"})


# ------------------------------------------------------------------------------------------ 1. per call


Row = tuple[int, str, str, float, float, float]
"""(API version, mode, operation, SDK µs, raw µs, SDK/raw) of one call."""


def _bodies(version: int) -> dict[str, tuple[str, bytes]]:
    return {
        op: ("http://pay.test" + path, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
        for op, (path, body) in WIRES[version].items()
    }


def per_call(calls: int, rounds: int) -> tuple[list[Row], dict[tuple[str, str], float]]:
    """Each call over API v1 and v2, SDK and raw, the four measured back to back in every round (thread CPU µs):
    the rows, and per (mode, operation) the median of each round's v2 SDK/raw over v1 SDK/raw."""
    rows, versus = _per_call_sync(calls, rounds)
    more_rows, more_versus = asyncio.run(_per_call_async(calls, rounds))
    return rows + more_rows, {**versus, **more_versus}


def _summary(mode: str, op: str, times: dict[str, list[float]]) -> tuple[list[Row], float]:
    rows: list[Row] = []
    for version in (1, 2):
        sdk, raw = times[f"sdk{version}"], times[f"raw{version}"]
        rows.append((version, mode, op, statistics.median(sdk), statistics.median(raw), paired(sdk, raw)))
    per_round = zip(times["sdk1"], times["raw1"], times["sdk2"], times["raw2"], strict=True)
    return rows, statistics.median((s2 / r2) / (s1 / r1) for s1, r1, s2, r2 in per_round)


def _per_call_sync(calls: int, rounds: int) -> tuple[list[Row], dict[tuple[str, str], float]]:
    sdks = {
        version: payssam.PaySsam(
            **CREDENTIALS,
            base_url="http://pay.test",
            http_client=httpx.Client(transport=httpx.MockTransport(answer)),
            api_version=version,
        )
        for version in (1, 2)
    }
    raw_client = httpx.Client(transport=httpx.MockTransport(answer))
    bodies = {version: _bodies(version) for version in (1, 2)}
    rows: list[Row] = []
    versus: dict[tuple[str, str], float] = {}
    for op in REQUESTS:
        calls_of: dict[str, Callable[[], object]] = {}
        for version, sdk in sdks.items():
            url, content = bodies[version][op]
            calls_of[f"sdk{version}"] = {
                "read": lambda sdk=sdk: sdk.read_bill(BILL),
                "cancel": lambda sdk=sdk: sdk.cancel_bill(BILL, 10000),
                "send": lambda sdk=sdk: sdk.send_bill(BILL, 10000, **SEND),
            }[op]
            calls_of[f"raw{version}"] = lambda url=url, content=content: raw_client.post(
                url, content=content, headers=JSON
            ).json()
        times: dict[str, list[float]] = {name: [] for name in calls_of}
        for _ in range(rounds):
            for name, call in calls_of.items():
                times[name].append(_cpu(call, calls))
        op_rows, versus["sync", op] = _summary("sync", op, times)
        rows += op_rows
    return rows, versus


def paired(sdk: list[float], raw: list[float]) -> float:
    """The median of each round's SDK/raw: rounds run back to back, so a drift of the machine's speed cancels."""
    return statistics.median(a / b for a, b in zip(sdk, raw, strict=True))


def _cpu(call: Callable[[], object], calls: int) -> float:
    started = time.thread_time()
    for _ in range(calls):
        call()
    return (time.thread_time() - started) / calls * 1e6


async def _acpu(call: Callable[[], Awaitable[object]], calls: int) -> float:
    started = time.thread_time()
    for _ in range(calls):
        await call()
    return (time.thread_time() - started) / calls * 1e6


async def _per_call_async(calls: int, rounds: int) -> tuple[list[Row], dict[tuple[str, str], float]]:
    transport = httpx.MockTransport(answer)
    sdks = {
        version: payssam.AsyncPaySsam(
            **CREDENTIALS,
            base_url="http://pay.test",
            http_client=httpx.AsyncClient(transport=transport),
            api_version=version,
        )
        for version in (1, 2)
    }
    raw_client = httpx.AsyncClient(transport=transport)
    bodies = {version: _bodies(version) for version in (1, 2)}
    rows: list[Row] = []
    versus: dict[tuple[str, str], float] = {}
    for op in REQUESTS:
        calls_of: dict[str, Callable[[], Awaitable[object]]] = {}
        for version, sdk in sdks.items():
            url, content = bodies[version][op]
            calls_of[f"sdk{version}"] = {
                "read": lambda sdk=sdk: sdk.read_bill(BILL),
                "cancel": lambda sdk=sdk: sdk.cancel_bill(BILL, 10000),
                "send": lambda sdk=sdk: sdk.send_bill(BILL, 10000, **SEND),
            }[op]

            async def raw(url: str = url, content: bytes = content) -> object:
                return (await raw_client.post(url, content=content, headers=JSON)).json()

            calls_of[f"raw{version}"] = raw
        times: dict[str, list[float]] = {name: [] for name in calls_of}
        for _ in range(rounds):
            for name, call in calls_of.items():
                times[name].append(await _acpu(call, calls))
        op_rows, versus["async", op] = _summary("async", op, times)
        rows += op_rows
    return rows, versus


# ------------------------------------------------------------------------------------------ 2. start-up


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return (time.perf_counter() - started) * 1000


def startup(rounds: int) -> dict[str, float]:
    """Median wall milliseconds of fresh interpreters, interleaved."""
    python = sys.executable
    commands = {
        "import payssam": [python, "-c", "import payssam"],
        "import httpx": [python, "-c", "import httpx"],
        "payssam --help": [str(BIN / "payssam"), "--help"],
        "python -c pass": [python, "-c", "pass"],
    }
    for argv in commands.values():
        _wall(argv)  # warm the file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            times[name].append(_wall(argv))
    return {name: statistics.median(values) for name, values in times.items()}


# ------------------------------------------------------------------------------------------ 3. reconcile


def _start_simulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "payssam_sim", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "mock")},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on " not in line:
        raise SystemExit(f"the simulator did not start: {line!r}")
    return process, line.split()[-1]


async def _seed(base_url: str, ids: list[str], concurrency: int) -> None:
    """Create the bills with raw sends (they are the data both sides read)."""
    async with httpx.AsyncClient(base_url=base_url, limits=httpx.Limits(max_connections=concurrency)) as http:
        queue = iter(ids)

        async def worker() -> None:
            for bill_id in queue:
                bill = {
                    "bill_id": bill_id,
                    "callbackURL": "http://127.0.0.1:9/cb",
                    "hash": sha256_hex(f"{bill_id},01012345678,10000"),
                    "member_nm": "A",
                    "phone": "01012345678",
                    "price": "10000",
                    "product_nm": "B",
                }
                answer = await http.post("/if/bill/send", json={**CREDENTIALS, "bill": bill})
                assert answer.json()["code"] == "0000", answer.text

        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _raw_reads(base_url: str, ids: list[str], concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits) as http:
        queue = iter(ids)
        started = time.perf_counter()

        async def worker() -> None:
            for bill_id in queue:
                body = json.dumps({**CREDENTIALS, "bill_id": bill_id}, separators=(",", ":")).encode()
                answer = await http.post("/if/bill/read", content=body, headers=JSON)
                assert answer.json()["code"] == "0000"

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(ids) / (time.perf_counter() - started)


async def _sdk_reconcile(base_url: str, source: Path, output: Path, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    http = httpx.AsyncClient(limits=limits)
    async with payssam.AsyncPaySsam(**CREDENTIALS, base_url=base_url, http_client=http) as client:
        started = time.perf_counter()
        report = await client.reconcile(source, output, concurrency=concurrency)
        elapsed = time.perf_counter() - started
    await http.aclose()
    assert report.complete, report
    assert report.states["UNPAID"] == count_lines(source), report
    return sum(report.states.values()) / elapsed


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def reconcile_throughput(count: int, concurrency: int, rounds: int, workdir: Path) -> tuple[float, float]:
    """(SDK reconcile reads/s, raw loop reads/s): medians of interleaved rounds against one simulator."""
    process, base_url = _start_simulator()
    try:
        ids = [f"R{index:019d}" for index in range(count)]
        asyncio.run(_seed(base_url, ids, concurrency))
        source = workdir / "ids.txt"
        source.write_text("\n".join(ids) + "\n", encoding="utf-8")
        sdk, raw = [], []
        for _ in range(rounds):
            raw.append(asyncio.run(_raw_reads(base_url, ids, concurrency)))
            (workdir / "states.jsonl").unlink(missing_ok=True)
            sdk.append(asyncio.run(_sdk_reconcile(base_url, source, workdir / "states.jsonl", concurrency)))
        return statistics.median(sdk), statistics.median(raw)
    finally:
        process.terminate()
        process.wait(timeout=10)


# ------------------------------------------------------------------------------------------ 4. memory

MEMORY_PROBE = """
import asyncio, resource, sys, httpx
from payssam import AsyncPaySsam
from payssam_sim import Simulator
count, source, output = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(source, "w") as ids:
    for index in range(count):
        ids.write(f"M{index:019d}\\n")
async def main():
    sim = Simulator()
    http = httpx.AsyncClient(transport=sim.async_transport())
    credentials = dict(apikey="TEST-API-KEY-TALK", member="TEST-MEMBER-FOR-API", merchant="TEST-MERCHANT-FOR-API")
    async with AsyncPaySsam(**credentials, base_url="http://127.0.0.1", http_client=http, max_retries=0) as client:
        report = await client.reconcile(source, output, concurrency=16)
    assert sum(report.errors.values()) == count, report
asyncio.run(main())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory(count: int, workdir: Path) -> float:
    """Max RSS in MB of a fresh process reconciling `count` ids in-process (ids unknown to the simulator: it keeps
    no bills, so only reconcile's own memory can grow)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_PROBE,
            str(count),
            str(workdir / f"m{count}.txt"),
            str(workdir / f"m{count}.jsonl"),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "mock")},
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


# ------------------------------------------------------------------------------------------ report


def _bills_csv(path: Path, rows: int) -> Path:
    """A send-batch file of valid rows, each customer distinct."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("bill_id,price,phone,customer_name,product_name,message\n")
        for index in range(rows):
            stream.write(f",{1000 + index % 50000},010{index:08d},고객{index},{index % 12 + 1}월 수강료,\n")
    return path


def check_run(source: Path) -> tuple[float, float, int]:
    """`payssam send-batch FILE --dry-run` in a fresh process, its plan to /dev/null: (max RSS MB, wall s, status)."""
    env = {**os.environ, "PAYSSAM_BASE_URL": "http://127.0.0.1:9", "PAYSSAM_APIKEY": "k"}
    env.update(PAYSSAM_MEMBER="m", PAYSSAM_MERCHANT="m")
    command = [sys.executable, "-m", "payssam", "send-batch", str(source), "--callback-url", "https://e.example/cb"]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--dry-run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per round in the per-call part")
    parser.add_argument("--rounds", type=int, default=31, help="interleaved rounds in the per-call part")
    parser.add_argument("--startup-rounds", type=int, default=15)
    parser.add_argument("--bills", type=int, default=10_000, help="bills reconciled against the simulator")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reconcile-rounds", type=int, default=3)
    parser.add_argument("--check-rows", type=int, default=1_000_000, help="rows of the large file send-batch checks")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["calls", "startup", "reconcile", "memory", "check"]
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=payssam.ExperimentalWarning)  # v2 is measured on purpose
    print(
        f"payssam {payssam.__version__}; httpx {httpx.__version__}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}"
    )
    verdicts: list[tuple[str, bool]] = []
    if "calls" not in args.skip:
        print(f"\n1. per call, in-process: thread CPU µs, medians of {args.rounds} interleaved rounds of {args.calls}")
        print("   (SDK/raw: the median of each round's ratio)")
        print(f"{'API':3} {'mode':6} {'call':7} {'SDK':>8} {'raw':>8} {'SDK/raw':>8}")
        rows, versus = per_call(args.calls, args.rounds)
        for version, mode, op, sdk, raw, ratio in rows:
            print(f"v{version:<2} {mode:6} {op:7} {sdk:8.1f} {raw:8.1f} {ratio:8.2f}")
            verdicts.append((f"v{version} {mode} {op}: SDK/raw {ratio:.2f} <= 1.25", ratio <= 1.25))
        print("   v2's SDK/raw over v1's (the median of each round's quotient; 1.00: the same overhead)")
        for (mode, op), quotient in versus.items():
            print(f"    {mode:6} {op:7} {quotient:8.2f}")
            verdicts.append((f"{mode} {op}: v2's SDK/raw over v1's {quotient:.2f} <= 1.05", quotient <= 1.05))
    if "startup" not in args.skip:
        times = startup(args.startup_rounds)
        print(f"\n2. start-up: wall ms of fresh interpreters, medians of {args.startup_rounds} interleaved rounds")
        for name, value in times.items():
            print(f"  {name:16} {value:8.1f}")
        imports = times["import payssam"] / times["import httpx"]
        helps = times["payssam --help"] / times["import httpx"]
        print(f"  import payssam / import httpx = {imports:.2f}; payssam --help / import httpx = {helps:.2f}")
        verdicts.append((f"import payssam / import httpx {imports:.2f} <= 1.3", imports <= 1.3))
        verdicts.append((f"payssam --help / import httpx {helps:.2f} <= 0.5", helps <= 0.5))
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        if "reconcile" not in args.skip:
            sdk, raw = reconcile_throughput(args.bills, args.concurrency, args.reconcile_rounds, workdir)
            print(
                f"\n3. reconcile of {args.bills} bills against the simulator, concurrency {args.concurrency}: "
                f"reads/s, medians of {args.reconcile_rounds} interleaved rounds"
            )
            print(f"  SDK reconcile {sdk:8.0f}   raw httpx loop {raw:8.0f}   SDK/raw {sdk / raw:.2f}")
            verdicts.append((f"reconcile / raw loop {sdk / raw:.2f} >= 0.9", sdk / raw >= 0.9))
        if "memory" not in args.skip:
            small, large = peak_memory(10_000, workdir), peak_memory(100_000, workdir)
            print("\n4. reconcile's peak memory (max RSS of a fresh process, in-process simulator)")
            print(f"  10,000 ids {small:7.1f} MB   100,000 ids {large:7.1f} MB   difference {large - small:+.1f} MB")
            verdicts.append(
                (f"memory at 100,000 ids within 20 MB of 10,000 ({large - small:+.1f} MB)", large - small <= 20)
            )
        if "check" not in args.skip:
            small_rss, small_s, _ = check_run(_bills_csv(workdir / "small.csv", 1_000))
            large_rss, large_s, _ = check_run(_bills_csv(workdir / "large.csv", args.check_rows))
            zero_rss, zero_s, zero_status = check_run(Path("/dev/zero"))
            print("\n5. send-batch --dry-run (every row checked, the plan to /dev/null): max RSS of a fresh process")
            print(f"  1,000 rows {small_rss:7.1f} MB {small_s:6.1f} s")
            difference = large_rss - small_rss
            print(f"  {args.check_rows:,} rows {large_rss:7.1f} MB {large_s:6.1f} s   difference {difference:+.1f} MB")
            print(f"  /dev/zero {zero_rss:7.1f} MB {zero_s:6.2f} s, exit status {zero_status}")
            verdicts.append(
                (
                    f"checking {args.check_rows:,} rows within 50 MB of 1,000 ({large_rss - small_rss:+.1f} MB)",
                    large_rss - small_rss <= 50,
                )
            )
            verdicts.append(
                (
                    f"/dev/zero refused (exit 2) within 1 s and 100 MB ({zero_s:.2f} s, {zero_rss:.0f} MB)",
                    zero_status == 2 and zero_s <= 1 and zero_rss <= 100,
                )
            )
    print("\nverdicts")
    for text, ok in verdicts:
        print(f"  {'OK ' if ok else 'NO '} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
