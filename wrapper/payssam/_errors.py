"""Every exception the SDK raises: one class per kind of failure, one per v1 code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class PaySsamError(Exception):
    """Base of every error raised by this package; `operation` and `bill_id` say which call, where known."""

    operation: str | None = None
    bill_id: str | None = None


class ValidationError(PaySsamError, ValueError):
    """Input the contract forbids; raised before anything is sent."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ApiError(PaySsamError):
    """PaySsam answered with a code other than "0000"."""

    code: str = ""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"PaySsam answered {code}: {message}" if message else f"PaySsam answered {code}")


class ProcessingError(ApiError):
    """9999: failure while processing, also any undefined error."""

    code = "9999"


class DuplicateBillIdError(ApiError):
    """9800: the bill_id was already used."""

    code = "9800"


class AlreadyCancelledError(ApiError):
    """9970: the bill is already cancelled."""

    code = "9970"


class AlreadyPaidError(ApiError):
    """9971: the bill is already paid (destroy it no more; cancel it instead)."""

    code = "9971"


class BillNotFoundError(ApiError):
    """9980: no such bill."""

    code = "9980"


class CallbackSyncError(ApiError):
    """9870: nothing to synchronise (callback URL error)."""

    code = "9870"


class ServerSystemError(ApiError):
    """5000: system error on PaySsam's side."""

    code = "5000"


class AccessDeniedError(ApiError):
    """1003: the apikey, member or merchant is not accepted."""

    code = "1003"


class HashMismatchError(ApiError):
    """VALIDATION_002 (API v2): the request's hash does not match its bill (v1 answers a plain 9999 instead)."""

    code = "VALIDATION_002"


class PointsExhaustedError(ApiError):
    """POINT_001 (API v2): the prepaid points (쌤포인트) a send costs are used up; nothing was sent. Top them up:
    point_balance() and merchant_point_balance() give the charge URL."""

    code = "POINT_001"


class PartnerNotEnabledError(AccessDeniedError):
    """PARTNER_001 (API v2): this apikey is not enabled for API v2."""

    code = "PARTNER_001"

    def __init__(self, code: str, message: str) -> None:
        advice = (
            "this apikey is not enabled for API v2: ask PaySsam to enable it, or create the client with api_version=1"
        )
        super().__init__(code, f"{message} ({advice})" if message else advice)


class ExperimentalWarning(Warning):
    """Emitted once per process when API v2 is used: its contract rests on partial vendor pages and public
    integrations until the vendor's full specification confirms it. Filter it with warnings.filterwarnings."""


API_ERRORS: Mapping[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        ProcessingError,
        DuplicateBillIdError,
        AlreadyCancelledError,
        AlreadyPaidError,
        BillNotFoundError,
        CallbackSyncError,
        ServerSystemError,
        AccessDeniedError,
    )
}


def api_error(code: str, message: str) -> ApiError:
    """The exception for a v1 code; an undocumented code stays a plain ApiError."""
    return API_ERRORS.get(code, ApiError)(code, message)


class TransportError(PaySsamError):
    """The request did not get an HTTP answer (connection refused, reset, DNS, TLS, ...)."""


class TransportTimeoutError(TransportError):
    """The request took longer than the configured timeout."""


class ProtocolError(PaySsamError):
    """An answer that does not fit the contract; carries the HTTP status and a redacted excerpt.

    `retry_after` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(self, reason: str, *, status_code: int, excerpt: str, retry_after: float | None = None) -> None:
        self.reason = reason
        self.status_code = status_code
        self.excerpt = excerpt
        self.retry_after = retry_after
        super().__init__(f"{reason} (HTTP {status_code}): {excerpt!r}")


class OutcomeUnknownError(PaySsamError):
    """A send, cancel or destroy may or may not have happened, and no read-back could tell within the retries.

    Read the bill later (read_bill) before doing anything else with it; `__cause__` is the last failure.
    """

    def __init__(self, operation: str, bill_id: str, detail: str) -> None:
        self.operation = operation
        self.bill_id = bill_id
        super().__init__(f"{operation} of bill {bill_id} may or may not have taken effect: {detail}")


class ApprovalRejectedError(PaySsamError):
    """An approval that must not be acted on: wrong apikey, or the bill read back disagrees."""

    def __init__(self, bill_id: str, reason: str) -> None:
        self.bill_id = bill_id
        self.reason = reason
        super().__init__(f"approval for bill {bill_id} rejected: {reason}")


@dataclass(frozen=True, slots=True)
class Problem:
    """A row a batch refuses, before anything is sent: its line, the field and what is wrong."""

    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.problem}"


class BatchRefusedError(ValidationError):
    """Rows of the file are not valid: nothing was sent. `.problems` lists them (the first 1,000 of `.count`), in
    the order of the file."""

    def __init__(self, problems: list[Problem], count: int | None = None) -> None:
        self.problems = problems
        self.count = len(problems) if count is None else count
        shown = "; ".join(str(p) for p in problems)
        more = f"; and {self.count - len(problems)} more" if self.count > len(problems) else ""
        super().__init__("rows", f"{self.count} problem(s), nothing sent: {shown}{more}")
