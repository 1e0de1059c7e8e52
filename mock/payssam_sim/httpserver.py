"""HTTP/1.1 on a loopback socket: h11 parses and frames, one asyncio loop in a background thread serves.

h11 (the HTTP/1.1 state machine httpx itself stands on) refuses malformed request lines, headers,
Content-Length values and chunk sizes. A connection's plain requests (plainhttp.py) are read and
answered without it, byte for byte as h11 would; its first request that is not plain hands the
connection to h11 for good. This module adds the bounds a shared test server needs: a listen
backlog of 1024, 1 MiB per body whatever its framing, a whole request within request_timeout,
idle keep-alive connections closed after idle_timeout, a client that stops reading dropped, and
quiet handling of clients that hang up. Each connection is an asyncio.Protocol fed straight from
the socket; routes that wait on a callback receiver are answered in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from http import HTTPStatus
from typing import cast

import h11

from . import plainhttp
from .messages import MAX_BODY, Request, Response, error_response, too_large
from .plainhttp import Plain, Unread

logger = logging.getLogger("payssam_sim")

BACKLOG = 1024
MAX_HEAD = 16 * 1024
BLOCKING_WORKERS = 32
"""Threads for routes that wait on a callback receiver, so the loop never does."""

Handle = Callable[[Request], Response]
Blocks = Callable[[str, str], bool]


class HttpServer:
    """Serves handle() over HTTP/1.1 with keep-alive on (host, port) until stop()."""

    def __init__(
        self,
        handle: Handle,
        blocks: Blocks,
        host: str,
        port: int,
        *,
        request_timeout: float,
        idle_timeout: float,
        backlog: int = BACKLOG,
    ) -> None:
        self.handle = handle
        self.blocks = blocks
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.backlog = backlog
        self.site = ""
        self.connections: set[_Connection] = set()
        self.executor = ThreadPoolExecutor(BLOCKING_WORKERS, thread_name_prefix="payssam-sim-route")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and listen; returns once connections are accepted (raises OSError if the port is taken)."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="payssam-sim-http", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]

    def stop(self) -> None:
        """Close the listening socket and every connection, then join the thread."""
        loop, stopped, thread = self._loop, self._stopped, self._thread
        if loop is not None and stopped is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopped.set)
        if thread is not None:
            thread.join()
        self._thread = None

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(ready, failure))
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)
            loop.close()
            ready.set()

    async def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stopped = asyncio.Event()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            server = await loop.create_server(
                lambda: _Connection(self), self.host, self.port, family=family, backlog=self.backlog
            )
        except OSError as exc:
            failure.append(exc)
            return
        self.port = int(server.sockets[0].getsockname()[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.site = f"http://{host}:{self.port}"
        ready.set()
        try:
            await self._stopped.wait()
        finally:
            server.close()
            for connection in list(self.connections):
                connection.abort()
            await server.wait_closed()


class _Connection(asyncio.Protocol):
    """One client connection: requests in turn (keep-alive) until it closes, errs, idles out or is too slow."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self.plain = True
        """Every request so far was plain: read from `unread`, not by h11 (which has seen nothing yet)."""
        self.unread = bytearray()
        self.answering_plain = False
        """The request being answered was read plain: its answer is written without h11."""
        self.transport: asyncio.Transport | None = None
        self.head: h11.Request | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.receiving = False
        self.busy = False
        self.timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.server.connections.add(self)
        self._arm(self.server.idle_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self._disarm()
        self.transport = None
        if exc is not None:
            logger.debug("connection lost: %s", type(exc).__name__)

    def data_received(self, data: bytes) -> None:
        if data and not self.receiving:
            self._begin()
        if self.plain:
            self.unread += data
        else:
            self.conn.receive_data(data)
        self._pump()

    def eof_received(self) -> bool:
        self._to_h11()
        self.conn.receive_data(b"")
        self._pump()
        return True

    def pause_writing(self) -> None:
        """The client does not read its answers: read nothing more, and drop it if it stays so."""
        if self.transport is not None:
            self.transport.pause_reading()
            self._arm(self.server.request_timeout, slow=True)

    def resume_writing(self) -> None:
        if self.transport is not None and not self.busy:
            self.transport.resume_reading()
            self._arm(self.server.request_timeout if self.receiving else self.server.idle_timeout)

    def abort(self) -> None:
        """Drop the connection now (the server is stopping)."""
        if self.transport is not None:
            self.transport.abort()

    # ------------------------------------------------------------------ requests

    def _begin(self) -> None:
        """The first byte of a request arrived: the whole request must now arrive within request_timeout."""
        self.receiving = True
        self._arm(self.server.request_timeout)

    def _to_h11(self) -> None:
        """h11 reads the rest of this connection, starting with what is still unread."""
        if self.plain:
            self.plain = False
            if self.unread:
                self.conn.receive_data(bytes(self.unread))
                self.unread.clear()

    def _pump(self) -> None:
        """Turn what is unread (plain) or what h11 has into requests and answers, until more data is needed or we
        are busy."""
        while not self.busy and self.transport is not None and not self.transport.is_closing():
            if self.plain:
                plain = plainhttp.read(self.unread)
                if plain is Unread.NOT_PLAIN:
                    self._to_h11()
                elif isinstance(plain, Plain):
                    del self.unread[: plain.size]
                    self._dispatch(Request(plain.method, plain.target, plain.headers, plain.body, self.server.site))
                else:
                    if plain is Unread.BODY and not self.receiving:
                        self._begin()
                    return
                continue
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError as exc:
                self._refuse(error_response(exc.error_status_hint, f"malformed request: {exc}"))
                return
            if event is h11.NEED_DATA:
                if self.conn.they_are_waiting_for_100_continue:
                    proceed = h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")
                    self.transport.write(self.conn.send(proceed))
                return
            if isinstance(event, h11.Request):
                self.head = event
                if not self.receiving:
                    self._begin()
                if event.http_version not in (b"1.0", b"1.1"):
                    self._refuse(error_response(505, "request: HTTP/1.0 and HTTP/1.1 only"))
                    return
                if _head_size(event) > MAX_HEAD:
                    self._refuse(error_response(431, f"request: head larger than {MAX_HEAD} bytes"))
                    return
                length = dict(event.headers).get(b"content-length")
                if length is not None and int(length) > MAX_BODY:
                    self._refuse(too_large())
                    return
            elif isinstance(event, h11.Data):
                self.size += len(event.data)
                if self.size > MAX_BODY:
                    self._refuse(too_large())
                    return
                self.chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage) and self.head is not None:
                head = self.head
                request = Request(
                    method=head.method.decode("latin-1"),
                    target=head.target.decode("latin-1"),
                    headers=_headers(head.headers),
                    body=b"".join(self.chunks),
                    site=self.server.site,
                )
                self._dispatch(request)
            elif isinstance(event, h11.ConnectionClosed):
                self.transport.close()
                return
            else:
                return

    def _dispatch(self, request: Request) -> None:
        """A whole request: answer it inline, or in a worker thread when it may wait on a receiver."""
        self.head, self.chunks, self.size, self.receiving = None, [], 0, False
        self.answering_plain = self.plain
        self._disarm()
        if not self.server.blocks(request.method, request.target):
            self._respond(self.server.handle(request), head_only=request.method == "HEAD")
            return
        self.busy = True
        if self.transport is not None:
            self.transport.pause_reading()
        answered = self.loop.run_in_executor(self.server.executor, self.server.handle, request)
        answered.add_done_callback(lambda done: self._answered(done, request.method == "HEAD"))

    def _answered(self, done: asyncio.Future[Response] | Future[Response], head_only: bool) -> None:
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        try:
            response = done.result()
        except Exception:
            logger.exception("route failed")
            response = error_response(500, "internal error in the simulator")
        self._respond(response, head_only=head_only)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
            self._pump()

    def _respond(self, response: Response, *, head_only: bool) -> None:
        """Write the answer; then the next request (keep-alive), or close if the exchange cannot go on."""
        if self.answering_plain:
            self._write_plain(response, head_only=head_only)
            self._arm(self.server.idle_timeout)
            return
        close = self.conn.their_state is not h11.DONE
        self._write(response, close=close, head_only=head_only)
        if close or self.conn.our_state is not h11.DONE:
            self._close()
            return
        self.conn.start_next_cycle()
        self._arm(self.server.idle_timeout)

    def _refuse(self, response: Response) -> None:
        """Answer a request that cannot be served (400, 408, 413, 431, 505), log it, close without reading on."""
        head = self.head
        what = f"{head.method.decode('latin-1')} {_path(head.target)}" if head is not None else "request"
        logger.info("%s refused: HTTP %d (%s)", what, response.status, _reason(response))
        self._write(response, close=True, head_only=False)
        self._close()

    def _write(self, response: Response, *, close: bool, head_only: bool) -> None:
        if self.transport is None or self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        headers = response.header_list()
        if close:
            headers.append(("Connection", "close"))
        reason = HTTPStatus(response.status).phrase.encode("ascii")
        try:
            parts = [self.conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason))]
            if response.body and not head_only:
                parts.append(self.conn.send(h11.Data(data=response.body)))
            parts.append(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:
            logger.exception("could not frame the answer")
            self.transport.abort()
            return
        self.transport.write(b"".join(part for part in parts if part))

    def _write_plain(self, response: Response, *, head_only: bool) -> None:
        """Write the answer to a plain request (a kept-alive HTTP/1.1 one) as h11 would."""
        if self.transport is None:
            return
        data = plainhttp.answer(response, head_only=head_only)
        if data is None:
            logger.error("could not frame the answer: HTTP %d", response.status)
            self.transport.abort()
            return
        self.transport.write(data)

    def _close(self) -> None:
        """Close after the answer is flushed; a client that never reads it is cut off after request_timeout."""
        if self.transport is not None:
            self.transport.close()
            self._arm(self.server.request_timeout, slow=True)

    # ------------------------------------------------------------------ deadlines

    def _arm(self, seconds: float, *, slow: bool = False) -> None:
        self._disarm()
        self.timer = self.loop.call_later(seconds, self._expired, slow)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expired(self, slow: bool) -> None:
        """A deadline passed: a request in progress gets 408, an idle or stuck connection is just dropped."""
        self.timer = None
        if self.transport is None:
            return
        if self.plain and self.receiving and not self.busy:
            self._to_h11()
            self._pump()
        if slow or self.transport.is_closing():
            self.transport.abort()
        elif self.receiving and not self.busy:
            self._refuse(error_response(408, f"request: did not arrive within {self.server.request_timeout:g} s"))
        elif not self.busy:
            self.transport.close()


def _head_size(head: h11.Request) -> int:
    """The request line and headers as received, near enough: h11 bounds only a head still incomplete."""
    return len(head.method) + len(head.target) + 12 + sum(len(name) + len(value) + 4 for name, value in head.headers)


def _path(target: bytes) -> str:
    """The path of a request target, for the log (no query: it could carry anything)."""
    return target.decode("latin-1").split("?", 1)[0][:200]


def _reason(response: Response) -> str:
    """The error text of a refusal, for the log."""
    try:
        text = json.loads(response.body)["error"]
    except (ValueError, KeyError, TypeError):
        return "refused"
    return str(text)[:200]


def _headers(pairs: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-cased names (h11 gives them so); repeated headers joined with commas."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers
