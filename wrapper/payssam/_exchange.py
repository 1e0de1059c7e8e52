"""One HTTP attempt, bounded as a whole: in time (connect, send and the full answer) and in size.

httpx's timeouts bound each socket operation, so a server dripping a byte at a time keeps a call
alive for ever. Here every attempt has a deadline: the sync default transport checks it on every
socket read and write (BoundedTransport: an httpcore connection pool given, through its public
network_backend argument, a backend whose sockets keep the deadline), the async client cancels the
attempt when it passes, and the answer is read raw and decoded incrementally, refused past 1 MiB, so
neither a slow nor a compressed-bomb answer costs more than the bound.

What the SDK cannot bound: an answer a transport read and decoded before handing it over. An
in-process transport whose handler returns `httpx.Response(content=...)` has httpx decode the whole
body inside that constructor, before the client sees anything; the SDK then refuses it by its size.
"""

from __future__ import annotations

import importlib.util
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Self, cast

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


Cert = str | tuple[str, str] | tuple[str, str, str]
"""A client certificate as httpx takes it: a file, (certificate, key) or (certificate, key, password)."""
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own default pool limits (httpx.HTTPTransport's)."""

_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}
"""httpcore's errors and the httpx errors they are raised as (httpcore 1.0 has no CloseError to map)."""


def _as_httpx(exc: Exception) -> httpx.TransportError | None:
    """httpx's error for an httpcore one, its most specific class (the first of exc's own classes mapped)."""
    for kind in type(exc).__mro__:
        mapped = _ERRORS.get(kind)
        if mapped is not None:
            return mapped(str(exc))
    return None


def _core_proxy(proxy: httpx.Proxy) -> httpcore.Proxy:
    """httpx's proxy setting as httpcore's (a SOCKS one needs socksio, as with httpx's own transport)."""
    url = proxy.url
    if url.scheme in ("socks5", "socks5h") and importlib.util.find_spec("socksio") is None:
        raise ImportError("Using a SOCKS proxy needs the 'socksio' package: pip install httpx[socks]")
    return httpcore.Proxy(
        url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
        ssl_context=proxy.ssl_context,
    )


class _AnswerStream(httpx.SyncByteStream):
    """httpcore's answer body as httpx's stream, its errors raised as httpx's while it is read."""

    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        """The body's chunks as httpcore reads them (each socket read within the attempt's deadline)."""
        try:
            yield from self._inner
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        """Close httpcore's stream, which gives its connection back to the pool (or closes it)."""
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def _bounded_pool(
    *,
    verify: ssl.SSLContext | str | bool = True,
    cert: Cert | None = None,
    trust_env: bool = True,
    http1: bool = True,
    http2: bool = False,
    limits: httpx.Limits = DEFAULT_LIMITS,
    proxy: str | httpx.URL | httpx.Proxy | None = None,
    uds: str | None = None,
    local_address: str | None = None,
    retries: int = 0,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
) -> httpcore.ConnectionPool:
    """The pool httpx.HTTPTransport builds from its arguments (same names and defaults), on the bounded backend."""
    if isinstance(proxy, str | httpx.URL):
        proxy = httpx.Proxy(url=proxy)
    return httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env),
        proxy=None if proxy is None else _core_proxy(proxy),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=http1,
        http2=http2,
        retries=retries,
        local_address=local_address,
        uds=uds,
        network_backend=_BoundedBackend(httpcore.SyncBackend()),
        socket_options=socket_options,
    )


class BoundedTransport(httpx.HTTPTransport):
    """httpx's own transport (same arguments: proxy, verify, limits, ...) whose sockets keep the attempt's deadline.

    The SDK's blocking client uses it by default; pass `httpx.Client(transport=payssam.BoundedTransport(...))`
    as http_client to keep the whole-attempt bound with your own settings. It is an httpcore connection pool
    given a network backend that bounds every socket operation, through httpcore's public arguments only.
    It stays an httpx.HTTPTransport for callers who check that, but overrides every method of it and never
    calls its initialiser, so nothing of httpx's transport but its type is used.
    """

    def __init__(self, **kwargs: Any) -> None:
        """Take httpx.HTTPTransport's keyword arguments (checked by _bounded_pool; an unknown one is a TypeError).

        The signature stays **kwargs: naming the parameters here is, to the API diff, removing one.
        """
        self._bounded_pool = _bounded_pool(**kwargs)

    def __enter__(self) -> Self:
        self._bounded_pool.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._bounded_pool.__exit__(exc_type, exc_value, traceback)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send request through the pool; httpcore's errors are raised as httpx's, as httpx's own transport does."""
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = self._bounded_pool.handle_request(core_request)
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_AnswerStream(cast(Iterable[bytes], answer.stream)),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        """Close the pool's connections."""
        self._bounded_pool.close()


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
    """A body httpx read and decoded before the client got the answer (an in-process transport's
    `httpx.Response(content=...)`): its size is checked and it is not copied; the memory and time httpx spent
    decoding it are spent already, beyond the SDK's bound."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        raise AnswerEncodingError("the answer's body was consumed before the client could read it") from None
    if len(content) > MAX_ANSWER:
        raise AnswerTooLargeError
    return content


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
