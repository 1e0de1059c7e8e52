"""A consumer's module, type-checked by `make package-check` with mypy --strict against the installed wheel.

If the generated models were untyped for consumers, `raw`'s fields would be Any and the functions
below would return Any where they promise str: mypy --strict refuses that (warn_return_any).
"""

from __future__ import annotations

from payssam import UNSET, BillStatus, Cancellation, SentBill, Unset
from payssam_api_client.types import UNSET as GENERATED_UNSET


def approval_price(status: BillStatus) -> str | Unset:
    """A field only the raw model has as the vendor wrote it."""
    return status.raw.appr_price


def card_issuer(status: BillStatus) -> str:
    issuer = status.raw.appr_issuer
    return "-" if isinstance(issuer, Unset) else issuer


def short_url(sent: SentBill) -> str | None:
    if sent.raw is None:  # recovered: the answer that carried it was lost
        return None
    value = sent.raw.short_url
    return None if isinstance(value, Unset) else value


def cancel_time(cancellation: Cancellation) -> str | Unset:
    return UNSET if cancellation.raw is None else cancellation.raw.appr_cancel_dt


assert UNSET is GENERATED_UNSET
