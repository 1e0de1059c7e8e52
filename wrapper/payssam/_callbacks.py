"""The approval callback (승인 동기화): parse it, acknowledge it, verify it by reading the bill back.

v1 pushes snake_case fields; v2 is seen in camelCase and in snake_case (integrations disagree), so
both are read, a numeric apprPrice too. PaySsam signs nothing: the body's only secret is the partner's own apikey, which
is compared in constant time, and the approval is trusted only once a read of
the same bill says PAID at the same price.
"""

from __future__ import annotations

import json
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, overload

from payssam_api_client.models.approval_callback import ApprovalCallback

from . import _validation as validation
from ._casing import v1_fields
from ._errors import ApprovalRejectedError, BillNotFoundError, ValidationError
from ._frames import detached
from ._protocol import check_field_types
from ._results import FieldFormatError, Payment, approval_fields
from ._states import BillState
from .redaction import MASK, Secret

if TYPE_CHECKING:
    from ._client import AsyncPaySsam, PaySsam
    from ._results import BillStatus

APPROVAL_ACK: Final[bytes] = json.dumps({"code": "0000", "msg": "성공하였습니다."}, ensure_ascii=False).encode("utf-8")
"""The exact reply body that stops PaySsam's hourly retries (send it with APPROVAL_ACK_CONTENT_TYPE): v1's
documented body, which also satisfies v2's `{"code": "0000"}`."""

APPROVAL_ACK_CONTENT_TYPE: Final[str] = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Approval(Payment):
    """An approval as PaySsam pushed it; not trusted until verify_approval() confirms it."""

    apikey: Secret = field(repr=False, compare=False)
    raw: ApprovalCallback = field(repr=False, compare=False)


def _json_object(body: bytes | str | Mapping[str, object]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    if isinstance(body, bytes | bytearray):
        try:
            body = bytes(body).decode("utf-8-sig")  # a UTF-8 byte order mark is tolerated, as JSON parsers do
        except UnicodeDecodeError:
            raise ValidationError("body", "is not UTF-8") from None
    if not isinstance(body, str):
        raise ValidationError("body", f"must be bytes, str or a mapping, not {type(body).__name__}")
    body = body.removeprefix("\ufeff")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValidationError("body", "is not JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    return data


def parse_approval(body: bytes | str | Mapping[str, object]) -> Approval:
    """Type a callback body (v1's snake_case, or v2's in either casing); anything off the contract raises
    ValidationError naming the field."""
    parsed = _parsed(body)
    del body  # it holds the apikey: a traceback through this frame must not show it
    if isinstance(parsed, ValidationError):
        raise parsed
    return parsed


def _parsed(body: bytes | str | Mapping[str, object]) -> Approval | ValidationError:
    """The approval, or the ValidationError it makes, without the frames that held the body (see _frames.py)."""
    try:
        return _approval(body)
    except ValidationError as refused:
        return detached(refused)


def _approval(body: bytes | str | Mapping[str, object]) -> Approval:
    body_fields = _json_object(body)
    try:
        data = v1_fields(body_fields)
        model = ApprovalCallback.from_dict(data)
        check_field_types(model)
        typed = approval_fields(model)
    except KeyError as missing:
        raise ValidationError(str(missing.args[0]), "is missing") from None
    except FieldFormatError as wrong:
        raise ValidationError(wrong.name, str(wrong).removeprefix(wrong.name).strip()) from None
    apikey = validation.credential("apikey", model.apikey, validation.APIKEY_MAX, secret=True)
    bill_id = validation.bill_id(model.bill_id)
    model.apikey = MASK
    return Approval(bill_id=bill_id, **typed, apikey=Secret(apikey), raw=model)


def _check_apikey(approval: Approval, own: Secret) -> None:
    """The approval's apikey is this client's (compared in constant time, by Secret.matches: no frame here holds
    either key)."""
    if not approval.apikey.matches(own):
        raise ApprovalRejectedError(approval.bill_id, "apikey is not this client's")


def _confirm(approval: Approval, status: BillStatus, expected_price: int | None) -> BillStatus:
    """The read-back agrees with the approval (and with the price the caller billed).

    A bill cancelled since is the same approval superseded, when it shows the same price and the
    approval's number as its original approval number: PaySsam is repeating an approval whose
    acknowledgement it never got. It is confirmed too (state CANCELLED): acknowledge it, fulfil nothing.
    """
    if status.state is BillState.CANCELLED:
        number = status.original_approval_number
        if approval.approval_number is None or number != approval.approval_number:
            raise ApprovalRejectedError(approval.bill_id, "PaySsam says the bill is CANCELLED, not after this approval")
    elif status.state is BillState.PAID:
        number = status.approval_number
    else:
        raise ApprovalRejectedError(approval.bill_id, f"PaySsam says the bill is {status.state.name}, not PAID")
    if approval.price is None or status.price != approval.price:
        raise ApprovalRejectedError(approval.bill_id, "approved price differs from the bill's")
    if expected_price is not None and status.price != expected_price:
        raise ApprovalRejectedError(approval.bill_id, "paid price differs from the expected price")
    if approval.approval_number is not None and approval.approval_number != number:
        raise ApprovalRejectedError(approval.bill_id, "approval number differs from the bill's")
    return status


def _verify_sync(approval: Approval, client: PaySsam, expected_price: int | None) -> BillStatus:
    _check_apikey(approval, client._config.apikey)
    try:
        status = client.read_bill(approval.bill_id)
    except BillNotFoundError:
        raise ApprovalRejectedError(approval.bill_id, "PaySsam knows no such bill") from None
    return _confirm(approval, status, expected_price)


async def _verify_async(approval: Approval, client: AsyncPaySsam, expected_price: int | None) -> BillStatus:
    _check_apikey(approval, client._config.apikey)
    try:
        status = await client.read_bill(approval.bill_id)
    except BillNotFoundError:
        raise ApprovalRejectedError(approval.bill_id, "PaySsam knows no such bill") from None
    return _confirm(approval, status, expected_price)


@overload
def verify_approval(approval: Approval, client: PaySsam, *, expected_price: int | str | None = None) -> BillStatus: ...
@overload
def verify_approval(
    approval: Approval, client: AsyncPaySsam, *, expected_price: int | str | None = None
) -> Coroutine[Any, Any, BillStatus]: ...
def verify_approval(
    approval: Approval, client: PaySsam | AsyncPaySsam, *, expected_price: int | str | None = None
) -> BillStatus | Coroutine[Any, Any, BillStatus]:
    """Confirm an approval: apikey checked in constant time, then the bill read back at its price.

    Returns the bill read back: PAID, act on it (once); CANCELLED, a genuine approval repeated after
    the bill was cancelled, acknowledge it and act on nothing. Raises ApprovalRejectedError when the
    approval is not genuine (answer 400); other PaySsamErrors mean it could not be confirmed now
    (answer 503: PaySsam will retry). With an AsyncPaySsam the result is awaitable.
    """
    from ._client import AsyncPaySsam, PaySsam

    if not isinstance(approval, Approval):
        raise ValidationError("approval", f"must be an Approval from parse_approval, not {type(approval).__name__}")
    expected = None if expected_price is None else int(validation.price(expected_price, "expected_price"))
    if isinstance(client, AsyncPaySsam):
        return _verify_async(approval, client, expected)
    if isinstance(client, PaySsam):
        return _verify_sync(approval, client, expected)
    raise ValidationError("client", f"must be a PaySsam or an AsyncPaySsam, not {type(client).__name__}")
