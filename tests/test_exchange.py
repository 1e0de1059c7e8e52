"""Every attempt bounded in time and size, against real loopback servers started here.

Each server is a thread on a free loopback port, one more thread per connection, all stopped and joined
at the end of the test. Nothing here measures time: a dripping server would keep an unbounded call
alive for tens of seconds and then answer well, so a missing bound fails ("did not raise"), and the
server itself records whether the client went away before it had sent everything. Memory is measured
(tracemalloc), time never is. In-process answers (an httpx.MockTransport) are bounded here too, and
BoundedTransport is checked to be httpx's transport in all but the bound: its arguments, proxies, errors.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import functools
import gzip
import inspect
import json
import select
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

import payssam
import payssam._exchange

from kit import MODES, SANDBOX, free_port, offline_async_client, offline_client

BILL_ID = "1234567890ABCDEFGHIJ"
MIB = 1 << 20
DRIP_INTERVAL = 0.1
WAIT = 30.0  # generous bound of every wait on a server thread; never reached when things work
READ_ANSWER = {"code": "0000", "msg": "ok", "bill_id": BILL_ID, "appr_state": "W", "appr_price": "10000"}

pytestmark = pytest.mark.usefixtures("no_proxy")  # loopback requests must not go through a proxy from the environment


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
        self.heads: list[bytes] = []
        """Each request's head (request line and header fields), as received."""
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
            self.heads.append(read_request(connection))
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


def serving_then_closing(data: bytes) -> Callable[[socket.socket, Loopback], None]:
    """Answer with data at once, then end the connection (however much the answer said was to come)."""

    def answer(connection: socket.socket, server: Loopback) -> None:
        server.send(connection, data)
        connection.shutdown(socket.SHUT_WR)

    return answer


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


async def waited(event: threading.Event) -> bool:
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
        assert await waited(server.went_away), "the client never closed the dripping connection"
        check_cut_off(server, whole)
        assert server.requests == 1
    assert info.value.operation == "read_bill"
    assert info.value.bill_id == BILL_ID


PROXIED_URL = "http://payssam.invalid/api"
"""The base URL of calls sent through a loopback proxy: never resolved, the proxy answers for it."""
PROXYING: list[Any] = [
    pytest.param(False, id="direct"),
    pytest.param(True, id="through-a-proxy"),
]


@pytest.mark.parametrize("proxied", PROXYING)
@pytest.mark.parametrize("whole", DRIPS)
def test_a_caller_built_client_with_bounded_transport_keeps_the_bound(whole: bool, proxied: bool) -> None:
    assert payssam.BoundedTransport is payssam._exchange.BoundedTransport
    assert "BoundedTransport" in payssam.__all__
    with Loopback(dripping(whole)) as server:
        if proxied:  # the dripping server is the proxy
            transport = payssam.BoundedTransport(proxy=server.base_url)
        else:
            transport = payssam.BoundedTransport(limits=httpx.Limits(max_connections=4), retries=0, trust_env=False)
        http = httpx.Client(transport=transport)
        base_url = PROXIED_URL if proxied else server.base_url
        client = payssam.PaySsam(**{**SANDBOX, "base_url": base_url}, timeout=1.0, max_retries=0, http_client=http)
        with pytest.raises(payssam.TransportTimeoutError):
            client.read_bill(BILL_ID)
        assert server.went_away.wait(WAIT), "the client never closed the dripping connection"
        check_cut_off(server, whole)
        assert not http.is_closed  # the caller's client stays the caller's
        http.close()
    if proxied:
        assert server.heads[0].startswith(f"POST {PROXIED_URL}/if/bill/read HTTP/1.1\r\n".encode())


def test_bounded_transport_outside_the_sdk_is_an_ordinary_transport() -> None:
    with (
        Loopback(serving(answer_bytes(b'{"ok": true}'))) as server,
        httpx.Client(transport=payssam.BoundedTransport()) as http,
    ):
        response = http.post(server.base_url + "/anything", content=b"{}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


# --------------------------------------------------------------------------- BoundedTransport: httpx's, but bounded


def test_bounded_transport_takes_httpx_transport_arguments_with_the_same_defaults() -> None:
    """BoundedTransport(**kwargs) hands them to a builder naming httpx.HTTPTransport's parameters and defaults."""
    theirs = inspect.signature(httpx.HTTPTransport).parameters
    ours = inspect.signature(payssam._exchange._bounded_pool).parameters
    assert list(ours) == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default, name
        assert ours[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    payssam.BoundedTransport(**{name: parameter.default for name, parameter in theirs.items()}).close()


def test_bounded_transport_refuses_what_it_does_not_take() -> None:
    with pytest.raises(TypeError):
        payssam.BoundedTransport(timeout=1.0)
    with pytest.raises(TypeError):
        payssam.BoundedTransport(True)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="scheme"):
        payssam.BoundedTransport(proxy="ftp://127.0.0.1:21")


def test_bounded_transport_uses_its_arguments() -> None:
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    with (
        Loopback(serving(answer_bytes(b"{}"))) as server,
        httpx.Client(
            transport=payssam.BoundedTransport(
                verify=False, local_address="127.0.0.1", socket_options=options, limits=httpx.Limits(max_connections=1)
            )
        ) as http,
    ):
        assert http.post(server.base_url, content=b"x").content == b"{}"


def test_a_socks_proxy_needs_socksio_as_with_httpx() -> None:
    try:
        httpx.HTTPTransport(proxy="socks5://127.0.0.1:1080")
    except ImportError:
        with pytest.raises(ImportError, match="socksio"):
            payssam.BoundedTransport(proxy="socks5://127.0.0.1:1080")
    else:
        payssam.BoundedTransport(proxy="socks5://127.0.0.1:1080").close()


PROXY_FORMS: list[Any] = [
    pytest.param(lambda url: url.replace("http://", "http://user:secret@"), id="string"),
    pytest.param(lambda url: httpx.URL(url.replace("http://", "http://user:secret@")), id="httpx.URL"),
    pytest.param(
        lambda url: httpx.Proxy(url, auth=("user", "secret"), headers={"X-Proxy-Note": "n"}), id="httpx.Proxy"
    ),
]


@pytest.mark.parametrize("form", PROXY_FORMS)
def test_a_proxy_argument_is_honoured(form: Callable[[str], Any]) -> None:
    with Loopback(serving(answer_bytes(json.dumps(READ_ANSWER).encode()))) as proxy:
        http = httpx.Client(transport=payssam.BoundedTransport(proxy=form(proxy.base_url)))
        with payssam.PaySsam(**{**SANDBOX, "base_url": PROXIED_URL}, max_retries=0, http_client=http) as client:
            status = client.read_bill(BILL_ID)
        http.close()
    assert status.state is payssam.BillState.UNPAID
    request_line, *fields = proxy.heads[0].decode("latin-1").split("\r\n")
    assert request_line == f"POST {PROXIED_URL}/if/bill/read HTTP/1.1"
    assert f"proxy-authorization: basic {base64.b64encode(b'user:secret').decode().lower()}" in [
        field.lower() for field in fields
    ]


def test_an_https_call_is_tunnelled_through_the_proxy() -> None:
    with (
        Loopback(serving(answer_bytes(b"", status="407 Proxy Authentication Required"))) as proxy,
        httpx.Client(transport=payssam.BoundedTransport(proxy=proxy.base_url)) as http,
        pytest.raises(httpx.ProxyError) as info,
    ):
        http.get("https://payssam.invalid/api")
    assert proxy.heads[0].startswith(b"CONNECT payssam.invalid:443 HTTP/1.1\r\n")
    assert isinstance(info.value.__cause__, httpcore.ProxyError)


HTTPCORE_ERRORS = sorted(
    name
    for name in httpcore.__all__
    if isinstance(getattr(httpcore, name), type)
    and issubclass(getattr(httpcore, name), Exception)
    and name != "ConnectionNotAvailable"  # httpcore's own, handled inside its pool
)


@pytest.mark.parametrize("name", HTTPCORE_ERRORS)
def test_each_httpcore_error_becomes_httpx_error_of_the_same_name(name: str) -> None:
    mapped = payssam._exchange._as_httpx(getattr(httpcore, name)("detail"))
    assert type(mapped) is getattr(httpx, name)
    assert str(mapped) == "detail"


def test_an_error_that_is_not_httpcore_is_left_alone() -> None:
    assert payssam._exchange._as_httpx(OSError("not httpcore's")) is None


def test_errors_when_sending_are_httpx_classes() -> None:
    with httpx.Client(transport=payssam.BoundedTransport()) as http:
        with pytest.raises(httpx.ConnectError) as refused:
            http.get(f"http://127.0.0.1:{free_port()}/")
        assert isinstance(refused.value.__cause__, httpcore.ConnectError)
        with pytest.raises(httpx.UnsupportedProtocol):
            http._transport.handle_request(httpx.Request("GET", "ftp://127.0.0.1/"))
        with Loopback(serving(b"NOT HTTP AT ALL\r\n\r\n")) as server, pytest.raises(httpx.RemoteProtocolError):
            http.get(server.base_url)
        with Loopback(silent) as server, pytest.raises(httpx.ReadTimeout):
            http.get(server.base_url, timeout=0.2)
        with Loopback(silent) as server, pytest.raises(httpx.LocalProtocolError):
            http.get(server.base_url, headers={"X-Bad": "a\r\nb"})


def test_a_passed_deadline_is_an_httpx_connect_timeout() -> None:
    with Loopback(serving(answer_bytes(b"{}"))) as server, httpx.Client(transport=payssam.BoundedTransport()) as http:
        token = payssam._exchange.set_deadline(time.monotonic() - 1)
        try:
            with pytest.raises(httpx.ConnectTimeout):
                http.get(server.base_url)
        finally:
            payssam._exchange.reset_deadline(token)
        assert http.get(server.base_url).content == b"{}"  # no deadline, no bound


def test_a_full_pool_is_an_httpx_pool_timeout() -> None:
    transport = payssam.BoundedTransport(limits=httpx.Limits(max_connections=1))
    with (
        Loopback(dripping(False)) as server,
        httpx.Client(transport=transport) as http,
        http.stream("GET", server.base_url) as held,
    ):
        assert held.status_code == 200
        with pytest.raises(httpx.PoolTimeout):
            http.get(server.base_url, timeout=httpx.Timeout(WAIT, pool=0.0))


def test_errors_while_the_body_is_read_are_httpx_classes() -> None:
    cut_short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + b"x" * 10
    with httpx.Client(transport=payssam.BoundedTransport()) as http:
        with (
            Loopback(serving_then_closing(cut_short)) as server,
            http.stream("GET", server.base_url) as response,
            pytest.raises(httpx.RemoteProtocolError) as info,
        ):
            response.read()
        assert isinstance(info.value.__cause__, httpcore.RemoteProtocolError)
        with Loopback(dripping(False)) as server, http.stream("GET", server.base_url) as response:
            token = payssam._exchange.set_deadline(time.monotonic() + 0.3)
            try:
                with pytest.raises(httpx.ReadTimeout):
                    response.read()
            finally:
                payssam._exchange.reset_deadline(token)


def test_closing_the_transport_closes_its_connections() -> None:
    with Loopback(dripping(False)) as server:
        http = httpx.Client(transport=payssam.BoundedTransport())
        with http.stream("GET", server.base_url) as response:
            assert response.status_code == 200
            http.close()
            assert server.went_away.wait(WAIT), "closing the transport left the connection open"


def test_exchange_touches_no_private_part_of_httpx_or_httpcore() -> None:
    """No attribute is set on any object but the module's own (self), and nothing private is read but its own."""
    tree = ast.parse(Path(payssam._exchange.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute):
                        assert isinstance(part.value, ast.Name), ast.unparse(node)
                        assert part.value.id == "self", ast.unparse(node)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            private = not node.attr.endswith("__") or node.attr in ("__dict__", "__setattr__", "__delattr__")
            assert not private or (isinstance(node.value, ast.Name) and node.value.id == "self"), ast.unparse(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("setattr", "delattr", "vars"), ast.unparse(node)
        if isinstance(node, ast.ImportFrom):
            assert node.level or (node.module or "").split(".")[0] not in ("httpx", "httpcore"), ast.unparse(node)
        if isinstance(node, ast.Import):
            assert all("._" not in alias.name for alias in node.names), ast.unparse(node)


# --------------------------------------------------------------------------- size: bombs and big answers


WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""zlib's window bits for each Content-Encoding the client accepts."""
BOMBS = list(WBITS)


@functools.cache
def compression_bomb(encoding: str = "gzip") -> bytes:
    """The leading ~1 MB of a gzip (or deflate) stream of zeros that would expand to 1 GiB.

    Each MiB of zeros compresses, after a full flush, to the same ~1 KB of deflate: the stream is built
    by repeating it instead of compressing a GiB. It has no trailer: no bounded reader gets that far.
    """
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, WBITS[encoding])
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)  # the premise of the repeat
    return first + block * 1023


@pytest.mark.parametrize("encoding", BOMBS)
def test_the_bomb_is_a_bomb(encoding: str) -> None:
    """The premise: about 1 MB on the wire, and it keeps expanding well past the SDK's limit (checked to 8 MiB)."""
    bomb = compression_bomb(encoding)
    assert 900_000 < len(bomb) < 1_200_000
    expanded = zlib.decompressobj(WBITS[encoding]).decompress(bomb, 8 * MIB)
    assert expanded == bytes(8 * MIB)


@pytest.mark.parametrize("mode", MODES)
async def test_a_compression_bomb_is_refused_in_bounded_memory(mode: str) -> None:
    bomb = answer_bytes(compression_bomb(), {"Content-Encoding": "gzip"})
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


class Chunked(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An in-process answer body handed over `size` bytes at a time, to either client."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data = data
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def offline(mode: str, handler: Callable[[httpx.Request], httpx.Response]) -> payssam.PaySsam | payssam.AsyncPaySsam:
    """conftest's offline client of the mode, its requests answered by handler in-process."""
    return offline_client(handler) if mode == "sync" else offline_async_client(handler)


async def traced_read(client: payssam.PaySsam | payssam.AsyncPaySsam) -> tuple[payssam.ProtocolError, int]:
    """read_bill's ProtocolError and the peak of memory allocated while the call ran (tracemalloc)."""
    tracemalloc.start()
    try:
        with pytest.raises(payssam.ProtocolError) as info:
            await read_bill(client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


CHUNKINGS: list[Any] = [
    pytest.param(None, id="one-chunk"),
    pytest.param(64 * 1024, id="64-KiB-chunks"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", BOMBS)
@pytest.mark.parametrize("chunk", CHUNKINGS)
async def test_an_in_process_bomb_is_refused_in_bounded_memory(mode: str, encoding: str, chunk: int | None) -> None:
    """A 1 MB body expanding to 1 GiB, handed over by the transport as a stream (as every real transport does)."""
    bomb = compression_bomb(encoding)

    def handler(request: httpx.Request) -> httpx.Response:
        body = httpx.ByteStream(bomb) if chunk is None else Chunked(bomb, chunk)
        return httpx.Response(200, headers={"Content-Encoding": encoding}, stream=body)

    error, peak = await traced_read(offline(mode, handler))
    assert peak < 16 * MIB, f"reading the bomb took {peak / MIB:.1f} MiB"
    assert "1 MiB" in str(error)
    assert error.status_code == 200


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_httpx_decoded_before_the_client_got_it_is_refused_without_a_copy(mode: str) -> None:
    """httpx.Response(content=...) decodes its whole body in the constructor, in the transport, beyond the SDK's
    reach (a 1 GiB bomb there costs 2 GiB before the client sees it); the SDK refuses it by size, copying nothing."""
    decoded = 8 * MIB
    response = httpx.Response(200, content=gzip.compress(bytes(decoded)), headers={"Content-Encoding": "gzip"})
    assert response.is_stream_consumed
    assert len(response.content) == decoded  # decoded already, here, by httpx
    error, peak = await traced_read(offline(mode, lambda request: response))
    assert peak < decoded // 4, f"the SDK took {peak / MIB:.1f} MiB over an answer already read"
    assert "1 MiB" in str(error)


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_whose_body_the_transport_used_up_is_a_protocol_error(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, stream=httpx.ByteStream(json.dumps(READ_ANSWER).encode()))
        for _ in response.iter_raw():
            pass
        return response

    with pytest.raises(payssam.ProtocolError) as info:
        await read_bill(offline(mode, handler))
    assert "consumed before the client could read it" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
async def test_an_in_process_answer_read_by_httpx_is_still_read(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=gzip.compress(json.dumps(READ_ANSWER).encode()), headers={"Content-Encoding": "gzip"}
        )

    status = await read_bill(offline(mode, handler))
    assert status.state is payssam.BillState.UNPAID


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
    assert payssam._exchange.ACCEPT_ENCODING == "gzip, deflate"


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
