"""One request as data: what to send, how to read its answer, and whether it changes anything at PaySsam."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class Call(Generic[Result]):
    """One request, ready to send as is (any number of times), and the parser of its answer."""

    operation: str
    bill_id: str
    method: str
    url: httpx.URL
    content: bytes = field(repr=False)
    headers: Mapping[str, str]
    parse: Callable[[int, bytes, float | None], Result]
    """(HTTP status, decoded body, Retry-After seconds) -> the result; raises the PaySsamError the answer means."""
    effect: bool
    """Whether the call changes something at PaySsam (errors then say it may have happened)."""
