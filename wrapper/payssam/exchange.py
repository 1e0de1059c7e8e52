"""One HTTP attempt, bounded as a whole: in time (connect, send and the full answer) and in size.

httpx's timeouts bound each socket operation, so a server dripping a byte at a time keeps a call
alive for ever. Here every attempt has a deadline: the sync default transport checks it on every
socket read and write (BoundedTransport), the async client cancels the attempt when it passes, and
the answer is read raw and decoded incrementally, refused past 1 MiB, so neither a slow nor a
compressed-bomb answer costs more than the bound.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

MAX_ANSWER = 1 << 20
"""The largest answer accepted, decoded (1 MiB): a v1 answer is a few hundred bytes."""
MAX_RAW = 2 * MAX_ANSWER
ACCEPT_ENCODING = "gzip, deflate"

_deadline: ContextVar[float | None] = ContextVar("payssam_attempt_deadline", default=None)


class AnswerTooLargeError(Exception):
    """The answer is over MAX_ANSWER decoded bytes (or over MAX_RAW on the wire)."""


class AnswerEncodingError(Exception):
    """The answer's Content-Encoding is unknown, or its compressed bytes are broken."""


class DeadlineExceededError(Exception):
    """The attempt's time ran out while the answer was being read."""


def set_deadline(deadline: float | None) -> Any:
    """Bound the socket operations of this thread or task until reset_deadline(token)."""
    return _deadline.set(deadline)


def reset_deadline(token: Any) -> None:
    """Undo set_deadline."""
    _deadline.reset(token)


def check_deadline(deadline: float) -> None:
    """Raise DeadlineExceededError once the deadline has passed."""
    if time.monotonic() >= deadline:
        raise DeadlineExceededError


def _bounded(timeout: float | None, kind: type[Exception]) -> float | None:
    """The socket timeout, shortened to what is left of the attempt's time (which may be none)."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise kind("the attempt's time is up")
    return remaining if timeout is None else min(timeout, remaining)


class _BoundedStream(httpcore.NetworkStream):
    """A socket whose every read and write ends by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return _BoundedStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """Opens bounded sockets; connecting, too, ends by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _BoundedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(
            self._inner.connect_unix_socket(path, _bounded(timeout, httpcore.ConnectTimeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class BoundedTransport(httpx.HTTPTransport):
    """httpx's own transport (same arguments: proxy, verify, limits, ...) whose sockets keep the attempt's deadline.

    The SDK's blocking client uses it by default; pass `httpx.Client(transport=payssam.BoundedTransport(...))`
    as http_client to keep the whole-attempt bound with your own settings.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The one reach into httpx's internals: its connection pool's network backend (httpx pinned below 0.29;
        # tests/test_exchange.py fails if this stops bounding a dripping server).
        pool = self._pool
        pool._network_backend = _BoundedBackend(pool._network_backend)


class _Decoder:
    """Content-Encoding undone chunk by chunk, never producing more than the answer's limit."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        if name in ("", "identity"):
            self._zlib: Any = None
        elif name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise AnswerEncodingError(f"Content-Encoding {encoding!r} was not asked for")
        self.size = 0
        self.raw = 0
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.raw += len(chunk)
        if self.raw > MAX_RAW:
            raise AnswerTooLargeError
        if self._zlib is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            try:
                out = self._zlib.decompress(data, MAX_ANSWER + 1 - self.size)
            except zlib.error:
                raise AnswerEncodingError("the compressed answer is broken") from None
            self._keep(out)
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and (data or self._zlib.unused_data):
                raise AnswerEncodingError("the compressed answer has bytes after its end")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > MAX_ANSWER:
            raise AnswerTooLargeError
        if data:
            self.parts.append(data)

    def finish(self) -> bytes:
        if self._zlib is not None and not self._zlib.eof:
            raise AnswerEncodingError("the compressed answer is cut short")
        return b"".join(self.parts)


def _already_read(response: httpx.Response) -> bytes:
    """A body httpx read when the answer was made in-process (a MockTransport or the simulator's transport)."""
    if len(response.content) > MAX_ANSWER:
        raise AnswerTooLargeError
    return response.content


def read_answer(response: httpx.Response, deadline: float) -> bytes:
    """The decoded body of a streamed answer, read raw within the deadline and the size limit."""
    if response.is_stream_consumed:
        return _already_read(response)
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    for chunk in response.iter_raw():
        check_deadline(deadline)
        decoder.feed(chunk)
    return decoder.finish()


async def aread_answer(response: httpx.Response) -> bytes:
    """The decoded body of a streamed answer, the response closed however reading ends (the caller bounds
    the time by cancelling)."""
    try:
        if response.is_stream_consumed:
            return _already_read(response)
        encoding = response.headers.get("content-encoding")
        if encoding is None:  # the usual answer: its bytes as they come, within the size bound
            parts: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise AnswerTooLargeError
                parts.append(chunk)
            return b"".join(parts)
        decoder = _Decoder(encoding)
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
        return decoder.finish()
    finally:
        await response.aclose()
