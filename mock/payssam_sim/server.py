"""The simulator's HTTP face: the vendor routes (/if/bill/*) and the control routes (/_sim/*) on loopback.

Routing and JSON in and out only; the bill rules live in ledger.py, body checks in bodies.py, callbacks in delivery.py.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit

from payssam.errors import ValidationError

from . import bodies
from .delivery import Deliveries
from .ledger import SANDBOX_CREDENTIALS, STATE_NAMES, Credentials, Ledger, NotPayableError, Outcome, UnknownBillError

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_ID = r"([A-Za-z0-9]{1,20})"
PAY_ROUTE = re.compile(rf"/_sim/bills/{_ID}/pay")
BILL_ROUTE = re.compile(rf"/_sim/bills/{_ID}")
PAGE_ROUTE = re.compile(rf"/_sim/b/{_ID}")
MAX_PORT = 65535
POLL_INTERVAL = 0.05
"""How often the serving loop checks for stop(): the longest stop() waits for it."""


@dataclass(frozen=True, slots=True)
class Response:
    """An answer ready to write: status, body bytes and their content type."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE


def json_response(status: int, data: object) -> Response:
    """A JSON answer in UTF-8 (Korean text as is, not \\u-escaped)."""
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def error_response(status: int, text: str) -> Response:
    """{"error": text} with an HTTP error status."""
    return json_response(status, {"error": text})


class BadBodyError(Exception):
    """The request body could not be read (bad Content-Length, bad chunking, too large)."""


def loopback_bind_address(host: str) -> str:
    """The address to bind for host; anything but loopback is refused (the simulator is for local use only)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"host {host!r} is not an IP address or localhost") from None
    if not address.is_loopback:
        raise ValueError(f"host {host!r} is not a loopback address: the simulator serves this machine only")
    return str(address)


class Simulator:
    """A local, in-memory, stateful stand-in for PaySsam v1 for tests and rehearsals; not the vendor."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        credentials: Credentials = SANDBOX_CREDENTIALS,
        callback_retry_interval: float = 3600.0,
        callback_retries: int = 24,
        callback_timeout: float = 10.0,
    ) -> None:
        if not 0 <= port <= MAX_PORT:
            raise ValueError(f"port must be between 0 and {MAX_PORT}")
        if not callback_retry_interval > 0:
            raise ValueError("callback_retry_interval must be positive")
        if callback_retries < 0:
            raise ValueError("callback_retries must not be negative")
        if not callback_timeout > 0:
            raise ValueError("callback_timeout must be positive")
        self.host = loopback_bind_address(host)
        self.port = port
        self.credentials = credentials
        self._ledger = Ledger(credentials, self._short_url)
        self._deliveries = Deliveries(
            retry_interval=callback_retry_interval, retries=callback_retries, timeout=callback_timeout
        )
        self._vendor: dict[str, Callable[[dict[str, Any]], Outcome]] = {
            "/if/bill/send": lambda data: self._ledger.send(bodies.send_request(data)),
            "/if/bill/read": lambda data: self._ledger.read(bodies.bill_request(data)),
            "/if/bill/cancel": lambda data: self._ledger.cancel(bodies.priced_request(data)),
            "/if/bill/destroy": lambda data: self._ledger.destroy(bodies.priced_request(data)),
            "/if/bill/resend": lambda data: self._ledger.resend(bodies.bill_request(data)),
        }
        self._server: _Server | None = None
        self._bound_port = 0
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://HOST:PORT where the simulator answers (the real port once started)."""
        port = self._bound_port or self.port
        if not port:
            raise RuntimeError("the simulator picks its port when it starts: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    def _short_url(self, bill_id: str) -> str:
        return f"{self.base_url}/_sim/b/{bill_id}"

    def start(self) -> Self:
        """Bind, listen and serve in a background thread; returns once connections are accepted."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._server = _Server((self.host, self.port), self, family)
        self._bound_port = int(self._server.server_address[1])
        self._deliveries.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), name="payssam-sim-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket, stop the callback worker and join both threads."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()
        self._deliveries.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def handle(self, method: str, target: str, content_type: str | None, raw: bytes) -> Response:
        """Route one request to its answer."""
        path = urlsplit(target).path
        vendor = self._vendor.get(path)
        if vendor is not None:
            if method != "POST":
                return error_response(404, f"{path} answers POST only")
            try:
                code, fields = vendor(bodies.json_object(raw, content_type))
            except ValidationError as exc:
                return error_response(400, str(exc))
            return json_response(200, {"code": code, **fields})
        return self._control(method, path, content_type, raw)

    def _control(self, method: str, path: str, content_type: str | None, raw: bytes) -> Response:
        """The /_sim/ routes: pay, inspect, short URL page, reset, faults."""
        if method == "POST" and (match := PAY_ROUTE.fullmatch(path)):
            return self._pay(match[1], content_type, raw)
        if method == "GET" and (match := BILL_ROUTE.fullmatch(path)):
            view = self._view(match[1])
            return json_response(200, view) if view else error_response(404, f"no bill {match[1]}")
        if method == "GET" and (match := PAGE_ROUTE.fullmatch(path)):
            return self._page(match[1])
        if method == "POST" and path == "/_sim/reset":
            self._ledger.reset()
            self._deliveries.reset()
            return json_response(200, {"reset": True})
        if method == "POST" and path == "/_sim/faults":
            return self._fault(content_type, raw)
        return error_response(404, f"no route for {method} {path}")

    def _view(self, bill_id: str) -> dict[str, object] | None:
        view = self._ledger.view(bill_id)
        if view is not None:
            view["callback"] = self._deliveries.view(bill_id)
        return view

    def _pay(self, bill_id: str, content_type: str | None, raw: bytes) -> Response:
        """W → F, then the approval callback's first attempt; retries are scheduled if it is not acknowledged."""
        try:
            payment = bodies.payment(bodies.json_object(raw, content_type, optional=True))
        except ValidationError as exc:
            return error_response(400, str(exc))
        try:
            paid = self._ledger.pay(bill_id, payment)
        except UnknownBillError:
            return error_response(404, f"no bill {bill_id}")
        except NotPayableError as exc:
            return error_response(409, str(exc))
        delivery = self._deliveries.deliver(paid.bill_id, paid.callback_url, paid.callback_body)
        return json_response(200, {"bill": self._view(bill_id), "callback": delivery})

    def _fault(self, content_type: str | None, raw: bytes) -> Response:
        """Queue a fault: the next `count` calls of an operation answer `code` (after shape and credential checks).

        No lifecycle reaches 5000 or 9870; an injected fault is how a client's handling of them is tested.
        """
        try:
            fault = bodies.fault(bodies.json_object(raw, content_type))
        except ValidationError as exc:
            return error_response(400, str(exc))
        pending = self._ledger.inject(fault)
        return json_response(200, {"operation": fault.operation, "code": fault.code, "pending": pending})

    def _page(self, bill_id: str) -> Response:
        """The short URL's target: a tiny page saying the bill's state."""
        view = self._ledger.view(bill_id)
        if view is None:
            return Response(404, b"<!doctype html><title>Not found</title><p>No such bill.</p>\n", HTML_TYPE)
        state = str(view["state"])
        page = (
            '<!doctype html>\n<html lang="ko"><meta charset="utf-8">'
            f"<title>PaySsam simulator: bill {html.escape(bill_id)}</title>\n"
            f"<h1>Bill {html.escape(bill_id)}</h1>\n"
            f"<p>{html.escape(str(view['product_nm']))}: {html.escape(str(view['price']))} won</p>\n"
            f'<p>State: <strong id="state">{state}</strong> ({STATE_NAMES.get(state, "unknown")})</p>\n'
            "<p>Local PaySsam v1 simulator for tests and rehearsals; not the vendor.</p>\n</html>\n"
        )
        return Response(200, page.encode("utf-8"), HTML_TYPE)


class _Server(ThreadingHTTPServer):
    """The listening socket; each connection is handled in a daemon thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: Simulator, family: socket.AddressFamily) -> None:
        self.address_family = family
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host (slow on some machines)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    """Reads the body, asks the Simulator for the answer, writes it; logs nothing."""

    server_version = "payssam-sim"
    sys_version = ""
    timeout = 30.0

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise BadBodyError("Content-Length: is not a number")
        size = int(length)
        if size > bodies.MAX_BODY:
            raise BadBodyError(f"body: is larger than {bodies.MAX_BODY} bytes")
        return self.rfile.read(size)

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise BadBodyError("body: bad chunked encoding") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > bodies.MAX_BODY:
                raise BadBodyError(f"body: is larger than {bodies.MAX_BODY} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _serve(self, method: str) -> None:
        app = cast(_Server, self.server).app
        try:
            response = app.handle(method, self.path, self.headers.get("Content-Type"), self._body())
        except BadBodyError as exc:
            response = error_response(400, str(exc))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = error_response(500, "internal error in the simulator")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry bill ids and the simulator must not log more than it needs."""
