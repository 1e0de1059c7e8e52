"""The simulator as httpx transports: an httpx client talks to it in-process, with no socket and no port.

The same routes and rules as over the socket; the request body is bounded the same way (1 MiB).
Routes that wait on a callback receiver run in a worker thread under the async transport, so an
in-process receiver that reads the bill back through the simulator never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable

import anyio.to_thread
import httpx

from .messages import MAX_BODY, Request, Response, too_large

Handle = Callable[[Request], Response]
Blocks = Callable[[str, str], bool]


class _TooLarge(Exception):
    """The request body is over MAX_BODY."""


def _request(request: httpx.Request, body: bytes) -> Request:
    url = request.url
    return Request(
        method=request.method,
        target=url.raw_path.decode("ascii"),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        site=f"{url.scheme}://{url.netloc.decode('ascii')}",
        trusted=True,
    )


def _response(answer: Response, request: httpx.Request) -> httpx.Response:
    content = b"" if request.method == "HEAD" else answer.body
    return httpx.Response(answer.status, headers=answer.header_list(), content=content, request=request)


def _add(chunks: list[bytes], size: int, chunk: bytes) -> int:
    size += len(chunk)
    if size > MAX_BODY:
        raise _TooLarge
    chunks.append(chunk)
    return size


class SimulatorTransport(httpx.BaseTransport):
    """Sync transport: each request is answered by the simulator in the caller's thread."""

    def __init__(self, handle: Handle) -> None:
        self._handle = handle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Read the body (at most 1 MiB) and answer it."""
        chunks: list[bytes] = []
        size = 0
        stream = request.stream
        try:
            if isinstance(stream, Iterable):
                for chunk in stream:
                    size = _add(chunks, size, chunk)
        except _TooLarge:
            return _response(too_large(), request)
        return _response(self._handle(_request(request, b"".join(chunks))), request)


class AsyncSimulatorTransport(httpx.AsyncBaseTransport):
    """Async transport: answered inline, or in a worker thread when the route waits on a receiver."""

    def __init__(self, handle: Handle, blocks: Blocks) -> None:
        self._handle = handle
        self._blocks = blocks

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Read the body (at most 1 MiB) and answer it."""
        chunks: list[bytes] = []
        size = 0
        stream = request.stream
        try:
            if isinstance(stream, AsyncIterable):
                async for chunk in stream:
                    size = _add(chunks, size, chunk)
        except _TooLarge:
            return _response(too_large(), request)
        incoming = _request(request, b"".join(chunks))
        if self._blocks(incoming.method, incoming.target):
            answer = await anyio.to_thread.run_sync(self._handle, incoming)
        else:
            answer = self._handle(incoming)
        return _response(answer, request)
