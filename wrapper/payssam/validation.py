"""Field rules of the contract, checked before anything is sent.

They mirror the request schemas of openapi/payssam-v1.json; the test suite uses
that spec as the oracle, so a rule that drifts from the contract fails a test.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from .errors import ValidationError

BILL_ID = re.compile(r"[A-Za-z0-9]{1,20}")
PRICE = re.compile(r"[0-9]{1,10}")
PHONE = re.compile(r"01[0-9]{8,9}")
CALLBACK_URL = re.compile(
    r"https?://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/([A-Za-z0-9._~:/?@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?"
)
# Not blank as the contract's ECMA `\S` sees it: ECMA whitespace differs from str.isspace().
NOT_BLANK = re.compile("[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
MAX_PRICE = 9_999_999_999

APIKEY_MAX = 32
MEMBER_MAX = 30
MERCHANT_MAX = 30
ISSUER_MAX = 50
KST = timezone(timedelta(hours=9), "KST")
URL_MAX = 2048


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "is not valid Unicode text (lone surrogate)") from None
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
    value = _text(field, value)
    if not 1 <= len(value) <= max_length:
        shown = "" if secret else f" (got {len(value)})"
        raise ValidationError(field, f"must be 1 to {max_length} characters{shown}")
    return value


def text(field: str, value: object, max_length: int | None = None) -> str:
    """Free text that must not be empty (or blank), nor longer than max_length when one is documented."""
    checked = _text(field, value)
    if not NOT_BLANK.search(checked):
        raise ValidationError(field, "must not be empty or blank")
    if max_length is not None and len(checked) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters (got {len(checked)})")
    return checked


def callback_url(value: object, field: str = "callback_url") -> str:
    """An absolute http(s) URL: a host (and port), then a path; no user info, spaces or #fragment."""
    url = _text(field, value)
    if len(url) > URL_MAX:
        raise ValidationError(field, f"must be at most {URL_MAX} characters")
    if not CALLBACK_URL.fullmatch(url):
        raise ValidationError(
            field, "must be http(s)://host[:port][/path] in URI characters, without user info or #fragment"
        )
    try:
        port = urlsplit(url).port
    except ValueError:
        raise ValidationError(field, "has an invalid port") from None
    if port == 0:
        raise ValidationError(field, "must not use port 0")
    return url


def expiry(value: object, field: str = "expires_on") -> date:
    """A last payment day (sent as YYYY-MM-DD); a datetime is refused, its time would be silently dropped."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime.date, not {type(value).__name__}")
    if value < datetime.now(KST).date():
        raise ValidationError(field, f"is {value.isoformat()}, already past in Korea time")
    return value
