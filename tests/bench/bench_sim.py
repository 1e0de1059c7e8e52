"""Benchmark the simulator's bill reads against a Prism mock of the same contract, in one run.

Measures sequential reads/s over a lean raw-socket client and over httpx (interleaved rounds, medians),
reads/s with p50/p99 latency at several numbers of concurrent async clients (httpx and lean), and the
in-process transport. Not part of `make test`: timings depend on the machine; run it with `make bench-sim`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "mock"), str(ROOT / "tools")]  # payssam_sim; processes and prism (test tooling)

from payssam_sim import Simulator  # noqa: E402

import processes  # noqa: E402
from prism import Prism  # noqa: E402

HOST = "127.0.0.1"
READ_PATH = "/if/bill/read"
SEND_PATH = "/if/bill/send"
AUTH = {"apikey": "TEST-API-KEY-TALK", "member": "TEST-MEMBER-FOR-API", "merchant": "TEST-MERCHANT-FOR-API"}
BILL_ID = "1234567890B000000001"
PHONE = "01012345678"
PRICE = "10000"
CALLBACK = "https://partner.example/payssam/approval"
"""Not loopback: the simulator never calls it (and the bill is never paid anyway)."""
READ_BODY = json.dumps({**AUTH, "bill_id": BILL_ID}).encode("utf-8")
OK_CODE = "0000"
START_TIMEOUT = 15.0
HTTP_TIMEOUT = 30.0
LEAN_RATIO = 3.0
HTTPX_RATIO = 2.0
IN_PROCESS_RATE = 5000.0
"""Issue 17's speed targets: sequential reads/s against Prism's with the lean client and with httpx.Client, and
in-process reads/s through httpx.Client."""


# ---------------------------------------------------------------------- requests and answers


def bill_hash(bill_id: str, phone: str, price: str) -> str:
    """The vendor's send hash: SHA-256 hex of `bill_id,phone,price`."""
    return hashlib.sha256(f"{bill_id},{phone},{price}".encode()).hexdigest()


def send_body() -> dict[str, Any]:
    """A valid POST /if/bill/send body for BILL_ID, so reads find a real bill."""
    bill = {
        "bill_id": BILL_ID,
        "callbackURL": CALLBACK,
        "hash": bill_hash(BILL_ID, PHONE, PRICE),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "벤치마크 수강료",
    }
    return {**AUTH, "bill": bill}


def answer_ok(status: int, body: bytes) -> bool:
    """HTTP 200 with a JSON object whose code is 0000; anything else counts as an error."""
    if status != 200:
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("code") == OK_CODE


def create_bill(client: httpx.Client) -> None:
    """Send the bill the reads ask for; raise unless the answer is code 0000."""
    response = client.post(SEND_PATH, json=send_body())
    if not answer_ok(response.status_code, response.content):
        raise RuntimeError(f"send did not succeed: HTTP {response.status_code} {response.text}")


# ---------------------------------------------------------------------- the servers


@dataclass
class SimProcess:
    """The simulator as its own process (`python -m payssam_sim --port 0 --quiet`), stopped by PID."""

    process: subprocess.Popen[bytes]
    base_url: str
    stderr: IO[bytes]

    def log(self) -> str:
        """What the simulator wrote on stderr (warnings and errors only, with --quiet)."""
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", errors="replace")


@contextlib.contextmanager
def simulator_process() -> Iterator[SimProcess]:
    """Start the simulator on a free port, yield it once it listens, always stop it by PID."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "payssam_sim", "--port", "0", "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            line = processes.first_line(process, START_TIMEOUT).split("\n", 1)[0]
            prefix = "payssam sim listening on "
            if not line.startswith(prefix):
                stderr.seek(0)
                raise RuntimeError(f"simulator did not start: {line!r} {stderr.read().decode(errors='replace')}")
            yield SimProcess(process, line[len(prefix) :].strip(), stderr)
        finally:
            processes.stop(process)
            if process.stdout is not None:
                process.stdout.close()


def port_of(base_url: str) -> int:
    """The port of http://HOST:PORT."""
    return int(httpx.URL(base_url).port or 80)


# ---------------------------------------------------------------------- sequential: lean socket client


def read_request(port: int) -> bytes:
    """The read request as bytes on the wire, built once."""
    head = (
        f"POST {READ_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(READ_BODY)}\r\n\r\n"
    )
    return head.encode("ascii") + READ_BODY


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server closes, from an answer's head (without the blank line)."""
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length: int | None = None
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = b"close" in value.lower()
        elif name == b"transfer-encoding":
            raise ValueError("chunked answers are not supported by the lean client")
    if length is None:
        raise ValueError("answer without Content-Length")
    return status, length, close


class LeanClient:
    """A minimal keep-alive HTTP/1.1 client on one socket: pre-built request bytes, Content-Length answers.

    It costs the client almost nothing per request, so its reads/s measure the server, not the client.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.request = read_request(port)
        self.reconnects = 0
        self.sock = self._connect()
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _reconnect(self) -> None:
        self.sock.close()
        self.sock = self._connect()
        self.buffer = b""
        self.reconnects += 1

    def read(self) -> tuple[int, bytes]:
        """One request and its answer: (status, body); reconnects after Connection: close or a failure."""
        try:
            return self._exchange()
        except (OSError, ValueError):
            self._reconnect()
            raise

    def _exchange(self) -> tuple[int, bytes]:
        self.sock.sendall(self.request)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        status, length, close = parse_head(self.buffer[:end])
        start = end + 4
        while len(self.buffer) < start + length:
            self._fill()
        body = self.buffer[start : start + length]
        self.buffer = self.buffer[start + length :]
        if close:
            self._reconnect()
        return status, body


class AsyncLeanClient:
    """The lean client over asyncio streams, for concurrency that measures the server rather than httpx."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.request = read_request(port)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def read(self) -> tuple[int, bytes]:
        """One request and its answer on a kept-alive connection, opened on first use and after a failure."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.streams
        try:
            writer.write(self.request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, close = parse_head(head[:-4])
            body = await reader.readexactly(length)
        except Exception:
            await self.aclose()
            raise
        if close:
            await self.aclose()
        return status, body

    async def aclose(self) -> None:
        """Close the connection, if open."""
        streams, self.streams = self.streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()


@dataclass
class Sequential:
    """Reads/s per round, errors and reconnects of one client kind against one server."""

    rates: list[float] = field(default_factory=list)
    cpu_rates: list[float] = field(default_factory=list)
    """Reads per second of this process's CPU time: what the rate would be had no other process taken a core."""
    errors: int = 0
    reconnects: int = 0

    @property
    def median(self) -> float:
        """The median reads/s over the rounds."""
        return statistics.median(self.rates) if self.rates else 0.0


def timed(call: Callable[[], tuple[int, bytes]], warmup: int, requests: int) -> tuple[float, float, int]:
    """Warm up, then time `requests` calls: (reads/s, reads per CPU second of this process, errors); an exception
    counts as an error."""
    for _ in range(warmup):
        with contextlib.suppress(OSError, ValueError, httpx.HTTPError):
            call()
    errors = 0
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        try:
            status, body = call()
        except (OSError, ValueError, httpx.HTTPError):
            errors += 1
            continue
        if not answer_ok(status, body):
            errors += 1
    cpu_seconds = time.process_time() - cpu
    return requests / (time.perf_counter() - started), requests / cpu_seconds if cpu_seconds else 0.0, errors


def lean_round(port: int, warmup: int, requests: int, result: Sequential) -> None:
    """One round of the lean client on a fresh connection."""
    client = LeanClient(port)
    try:
        rate, _, errors = timed(client.read, warmup, requests)
    finally:
        client.close()
    result.rates.append(rate)
    result.errors += errors
    result.reconnects += client.reconnects


def httpx_round(client: httpx.Client, warmup: int, requests: int, result: Sequential) -> None:
    """One round of a keep-alive httpx.Client."""

    def call() -> tuple[int, bytes]:
        response = client.post(READ_PATH, content=READ_BODY, headers={"Content-Type": "application/json"})
        return response.status_code, response.content

    rate, cpu_rate, errors = timed(call, warmup, requests)
    result.rates.append(rate)
    result.cpu_rates.append(cpu_rate)
    result.errors += errors


def sequential(servers: dict[str, str], rounds: int, warmup: int, requests: int) -> dict[str, dict[str, Sequential]]:
    """Interleaved rounds: each round runs every server once per client kind, the order alternating by round."""
    results = {kind: {name: Sequential() for name in servers} for kind in ("lean", "httpx")}
    clients = {name: httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) for name, url in servers.items()}
    try:
        names = list(servers)
        for number in range(rounds):
            order = names if number % 2 == 0 else names[::-1]
            for name in order:
                lean_round(port_of(servers[name]), warmup, requests, results["lean"][name])
            for name in order:
                httpx_round(clients[name], warmup, requests, results["httpx"][name])
    finally:
        for client in clients.values():
            client.close()
    return results


# ---------------------------------------------------------------------- concurrent async clients


POOLS = ("own", "shared", "lean")
"""own: an httpx.AsyncClient (one connection) per concurrent client; shared: one AsyncClient pooling them all;
lean: an AsyncLeanClient per concurrent client (not httpx; shows what the server does when the client is cheap)."""
DEFAULT_POOLS = "own,shared,lean"


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) a process has used so far, from /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Concurrent:
    """What `clients` concurrent async clients achieved within the measured window, and who was busy."""

    pool: str
    clients: int
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu: float | None
    client_cpu: float


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds (NaN without data)."""
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return statistics.median(latencies) * 1000, cuts[98] * 1000
    value = latencies[0] * 1000 if latencies else float("nan")
    return value, value


Call = Callable[[], Awaitable[tuple[int, bytes]]]


def httpx_call(client: httpx.AsyncClient) -> Call:
    """A read through an httpx.AsyncClient, as (status, body)."""
    headers = {"Content-Type": "application/json"}

    async def call() -> tuple[int, bytes]:
        response = await client.post(READ_PATH, content=READ_BODY, headers=headers)
        return response.status_code, response.content

    return call


async def concurrent(base_url: str, pool: str, clients: int, warmup: float, duration: float) -> Concurrent:
    """`clients` tasks each looping over reads on its own connection; only reads within the window are timed.

    The clients exist before the clock starts; errors are counted over the whole run, warm-up included.
    """
    verify = ssl.create_default_context()
    closers: list[Callable[[], Awaitable[None]]] = []
    calls: list[Call] = []
    if pool == "shared":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        shared = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=HTTP_TIMEOUT, verify=verify)
        calls = [httpx_call(shared)] * clients
        closers.append(shared.aclose)
    elif pool == "own":
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        for _ in range(clients):
            own = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=HTTP_TIMEOUT, verify=verify)
            calls.append(httpx_call(own))
            closers.append(own.aclose)
    else:
        for _ in range(clients):
            lean = AsyncLeanClient(port_of(base_url))
            calls.append(lean.read)
            closers.append(lean.aclose)
    latencies: list[float] = []
    errors = 0
    begin = time.perf_counter() + warmup
    end = begin + duration

    async def worker(call: Call) -> None:
        nonlocal errors
        while (started := time.perf_counter()) < end:
            try:
                ok = answer_ok(*await call())
            except (httpx.HTTPError, OSError, ValueError, EOFError, asyncio.LimitOverrunError):
                ok = False
            finished = time.perf_counter()
            if not ok:
                errors += 1
            if started >= begin and finished <= end:
                latencies.append(finished - started)

    try:
        await asyncio.gather(*(worker(call) for call in calls))
    finally:
        for close in closers:
            await close()
    p50, p99 = percentiles(latencies)
    return Concurrent(pool, clients, len(latencies) / duration, p50, p99, errors, len(latencies), None, 0.0)


def measure(base_url: str, pid: int | None, pool: str, clients: int, warmup: float, duration: float) -> Concurrent:
    """One concurrency level on one server, with the server's and this process's CPU use over the run."""
    server_before = cpu_seconds(pid) if pid is not None else None
    client_before = time.process_time()
    wall = time.perf_counter()
    result = asyncio.run(concurrent(base_url, pool, clients, warmup, duration))
    wall = time.perf_counter() - wall
    server_after = cpu_seconds(pid) if pid is not None else None
    if server_before is not None and server_after is not None:
        result.server_cpu = 100 * (server_after - server_before) / wall
    result.client_cpu = 100 * (time.process_time() - client_before) / wall
    return result


def concurrency(
    servers: dict[str, str],
    pids: dict[str, int | None],
    pools: list[str],
    levels: list[int],
    warmup: float,
    duration: float,
) -> dict[str, list[Concurrent]]:
    """Every pool kind and level for every server, the servers interleaved per level."""
    results: dict[str, list[Concurrent]] = {name: [] for name in servers}
    for pool in pools:
        for level in levels:
            for name, url in servers.items():
                results[name].append(measure(url, pids[name], pool, level, warmup, duration))
    return results


# ---------------------------------------------------------------------- in-process transport


def in_process(rounds: int, warmup: int, requests: int) -> Sequential:
    """Reads/s of httpx.Client over Simulator().transport(): no socket, same routes and rules."""
    result = Sequential()
    sim = Simulator()
    with httpx.Client(transport=sim.transport(), base_url=f"http://{HOST}") as client:
        create_bill(client)
        for _ in range(rounds):
            httpx_round(client, warmup, requests, result)
    return result


# ---------------------------------------------------------------------- report


def ratio(numerator: float, denominator: float) -> str:
    """numerator / denominator as 1.23x, or n/a."""
    return f"{numerator / denominator:.2f}x" if denominator else "n/a"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table: first column left-aligned, the rest right-aligned."""
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def verdict(holds: bool) -> str:
    """OK or NO."""
    return "OK" if holds else "NO"


def sim_errors(seq: dict[str, dict[str, Sequential]], local: Sequential) -> int:
    """The errors the simulator's sequential rounds (both clients) and the in-process rounds met."""
    return local.errors + sum(kinds["sim"].errors for kinds in seq.values())


def report(
    seq: dict[str, dict[str, Sequential]],
    conc: dict[str, list[Concurrent]],
    local: Sequential,
    args: argparse.Namespace,
) -> None:
    """Print every figure side by side and the checks the benchmark makes."""
    print(f"\nSequential reads/s: median of {args.rounds} interleaved rounds of {args.requests} reads")
    rows = []
    labels = {"lean": "lean socket client (measures the servers)", "httpx": "httpx.Client (reference)"}
    for kind, label in labels.items():
        sim, prism = seq[kind]["sim"], seq[kind]["prism"]
        rows.append(
            [
                label,
                f"{sim.median:.0f}",
                f"{prism.median:.0f}",
                ratio(sim.median, prism.median),
                f"{min(sim.rates):.0f}-{max(sim.rates):.0f}",
                f"{min(prism.rates):.0f}-{max(prism.rates):.0f}",
                f"{sim.errors}/{prism.errors}",
                f"{seq[kind]['sim'].reconnects}/{seq[kind]['prism'].reconnects}",
            ]
        )
    headers = ["client", "sim", "prism", "sim/prism", "sim range", "prism range", "errors s/p", "reconn s/p"]
    print(table(headers, rows))

    print(
        f"\nConcurrent async clients: reads/s and latency in a {args.duration:g} s window after "
        f"{args.warmup:g} s of warm-up; errors over both; CPU % of one core, server process and this client"
    )
    print(
        "  pool own: an AsyncClient (one connection) per client; shared: one AsyncClient pooling all connections; "
        "lean: raw asyncio streams, not httpx"
    )
    rows = []
    for index in range(len(conc["sim"])):
        for name in ("sim", "prism"):
            result = conc[name][index]
            rows.append(
                [
                    result.pool,
                    name,
                    str(result.clients),
                    f"{result.rate:.0f}",
                    f"{result.p50_ms:.2f}",
                    f"{result.p99_ms:.2f}",
                    str(result.errors),
                    str(result.requests),
                    "n/a" if result.server_cpu is None else f"{result.server_cpu:.0f}",
                    f"{result.client_cpu:.0f}",
                ]
            )
    headers = ["pool", "server", "clients", "reads/s", "p50 ms", "p99 ms", "errors", "reads", "srv cpu%", "cli cpu%"]
    print(table(headers, rows))

    socket_httpx = seq["httpx"]["sim"].median
    print("\nIn-process transport (httpx.Client over Simulator().transport()) vs the socket, both httpx.Client")
    rows = [
        ["in-process", f"{local.median:.0f}", str(local.errors)],
        ["socket (sequential httpx)", f"{socket_httpx:.0f}", str(seq["httpx"]["sim"].errors)],
    ]
    print(table(["simulator via", "reads/s", "errors"], rows))
    print(f"in-process / socket: {ratio(local.median, socket_httpx)}")
    cpu = statistics.median(local.cpu_rates) if local.cpu_rates else 0.0
    print(
        f"in-process: {min(local.rates):.0f}-{max(local.rates):.0f} reads/s over the rounds; {cpu:.0f} reads per "
        "CPU second of this process (what another process's load cannot take away)"
    )

    print("\nChecks (issue 17)")
    for kind, label, target in (("lean", "lean socket client", LEAN_RATIO), ("httpx", "httpx.Client", HTTPX_RATIO)):
        ours, theirs = seq[kind]["sim"].median, seq[kind]["prism"].median
        print(
            f"  sequential reads/s, {label}: simulator {ours:.0f}, Prism {theirs:.0f}, {ratio(ours, theirs)} "
            f"(target >= {target:g}x) -> {verdict(theirs > 0 and ours >= target * theirs)}"
        )
    print(
        f"  in-process reads/s through httpx.Client: {local.median:.0f} (target >= {IN_PROCESS_RATE:,.0f}) "
        f"-> {verdict(local.median >= IN_PROCESS_RATE)}"
    )
    failed = sim_errors(seq, local)
    print(f"  simulator errors in the sequential and in-process reads: {failed} -> {verdict(failed == 0)}")
    for pool in args.pool:
        results = [result for result in conc["sim"] if result.pool == pool]
        lowest, highest = results[0], results[-1]
        print(
            f"  [{pool}] simulator errors at {highest.clients} clients: {highest.errors} -> "
            f"{verdict(highest.errors == 0)}"
        )
        print(
            f"  [{pool}] simulator reads/s at {highest.clients} clients ({highest.rate:.0f}) >= at {lowest.clients} "
            f"({lowest.rate:.0f}): {verdict(highest.rate >= lowest.rate)}"
        )


# ---------------------------------------------------------------------- main


def client_counts(text: str) -> list[int]:
    """A comma-separated list of positive client counts, e.g. 1,16,64."""
    values = sorted({int(part) for part in text.split(",") if part.strip()})
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("must be positive integers separated by commas")
    return values


def pools(text: str) -> list[str]:
    """A comma-separated list of client kinds for the concurrent part, e.g. own,shared."""
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [value for value in values if value not in POOLS]
    if not values or unknown:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(POOLS)}")
    return list(dict.fromkeys(values))


def positive_int(text: str) -> int:
    """A positive integer argument."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def count(text: str) -> int:
    """A non-negative integer argument."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def non_negative(text: str) -> float:
    """A number of seconds, zero or more."""
    value = float(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError("must be a non-negative number")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The benchmark's options; the defaults keep a run to about a minute on two cores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=positive_int, default=7, help="sequential rounds (default %(default)s)")
    parser.add_argument(
        "--requests", type=positive_int, default=300, help="timed reads per round and server (default %(default)s)"
    )
    parser.add_argument(
        "--warmup-requests", type=count, default=30, help="untimed reads before each round (default %(default)s)"
    )
    parser.add_argument(
        "--duration",
        type=non_negative,
        default=1.5,
        help="measured seconds per concurrency level (default %(default)s)",
    )
    parser.add_argument(
        "--warmup", type=non_negative, default=0.5, help="unmeasured seconds before each window (default %(default)s)"
    )
    parser.add_argument(
        "--concurrency", type=client_counts, default=[1, 16, 64], help="concurrent clients (default 1,16,64)"
    )
    parser.add_argument(
        "--pool",
        type=pools,
        default=DEFAULT_POOLS,
        help="client kinds for the concurrent part, comma-separated from own (an httpx.AsyncClient per client), "
        "shared (one AsyncClient for all), lean (raw asyncio streams) (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def load() -> str:
    """The 1, 5 and 15 minute load averages, or n/a where the system has none."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def gone(pid: int) -> bool:
    """Whether no process has this id any more."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def main(argv: list[str] | None = None) -> int:
    """Start both servers, run every measurement, print the report; both servers are stopped whatever happens."""
    args = parse(argv)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"CPUs: {os.cpu_count()} (usable: {affinity})")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}")
    print(f"httpx {httpx.__version__}")
    print(f"load average before: {load()}")
    started = time.monotonic()
    with simulator_process() as sim, Prism() as prism:
        print(f"simulator: {sim.base_url} (pid {sim.process.pid}); prism: {prism.base_url} (pid {prism.pid})")
        with httpx.Client(base_url=sim.base_url, timeout=HTTP_TIMEOUT) as client:
            create_bill(client)
        servers = {"sim": sim.base_url, "prism": prism.base_url}
        print("sequential rounds ...", flush=True)
        seq = sequential(servers, args.rounds, args.warmup_requests, args.requests)
        print("concurrent clients ...", flush=True)
        pids = {"sim": sim.process.pid, "prism": prism.pid}
        conc = concurrency(servers, pids, args.pool, args.concurrency, args.warmup, args.duration)
        print("in-process transport ...", flush=True)
        local = in_process(args.rounds, args.warmup_requests, args.requests)
        alive = sim.process.poll() is None
        log = sim.log().strip()
        prism_pid = prism.pid
    report(seq, conc, local, args)
    print(f"  simulator process still running at the end of the measurements: {'yes' if alive else 'NO'}")
    prism_gone = "n/a" if prism_pid is None else ("yes" if gone(prism_pid) else "NO")
    print(f"  stopped by PID: simulator exit code {sim.process.returncode}; Prism process gone: {prism_gone}")
    if log:
        lines = log.splitlines()
        print(f"  simulator stderr ({len(lines)} lines), last 5:")
        for line in lines[-5:]:
            print(f"    {line}")
    else:
        print("  simulator stderr: empty")
    print(f"\nload average after: {load()} (over the CPU count: other processes slowed the wall-clock figures)")
    print(f"total {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
