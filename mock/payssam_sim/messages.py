"""An HTTP request and answer as the routes see them, whichever way they came (socket or in-process)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
MAX_BODY = 1 << 20
"""The largest request body accepted (1 MiB), whatever its framing."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request: method, target, lower-cased headers, the whole body and where it was addressed."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    site: str
    """scheme://host[:port] the simulator is reached at; short URLs point there."""
    trusted: bool = False
    """In-process: no browser can have forged it, so the control routes' Host check is skipped."""


@dataclass(frozen=True, slots=True)
class Response:
    """An answer ready to write: status, body bytes, their content type and any extra headers."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()

    def header_list(self) -> list[tuple[str, str]]:
        """Every header to send, Content-Length included."""
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            ("Cache-Control", "no-store"),
            *self.headers,
        ]


def json_response(status: int, data: object, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A JSON answer in UTF-8 (Korean text as is, not \\u-escaped; text no UTF-8 can hold, \\u-escaped)."""
    try:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(data).encode("ascii")
    return Response(status, body, headers=headers)


def error_response(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """{"error": text} with an HTTP error status."""
    return json_response(status, {"error": text}, headers)


def too_large() -> Response:
    """413: the body is over MAX_BODY (nothing more of it is read)."""
    return error_response(413, f"body: is larger than {MAX_BODY} bytes")
