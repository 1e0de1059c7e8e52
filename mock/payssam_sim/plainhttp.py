"""Plain requests read, and their answers written, without h11, byte for byte as h11 would.

h11 checks every corner of HTTP/1.1, and on the socket it costs more per request than the simulator's own work.
Almost every request a test sends is plain: HTTP/1.1, GET, HEAD or POST, one Host, at most one Content-Length of at
most 1 MiB, no Transfer-Encoding, Expect, Upgrade or Connection: close, CRLF line ends and visible ASCII, the head
within 8 KiB. read() takes such a request from the front of a connection's unread bytes, and answer() writes its
answer as h11 writes it to a kept-alive HTTP/1.1 request; anything else is left to h11 from its first byte on, for
the rest of the connection (httpserver.py). Measured by tests/bench/bench_sim.py (sequential reads/s, lean client);
checked against h11 by tests/test_sim_plainhttp.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus

from .messages import MAX_BODY, Response

MAX_PLAIN_HEAD = 8 * 1024
"""The longest plain head: well inside h11's 16 KiB, so whatever h11 would refuse for its size is left to it."""
_REQUEST_LINE = re.compile(rb"(GET|HEAD|POST) ([\x21-\x7e]+) HTTP/1\.1")
_HEADER = re.compile(rb"([-!#$%&'*+.^_`|~0-9A-Za-z]+):[ \t]*((?:[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*)?)[ \t]*")
_LENGTH = re.compile(rb"[0-9]{1,7}")
_STARTS = (b"GET ", b"HEAD ", b"POST ")
NOT_FOR_PLAIN = frozenset({b"transfer-encoding", b"expect", b"upgrade"})
"""Request headers that change how h11 frames or answers a request."""
_NAME = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"(?:[\x01-\x08\x0e-\x1f\x21-\x7f]+(?:[ \t]+[\x01-\x08\x0e-\x1f\x21-\x7f]+)*)?")
"""A header value h11 writes as it is: its field-value rule, over ASCII."""
REWRITTEN = frozenset({"content-length", "connection", "transfer-encoding"})
"""Answer headers h11 frames or rewrites itself; no route adds one to messages.Response's own."""


class Unread(Enum):
    """Why read() took no request."""

    HEAD = "the head is not all here yet, and may still be plain"
    BODY = "the head is plain, its body not all here yet"
    NOT_PLAIN = "h11 reads it"


@dataclass(frozen=True, slots=True)
class Plain:
    """A plain request: what the routes see of it, and how many bytes it took."""

    method: str
    target: str
    headers: dict[str, str]
    """Lower-cased names, repeated headers joined with commas (as the h11 path gives them)."""
    body: bytes
    size: int


def _starts_plain(data: bytes | bytearray) -> bool:
    """Whether data starts, or could start, a plain request line."""
    return any(data.startswith(start) or start.startswith(data) for start in _STARTS)


def _bare_line_feed(data: bytes | bytearray) -> bool:
    """A line feed without its carriage return: h11 would end lines (and the head) where read() would not."""
    return data.count(b"\n") != data.count(b"\r\n")


def read(unread: bytes | bytearray) -> Plain | Unread:
    """The plain request at the front of a connection's unread bytes, or why there is none (yet)."""
    if not unread:
        return Unread.HEAD
    end = unread.find(b"\r\n\r\n", 0, MAX_PLAIN_HEAD + 4)
    if end < 0:
        if len(unread) >= MAX_PLAIN_HEAD + 4 or not _starts_plain(unread) or _bare_line_feed(unread):
            return Unread.NOT_PLAIN
        return Unread.HEAD
    lines = bytes(unread[:end]).split(b"\r\n")  # a bare line feed in one of them fails its rule below
    first = _REQUEST_LINE.fullmatch(lines[0])
    if first is None:
        return Unread.NOT_PLAIN
    headers: dict[str, str] = {}
    hosts, length = 0, None
    for line in lines[1:]:
        match = _HEADER.fullmatch(line)
        if match is None:
            return Unread.NOT_PLAIN
        name, value = match[1].lower(), match[2]
        if name in NOT_FOR_PLAIN:
            return Unread.NOT_PLAIN
        if name == b"host":
            hosts += 1
        elif name == b"content-length":
            if length is not None or _LENGTH.fullmatch(value) is None:
                return Unread.NOT_PLAIN
            length = int(value)
        elif name == b"connection" and b"close" in (token.strip() for token in value.lower().split(b",")):
            return Unread.NOT_PLAIN
        key, text = name.decode("ascii"), value.decode("ascii")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    if hosts != 1 or (length or 0) > MAX_BODY:
        return Unread.NOT_PLAIN
    start = end + 4
    stop = start + (length or 0)
    if len(unread) < stop:
        return Unread.BODY
    method, target = first[1].decode("ascii"), first[2].decode("ascii")
    return Plain(method, target, headers, bytes(unread[start:stop]), stop)


def answer(response: Response, *, head_only: bool) -> bytes | None:
    """The answer to a plain request as h11 writes it, or None where h11 would refuse or rewrite it (a status below
    200, a body on a 204 or 304, a header h11 rejects or frames itself): no route answers so."""
    status, body = response.status, response.body
    if status < 200 or (status in (204, 304) and body and not head_only):
        return None
    if any(name.lower() in REWRITTEN for name, _ in response.headers):
        return None
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"]
    for name, value in response.header_list():
        if not (name.isascii() and value.isascii() and _NAME.fullmatch(name) and _VALUE.fullmatch(value)):
            return None
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("ascii")
    return head if head_only else head + body
