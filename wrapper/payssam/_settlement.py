"""How a send, cancel or destroy is made to happen exactly once: the decisions, with no I/O in them.

PaySsam has no idempotency key, but a bill id is unique and a read tells the truth. After an attempt
that may have reached PaySsam (no answer after sending, a gateway's 5xx, code 5000), a read-back that
shows the write's effect settles it; one that shows nothing proves nothing, because the request may
still land. The write is then tried again under the same bill id, which is harmless: PaySsam refuses a
second one (v1 answers "done already": 9800, 9970, 9999), so every answer but success that follows a
request that may have landed is read back too, whatever its code (v2's codes for these are open). The
call ends only on a definitive conclusion; when the retries run out first, the outcome is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from ._calls import Call
from ._errors import OutcomeUnknownError, PaySsamError
from ._results import BillStatus
from ._retries import RetryPolicy, ambiguous, retried_freely

Result = TypeVar("Result")


class Verdict(Enum):
    """What a read-back says about a write."""

    DONE = "the write took effect"
    NOT_DONE = "the bill does not show the write (which proves nothing while a request may still land)"
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

    call: Call[Result]
    read_back: Callable[[], Call[BillStatus]]
    """Builds the read of the bill, only when a write needs it (most writes never do)."""
    judge: Callable[[BillStatus | None], Judgement[Result]]
    """Given the bill read back (None if PaySsam knows no such bill)."""


@dataclass(frozen=True, slots=True)
class Retry:
    """Next step: wait this many seconds, then attempt the write again."""

    seconds: float


@dataclass(frozen=True, slots=True)
class ReadBack:
    """Next step: read the bill (with the read policy) and hand the status, None or the error to after_read_back."""


READ_BACK = ReadBack()


@dataclass(frozen=True, slots=True)
class Done(Generic[Result]):
    """The end: the write took effect (answered, or proved by a read-back)."""

    result: Result


@dataclass(frozen=True, slots=True)
class Failed:
    """The end: the error to raise (a definitive refusal, someone else's bill, or an unknown outcome)."""

    error: PaySsamError


Step = Done[Result] | Failed | ReadBack | Retry


class Settlement(Generic[Result]):
    """One write under way: after each attempt and read-back, the next step, until a definitive conclusion.

    resumed: an earlier run may already have sent this very write (a batch killed mid-send), so even a
    first refusal is read back instead of taken as someone else's bill or a failure.
    """

    def __init__(self, write: Write[Result], policy: RetryPolicy, *, resumed: bool = False) -> None:
        self.write = write
        self.policy = policy
        self.may_have_landed = resumed
        """Whether a request of this write may have reached PaySsam without a definitive answer about it."""
        self.retries = 0
        self.last: PaySsamError | None = None
        """The last attempt's error."""

    def after_attempt(self, outcome: Result | PaySsamError) -> Step[Result]:
        """The write's answer: its result, a read-back to settle an ambiguity, another attempt, or the end."""
        if not isinstance(outcome, PaySsamError):
            return Done(outcome)
        self.last = outcome
        if self.may_have_landed and not retried_freely(outcome):  # an earlier request may land: the bill says
            return READ_BACK
        if ambiguous(outcome):
            self.may_have_landed = True
            return READ_BACK
        if retried_freely(outcome):
            return self._again(outcome)
        return self._end(outcome)

    def after_read_back(self, found: BillStatus | PaySsamError | None) -> Done[Result] | Failed | Retry:
        """What the bill shows: the write's effect (done), another's (not ours), or nothing yet (try again)."""
        last = self.last
        if last is None:
            raise RuntimeError("a read-back comes only after a failed attempt")
        if isinstance(found, PaySsamError):
            return self._unknown(last, f"then reading the bill back failed too: {type(found).__name__}", found)
        judgement = self.write.judge(found)
        if judgement.verdict is Verdict.DONE and judgement.result is not None:
            return Done(judgement.result)
        if judgement.verdict is Verdict.NOT_OURS:
            return Failed(self._tagged(judgement.error or last))
        if not ambiguous(last):  # refused now, yet an earlier request of this write may still land
            return self._unknown(last, "the bill does not show the write, which an earlier request may still make")
        return self._again(last)

    def _again(self, last: PaySsamError) -> Failed | Retry:
        """Another attempt after a pause, while the policy allows one."""
        if self.retries >= self.policy.max_retries:
            return self._end(last)
        seconds = self.policy.wait(self.retries, last)
        self.retries += 1
        return Retry(seconds)

    def _end(self, last: PaySsamError) -> Failed:
        """No more attempts: a definitive failure, or unknown when an earlier request may still land."""
        if self.may_have_landed:
            return self._unknown(last, "no answer settled it within the retries")
        return Failed(self._tagged(last))

    def _unknown(self, last: PaySsamError, detail: str, cause: PaySsamError | None = None) -> Failed:
        call = self.write.call
        error = OutcomeUnknownError(call.operation, call.bill_id, f"{type(last).__name__} ({last}); {detail}")
        error.__cause__ = cause or last
        return Failed(error)

    def _tagged(self, error: PaySsamError) -> PaySsamError:
        error.operation = error.operation or self.write.call.operation
        error.bill_id = error.bill_id or self.write.call.bill_id
        return error
