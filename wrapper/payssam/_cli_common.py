"""What every `payssam` command shares: its answer (Outcome), the exit-status table, and printing safely.

Imported by the command line (cli.py) and the bulk commands (_bulk_cli.py), so neither imports the other.
Nothing heavy at import time: `payssam --help` loads this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ._errors import ApiError, OutcomeUnknownError, PaySsamError, ProtocolError, TransportError, ValidationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Protocol

    from ._client import AsyncPaySsam, PaySsam
    from ._config import Config

    class Connect(Protocol):
        """Builds what a command needs from the flags and the environment, recording the apikey to hide."""

        def __call__(self) -> PaySsam: ...
        def asynchronous(self) -> AsyncPaySsam: ...
        def config(self) -> Config: ...


PROG = "payssam"
EXIT_OK = 0
"""Done: every call, row or id succeeded."""
EXIT_API = 1
"""PaySsam answered an error code (for a bulk command: for some row or id)."""
EXIT_INPUT = 2
"""Usage, configuration or input refused, nothing sent; or a row changed after its bill was sent."""
EXIT_FAILURE = 3
"""No answer, or an answer that does not fit the contract; nothing is known to have happened."""
EXIT_UNKNOWN = 4
"""A send, cancel or destroy may or may not have happened: read the bill (or run the batch) again later."""
EXIT_LOCAL = 5
"""The command could not finish here: a local file could not be written, or an internal error."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT); what was done is recorded, and a bulk command resumes where it stopped."""

EXIT_TABLE = f"""\
exit status:
  {EXIT_OK}    success (bulk commands: every row sent, every id read)
  {EXIT_API}    PaySsam answered an error code (for some row or id)
  {EXIT_INPUT}    bad usage, configuration or input, refused before anything was sent;
       send-batch: a row changed after its bill was sent, or the file changed mid-run
  {EXIT_FAILURE}    no answer, or an answer that does not fit the contract
  {EXIT_UNKNOWN}    outcome unknown: a write may or may not have happened; settle it later
  {EXIT_LOCAL}    a local failure (a file could not be written) or an internal error
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
  When several apply to a bulk run, the first of {EXIT_UNKNOWN}, {EXIT_FAILURE}, {EXIT_API}, {EXIT_INPUT}
  (in that order) is given.
"""


class Outcome:
    """A command's answer: the JSON object, the lines shown to people, and the exit status.

    `lines` may be a generator (a dry run's plan of a million rows is printed as it is made); a value of `data`
    that is an iterator is written as a JSON array, item by item, and a callable is called when its turn comes.
    """

    __slots__ = ("data", "lines", "status")

    def __init__(self, *, data: dict[str, object], lines: Iterable[str], status: int = EXIT_OK) -> None:
        self.data = data
        self.lines = lines
        self.status = status


def error_status(exc: PaySsamError) -> int:
    """The exit status of a call that raised exc."""
    return _status_of(type(exc))


def _status_of(kind: type[PaySsamError]) -> int:
    if issubclass(kind, ValidationError):
        return EXIT_INPUT
    if issubclass(kind, OutcomeUnknownError):
        return EXIT_UNKNOWN
    if issubclass(kind, TransportError | ProtocolError):
        return EXIT_FAILURE
    return EXIT_API


def worst_status(error_names: Iterable[str], *, unknown: bool = False, changed: bool = False) -> int:
    """A bulk run's exit status from the error classes its rows or ids ended with (by name)."""
    from . import _errors as errors

    found: set[int] = set()
    for name in error_names:
        kind = getattr(errors, name, None)
        if isinstance(kind, type) and issubclass(kind, PaySsamError):
            found.add(_status_of(kind))
        else:
            found.add(EXIT_API)
    if unknown:
        found.add(EXIT_UNKNOWN)
    if changed:
        found.add(EXIT_INPUT)
    for status in (EXIT_UNKNOWN, EXIT_FAILURE, EXIT_API, EXIT_INPUT):
        if status in found:
            return status
    return EXIT_OK


_ESCAPED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: control characters (C0, DEL, C1) and bidirectional overrides taken from
    input are shown escaped, never sent raw."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or (keep_newlines and char == "\n") or char == " " or char == "\u3000":
            out.append(char)
        else:
            out.append(_ESCAPED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"))
    return "".join(out)


def _json_text(value: object) -> str:
    """One JSON value as text, with every character a terminal could act on escaped (json leaves DEL and C1 raw)."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if text.isprintable() else "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def hide(text: str, secrets: Sequence[str]) -> str:
    """Text with every known secret masked."""
    from .redaction import MASK

    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def emit(outcome: Outcome, as_json: bool, secrets: Sequence[str]) -> None:
    """Print a command's answer on stdout: its lines, or one JSON object (generators written as they come)."""
    out = sys.stdout
    if not as_json:
        for line in outcome.lines:
            out.write(printable(hide(line, secrets), keep_newlines=True) + "\n")
        out.flush()
        return
    out.write("{")
    for index, (key, value) in enumerate(outcome.data.items()):
        out.write(("" if index == 0 else ", ") + _json_text(key) + ": ")
        if callable(value):
            value = value()
        if isinstance(value, Iterator):
            out.write("[")
            for number, item in enumerate(value):
                out.write(("" if number == 0 else ", ") + _json_text(_hidden(item, secrets)))
            out.write("]")
        else:
            out.write(_json_text(_hidden(value, secrets)))
    out.write("}\n")
    out.flush()


def _hidden(value: object, secrets: Sequence[str]) -> object:
    """A JSON value with every secret masked in its strings (keys included), its structure untouched."""
    if isinstance(value, str):
        return hide(value, secrets)
    if isinstance(value, dict):
        return {hide(str(key), secrets): _hidden(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_hidden(item, secrets) for item in value]
    return value


def report(kind: str, message: str, *, code: str | None, field: str | None, as_json: bool) -> None:
    """Print a failure: one line on stderr, or the error object on stdout with --json."""
    message = message.replace("\n", " ")
    if as_json:
        error: Mapping[str, object] = {"type": kind, "code": code, "field": field, "message": message}
        sys.stdout.write(_json_text({"error": error}) + "\n")
        sys.stdout.flush()
    else:
        print(f"{PROG}: error: {printable(message)}", file=sys.stderr)


def report_error(exc: PaySsamError, as_json: bool, secrets: Sequence[str]) -> None:
    """Print an SDK error with its code or field, secrets and phone numbers masked."""
    from .redaction import redact

    report(
        type(exc).__name__,
        redact(str(exc), secrets),
        code=exc.code if isinstance(exc, ApiError) else None,
        field=exc.field if isinstance(exc, ValidationError) else None,
        as_json=as_json,
    )
