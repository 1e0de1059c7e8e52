"""payssam: typed, validated Python client for the PaySsam (결제선생) partner API v1.

The HTTP layer is generated from openapi/payssam-v1.json (package payssam_api_client); this package
adds the hash, validation, typed results and errors, retries with read-back, bounded attempts, the
approval-callback helpers and secrets hygiene.

`import payssam` loads nothing heavy: each public name is imported from its module on first use, so a
script or command that needs only the hash or an id never loads httpx or the generated models.
"""

from __future__ import annotations

from ._contract import CONTRACT_VERSION
from ._version import __version__

TYPE_CHECKING = False  # typing itself costs a third of httpx's import: not loaded just to say this
if TYPE_CHECKING:
    from typing import Any

    from .callbacks import (
        APPROVAL_ACK,
        APPROVAL_ACK_CONTENT_TYPE,
        Approval,
        ApprovalRejectedError,
        parse_approval,
        verify_approval,
    )
    from .client import AsyncPaySsam, PaySsam
    from .config import DEFAULT_TIMEOUT
    from .errors import (
        AccessDeniedError,
        AlreadyCancelledError,
        AlreadyPaidError,
        ApiError,
        BillNotFoundError,
        CallbackSyncError,
        DuplicateBillIdError,
        OutcomeUnknownError,
        PaySsamError,
        ProcessingError,
        ProtocolError,
        ServerSystemError,
        TransportError,
        TransportTimeoutError,
        ValidationError,
    )
    from .exchange import BoundedTransport
    from .generated import UNSET, Unset
    from .hashing import Digest, bill_hash, sha256_hex
    from .ids import new_bill_id
    from .results import BillStatus, Cancellation, Destruction, Payment, Resend, SentBill
    from .retries import Backoff
    from .states import BillState, CashTrader, PayType
    from .validation import KST

_HOME: dict[str, str] = {
    "APPROVAL_ACK": "callbacks",
    "APPROVAL_ACK_CONTENT_TYPE": "callbacks",
    "AccessDeniedError": "errors",
    "AlreadyCancelledError": "errors",
    "AlreadyPaidError": "errors",
    "ApiError": "errors",
    "Approval": "callbacks",
    "ApprovalRejectedError": "callbacks",
    "AsyncPaySsam": "client",
    "Backoff": "retries",
    "BillNotFoundError": "errors",
    "BillState": "states",
    "BillStatus": "results",
    "BoundedTransport": "exchange",
    "CallbackSyncError": "errors",
    "Cancellation": "results",
    "CashTrader": "states",
    "DEFAULT_TIMEOUT": "config",
    "Destruction": "results",
    "Digest": "hashing",
    "DuplicateBillIdError": "errors",
    "KST": "validation",
    "OutcomeUnknownError": "errors",
    "PaySsam": "client",
    "PaySsamError": "errors",
    "PayType": "states",
    "Payment": "results",
    "ProcessingError": "errors",
    "ProtocolError": "errors",
    "Resend": "results",
    "SentBill": "results",
    "ServerSystemError": "errors",
    "TransportError": "errors",
    "TransportTimeoutError": "errors",
    "UNSET": "generated",
    "Unset": "generated",
    "ValidationError": "errors",
    "bill_hash": "hashing",
    "new_bill_id": "ids",
    "parse_approval": "callbacks",
    "sha256_hex": "hashing",
    "verify_approval": "callbacks",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for, then kept."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'payssam' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


__all__ = [
    "APPROVAL_ACK",
    "APPROVAL_ACK_CONTENT_TYPE",
    "CONTRACT_VERSION",
    "DEFAULT_TIMEOUT",
    "KST",
    "UNSET",
    "AccessDeniedError",
    "AlreadyCancelledError",
    "AlreadyPaidError",
    "ApiError",
    "Approval",
    "ApprovalRejectedError",
    "AsyncPaySsam",
    "Backoff",
    "BillNotFoundError",
    "BillState",
    "BillStatus",
    "BoundedTransport",
    "CallbackSyncError",
    "Cancellation",
    "CashTrader",
    "Destruction",
    "Digest",
    "DuplicateBillIdError",
    "OutcomeUnknownError",
    "PaySsam",
    "PaySsamError",
    "PayType",
    "Payment",
    "ProcessingError",
    "ProtocolError",
    "Resend",
    "SentBill",
    "ServerSystemError",
    "TransportError",
    "TransportTimeoutError",
    "Unset",
    "ValidationError",
    "__version__",
    "bill_hash",
    "new_bill_id",
    "parse_approval",
    "sha256_hex",
    "verify_approval",
]
