"""Every attempt bounded in time and size, against real loopback servers started here.

Each server is a thread on a free loopback port, one more thread per connection, all stopped and joined
at the end of the test. Nothing here measures time: a dripping server would keep an unbounded call
alive for tens of seconds and then answer well, so a missing bound fails ("did not raise"), and the
server itself records whether the client went away before it had sent everything. Memory is measured
(tracemalloc), time never is.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import select
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest

import payssam
import payssam.exchange

from conftest import PROXY_VARIABLES, SANDBOX

BILL_ID = "1234567890ABCDEFGHIJ"
MIB = 1 << 20
DRIP_INTERVAL = 0.1
WAIT = 30.0  # generous bound of every wait on a server thread; never reached when things work
READ_ANSWER = {"code": "0000", "msg": "ok", "bill_id": BILL_ID, "appr_state": "W", "appr_price": "10000"}
MODES = ["sync", "async"]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not be routed through a proxy from the environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------- loopback servers


class Loopback:
    """A loopback HTTP/1.1 server: each connection's request is read, then `answer(connection, server)` runs."""

    def __init__(self, answer: Callable[[socket.socket, Loopback], None]) -> None:
        self.answer = answer
        self.stop = threading.Event()
        self.went_away = threading.Event()
        """A client closed its connection before the whole answer was sent."""
        self.finished = threading.Event()
        """An answer was sent in full."""
        self.requests = 0
        self.dripped = 0
        """How many bytes drip() has sent."""
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> Loopback:
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._start(self._accept, "loopback-accept")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        with socket.create_connection(self._listener.getsockname(), timeout=WAIT):
            pass  # wakes the accept loop up, to see stop set
        for thread in list(self._threads):
            thread.join(timeout=WAIT)
        for connection in self._connections:
            connection.close()
        self._listener.close()
        assert not any(thread.is_alive() for thread in self._threads), "a server thread did not stop"

    def _start(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            if self.stop.is_set():
                return
            self._start(self._serve, "loopback-connection", connection)

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(WAIT)
        try:
            read_request(connection)
        except OSError:
            return
        self.requests += 1
        self.answer(connection, self)

    def send(self, connection: socket.socket, data: bytes) -> None:
        """Send data at once; a client gone away is recorded."""
        try:
            connection.sendall(data)
        except OSError:
            self.went_away.set()
        else:
            self.finished.set()

    def drip(self, connection: socket.socket, data: bytes) -> None:
        """Send data one byte every DRIP_INTERVAL, until sent, the client goes away or the server stops."""
        for index in range(len(data)):
            if self.stop.wait(DRIP_INTERVAL):
                return
            if peer_closed(connection):
                self.went_away.set()
                return
            try:
                connection.sendall(data[index : index + 1])
            except OSError:
                self.went_away.set()
                return
            self.dripped += 1
        self.finished.set()


def read_request(connection: socket.socket) -> bytes:
    """One request (head and Content-Length body) off the connection; its head is returned."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("client closed before its request ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("client closed before its body ended")
        body += chunk
    return head


def peer_closed(connection: socket.socket) -> bool:
    """Whether the client has closed (or reset) the connection: readable with nothing left to read."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def answer_bytes(body: bytes, headers: Mapping[str, str] | None = None, *, status: str = "200 OK") -> bytes:
    """A whole HTTP/1.1 answer with Content-Length, closing the connection."""
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    fields.update(headers or {})
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields.items()) + "\r\n"
    return head.encode("latin-1") + body


def padded(answer: Mapping[str, Any], size: int) -> bytes:
    """answer as JSON, padded with trailing spaces (still valid JSON) to exactly size bytes."""
    text = json.dumps(answer).encode()
    assert len(text) <= size
    return text + b" " * (size - len(text))


def serving(data: bytes) -> Callable[[socket.socket, Loopback], None]:
    """Answer every request with data at once."""
    return lambda connection, server: server.send(connection, data)


def client_for(server: Loopback, mode: str, **settings: Any) -> payssam.PaySsam | payssam.AsyncPaySsam:
    """The SDK's own default client (no http_client passed) for server, one attempt, 1 s per attempt."""
    merged: dict[str, Any] = {**SANDBOX, "base_url": server.base_url, "timeout": 1.0, "max_retries": 0, **settings}
    return payssam.PaySsam(**merged) if mode == "sync" else payssam.AsyncPaySsam(**merged)


async def read_bill(client: payssam.PaySsam | payssam.AsyncPaySsam) -> payssam.BillStatus:
    """read_bill on either client, the client closed afterwards."""
    if isinstance(client, payssam.PaySsam):
        with client:
            return client.read_bill(BILL_ID)
    async with client:
        return await client.read_bill(BILL_ID)


async def wait_for(event: threading.Event) -> bool:
    """Wait (generously) for a server thread's event without blocking the event loop."""
    return await asyncio.to_thread(event.wait, WAIT)


# --------------------------------------------------------------------------- time: a dripping server

# A valid answer, slow enough that an unbounded client would get it after a minute, and pass. Its head is
# long too (over 30 s of dripping): a client bounded only once the body starts would still cut it off, later.
DRIP_ANSWER = answer_bytes(padded(READ_ANSWER, 300), {"X-Padding": "p" * 300})
DRIP_HEAD = DRIP_ANSWER.index(b"\r\n\r\n") + 4
DRIPS: list[Any] = [
    pytest.param(False, id="body-dripped"),
    pytest.param(True, id="headers-dripped"),
]


def dripping(whole: bool) -> Callable[[socket.socket, Loopback], None]:
    """Answer with DRIP_ANSWER dripped: everything, or the head sent at once and the body dripped."""

    def answer(connection: socket.socket, server: Loopback) -> None:
        if whole:
            server.drip(connection, DRIP_ANSWER)
            return
        try:
            connection.sendall(DRIP_ANSWER[:DRIP_HEAD])
        except OSError:
            server.went_away.set()
            return
        server.drip(connection, DRIP_ANSWER[DRIP_HEAD:])

    return answer


def check_cut_off(server: Loopback, whole: bool) -> None:
    """The server saw the client leave before the answer ended; a dripped head, before the head ended."""
    assert not server.finished.is_set()
    if whole:
        assert server.dripped < DRIP_HEAD, "the client waited for the whole dripped head"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("whole", DRIPS)
async def test_a_dripping_server_is_cut_off_by_the_attempt_deadline(mode: str, whole: bool) -> None:
    with Loopback(dripping(whole)) as server:
        with pytest.raises(payssam.TransportTimeoutError) as info:
            await read_bill(client_for(server, mode))
        assert await wait_for(server.went_away), "the client never closed the dripping connection"
        check_cut_off(server, whole)
        assert server.requests == 1
    assert info.value.operation == "read_bill"
    assert info.value.bill_id == BILL_ID


def test_a_caller_built_client_with_bounded_transport_keeps_the_bound() -> None:
    assert payssam.BoundedTransport is payssam.exchange.BoundedTransport
    assert "BoundedTransport" in payssam.__all__
    with Loopback(dripping(True)) as server:
        http = httpx.Client(transport=payssam.BoundedTransport())
        client = payssam.PaySsam(
            **{**SANDBOX, "base_url": server.base_url}, timeout=1.0, max_retries=0, http_client=http
        )
        with pytest.raises(payssam.TransportTimeoutError):
            client.read_bill(BILL_ID)
        assert server.went_away.wait(WAIT), "the client never closed the dripping connection"
        check_cut_off(server, True)
        assert not http.is_closed  # the caller's client stays the caller's
        http.close()


def test_bounded_transport_outside_the_sdk_is_an_ordinary_transport() -> None:
    with (
        Loopback(serving(answer_bytes(b'{"ok": true}'))) as server,
        httpx.Client(transport=payssam.BoundedTransport()) as http,
    ):
        response = http.post(server.base_url + "/anything", content=b"{}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


# --------------------------------------------------------------------------- size: bombs and big answers


def gzip_bomb(gibibytes: int = 1) -> bytes:
    """The leading ~1 MB of a gzip stream of zeros that would expand to `gibibytes` GiB.

    Each MiB of zeros compresses, after a full flush, to the same ~1 KB of deflate: the stream is built
    by repeating it instead of compressing a GiB. It has no trailer: no bounded reader gets that far.
    """
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)  # the premise of the repeat
    return first + block * (1024 * gibibytes - 1)


def test_the_bomb_is_a_bomb() -> None:
    """The premise: about 1 MB on the wire, and it keeps expanding well past the SDK's limit (checked to 8 MiB)."""
    bomb = gzip_bomb()
    assert 900_000 < len(bomb) < 1_200_000
    expanded = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bomb, 8 * MIB)
    assert expanded == bytes(8 * MIB)


@pytest.mark.parametrize("mode", MODES)
async def test_a_compression_bomb_is_refused_in_bounded_memory(mode: str) -> None:
    bomb = answer_bytes(gzip_bomb(), {"Content-Encoding": "gzip"})
    with Loopback(serving(bomb)) as server:
        client = client_for(server, mode)
        tracemalloc.start()
        try:
            with pytest.raises(payssam.ProtocolError) as info:
                await read_bill(client)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 50 * MIB, f"reading the bomb took {peak / MIB:.1f} MiB"
    assert "1 MiB" in str(info.value)
    assert info.value.status_code == 200


@pytest.mark.parametrize("mode", MODES)
async def test_an_identity_answer_over_1_mib_is_refused(mode: str) -> None:
    with (
        Loopback(serving(answer_bytes(padded(READ_ANSWER, MIB + 1)))) as server,
        pytest.raises(payssam.ProtocolError) as info,
    ):
        await read_bill(client_for(server, mode))
    assert "1 MiB" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
async def test_an_identity_answer_of_exactly_1_mib_is_read(mode: str) -> None:
    with Loopback(serving(answer_bytes(padded(READ_ANSWER, MIB)))) as server:
        status = await read_bill(client_for(server, mode))
    assert status.state is payssam.BillState.UNPAID


@pytest.mark.parametrize("mode", MODES)
async def test_a_gzip_answer_expanding_past_1_mib_is_refused(mode: str) -> None:
    body = gzip.compress(padded(READ_ANSWER, MIB + 1))
    with (
        Loopback(serving(answer_bytes(body, {"Content-Encoding": "gzip"}))) as server,
        pytest.raises(payssam.ProtocolError) as info,
    ):
        await read_bill(client_for(server, mode))
    assert "1 MiB" in str(info.value)


ENCODED: list[Any] = [
    pytest.param("gzip", gzip.compress, id="gzip"),
    pytest.param("x-gzip", gzip.compress, id="x-gzip"),
    pytest.param("GZIP", gzip.compress, id="gzip-upper-case"),
    pytest.param("deflate", zlib.compress, id="deflate"),
    pytest.param("identity", lambda data: data, id="identity"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("encoding", "encode"), ENCODED)
async def test_an_encoded_valid_answer_is_read(mode: str, encoding: str, encode: Callable[[bytes], bytes]) -> None:
    body = encode(json.dumps(READ_ANSWER).encode())
    with Loopback(serving(answer_bytes(body, {"Content-Encoding": encoding}))) as server:
        status = await read_bill(client_for(server, mode))
    assert status.state is payssam.BillState.UNPAID
    assert status.price == 10000


def test_the_client_asks_only_for_what_it_can_decode() -> None:
    assert payssam.exchange.ACCEPT_ENCODING == "gzip, deflate"


VALID = json.dumps(READ_ANSWER).encode()
REFUSED_ENCODINGS: list[Any] = [
    pytest.param("br", b"\x1b\x2c\x00\xf8" + VALID, "br", id="br"),
    pytest.param("zstd", b"\x28\xb5\x2f\xfd" + VALID, "zstd", id="zstd"),
    pytest.param("compress", VALID, "compress", id="compress"),
    pytest.param("made-up", VALID, "made-up", id="unknown"),
    pytest.param("gzip", gzip.compress(VALID) + b"trailing garbage", "after its end", id="gzip-trailing-garbage"),
    pytest.param("deflate", zlib.compress(VALID) + b"\x00junk", "after its end", id="deflate-trailing-garbage"),
    pytest.param("gzip", gzip.compress(VALID)[:-6], "cut short", id="gzip-cut-short"),
    pytest.param("gzip", VALID, "broken", id="gzip-not-compressed"),
    pytest.param("deflate", b"\xff" * 64, "broken", id="deflate-garbage"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("encoding", "body", "named"), REFUSED_ENCODINGS)
async def test_an_answer_that_cannot_be_decoded_is_a_protocol_error(
    mode: str, encoding: str, body: bytes, named: str
) -> None:
    with (
        Loopback(serving(answer_bytes(body, {"Content-Encoding": encoding}))) as server,
        pytest.raises(payssam.ProtocolError) as info,
    ):
        await read_bill(client_for(server, mode))
    assert named in str(info.value)
    assert info.value.status_code == 200
    assert info.value.operation == "read_bill"


# --------------------------------------------------------------------------- the harness itself


def test_loopback_server_serves_and_stops() -> None:
    with Loopback(serving(answer_bytes(b"{}"))) as server:
        with httpx.Client() as http:
            assert http.post(server.base_url, content=b"x").content == b"{}"
        assert server.finished.wait(WAIT)
    assert server.requests == 1


@pytest.fixture
def loopback_threads() -> Iterator[None]:
    """No loopback thread outlives its test."""
    yield
    assert not [t for t in threading.enumerate() if t.name.startswith("loopback-")]


@pytest.mark.usefixtures("loopback_threads")
def test_no_server_thread_is_left_behind() -> None:
    with Loopback(silent) as server, httpx.Client(timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
        http.post(server.base_url, content=b"x")


def silent(connection: socket.socket, server: Loopback) -> None:
    """Answer nothing until the server stops."""
    server.stop.wait(WAIT)
