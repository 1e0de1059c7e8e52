"""The socket server's plain lane (plainhttp.py) against h11, which serves every other request.

Request streams are generated around every rule that makes a request plain or not: methods, targets, versions,
Host missing or doubled, Content-Length forms and sizes, Transfer-Encoding, Expect, Upgrade, Connection: close,
bare line feeds, folded lines, odd header names and values, pipelined requests and junk after them. Whatever the
plain lane takes must be what h11 reads from the same bytes, kept alive, with nothing the h11 path would refuse; what
it waits on, h11 must wait on too; how the bytes arrive must not change what it takes. Its answers must be h11's,
byte for byte, and over a real socket a plain request and an h11-read one get the same bytes back.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http import HTTPStatus

import h11
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payssam_sim import Simulator
from payssam_sim.httpserver import MAX_HEAD, _head_size, _headers
from payssam_sim.messages import MAX_BODY, Response, json_response
from payssam_sim.plainhttp import MAX_PLAIN_HEAD, Plain, Unread, answer, read

WAIT = 20.0
"""Seconds a socket waits for the simulator: a generous bound, never a measurement."""
BODIES = st.sampled_from([b"", b"{}", b'{"bill_id":"A"}', b"\r\n\r\n", b"GET / HTTP/1.1\r\n", "홍".encode()])
NAMES = (b"X-Note", b"Host", b"Connection", b"X Note", b"X:Note", b"", b"X\xe9")
ODD_VALUES = (b"a  b", b"a\tb", b"", b"caf\xe9", b"a\x01b", b"a\rb", b"close", b"keep-alive, Close", b"upgrade")
ODD_LENGTHS = (b"007", b"5, 5", b"-1", b"x", b"99999999", b"1048577", b"1048576")
FRAMING = ((b"Transfer-Encoding", b"chunked"), (b"Transfer-Encoding", b"identity"), (b"Expect", b"100-continue"))
FRAMING += ((b"Expect", b"nothing"), (b"Upgrade", b"h2c"), (b"Upgrade", b""), (b"Connection", b"close"))


@st.composite
def header(draw: st.DrawFn, body: bytes, kind: str) -> bytes:
    """One header line (without its line end) that may make a request not plain: a Content-Length, a framing header
    or any header, with odd separators and values."""
    if kind == "length":
        name = draw(st.sampled_from([b"Content-Length", b"content-length"]))
        value = draw(st.sampled_from([str(len(body)).encode(), str(len(body) + 1).encode(), *ODD_LENGTHS]))
    elif kind == "framing":
        name, value = draw(st.sampled_from(FRAMING))
    else:
        name = draw(st.sampled_from(NAMES))
        value = draw(st.sampled_from(ODD_VALUES))
    separator = draw(st.sampled_from([b": ", b":", b":\t", b" : ", b":  "]))
    trailing = draw(st.sampled_from([b"", b"", b" ", b"\t"]))
    return name + separator + value + trailing


PLAIN_HEADERS = (b"Content-Type: application/json", b"Connection: keep-alive", b"Accept:*/*", b"X-Note:\ta  b ")
PLAIN_HEADERS += (b"X-Note: a\tb", b"X-Empty:", b"Cookie: a=1\t")
DEFECTS = ("none", "method", "version", "target", "host", "length", "header", "fold", "line feed", "long", "framing")


@st.composite
def request(draw: st.DrawFn) -> bytes:
    """One request's bytes: a plain one, often with a defect or two that may make it not plain."""
    body = draw(BODIES)
    method = draw(st.sampled_from([b"POST", b"GET", b"HEAD"]))
    target = draw(st.sampled_from([b"/if/bill/read", b"/_sim/requests?limit=1", b"http://127.0.0.1:4020/x", b"*"]))
    version = b"HTTP/1.1"
    lines = [b"Host: 127.0.0.1:4020", *draw(st.lists(st.sampled_from(PLAIN_HEADERS), max_size=3))]
    if body or draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), b"Content-Length: " + str(len(body)).encode())
    bare_line_feed = False
    for defect in draw(st.lists(st.sampled_from(DEFECTS), max_size=2)):
        if defect == "method":
            method = draw(st.sampled_from([b"PUT", b"CONNECT", b"get", b"OPTIONS"]))
        elif defect == "version":
            version = draw(st.sampled_from([b"HTTP/1.0", b"HTTP/2.0", b"http/1.1", b"HTTP/1.1 "]))
        elif defect == "target":
            target = draw(st.sampled_from([b"/a b", b"/caf\xe9", b"", b"/\x7f"]))
        elif defect == "host":
            lines.insert(draw(st.integers(0, len(lines))), b"host:127.0.0.1")
        elif defect in ("length", "header", "framing"):
            line = draw(header(body, defect))
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif defect == "fold":
            lines.insert(draw(st.integers(1, len(lines))), b" folded")
        elif defect == "line feed":
            bare_line_feed = True
        elif defect == "long":
            size = draw(st.sampled_from([MAX_PLAIN_HEAD - 200, MAX_PLAIN_HEAD - 60, MAX_PLAIN_HEAD + 10, 17000]))
            lines.append(b"X-Long: " + b"a" * size)
    if draw(st.integers(0, 9)) == 0 and len(lines) > 1:
        del lines[draw(st.integers(0, len(lines) - 1))]  # Host or Content-Length may go
    head = [method + b" " + target + b" " + version, *lines]
    ends = [b"\r\n"] * len(head)
    if bare_line_feed:
        ends[draw(st.integers(0, len(ends) - 1))] = b"\n"
    return b"".join(line + end for line, end in zip(head, ends, strict=True)) + b"\r\n" + body


STREAMS = st.builds(
    lambda requests, junk: b"".join(requests) + junk,
    st.lists(request(), min_size=1, max_size=3),
    st.sampled_from([b"", b"", b"G", b"POST /x HTTP/1.1\r\nHo", b"\r\n", b"\x00", b"GET / HTTP/1.1\r\nHost: x\n"]),
)


def plain_lane(chunks: list[bytes]) -> tuple[list[Plain], Unread, bytes]:
    """What the server's plain lane takes as the chunks arrive: its requests, why it stopped, what it left unread."""
    unread = bytearray()
    taken: list[Plain] = []
    why = Unread.HEAD
    for number, chunk in enumerate(chunks):
        unread += chunk
        while isinstance(plain := read(unread), Plain):
            taken.append(plain)
            del unread[: plain.size]
        why = plain
        if why is Unread.NOT_PLAIN:
            return taken, why, bytes(unread) + b"".join(chunks[number + 1 :])
    return taken, why, bytes(unread)


def events(conn: h11.Connection) -> Iterator[h11.Event | type[h11.NEED_DATA]]:
    """h11's events until it needs data or pauses (its errors propagate)."""
    while True:
        event = conn.next_event()
        yield event
        if event is h11.NEED_DATA or event is h11.PAUSED:
            return


def h11_reads(conn: h11.Connection) -> tuple[h11.Request | None, bytes, bool, bool]:
    """The next request as h11 reads it: its head (None if not all here), its body so far, whether it waits for
    100-continue and whether it is whole."""
    head: h11.Request | None = None
    chunks: list[bytes] = []
    waiting = False
    for event in events(conn):
        if isinstance(event, h11.Request):
            head, waiting = event, conn.they_are_waiting_for_100_continue
        elif isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return head, b"".join(chunks), waiting, True
    return head, b"".join(chunks), waiting, False


def h11_answer(conn: h11.Connection, response: Response, *, head_only: bool) -> bytes:
    """The answer as the server's h11 path writes it (httpserver._Connection._write, kept alive)."""
    head = h11.Response(
        status_code=response.status,
        headers=response.header_list(),
        reason=HTTPStatus(response.status).phrase.encode("ascii"),
    )
    parts = [conn.send(head)]
    if response.body and not head_only:
        parts.append(conn.send(h11.Data(data=response.body)))
    parts.append(conn.send(h11.EndOfMessage()))
    return b"".join(part for part in parts if part)


def refused_by_the_h11_path(head: h11.Request) -> bool:
    """What httpserver refuses in a request h11 itself accepts: a version, a head size, a Content-Length."""
    length = dict(head.headers).get(b"content-length")
    too_long = length is not None and int(length) > MAX_BODY
    return head.http_version not in (b"1.0", b"1.1") or _head_size(head) > MAX_HEAD or too_long


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(stream=STREAMS)
def test_what_the_plain_lane_takes_h11_reads_the_same_and_keeps_alive(stream: bytes) -> None:
    taken, why, rest = plain_lane([stream])
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
    conn.receive_data(stream)
    for plain in taken:
        head, body, waiting, whole = h11_reads(conn)
        assert head is not None
        assert whole
        assert (plain.method, plain.target) == (head.method.decode("latin-1"), head.target.decode("latin-1"))
        assert plain.headers == _headers(head.headers)
        assert plain.body == body
        assert not waiting
        assert not refused_by_the_h11_path(head)
        assert conn.their_state is h11.DONE  # else the h11 path closes after answering
        response = json_response(200, {"code": "0000"})
        assert answer(response, head_only=plain.method == "HEAD") == h11_answer(
            conn, response, head_only=plain.method == "HEAD"
        )
        assert (conn.our_state, conn.their_state) == (h11.DONE, h11.DONE)  # kept alive
        conn.start_next_cycle()
    if why is not Unread.NOT_PLAIN:
        # The plain lane waits for more: so does h11, refusing nothing so far (with the head, for the same body).
        head, _, waiting, whole = h11_reads(conn)
        assert not whole
        assert (head is not None) is (why is Unread.BODY)
        if head is not None:
            assert not waiting
            assert not refused_by_the_h11_path(head)
        assert len(rest) <= MAX_PLAIN_HEAD + 3 or why is Unread.BODY


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(stream=STREAMS, cuts=st.lists(st.integers(0, 400), max_size=6))
def test_how_the_bytes_arrive_does_not_change_what_the_plain_lane_takes(stream: bytes, cuts: list[int]) -> None:
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    chunks = [stream[start:end] for start, end in zip([0, *points], [*points, len(stream)], strict=True)]
    whole, why, _ = plain_lane([stream])
    taken, why_split, _ = plain_lane(chunks)
    if why is not Unread.NOT_PLAIN:
        assert (taken, why_split) == (whole, why)
    else:
        assert taken == whole[: len(taken)]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"Expect: 100-continue", "the client waits for 100 Continue"),
        (b"Upgrade: h2c", "a protocol switch is proposed"),
        (b"Connection: keep-alive, close", "the connection closes after the answer"),
        (b"Transfer-Encoding: chunked", "the body is chunked"),
        (b"Host: 127.0.0.2", "two Hosts are refused"),
        (b"Content-Length: 0", "two Content-Lengths are h11's to reconcile"),
        (b"X-Note: caf\xe9", "obs-text: h11 takes it as is"),
    ],
)
def test_a_request_h11_treats_apart_is_left_to_it(line: bytes, why: str) -> None:
    data = b"POST /if/bill/read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" + line + b"\r\n\r\n"
    assert read(data) is Unread.NOT_PLAIN, why
    assert isinstance(read(data.replace(line + b"\r\n", b"")), Plain)


@pytest.mark.parametrize("method", [b"CONNECT", b"PUT", b"OPTIONS"])
def test_only_get_head_and_post_are_plain(method: bytes) -> None:
    assert read(method + b" /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") is Unread.NOT_PLAIN
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert h11_reads(conn)[3]
    assert conn.their_state is h11.MIGHT_SWITCH_PROTOCOL  # the h11 path closes after answering a CONNECT


def test_a_body_over_1_mib_is_left_to_h11_which_refuses_it_at_once() -> None:
    head = b"POST /if/bill/read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
    assert read(head % MAX_BODY) is Unread.BODY
    assert read(head % (MAX_BODY + 1)) is Unread.NOT_PLAIN
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(head % (MAX_BODY + 1))
    request = h11_reads(conn)[0]
    assert request is not None
    assert refused_by_the_h11_path(request)


def test_every_prefix_of_a_plain_request_waits() -> None:
    data = b'POST /if/bill/read HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 15\r\n\r\n{"bill_id":"A"}'
    for end in range(len(data)):
        assert read(data[:end]) in (Unread.HEAD, Unread.BODY), data[:end]
    plain = read(data + b"GET")
    assert isinstance(plain, Plain)
    assert (plain.body, plain.size) == (b'{"bill_id":"A"}', len(data))


@st.composite
def responses(draw: st.DrawFn) -> Response:
    """Answers the routes give, and a few no route gives."""
    status = draw(st.sampled_from([200, 303, 400, 403, 404, 405, 413, 500, 204, 304, 101]))
    body = draw(st.sampled_from([b"", b"{}", "결제".encode()]))
    names = st.sampled_from(["Allow", "Location", "X-Frame-Options", "Connection", "content-length", "Bad Name", "é"])
    values = st.sampled_from(["POST", "GET, HEAD", "/_sim/b/A", "a\tb", "", " lead", "a\x01b", "a\nb", "é", "close"])
    headers = tuple(draw(st.lists(st.tuples(names, values), max_size=2)))
    content_type = draw(st.sampled_from(["application/json; charset=utf-8", "text/html; charset=utf-8"]))
    return Response(status, body, content_type, headers)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(response=responses(), method=st.sampled_from([b"GET", b"HEAD", b"POST"]))
def test_plain_answers_are_h11s_bytes(response: Response, method: bytes) -> None:
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(method + b" / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert h11_reads(conn)[3]
    head_only = method == b"HEAD"
    written = answer(response, head_only=head_only)
    try:
        expected: bytes | None = h11_answer(conn, response, head_only=head_only)
        kept_alive = (conn.our_state, conn.their_state) == (h11.DONE, h11.DONE)
    except (h11.LocalProtocolError, UnicodeEncodeError):
        expected, kept_alive = None, False
    if written is not None:
        assert written == expected
        assert kept_alive
    else:
        rewritten = any(name.lower() in ("connection", "content-length") for name, _ in response.headers)
        assert expected is None or rewritten


# --- over a real socket: a plain request and an h11-read one get the same bytes -----------------------------


def exchange(port: int, data: bytes) -> bytes:
    """Send data on a fresh connection and read one whole answer (its Content-Length says where it ends)."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, "closed before the answer's head"
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        if not data.startswith(b"HEAD"):
            while len(rest) < length:
                chunk = sock.recv(65536)
                assert chunk, "closed before the whole answer"
                rest += chunk
        return head + b"\r\n\r\n" + rest


@pytest.fixture
def served() -> Iterator[Simulator]:
    sim = Simulator(port=0).start()
    try:
        yield sim
    finally:
        sim.stop()


def test_a_plain_request_and_an_h11_read_one_get_the_same_bytes(served: Simulator) -> None:
    port = int(served.base_url.rsplit(":", 1)[1])
    bill = {
        "apikey": served.credentials.apikey,
        "member": served.credentials.member,
        "merchant": served.credentials.merchant,
    }
    send = {
        **bill,
        "bill": {
            "bill_id": "PLAIN0000000000000001",
            "callbackURL": "https://partner.example/cb",
            "hash": "0" * 64,
            "member_nm": "홍길동",
            "phone": "01012345678",
            "price": "10000",
            "product_nm": "수강료",
        },
    }
    cases = [
        ("POST", "/if/bill/send", json.dumps(send).encode()),
        ("POST", "/if/bill/read", json.dumps({**bill, "bill_id": "PLAIN0000000000000001"}).encode()),
        ("POST", "/if/bill/read", b"{not json"),
        ("GET", "/if/bill/read", b""),
        ("GET", "/nowhere", b""),
        ("HEAD", "/_sim/bills", b""),
        ("POST", "/_sim/faults", b"{}"),
    ]
    for method, target, body in cases:
        head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        sized = f"Content-Length: {len(body)}\r\n"
        plain = (head + sized + "\r\n").encode() + body
        folded = (head + sized + "X-Note: caf").encode() + b"\xe9\r\n\r\n" + body  # obs-text: h11 reads it
        first = exchange(port, plain)
        if target == "/if/bill/send":
            served.reset()
        assert exchange(port, folded) == first, (method, target)
