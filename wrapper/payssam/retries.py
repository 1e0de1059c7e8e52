"""When to try again, and how a write is made to happen exactly once: plans, with no I/O in them.

A plan is a generator that yields steps (send this call once, wait this long) and receives each
attempt's outcome (its result or its PaySsamError); the blocking and the awaitable client only
carry the steps out, so both decide alike. PaySsam has no idempotency key, but a bill id is unique
and a read tells the truth: when a write ends ambiguously, the plan reads the bill back and decides
whether the write took effect, instead of guessing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

import httpx

from .errors import ApiError, BillNotFoundError, OutcomeUnknownError, PaySsamError, ProtocolError, ServerSystemError
from .errors import TransportError as SdkTransportError

Result = TypeVar("Result")

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


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class Attempt(Generic[Result]):
    """Step: send this call once; the plan receives its result or the PaySsamError it raised."""

    call: Any


@dataclass(frozen=True, slots=True)
class Pause:
    """Step: wait this many seconds."""

    seconds: float


Step = Attempt[Any] | Pause
Plan = Generator[Step, object, Result]


NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""httpx errors of a connection that itself failed (refused, DNS, TLS, no free slot): nothing was sent."""


def never_sent(error: PaySsamError) -> bool:
    """The request cannot have reached PaySsam: the connection itself failed (refused, DNS, TLS, no slot)."""
    return isinstance(error, SdkTransportError) and isinstance(error.__cause__, NOT_SENT)


def retriable(error: PaySsamError) -> bool:
    """Worth another try for a read: no answer, a time-out, HTTP 5xx or 429, or PaySsam's own 5000."""
    if isinstance(error, SdkTransportError | ServerSystemError):
        return True
    return isinstance(error, ProtocolError) and (error.status_code >= 500 or error.status_code == 429)


def ambiguous(error: PaySsamError) -> bool:
    """The write may have taken effect: it may have reached PaySsam, and no answer says what happened."""
    if isinstance(error, SdkTransportError):
        return not never_sent(error)
    return isinstance(error, ProtocolError | ServerSystemError)


def read_plan(call: Any, policy: RetryPolicy) -> Plan[Any]:
    """A read: tried again on transport errors, time-outs, HTTP 5xx/429 and code 5000, within the policy."""
    retry = 0
    while True:
        outcome = yield Attempt(call)
        if not isinstance(outcome, PaySsamError):
            return outcome
        if retry >= policy.max_retries or not retriable(outcome):
            raise outcome
        yield Pause(policy.wait(retry, outcome))
        retry += 1


class Verdict(Enum):
    """What a read-back says about a write."""

    DONE = "the write took effect"
    NOT_DONE = "the write did not take effect"
    NOT_OURS = "the bill shows another write's effect"


@dataclass(frozen=True, slots=True)
class Judgement(Generic[Result]):
    """A verdict, with the recovered result (DONE) or the error to raise (NOT_OURS)."""

    verdict: Verdict
    result: Result | None = None
    error: PaySsamError | None = None


@dataclass(frozen=True, slots=True)
class Write(Generic[Result]):
    """A write made exactly once: the call, how to read its bill back, and how to judge what the read shows."""

    call: Any
    read_back: Callable[[], Any]
    """Builds the read of the bill, only when a write ends ambiguously (most writes never need it)."""
    judge: Callable[[Any], Judgement[Result]]
    """Given the bill read back (None if PaySsam knows no such bill)."""
    done_already: type[ApiError]
    """The code a retry gets when an earlier attempt took effect (9800 send, 9970 cancel, 9999 destroy)."""


def write_plan(write: Write[Result], policy: RetryPolicy, *, resumed: bool = False) -> Plan[Result]:
    """Send, and on an ambiguous end read the bill back: return what happened, retry what did not, never twice.

    resumed: an earlier run may already have sent this very write (a batch killed mid-send), so even a first
    answer of "already done" is read back.
    """
    call = write.call
    retry = 0
    earlier_may_have_landed = resumed
    while True:
        outcome = yield Attempt(call)
        if not isinstance(outcome, PaySsamError):
            result: Result = outcome  # type: ignore[assignment]  # the call's own result type
            return result
        if never_sent(outcome):
            error = outcome
        elif ambiguous(outcome) or (earlier_may_have_landed and isinstance(outcome, write.done_already)):
            judgement = yield from _read_back(write, policy, outcome)
            if judgement.verdict is Verdict.DONE and judgement.result is not None:
                return judgement.result
            if judgement.verdict is Verdict.NOT_OURS:
                error = judgement.error or outcome
                error.operation, error.bill_id = call.operation, call.bill_id
                raise error
            if not ambiguous(outcome):
                raise outcome  # an "already done" answer the bill does not confirm: PaySsam's answer stands
            earlier_may_have_landed = True
            error = outcome
            if retry >= policy.max_retries:
                error.add_note(_not_taken_effect(call, error))
        else:
            raise outcome
        if retry >= policy.max_retries:
            raise error
        yield Pause(policy.wait(retry, error))
        retry += 1


def _not_taken_effect(call: Any, error: PaySsamError) -> str:
    """What the last read-back proved: nothing yet; after a time-out the request may still be on its way."""
    note = f"{call.operation} had not taken effect when bill {call.bill_id} was read back"
    if isinstance(error, SdkTransportError):
        note += "; a request that timed out may still land: read the bill again later, never send it under a new id"
    return note


def _read_back(write: Write[Result], policy: RetryPolicy, cause: PaySsamError) -> Plan[Judgement[Result]]:
    """Read the bill (with the read policy) and judge; no readable answer at all is OutcomeUnknownError."""
    try:
        status = yield from read_plan(write.read_back(), policy)
    except BillNotFoundError:
        status = None
    except PaySsamError as failure:
        unknown = OutcomeUnknownError(
            write.call.operation,
            write.call.bill_id,
            f"{type(cause).__name__} ({cause}), then reading the bill back failed too: {type(failure).__name__}",
        )
        raise unknown from failure
    return write.judge(status)
