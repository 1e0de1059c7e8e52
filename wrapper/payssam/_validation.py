"""Field rules of the contract, checked before anything is sent.

The limits and patterns are the request schemas' own, read from openapi/payssam-v1.json when the
client is generated (_contract.py), so a contract change that moves a limit moves these checks;
the test suite also uses the spec as the oracle. The patterns are ECMA-262 regular expressions of
ASCII classes and anchors, which Python's re matches alike under fullmatch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from urllib.parse import urlsplit

from . import _contract, _contract_v2
from ._errors import ValidationError


def _whole(pattern: str) -> re.Pattern[str]:
    """An anchored contract pattern as a Python regex for fullmatch (ASCII classes: no re.UNICODE surprises)."""
    return re.compile(pattern.removeprefix("^").removesuffix("$"), re.ASCII)


BILL_ID_MAX = _contract.BILL_ID_MAX
BILL_ID = _whole(_contract.BILL_ID_PATTERN)
PRICE = _whole(_contract.PRICE_PATTERN)
PHONE = _whole(_contract.PHONE_PATTERN)
CALLBACK_URL = _whole(_contract.CALLBACK_URL_PATTERN)
# Not blank as the contract's ECMA `\S` sees it: ECMA whitespace differs from str.isspace().
NOT_BLANK = re.compile("[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
MAX_PRICE = 9_999_999_999

APIKEY_MAX = _contract.APIKEY_MAX
MEMBER_MAX = _contract.MEMBER_MAX
MERCHANT_MAX = _contract.MERCHANT_MAX
ISSUER_MAX = _contract.ISSUER_MAX
KST = timezone(timedelta(hours=9), "KST")
URL_MAX = _contract.CALLBACK_URL_MAX
API_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one API version's contract allows a credential (v2.0.1 widened member and merchant to 60)."""

    apikey: int
    member: int
    merchant: int


LIMITS = {
    1: Limits(_contract.APIKEY_MAX, _contract.MEMBER_MAX, _contract.MERCHANT_MAX),
    2: Limits(_contract_v2.APIKEY_MAX, _contract_v2.MEMBER_MAX, _contract_v2.MERCHANT_MAX),
}
CONTRACT_VERSIONS: Mapping[int, str] = MappingProxyType(
    {1: _contract.CONTRACT_VERSION, 2: _contract_v2.CONTRACT_VERSION}
)
"""The contract each API version's calls are built from (payssam.CONTRACT_VERSION is v1's)."""
CANCEL_REASON_MAX = _contract_v2.CANCEL_REASON_MAX
SEND_TYPES = ("TALK", "URL")


def _text(field: str, value: object) -> str:
    """The value as an exact str (a subclass's overrides cannot change what is sent), checked as text."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    if value.__class__ is not str:
        value = str.__str__(value)
    if value.isascii():  # the usual id or URL: no surrogate possible, no need to encode
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "is not valid Unicode text (lone surrogate)") from None
    return value


def is_bill_id(text: str) -> bool:
    """The contract's bill id: its pattern (ASCII letters and digits) and its length."""
    return len(text) <= BILL_ID_MAX and BILL_ID.fullmatch(text) is not None


def bill_id(value: object, field: str = "bill_id") -> str:
    """A bill id: 1 to 20 ASCII letters or digits (the contract's limits)."""
    text = _text(field, value)
    if not is_bill_id(text):
        raise ValidationError(field, f"must be 1 to {BILL_ID_MAX} ASCII letters or digits")
    return text


def price(value: object, field: str = "price") -> str:
    """A price in won as the exact digit string to send: an int, or 1 to 10 ASCII digits."""
    if isinstance(value, bool):
        raise ValidationError(field, "must be an int or a digit string, not bool")
    if isinstance(value, int):
        number = int.__index__(value)  # an exact int: a subclass's __str__ or comparisons cannot change it
        if not 0 <= number <= MAX_PRICE:
            raise ValidationError(field, f"must be between 0 and {MAX_PRICE} won")
        return str(number)
    if isinstance(value, str):
        value = str.__str__(value)
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
    if url in _GOOD_CALLBACKS:  # a partner sends every bill to the same few URLs
        return url
    _check_callback_url(url, field)
    if len(_GOOD_CALLBACKS) < 64:
        _GOOD_CALLBACKS.add(url)
    return url


_GOOD_CALLBACKS: set[str] = set()
"""Callback URLs already found good (at most 64): the check is pure, so its verdict can be kept."""


def _check_callback_url(url: str, field: str) -> None:
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


def api_version(value: object) -> int:
    """An API version this SDK speaks: 1, or 2 (experimental)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in API_VERSIONS:
        raise ValidationError("api_version", f"must be 1 or 2, not {value!r}")
    return int.__index__(value)


def send_type(value: object) -> str:
    """How an API v2 send reaches the customer: TALK (KakaoTalk, costs points) or URL (only the link is answered)."""
    if not isinstance(value, str) or value not in SEND_TYPES:
        raise ValidationError("send_type", "must be 'TALK' (sent by KakaoTalk) or 'URL' (only the link comes back)")
    return str.__str__(value)


def cancel_reason(value: object) -> str:
    """Why an API v2 cancel is made: text of at most CANCEL_REASON_MAX characters (longer is refused by PaySsam)."""
    return text("reason", value, CANCEL_REASON_MAX)


def redirect_url(value: object) -> str:
    """Where an API v2 payer lands after paying: an absolute http(s) URL, as callback_url."""
    return callback_url(value, "redirect_url")


def expiry(value: object, field: str = "expires_on") -> date:
    """A last payment day (sent as YYYY-MM-DD); a datetime is refused, its time would be silently dropped."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime.date, not {type(value).__name__}")
    if value < datetime.now(KST).date():
        raise ValidationError(field, f"is {value.isoformat()}, already past in Korea time")
    return value


CONCURRENCY_MAX = 256
"""The most workers bulk work runs at once."""
RATE_MIN = 0.01
"""The slowest rate bulk work accepts: one send every 100 seconds."""
RATE_MAX = 1000.0
"""The fastest rate bulk work accepts, in sends per second."""


def concurrency(value: object, limit: int = CONCURRENCY_MAX) -> int:
    """A number of workers for bulk work: an int from 1 to limit."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise ValidationError("concurrency", f"must be an int from 1 to {limit}")
    return value


def rate(value: object) -> float | None:
    """Sends per second: a number from RATE_MIN to RATE_MAX, or None for as fast as the concurrency allows."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not RATE_MIN <= value <= RATE_MAX:
        raise ValidationError(
            "rate", f"must be a number of sends per second from {RATE_MIN:g} to {RATE_MAX:g}, or None"
        )
    return float(value)


def bill_ids(value: object) -> Iterable[str]:
    """An iterable of bill ids for bulk reads: a str or bytes would be read one character at a time, so refused."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        raise ValidationError("bill_ids", f"must be an iterable of bill ids, not a single {type(value).__name__}")
    if not isinstance(value, Iterable):
        raise ValidationError("bill_ids", f"must be an iterable of bill ids, not {type(value).__name__}")
    return value
