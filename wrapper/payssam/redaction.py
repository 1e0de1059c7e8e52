"""Keeping secrets and personal data out of reprs, logs and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
EXCERPT_LIMIT = 200

_APIKEY_MEMBER = re.compile(r'("apikey"\s*:\s*")(?:[^"\\]|\\.)*(")')
_PHONE = re.compile(r"(?<![0-9])(01[0-9][- ]?)([0-9]{3,4})([- ]?[0-9]{4})(?![0-9])")


class Secret:
    """A string that never shows itself in repr or str; reveal() it only to send it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the request body only."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def mask_phone(phone: str) -> str:
    """Keep a phone number's prefix and last four digits: 010****5678."""
    if len(phone) < 8:
        return MASK
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """Keep only the first character of a person's name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secrets, any JSON apikey value and phone numbers from text."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _APIKEY_MEMBER.sub(rf"\g<1>{MASK}\g<2>", text)
    return _PHONE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def excerpt(content: bytes, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """A short, redacted, printable view of a response body for error messages."""
    text = redact(content.decode("utf-8", errors="replace"), secrets)
    return text if len(text) <= limit else text[:limit] + "…"
