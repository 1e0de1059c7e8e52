"""HTTP/1.1 on a loopback socket: h11 parses and frames, one asyncio loop in a background thread serves.

h11 (the HTTP/1.1 state machine httpx itself stands on) refuses malformed request lines, headers,
Content-Length values and chunk sizes; this module adds the bounds a shared test server needs: a
listen backlog of 1024, 1 MiB per body whatever its framing, a whole request within request_timeout,
idle keep-alive connections closed after idle_timeout, and quiet handling of clients that hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import h11

from .messages import MAX_BODY, Request, Response, error_response, too_large

logger = logging.getLogger("payssam_sim")

BACKLOG = 1024
READ_SIZE = 65536
MAX_HEAD = 16 * 1024
BLOCKING_WORKERS = 32
"""Threads for routes that wait on a callback receiver, so the loop never does."""

Handle = Callable[[Request], Response]
Blocks = Callable[[str, str], bool]


class _Refusal(Exception):
    """The request cannot be served: answer this and close the connection."""

    def __init__(self, response: Response) -> None:
        self.response = response
        super().__init__(response.status)


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
        self._handle = handle
        self._blocks = blocks
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.backlog = backlog
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._site = ""

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
        self._executor = ThreadPoolExecutor(BLOCKING_WORKERS, thread_name_prefix="payssam-sim-route")
        try:
            loop.run_until_complete(self._serve(ready, failure))
        finally:
            self._executor.shutdown(wait=True, cancel_futures=True)
            loop.close()
            ready.set()

    async def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            server = await asyncio.start_server(
                self._connection, self.host, self.port, family=family, backlog=self.backlog, reuse_address=True
            )
        except OSError as exc:
            failure.append(exc)
            return
        self.port = int(server.sockets[0].getsockname()[1])
        ready.set()
        try:
            await self._stopped.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: requests in turn (keep-alive) until it closes, errs or idles out."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        try:
            while True:
                try:
                    request = await self._receive(conn, reader, writer)
                except _Refusal as refusal:
                    await self._send(conn, writer, refusal.response, close=True, head_only=False)
                    return
                if request is None:
                    return
                response = await self._answer(request)
                close = conn.their_state is not h11.DONE
                await self._send(conn, writer, response, close=close, head_only=request.method == "HEAD")
                if close or conn.our_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, h11.ProtocolError) as exc:
            logger.debug("connection closed: %s", type(exc).__name__)
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("connection failed")
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _receive(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Request | None:
        """The next whole request, None when the client closed or idled out; the request must arrive in time."""
        loop = asyncio.get_running_loop()
        started = False
        head: h11.Request | None = None
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.idle_timeout) as deadline:
                while True:
                    try:
                        event = conn.next_event()
                    except h11.RemoteProtocolError as exc:
                        raise _Refusal(error_response(exc.error_status_hint, f"malformed request: {exc}")) from None
                    if event is h11.NEED_DATA:
                        if conn.they_are_waiting_for_100_continue:
                            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                        data = await reader.read(READ_SIZE)
                        if data and not started:
                            started = True
                            deadline.reschedule(loop.time() + self.request_timeout)
                        conn.receive_data(data)
                    elif isinstance(event, h11.Request):
                        head = event
                        if not started:
                            started = True
                            deadline.reschedule(loop.time() + self.request_timeout)
                        length = dict(event.headers).get(b"content-length")
                        if length is not None and int(length) > MAX_BODY:
                            raise _Refusal(too_large())
                    elif isinstance(event, h11.Data):
                        size += len(event.data)
                        if size > MAX_BODY:
                            raise _Refusal(too_large())
                        chunks.append(bytes(event.data))
                    elif isinstance(event, h11.EndOfMessage) and head is not None:
                        return self._request(head, b"".join(chunks))
                    elif isinstance(event, h11.ConnectionClosed):
                        return None
        except TimeoutError:
            if started:
                raise _Refusal(
                    error_response(408, f"request: did not arrive within {self.request_timeout:g} s")
                ) from None
            return None

    def _request(self, head: h11.Request, body: bytes) -> Request:
        headers: dict[str, str] = {}
        for name, value in head.headers:
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        if not self._site:
            host = f"[{self.host}]" if ":" in self.host else self.host
            self._site = f"http://{host}:{self.port}"
        return Request(
            method=head.method.decode("latin-1"),
            target=head.target.decode("latin-1"),
            headers=headers,
            body=body,
            site=self._site,
        )

    async def _answer(self, request: Request) -> Response:
        """handle() inline, or in a worker thread for routes that wait on a callback receiver."""
        if self._blocks(request.method, request.target):
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._handle, request)
        return self._handle(request)

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, response: Response, *, close: bool, head_only: bool
    ) -> None:
        """Write the answer (no body for HEAD); `Connection: close` when the connection ends after it."""
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        headers = response.header_list()
        if close:
            headers.append(("Connection", "close"))
        reason = HTTPStatus(response.status).phrase.encode("ascii")
        writer.write(conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason)))
        if response.body and not head_only:
            writer.write(conn.send(h11.Data(data=response.body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await asyncio.wait_for(writer.drain(), self.request_timeout)
