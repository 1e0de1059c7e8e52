"""payssam: typed, validated Python client for the PaySsam (결제선생) partner API v1.

The HTTP layer is generated from openapi/payssam-v1.json (package
payssam_api_client); this package adds the hash, validation, typed results and
errors, timeouts and secrets hygiene.
"""

from ._version import __version__
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
    PaySsamError,
    ProcessingError,
    ProtocolError,
    ServerSystemError,
    TransportError,
    TransportTimeoutError,
    ValidationError,
)
from .hashing import Digest, bill_hash, sha256_hex
from .results import KST, BillStatus, Cancellation
from .states import BillState, CashTrader, PayType

__all__ = [
    "DEFAULT_TIMEOUT",
    "KST",
    "AccessDeniedError",
    "AlreadyCancelledError",
    "AlreadyPaidError",
    "ApiError",
    "AsyncPaySsam",
    "BillNotFoundError",
    "BillState",
    "BillStatus",
    "CallbackSyncError",
    "Cancellation",
    "CashTrader",
    "Digest",
    "DuplicateBillIdError",
    "PaySsam",
    "PaySsamError",
    "PayType",
    "ProcessingError",
    "ProtocolError",
    "ServerSystemError",
    "TransportError",
    "TransportTimeoutError",
    "ValidationError",
    "__version__",
    "bill_hash",
    "sha256_hex",
]
