"""Field rules of the contract, checked before anything is sent.

They mirror the request schemas of openapi/payssam-v1.json; the test suite uses
that spec as the oracle, so a rule that drifts from the contract fails a test.
"""

from __future__ import annotations

import re

from .errors import ValidationError

BILL_ID = re.compile(r"[A-Za-z0-9]{1,20}")
PRICE = re.compile(r"[0-9]{1,10}")
PHONE = re.compile(r"01[0-9]{8,9}")
MAX_PRICE = 9_999_999_999

APIKEY_MAX = 32
MEMBER_MAX = 30
MERCHANT_MAX = 30


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    return value


def bill_id(value: object, field: str = "bill_id") -> str:
    """A bill id: 1 to 20 ASCII letters or digits."""
    text = _text(field, value)
    if not BILL_ID.fullmatch(text):
        raise ValidationError(field, "must be 1 to 20 ASCII letters or digits")
    return text


def price(value: object, field: str = "price") -> str:
    """A price in won as the exact digit string to send: an int, or 1 to 10 ASCII digits."""
    if isinstance(value, bool):
        raise ValidationError(field, "must be an int or a digit string, not bool")
    if isinstance(value, int):
        if not 0 <= value <= MAX_PRICE:
            raise ValidationError(field, f"must be between 0 and {MAX_PRICE} won")
        return str(value)
    if isinstance(value, str):
        if not PRICE.fullmatch(value):
            raise ValidationError(field, "must be 1 to 10 ASCII digits (no sign, comma or space)")
        return value
    raise ValidationError(field, f"must be an int or a digit string, not {type(value).__name__}")


def phone(value: object, field: str = "phone") -> str:
    """A Korean mobile number as digits only: 01 then 8 or 9 digits."""
    text = _text(field, value)
    if not PHONE.fullmatch(text):
        raise ValidationError(field, "must be a mobile number of 10 or 11 ASCII digits starting 01, no dashes")
    return text


def credential(field: str, value: object, max_length: int, *, secret: bool = False) -> str:
    """A non-empty credential of at most max_length characters; a secret is never echoed."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    if not 1 <= len(value) <= max_length:
        shown = "" if secret else f" (got {len(value)})"
        raise ValidationError(field, f"must be 1 to {max_length} characters{shown}")
    return value
