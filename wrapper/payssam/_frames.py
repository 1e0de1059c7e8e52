"""Keeping the apikey out of tracebacks: an error a public call raises went through no frame that holds it.

pytest prints the arguments of the frames a failing test's error went through (with --showlocals, all their
locals), and error trackers record them. The frames that build a request body or read an answer hold the key
or the bodies, and a raised error keeps every frame it passed; so the error is caught where it was made, made
to forget those frames (detached), and raised afresh from a frame that holds no key: the client's loop, or a
public function once it has deleted the argument that carried the key.
"""

from __future__ import annotations

from typing import TypeVar

Error = TypeVar("Error", bound=BaseException)


def detached(error: Error) -> Error:
    """The error, without the frames it and the exceptions chained to it went through; a suppressed context (never
    shown, but it may hold a body, as a JSONDecodeError's doc does) is dropped. Types, messages and causes stay."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        one = pending.pop()
        if id(one) in seen:
            continue
        seen.add(id(one))
        one.__traceback__ = None
        if one.__suppress_context__:
            one.__context__ = None
        pending.extend(linked for linked in (one.__cause__, one.__context__) if linked is not None)
        if isinstance(one, BaseExceptionGroup):
            pending.extend(one.exceptions)
    return error
