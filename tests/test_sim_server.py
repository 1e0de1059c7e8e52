"""The simulator as a shared CI dependency: `python -m payssam_sim` in a subprocess, abused over raw sockets.

Every abuse is sent as exact bytes and proven twice: by the answer (status, headers, whether the connection
is closed) and by the state it must not have touched (a bill made first, read back afterwards through
GET /_sim/bills/{id}; a refused POST /_sim/reset that would have forgotten it). After every test the new
part of each simulator's stderr is checked: no traceback, no ERROR line, no secret. Nothing here measures
wall-clock time; waits are generous timeouts for the server to act, so a loaded machine only makes it slower.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import itertools
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from payssam import bill_hash

from kit import APIKEY, MEMBER, MERCHANT, ROOT
from processes import first_line, stop
from receivers import Receiver

HOST = "127.0.0.1"
JSON = "application/json"
MIB = 1 << 20
WAIT = 20.0
"""Seconds a socket waits for the server to act: generous, so a loaded machine is slow, never failing."""
AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
PHONE = "01012345678"
CUSTOMER = "홍길동"
PRICE = "10000"
NOWHERE = "https://partner.example/payssam/approval"  # not loopback: the simulator never calls it
ACK = {"code": "0000", "msg": "성공하였습니다."}
LISTENING = re.compile(r"payssam sim listening on http://127\.0\.0\.1:([0-9]+)\n")
_ids = itertools.count(1)


def new_id() -> str:
    """A fresh 20-character bill id."""
    return f"1234567890S{next(_ids):09d}"


def send_body(bill_id: str, callback: str = NOWHERE) -> dict[str, Any]:
    bill = {
        "bill_id": bill_id,
        "callbackURL": callback,
        "hash": bill_hash(bill_id, PRICE, PHONE),
        "member_nm": CUSTOMER,
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "11월 수강료",
    }
    return {**AUTH, "bill": bill}


def bill_body(bill_id: str) -> dict[str, Any]:
    return {**AUTH, "bill_id": bill_id}


def encode(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# --- the simulator subprocess ------------------------------------------------------------------------


@dataclass
class Sim:
    """A `python -m payssam_sim` subprocess: its port, and its stderr in a file."""

    process: subprocess.Popen[bytes]
    port: int
    stderr: Path
    client: httpx.Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def http(self) -> httpx.Client:
        """One ordinary keep-alive client for setting bills up and checking them."""
        if self.client is None:
            self.client = httpx.Client(base_url=self.base_url, timeout=WAIT, trust_env=False)
        return self.client

    def size(self) -> int:
        return self.stderr.stat().st_size

    def log(self, start: int = 0) -> str:
        with self.stderr.open("rb") as stream:
            stream.seek(start)
            return stream.read().decode("utf-8", errors="replace")


STARTED: list[Sim] = []
"""Every simulator these tests started, so each test's share of its stderr can be checked."""


def sim_env() -> dict[str, str]:
    """The environment with mock/ on PYTHONPATH and no credentials from outside (the sandbox ones apply)."""
    paths = [str(ROOT / "mock"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    for name in ("PAYSSAM_SIM_APIKEY", "PAYSSAM_SIM_MEMBER", "PAYSSAM_SIM_MERCHANT"):
        env.pop(name, None)
    return env


def start_sim(directory: Path, *flags: str) -> Sim:
    """Start the simulator on a free loopback port; returns once it prints where it listens."""
    stderr = directory / "stderr.log"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "payssam_sim", "--port", "0", *flags],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=sink,
            env=sim_env(),
        )
    line = first_line(process)
    match = LISTENING.fullmatch(line)
    if match is None:
        stop(process)
        raise AssertionError(f"the simulator did not start: {line!r}; stderr: {stderr.read_text(errors='replace')}")
    running = Sim(process, int(match[1]), stderr)
    STARTED.append(running)
    return running


def shut_down(running: Sim) -> None:
    """Stop it by its PID (SIGTERM first); it must exit 0 and its stderr must hold no traceback."""
    try:
        if running.client is not None:
            running.client.close()
        status = stop(running.process, grace=15.0)
    finally:
        if running.process.stdout is not None:
            running.process.stdout.close()
    log = running.log()
    assert status == 0, log
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """The simulator under abuse: request log on (not --quiet), a whole request due within 0.5 s."""
    running = start_sim(tmp_path_factory.mktemp("sim"), "--request-timeout", "0.5")
    yield running
    shut_down(running)


@pytest.fixture(scope="module")
def quiet_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """A second simulator with --quiet and a 60 s request deadline, so a half-sent request stays pending."""
    running = start_sim(tmp_path_factory.mktemp("quiet"), "--quiet", "--request-timeout", "60")
    yield running
    shut_down(running)


@pytest.fixture(autouse=True)
def clean_stderr() -> Iterator[None]:
    """After each test, what any simulator wrote to stderr meanwhile has no traceback, no ERROR, no secret."""
    before = {running.stderr: running.size() for running in STARTED}
    yield
    for running in STARTED:
        new = running.log(before.get(running.stderr, 0))
        assert "Traceback" not in new, new
        assert "ERROR" not in new, new
        for secret in (APIKEY, PHONE, CUSTOMER):
            assert secret not in new, new


# --- raw HTTP ----------------------------------------------------------------------------------------


def http_request(
    method: str,
    target: str,
    body: bytes | None = None,
    *,
    host: str | None = HOST,
    content_type: str | None = JSON,
    headers: tuple[tuple[str, str], ...] = (),
    version: str = "HTTP/1.1",
) -> bytes:
    """One request, byte for byte: Host and Content-Type unless None, Content-Length when there is a body."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    if content_type is not None and (body is not None or method == "POST"):
        lines.append(f"Content-Type: {content_type}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


RESET = http_request("POST", "/_sim/reset", b"{}")
"""A reset the simulator would obey: it must never be reached after a refused request on the same connection."""


def parse_head(head: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    """HTTP version, status and headers of an answer's head (ending in CRLF CRLF)."""
    lines = head.decode("latin-1").split("\r\n")
    version, status, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    return version, int(status), headers


@dataclass
class Reply:
    """One answer as it came over the wire."""

    version: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name.lower()]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Wire:
    """A raw client connection to the simulator: exact bytes out, answers parsed by hand."""

    def __init__(self, port: int, timeout: float = WAIT) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buffer = b""

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def reply(self) -> Reply:
        """The next answer (waits up to the socket timeout for it)."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise AssertionError(f"connection closed before a whole answer: {self.buffer!r}")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        version, status, headers = parse_head(head)
        length = int(dict(headers).get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                raise AssertionError(f"connection closed in an answer's body: {self.buffer!r}")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Reply(version, status, headers, body)

    def closed(self) -> bool:
        """Whether the server closes the connection (EOF or reset), sending nothing more, within the timeout."""
        try:
            while self._fill():
                pass
        except ConnectionResetError:
            pass
        except TimeoutError:
            return False
        assert self.buffer == b"", f"more bytes after the answer: {self.buffer!r}"
        return True

    def pending(self) -> bool:
        """Nothing has arrived yet and the connection is still open (the server is still waiting on us)."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable and not self.buffer

    def abort(self) -> None:
        """Hang up with a reset (SO_LINGER 0) instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def exchange(port: int, data: bytes) -> Reply:
    with Wire(port) as wire:
        wire.send(data)
        return wire.reply()


def assert_refused(wire: Wire, reply: Reply, status: int) -> None:
    """An error answer in JSON that says it closes, and the connection then closed."""
    assert reply.status == status, reply
    assert reply.version == "HTTP/1.1"
    assert reply.header("content-type") == "application/json; charset=utf-8"
    assert set(reply.json()) == {"error"}
    assert reply.header("connection") == "close"
    assert wire.closed()


# --- bills, set up and checked through the ordinary client --------------------------------------------


def send_bill(sim: Sim, callback: str = NOWHERE) -> str:
    """A new unpaid bill (W) on the simulator."""
    bill_id = new_id()
    answer = sim.http().post("/if/bill/send", json=send_body(bill_id, callback))
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == "0000", answer.text
    return bill_id


def state(sim: Sim, bill_id: str) -> str | None:
    """The bill's state by the control route, None if the simulator does not know it (e.g. after a reset)."""
    view = sim.http().get(f"/_sim/bills/{bill_id}")
    if view.status_code == 404:
        return None
    assert view.status_code == 200, view.text
    answer: str = view.json()["state"]
    return answer


def read_works(sim: Sim) -> None:
    """A normal read on a new connection is answered 200: the server still serves."""
    bill_id = send_bill(sim)
    reply = exchange(sim.port, http_request("POST", "/if/bill/read", encode(bill_body(bill_id))))
    assert reply.status == 200
    assert reply.json() == {"code": "0000", "msg": "성공하였습니다.", "bill_id": bill_id, "appr_state": "W"}


# --- 1. many clients at once -------------------------------------------------------------------------


async def read_answer(reader: asyncio.StreamReader) -> tuple[str, int, dict[str, Any]]:
    version, status, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
    body = await reader.readexactly(int(dict(headers)["content-length"]))
    return version, status, json.loads(body)


async def test_500_concurrent_connections_are_all_answered(sim: Sim) -> None:
    bill_id = await asyncio.to_thread(send_bill, sim)
    payload = http_request("POST", "/if/bill/read", encode(bill_body(bill_id)))
    opened = await asyncio.gather(
        *(asyncio.open_connection(HOST, sim.port) for _ in range(500)), return_exceptions=True
    )
    connections = [pair for pair in opened if not isinstance(pair, BaseException)]
    try:
        assert [repr(failure) for failure in opened if isinstance(failure, BaseException)] == []
        for _, writer in connections:  # all 500 open before the first request goes out
            writer.write(payload)
        await asyncio.gather(*(writer.drain() for _, writer in connections))
        answers = await asyncio.wait_for(
            asyncio.gather(*(read_answer(reader) for reader, _ in connections), return_exceptions=True), 60
        )
    finally:
        for _, writer in connections:
            writer.close()
        await asyncio.gather(*(writer.wait_closed() for _, writer in connections), return_exceptions=True)
    assert [repr(error) for error in answers if isinstance(error, BaseException)] == []
    expected = ("HTTP/1.1", 200, {"code": "0000", "msg": "성공하였습니다.", "bill_id": bill_id, "appr_state": "W"})
    assert answers == [expected] * 500


# --- 2. keep-alive and pipelining --------------------------------------------------------------------


def assert_kept_alive(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply
    assert reply.version == "HTTP/1.1"
    assert reply.header("connection") is None
    return reply.json()


def test_keep_alive_answers_requests_in_a_row_and_pipelined_in_order(sim: Sim) -> None:
    bill_id, unknown = new_id(), new_id()
    read = http_request("POST", "/if/bill/read", encode(bill_body(bill_id)))
    with Wire(sim.port) as wire:
        wire.send(http_request("POST", "/if/bill/send", encode(send_body(bill_id))))
        assert assert_kept_alive(wire.reply())["code"] == "0000"
        wire.send(read)
        assert assert_kept_alive(wire.reply())["appr_state"] == "W"
        wire.send(http_request("GET", f"/_sim/bills/{bill_id}"))
        assert assert_kept_alive(wire.reply())["state"] == "W"

        # Two requests in one send: the answers come in request order.
        wire.send(read + http_request("POST", "/if/bill/read", encode(bill_body(unknown))))
        assert assert_kept_alive(wire.reply())["bill_id"] == bill_id
        assert assert_kept_alive(wire.reply()) == {"code": "9980", "msg": "Bill not found"}

        # A route answered in a worker thread (pay) and a read behind it: the read waits and sees F.
        wire.send(http_request("POST", f"/_sim/bills/{bill_id}/pay", b"{}") + read)
        assert assert_kept_alive(wire.reply())["bill"]["state"] == "F"
        assert assert_kept_alive(wire.reply())["appr_state"] == "F"

        # Still the same connection, still serving.
        wire.send(read)
        assert assert_kept_alive(wire.reply())["appr_state"] == "F"
        assert wire.pending()


# --- 3. chunked bodies -------------------------------------------------------------------------------


def chunked(method: str, target: str) -> bytes:
    """The head of a chunked request with a JSON content type and a loopback Host."""
    return http_request(method, target, headers=(("Transfer-Encoding", "chunked"),))


@pytest.mark.parametrize("size", [b"-1", b"zz", b"0x10", b"1 2"])
def test_invalid_chunk_size_is_400_and_closes_without_reading_on(sim: Sim, size: bytes) -> None:
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        wire.send(chunked("POST", "/_sim/reset") + size + b"\r\n{}\r\n0\r\n\r\n" + RESET)
        reply = wire.reply()
        assert_refused(wire, reply, 400)
    assert "chunk" in reply.json()["error"]
    assert state(sim, bill_id) == "W"  # neither the chunked reset nor the one pipelined behind it happened


def test_chunk_over_1_mib_is_413_before_the_rest_is_sent(quiet_sim: Sim) -> None:
    """On the simulator with a long request deadline: 1 MiB must not race the shared one's 0.5 s on a loaded machine."""
    sim = quiet_sim
    bill_id = send_bill(sim)
    declared = 0x200000  # 2 MiB in one chunk
    with Wire(sim.port) as wire:
        # Exactly one byte over the limit: the server has read everything sent when it refuses.
        wire.send(chunked("POST", "/_sim/reset") + b"200000\r\n" + b"a" * (MIB + 1))
        reply = wire.reply()  # the answer arrives while most of the chunk is still unsent
        assert reply.status == 413
        assert reply.json() == {"error": "body: is larger than 1048576 bytes"}
        with contextlib.suppress(OSError):  # the rest goes to a closed connection: a reset is fine
            wire.send(b"a" * (declared - MIB - 1) + b"\r\n0\r\n\r\n")
        assert_refused(wire, reply, 413)
    assert state(sim, bill_id) == "W"


def test_oversized_chunk_header_alone_is_not_acted_on(sim: Sim) -> None:
    """What the server does: it counts bytes received, not sizes declared; the request deadline ends it (408)."""
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        wire.send(chunked("POST", "/_sim/reset") + b"200000\r\n" + b"a" * 1024)
        reply = wire.reply()
        assert_refused(wire, reply, 408)
    assert state(sim, bill_id) == "W"


# --- 4. Content-Length -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "length",
    [
        b"Content-Length: abc",
        b"Content-Length: -5",
        b"Content-Length: 2\r\nContent-Length: 3",
        b"Content-Length: 2, 3",
        b"Content-Length: 0x2",
        b"Content-Length: " + b"9" * 5000,  # more digits than int() converts by default
    ],
)
def test_invalid_content_length_is_400(sim: Sim, length: bytes) -> None:
    bill_id = send_bill(sim)
    head = f"POST /_sim/reset HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {JSON}\r\n".encode()
    with Wire(sim.port) as wire:
        wire.send(head + length + b"\r\n\r\n{}" + RESET)
        reply = wire.reply()
        assert_refused(wire, reply, 400)
    assert "Content-Length" in reply.json()["error"]
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("expect", [False, True])
def test_content_length_over_1_mib_is_413_at_once(sim: Sim, expect: bool) -> None:
    """No body is ever sent: a 408 would mean the server waited for it; a 413 is the answer from the head."""
    bill_id = send_bill(sim)
    headers = (("Content-Length", "2097152"),) + ((("Expect", "100-continue"),) if expect else ())
    with Wire(sim.port) as wire:
        wire.send(http_request("POST", "/_sim/reset", headers=headers))
        reply = wire.reply()
        assert_refused(wire, reply, 413)  # and no "100 Continue" before it
    assert state(sim, bill_id) == "W"


# --- 5. slow clients ---------------------------------------------------------------------------------


SLOW = {
    "half a request line": b"POST /_sim/re",
    "half the headers": f"POST /_sim/reset HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: appl".encode(),
    "half the body": http_request("POST", "/_sim/reset", headers=(("Content-Length", "10"),)) + b"{}",
}


@pytest.mark.parametrize("partial", SLOW.values(), ids=SLOW.keys())
def test_slow_client_gets_408_and_is_closed(sim: Sim, partial: bytes) -> None:
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        wire.send(partial)
        reply = wire.reply()  # the server's 0.5 s deadline; the socket waits up to 20 s for it
        assert_refused(wire, reply, 408)
    assert reply.json() == {"error": "request: did not arrive within 0.5 s"}
    assert state(sim, bill_id) == "W"


def test_slow_client_does_not_hold_up_others(quiet_sim: Sim) -> None:
    with Wire(quiet_sim.port) as slow:
        slow.send(SLOW["half the headers"])
        read_works(quiet_sim)
        assert slow.pending()  # answered the others while this one was still waiting for its request


# --- 6. methods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/if/bill/read", "POST"),
        ("GET", "/if/bill/read", "POST"),
        ("PUT", "/if/bill/send", "POST"),
        ("GET", "/_sim/reset", "POST"),
        ("GET", "/_sim/bills/{bill_id}/pay", "POST"),
        ("DELETE", "/_sim/bills/{bill_id}", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(sim: Sim, method: str, path: str, allow: str) -> None:
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        wire.send(http_request(method, path.format(bill_id=bill_id)))
        reply = wire.reply()
        assert reply.status == 405
        assert reply.header("allow") == allow
        assert reply.header("content-type") == "application/json; charset=utf-8"
        assert reply.json() == {"error": f"{path.format(bill_id=bill_id)} answers {allow} only"}
        assert reply.header("connection") is None  # a well-formed request: the connection stays usable
        wire.send(http_request("GET", f"/_sim/bills/{bill_id}"))
        assert wire.reply().json()["state"] == "W"


# --- 7. malformed request lines ----------------------------------------------------------------------


TLS_HELLO = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) * 2  # someone tried https://


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",  # HTTP/1.1 without Host
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"POST /if/bill/read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        TLS_HELLO,
    ],
    ids=["garbage", "nul", "no-host", "two-hosts", "bad-header-name", "gzip-framing", "tls-hello"],
)
def test_malformed_request_is_refused_and_closed(sim: Sim, data: bytes) -> None:
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        wire.send(data + RESET)
        reply = wire.reply()
        # 400, or what h11 hints (501 for a framing it does not implement); never a traceback.
        assert_refused(wire, reply, 501 if b"gzip" in data else 400)
    assert reply.json()["error"].startswith("malformed request: ")
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("version", [b"HTTP/9.9", b"HTTP/2.0"])
def test_unknown_http_version_is_505(sim: Sim, version: bytes) -> None:
    """h11 parses any single-digit version; the simulator speaks 1.0 and 1.1 only and says so."""
    with Wire(sim.port) as wire:
        wire.send(b"GET / " + version + b"\r\nHost: 127.0.0.1\r\n\r\n")
        reply = wire.reply()
        assert reply.status == 505
        assert "HTTP/1.1" in reply.json()["error"]


# --- 8. big heads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (17 * 1024),
        b"POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-%03d: %s\r\n" % (i, b"b" * 90) for i in range(200)),
        b"POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * MIB,
    ],
    ids=["one-17KiB-header", "200-headers", "1MiB-header"],
)
def test_head_growing_past_16_kib_is_431(sim: Sim, head: bytes) -> None:
    bill_id = send_bill(sim)
    with Wire(sim.port) as wire:
        with contextlib.suppress(OSError):  # the 1 MiB case may be cut off by the refusal
            wire.send(head)
        reply = wire.reply()
        assert_refused(wire, reply, 431)
    assert state(sim, bill_id) == "W"


def test_whole_head_over_16_kib_in_one_send_is_431(sim: Sim) -> None:
    with Wire(sim.port) as wire:
        wire.send(http_request("GET", f"/_sim/bills/{new_id()}", headers=(("X-Big", "a" * 32 * 1024),)))
        reply = wire.reply()
        assert reply.status == 431, reply


# --- 9. cross-site requests to the control routes ----------------------------------------------------


def control(sim: Sim, route: str, bill_id: str, *, host: str | None = HOST, content_type: str | None = JSON) -> Reply:
    """POST {} to /_sim/reset or the bill's /pay; without a Host it has to be HTTP/1.0 (1.1 requires one)."""
    target = "/_sim/reset" if route == "reset" else f"/_sim/bills/{bill_id}/pay"
    version = "HTTP/1.1" if host else "HTTP/1.0"
    return exchange(
        sim.port, http_request("POST", target, b"{}", host=host, content_type=content_type, version=version)
    )


@pytest.mark.parametrize("route", ["reset", "pay"])
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
def test_control_post_without_json_is_403(sim: Sim, route: str, content_type: str | None) -> None:
    bill_id = send_bill(sim)
    reply = control(sim, route, bill_id, content_type=content_type)
    assert reply.status == 403
    assert reply.json() == {"error": "Content-Type: control routes take application/json only"}
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("route", ["reset", "pay"])
@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "127.0.0.1.evil.example",
        "evil.example:4020",
        "localhost.evil.example",
        "evil.example@127.0.0.1",
        "127.0.0.1 evil.example",
        None,
        # A loopback name with a port no TCP connection can have: not this machine either.
        "127.0.0.1:99999",
        "localhost:65536",
        "127.0.0.1:0",
        "[::1]:99999",
        "127.0.0.1:",
    ],
)
def test_control_post_with_a_foreign_host_is_403(sim: Sim, route: str, host: str | None) -> None:
    bill_id = send_bill(sim)
    reply = control(sim, route, bill_id, host=host)
    assert reply.status == 403
    assert reply.json() == {"error": "Host: control routes answer only to a loopback host name"}
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "localhost", "[::1]:{port}"])
def test_control_post_with_a_loopback_host_and_json_is_served(sim: Sim, host: str) -> None:
    bill_id = send_bill(sim)
    reply = control(sim, "pay", bill_id, host=host.format(port=sim.port))
    assert reply.status == 200
    assert reply.json()["bill"]["state"] == "F"
    assert state(sim, bill_id) == "F"


def test_control_post_to_an_absolute_foreign_target_is_403(sim: Sim) -> None:
    """A proxy-style absolute target naming another host is not ours to act on, whatever Host says."""
    bill_id = send_bill(sim)
    raw = http_request("POST", f"http://evil.example/_sim/bills/{bill_id}/pay", b"{}", content_type=JSON)
    reply = exchange(sim.port, raw)
    assert reply.status == 403
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("authority", ["127.0.0.1:99999", "localhost:0"])
def test_control_post_to_an_absolute_target_with_a_bad_port_is_403(sim: Sim, authority: str) -> None:
    bill_id = send_bill(sim)
    raw = http_request("POST", f"http://{authority}/_sim/bills/{bill_id}/pay", b"{}", content_type=JSON)
    reply = exchange(sim.port, raw)
    assert reply.status == 403
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("route", ["/_sim/reset", "/_sim/bills/B1/pay", "/if/bill/read"])
def test_a_request_target_that_is_no_url_is_400_and_changes_nothing(sim: Sim, route: str) -> None:
    """An absolute target with an unclosed IPv6 host: h11 lets it through, no URL parser reads it."""
    bill_id = send_bill(sim)
    reply = exchange(sim.port, http_request("POST", f"http://[::1{route}", encode(bill_body(bill_id))))
    assert reply.status == 400
    assert reply.json() == {"error": "request target: is not a URL"}
    assert state(sim, bill_id) == "W"
    read_works(sim)


def test_reset_with_localhost_host_and_json_resets(sim: Sim) -> None:
    bill_id = send_bill(sim)
    reply = control(sim, "reset", bill_id, host=f"localhost:{sim.port}")
    assert (reply.status, reply.json()) == (200, {"reset": True})
    assert state(sim, bill_id) is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4020"])
def test_vendor_routes_do_not_check_host(sim: Sim, host: str) -> None:
    bill_id = send_bill(sim)
    reply = exchange(sim.port, http_request("POST", "/if/bill/read", encode(bill_body(bill_id)), host=host))
    assert reply.status == 200
    assert reply.json()["appr_state"] == "W"


# --- 10. clients that hang up ------------------------------------------------------------------------


PARTIAL_RESET = {
    "mid-headers": b"POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
    "mid-body": http_request("POST", "/_sim/reset", headers=(("Content-Length", "100"),)) + b"{",
}


@pytest.mark.parametrize("how", ["fin", "reset"])
@pytest.mark.parametrize("partial", PARTIAL_RESET.values(), ids=PARTIAL_RESET.keys())
def test_client_hanging_up_mid_request_changes_nothing(sim: Sim, partial: bytes, how: str) -> None:
    bill_id = send_bill(sim)
    for _ in range(20):
        wire = Wire(sim.port)
        wire.send(partial)
        if how == "fin":
            wire.sock.close()
        else:
            wire.abort()
    read_works(sim)
    assert state(sim, bill_id) == "W"


def test_client_hanging_up_without_reading_its_answer(sim: Sim) -> None:
    sent = [new_id() for _ in range(20)]
    for bill_id in sent:
        wire = Wire(sim.port)
        wire.send(http_request("POST", "/if/bill/send", encode(send_body(bill_id))))
        wire.sock.close()  # the request is whole: it is served, the answer goes nowhere
    read_works(sim)
    assert [state(sim, bill_id) for bill_id in sent] == ["W"] * len(sent)


# --- 11. the request log -----------------------------------------------------------------------------


def held_port() -> socket.socket:
    """A loopback port bound but not listening: connecting to it is refused, and nobody else can take it."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind((HOST, 0))
    return holder


def log_traffic(sim: Sim) -> tuple[str, str]:
    """A send, a read, a 405 and a payment whose callback finds nothing listening; the bill id and callback URL."""
    with held_port() as holder:
        url = f"http://{HOST}:{holder.getsockname()[1]}/payssam/approval"
        bill_id = send_bill(sim, callback=url)
        client = sim.http()
        assert client.post("/if/bill/read", json=bill_body(bill_id)).json()["appr_state"] == "W"
        assert client.get("/if/bill/read").status_code == 405
        paid = client.post(f"/_sim/bills/{bill_id}/pay", json={})
    assert paid.json()["callback"]["last_error"] == "connection failed (ConnectError)"
    return bill_id, url


def test_request_log_has_one_line_per_request_and_no_secrets(sim: Sim) -> None:
    start = sim.size()
    bill_id, url = log_traffic(sim)
    log = sim.log(start)  # each line is written before its answer, so all are there by now
    stamp = r"^\S+ \S+ INFO "
    for pattern in (
        rf"POST /if/bill/send bill_id={bill_id} code=0000 [0-9]+\.[0-9] ms$",
        rf"POST /if/bill/read bill_id={bill_id} code=0000 [0-9]+\.[0-9] ms$",
        r"GET /if/bill/read bill_id=- HTTP 405 [0-9]+\.[0-9] ms$",
        rf"POST /_sim/bills/{bill_id}/pay bill_id={bill_id} HTTP 200 [0-9]+\.[0-9] ms$",
        rf"callback bill_id={bill_id} attempt 1 to {re.escape(url)}: connection failed \(ConnectError\); "
        r"next attempt in 3600 s$",
    ):
        assert len(re.findall(stamp + pattern, log, re.MULTILINE)) == 1, (pattern, log)
    assert len(log.splitlines()) == 5, log
    whole = sim.log()
    for secret in (APIKEY, PHONE, CUSTOMER):
        assert secret not in whole


def test_refused_requests_are_logged_too(sim: Sim) -> None:
    """What h11 or a bound refuses never reaches the routes, and still gets its line."""
    start = sim.size()
    raw = b"POST /if/bill/read?apikey=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n\r\n"
    assert exchange(sim.port, raw).status == 413
    assert exchange(sim.port, b"GARBAGE\r\n\r\n").status == 400
    log = sim.log(start)
    assert re.search(
        r" INFO POST /if/bill/read refused: HTTP 413 \(body: is larger than 1048576 bytes\)$", log, re.M
    ), log
    assert re.search(r" INFO request refused: HTTP 400 \(malformed request", log, re.M), log
    assert "apikey=x" not in log


def test_quiet_logs_no_request_lines(quiet_sim: Sim) -> None:
    start = quiet_sim.size()
    bill_id, url = log_traffic(quiet_sim)
    log = quiet_sim.log(start)
    assert bill_id not in log
    assert url not in log
    assert "INFO" not in quiet_sim.log()


# --- 12. control routes: list and redeliver ----------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver([(200, encode(ACK))])
    yield running
    running.stop()


def test_bills_lists_ids_and_states(sim: Sim) -> None:
    unpaid, paid = send_bill(sim), send_bill(sim)
    client = sim.http()
    assert client.post(f"/_sim/bills/{paid}/pay", json={}).status_code == 200
    listing = client.get("/_sim/bills")
    assert listing.status_code == 200
    states = {view["bill_id"]: view["state"] for view in listing.json()["bills"]}
    assert (states[unpaid], states[paid]) == ("W", "F")


def test_redeliver_sends_the_same_approval_again_now(sim: Sim, receiver: Receiver) -> None:
    bill_id = send_bill(sim, callback=receiver.url)
    client = sim.http()
    paid = client.post(f"/_sim/bills/{bill_id}/pay", json={})
    assert paid.json()["callback"]["acknowledged"] is True
    assert len(receiver.raw) == 1
    again = client.post(f"/_sim/bills/{bill_id}/redeliver", json={})
    assert again.status_code == 200
    acknowledged = {"attempts": 2, "acknowledged": True, "gave_up": False, "last_error": None, "next_attempt_in": None}
    assert again.json()["callback"] == acknowledged
    assert again.json()["bill"]["callback"] == acknowledged
    assert len(receiver.raw) == 2
    assert receiver.raw[0] == receiver.raw[1]
    assert receiver.bodies[0]["bill_id"] == bill_id


def test_redeliver_of_an_unpaid_or_unknown_bill(sim: Sim) -> None:
    unpaid = send_bill(sim)
    client = sim.http()
    never_paid = client.post(f"/_sim/bills/{unpaid}/redeliver", json={})
    unknown = client.post(f"/_sim/bills/{new_id()}/redeliver", json={})
    as_text = client.post(f"/_sim/bills/{unpaid}/redeliver", content=b"{}", headers={"Content-Type": "text/plain"})
    assert never_paid.status_code == 409
    assert never_paid.json() == {"error": "bill was never paid: there is no approval to deliver"}
    assert unknown.status_code == 404
    assert as_text.status_code == 403
    assert state(sim, unpaid) == "W"


# --- 13. --detach ------------------------------------------------------------------------------------


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie may wait for an init that never reaps)."""
    stat = Path(f"/proc/{pid}/stat")
    if not Path("/proc").is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return fields[0] != "Z"


def gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(pid: int) -> bool:
    """SIGTERM by PID, wait up to 10 s for it to go away, then SIGKILL; True if SIGTERM was enough."""
    if not alive(pid):
        return True
    os.kill(pid, signal.SIGTERM)
    if gone(pid, 10.0):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    gone(pid, 10.0)
    return False


def detach(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    pid_file, log_file = tmp_path / "sim.pid", tmp_path / "sim.log"
    command = [sys.executable, "-m", "payssam_sim", *flags, "--detach", "--pid-file", str(pid_file)]
    return subprocess.run(
        [*command, "--log-file", str(log_file)],
        cwd=tmp_path,
        env=sim_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sim_processes(port: int) -> list[int]:
    """PIDs of simulators started with `--port PORT` (read-only look at /proc; nothing is signalled)."""
    wanted = (b"--port", str(port).encode())
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"payssam_sim" in argv and wanted in itertools.pairwise(argv) and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_detach_starts_in_the_background_and_stops_by_pid(tmp_path: Path) -> None:
    started = detach(tmp_path, "--port", "0")
    match = re.fullmatch(
        r"payssam sim listening on (http://127\.0\.0\.1:[0-9]+) \(pid ([0-9]+), log (.+)\)\n", started.stdout
    )
    pid_file = tmp_path / "sim.pid"
    pid = int(match[2]) if match else int(pid_file.read_text()) if pid_file.exists() else 0
    try:
        assert started.returncode == 0, started.stderr
        assert match, started.stdout
        assert pid_file.read_text() == f"{pid}\n"
        assert match[3] == str(tmp_path / "sim.log")
        assert alive(pid)
        assert pid in sim_processes(0)  # also proves the /proc scan the port-taken test relies on
        answer = httpx.post(match[1] + "/if/bill/read", json=bill_body(new_id()), timeout=WAIT, trust_env=False)
        assert answer.json() == {"code": "9980", "msg": "Bill not found"}
    finally:
        stopped_by_sigterm = terminate(pid) if pid else True
    assert stopped_by_sigterm
    log = (tmp_path / "sim.log").read_text(encoding="utf-8", errors="replace")
    assert "POST /if/bill/read bill_id=" in log
    assert "Traceback" not in log
    assert APIKEY not in log


def test_detach_with_the_port_taken_exits_1_and_leaves_nothing(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        failed = detach(tmp_path, "--port", str(port))
        leftovers = sim_processes(port)
    for pid in leftovers:  # only if the assertion below is about to fail: do not leave it running
        terminate(pid)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.startswith("payssam sim: did not start: ")
    assert f"cannot listen on 127.0.0.1:{port}" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert leftovers == []
    assert not (tmp_path / "sim.pid").exists()


@pytest.mark.parametrize("flags", [["--no-such-flag"], ["--port", "70000"], ["--request-timeout", "0"]])
def test_detach_with_a_bad_flag_exits_2(tmp_path: Path, flags: list[str]) -> None:
    failed = detach(tmp_path, "--port", "0", *flags)
    assert failed.returncode == 2
    assert failed.stderr.startswith("usage: payssam sim")
    assert failed.stdout == ""
    assert not (tmp_path / "sim.pid").exists()


# --- 14. the dependency graph ------------------------------------------------------------------------


def imported(path: Path) -> list[str]:
    """Every absolute module name a file imports (relative imports stay inside their package)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@dataclass
class Boundary:
    tree: Path
    forbidden: str
    also_imports: str = "httpx"  # proves the walk sees imports at all


@pytest.mark.parametrize(
    "boundary",
    [Boundary(ROOT / "wrapper", "payssam_sim"), Boundary(ROOT / "mock" / "payssam_sim", "payssam")],
    ids=["sdk-never-imports-the-simulator", "simulator-never-imports-the-sdk"],
)
def test_sdk_and_simulator_do_not_import_each_other(boundary: Boundary) -> None:
    files = sorted(boundary.tree.rglob("*.py"))
    assert len(files) > 5
    everything = {path: imported(path) for path in files}
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, names in everything.items()
        for name in names
        if name == boundary.forbidden or name.startswith(boundary.forbidden + ".")
    ]
    assert offenders == []
    assert any(boundary.also_imports in names for names in everything.values())
