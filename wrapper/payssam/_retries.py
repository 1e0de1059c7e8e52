"""When to try again: the backoff, the policy, and what each kind of failure says about a request.

Pure functions, no I/O: both clients and the write settlement (_settlement.py) decide alike.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ._errors import ApiError, PaySsamError, ProtocolError, ServerSystemError
from ._errors import TransportError as SdkTransportError

MAX_RETRIES_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: before retry n, between half and all of min(maximum, initial * 2**n) s."""

    initial: float = 0.5
    maximum: float = 8.0

    def delay(self, retry: int, jitter: float, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (0-based); a server's Retry-After counts, up to maximum."""
        base = min(self.maximum, self.initial * 2.0**retry)
        wait: float = base * (0.5 + jitter / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.maximum))
        return wait


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times a call is tried again, and how long to wait in between."""

    max_retries: int = 2
    backoff: Backoff = DEFAULT_BACKOFF
    jitter: Callable[[], float] = random.random

    def wait(self, retry: int, error: PaySsamError) -> float:
        """The pause before retry number `retry` after this error."""
        retry_after = error.retry_after if isinstance(error, ProtocolError) else None
        return self.backoff.delay(retry, self.jitter(), retry_after)

    def read_pause(self, retry: int, error: PaySsamError) -> float | None:
        """The pause before retrying a read that failed with error, or None when it must not be retried."""
        if retry >= self.max_retries or not retriable(error):
            return None
        return self.wait(retry, error)


DEFAULT_RETRY = RetryPolicy()


NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""httpx errors of a connection that itself failed (refused, DNS, TLS, no free slot): nothing was sent."""


def never_sent(error: PaySsamError) -> bool:
    """The request cannot have reached PaySsam: the connection itself failed (refused, DNS, TLS, no slot)."""
    return isinstance(error, SdkTransportError) and isinstance(error.__cause__, NOT_SENT)


def _throttled(error: PaySsamError) -> bool:
    """HTTP 429: turned away before anything was done, and asked to come back later."""
    return isinstance(error, ProtocolError) and error.status_code == 429


def retriable(error: PaySsamError) -> bool:
    """Worth another try for a read: no answer, a time-out, HTTP 5xx or 429, or PaySsam's own 5000."""
    if isinstance(error, SdkTransportError | ServerSystemError):
        return True
    return isinstance(error, ProtocolError) and (error.status_code >= 500 or error.status_code == 429)


def retried_freely(error: PaySsamError) -> bool:
    """A write that failed this way cannot have taken effect and may simply be sent again."""
    return never_sent(error) or _throttled(error)


def refused(error: PaySsamError) -> bool:
    """A definitive answer that the request was not carried out: a code other than 5000, or HTTP 4xx but 408."""
    if isinstance(error, ApiError):
        return not isinstance(error, ServerSystemError)
    return isinstance(error, ProtocolError) and 400 <= error.status_code < 500 and error.status_code != 408


def ambiguous(error: PaySsamError) -> bool:
    """The write may have taken effect: it may have reached PaySsam, and no answer says what happened."""
    return not retried_freely(error) and not refused(error)
