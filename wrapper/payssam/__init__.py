"""payssam: typed, validated Python client for the PaySsam (결제선생) partner API v1.

The HTTP layer is generated from openapi/payssam-v1.json (package
payssam_api_client); this package adds the hash, validation, typed results and
errors, timeouts, the approval-callback helpers and secrets hygiene.
"""

from ._contract import CONTRACT_VERSION
from ._version import __version__
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
