"""payssam: typed, validated Python client for the PaySsam (결제선생) partner API, v1 and v2 (experimental).

The HTTP layer is generated from openapi/payssam-v1.json and payssam-v2.json (packages payssam_api_client
and payssam_api_client_v2); this package
adds the hash, validation, typed results and errors, retries with read-back, bounded attempts, bulk
work, the approval-callback helpers and secrets hygiene.

`import payssam` loads nothing heavy: each public name is imported from its module on first use, so a
script or command that needs only the hash or an id never loads httpx or the generated models.

The public surface is one list: the imports under TYPE_CHECKING below (each `X as X`, an explicit
re-export). Type checkers read it as written; at run time the same block says where each name lives,
and `__all__` is those names.
"""

from __future__ import annotations

from ._contract import CONTRACT_VERSION as CONTRACT_VERSION
from ._version import __version__ as __version__

TYPE_CHECKING = False  # typing itself costs a third of httpx's import: not loaded just to say this
if TYPE_CHECKING:
    from typing import Any

    from ._batch import BatchReport as BatchReport
    from ._callbacks import APPROVAL_ACK as APPROVAL_ACK
    from ._callbacks import APPROVAL_ACK_CONTENT_TYPE as APPROVAL_ACK_CONTENT_TYPE
    from ._callbacks import Approval as Approval
    from ._callbacks import parse_approval as parse_approval
    from ._callbacks import verify_approval as verify_approval
    from ._client import AsyncPaySsam as AsyncPaySsam
    from ._client import PaySsam as PaySsam
    from ._config import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from ._errors import AccessDeniedError as AccessDeniedError
    from ._errors import AlreadyCancelledError as AlreadyCancelledError
    from ._errors import AlreadyPaidError as AlreadyPaidError
    from ._errors import ApiError as ApiError
    from ._errors import ApprovalRejectedError as ApprovalRejectedError
    from ._errors import BatchRefusedError as BatchRefusedError
    from ._errors import BillNotFoundError as BillNotFoundError
    from ._errors import CallbackSyncError as CallbackSyncError
    from ._errors import DuplicateBillIdError as DuplicateBillIdError
    from ._errors import ExperimentalWarning as ExperimentalWarning
    from ._errors import HashMismatchError as HashMismatchError
    from ._errors import OutcomeUnknownError as OutcomeUnknownError
    from ._errors import PartnerNotEnabledError as PartnerNotEnabledError
    from ._errors import PaySsamError as PaySsamError
    from ._errors import PointsExhaustedError as PointsExhaustedError
    from ._errors import Problem as Problem
    from ._errors import ProcessingError as ProcessingError
    from ._errors import ProtocolError as ProtocolError
    from ._errors import ServerSystemError as ServerSystemError
    from ._errors import TransportError as TransportError
    from ._errors import TransportTimeoutError as TransportTimeoutError
    from ._errors import ValidationError as ValidationError
    from ._exchange import BoundedTransport as BoundedTransport
    from ._generated import UNSET as UNSET
    from ._generated import Unset as Unset
    from ._hashing import Digest as Digest
    from ._hashing import bill_hash as bill_hash
    from ._hashing import sha256_hex as sha256_hex
    from ._ids import new_bill_id as new_bill_id
    from ._reconcile import ReconcileReport as ReconcileReport
    from ._results import BillStatus as BillStatus
    from ._results import Cancellation as Cancellation
    from ._results import Destruction as Destruction
    from ._results import Payment as Payment
    from ._results import PointBalance as PointBalance
    from ._results import Resend as Resend
    from ._results import SentBill as SentBill
    from ._retries import Backoff as Backoff
    from ._states import BillState as BillState
    from ._states import CashTrader as CashTrader
    from ._states import PayType as PayType
    from ._validation import CONTRACT_VERSIONS as CONTRACT_VERSIONS
    from ._validation import KST as KST

TYPE_NAME = "TYPE_CHECKING"
_HOME: dict[str, str] = {}
"""Where each public name lives, read from the TYPE_CHECKING block above the first time a name is asked for."""


def _homes() -> dict[str, str]:
    """The public names and their modules, from this file's TYPE_CHECKING imports (parsed once, on first use)."""
    if not _HOME:
        import ast
        from pathlib import Path

        tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
        block = next(
            node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        )
        for statement in block.body:
            if isinstance(statement, ast.ImportFrom) and statement.level == 1 and statement.module:
                _HOME.update((alias.asname or alias.name, statement.module) for alias in statement.names)
    return _HOME


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for, then kept; `__all__` too."""
    if name == "__all__":
        names = ["CONTRACT_VERSION", "__version__", *sorted(_homes())]
        globals()["__all__"] = names
        return names
    module = _homes().get(name)
    if module is None:
        raise AttributeError(f"module 'payssam' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_homes()})
