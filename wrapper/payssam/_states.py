"""Typed codes of the v1 answers, each open-ended with an UNKNOWN fallback.

The contract keeps these fields as plain strings (patterns, not enums) so a
value added by the vendor later never breaks parsing; here such a value maps to
UNKNOWN and the result keeps the raw code beside it.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar


class BillState(Enum):
    """appr_state: where a bill is in its lifecycle (W → F → C, or W → D)."""

    PAID = "F"
    UNPAID = "W"
    CANCELLED = "C"
    DESTROYED = "D"
    UNKNOWN = "?"


class PayType(Enum):
    """appr_pay_type: how a bill was paid."""

    CARD_VAN = "CARD_VAN"
    KEYIN = "KEYIN"
    OFFLINE_CARD = "OFFLINE_CARD"
    OFFLINE_CASH = "OFFLINE_CASH"
    UNKNOWN = "?"


class CashTrader(Enum):
    """appr_cash_trader: who a cash receipt was issued to."""

    INDIVIDUAL = "0"
    BUSINESS = "1"
    UNKNOWN = "?"


CodeEnum = TypeVar("CodeEnum", BillState, PayType, CashTrader)


def from_code(kind: type[CodeEnum], code: str) -> CodeEnum:
    """The member for a raw code, or UNKNOWN (never raises; a dict lookup, it runs on every read)."""
    member = kind._value2member_map_.get(code)
    if member is None or member.name == "UNKNOWN":
        return kind.UNKNOWN
    return member  # type: ignore[return-value]
