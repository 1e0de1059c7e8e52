"""Keeping secrets and personal data out of reprs, logs and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

MASK = "***"
_DIGITS = frozenset("0123456789")
EXCERPT_LIMIT = 200

_APIKEY_MEMBER = re.compile(r'("api[-_]?key"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE)
# Korean mobile numbers as people and systems write them: 010-1234-5678, 01012345678, 010.1234.5678,
# 010 1234 5678, +82-10-1234-5678, +821012345678, 82 10 1234 5678.
_PHONE = re.compile(
    r"(?<![0-9])((?:\+?82[-. ]?0?|0)1[016789][-. ]?)([0-9]{3,4})([-. ]?[0-9]{4})(?![0-9])",
)


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


def names_apikey(key: str) -> bool:
    """A JSON member name that holds an apikey however it is spelled: apikey, apiKey, api_key, API-KEY."""
    return 6 <= len(key) <= 8 and key.replace("_", "").replace("-", "").lower() == "apikey"


def mask_phone(phone: str) -> str:
    """Keep a phone number's prefix and last four digits: 010****5678."""
    if len(phone) < 8:
        return MASK
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """Keep only the first character of a person's name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@lru_cache(maxsize=64)
def _spellings(secret: str) -> re.Pattern[str]:
    """The secret as it may appear in a JSON text: each character as is, \\uXXXX-escaped or \\-escaped."""
    forms = []
    for char in secret:
        escapes = [re.escape(char)]
        if ord(char) < 0x10000:
            escapes.append(r"\\u" + "".join(f"[{h.lower()}{h.upper()}]" for h in f"{ord(char):04x}"))
        if char in '"\\/':
            escapes.append(re.escape("\\" + char))
        forms.append("(?:" + "|".join(escapes) + ")")
    return re.compile("".join(forms))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secrets (JSON-escaped forms too), any JSON apikey value and phone numbers from text."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
        if "\\" in text:
            text = _spellings(secret).sub(MASK, text)
    return redact_phones(_APIKEY_MEMBER.sub(rf"\g<1>{MASK}\g<2>", text))


def redact_phones(text: str) -> str:
    """Phone numbers masked; a text without eight digits in it is returned as is, without any regex work."""
    if _DIGITS.isdisjoint(text) or sum(ch.isdigit() for ch in text) < 8:
        return text
    return _PHONE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def excerpt(content: bytes, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """A short, redacted, printable view of a response body for error messages."""
    text = redact(content.decode("utf-8", errors="replace"), secrets)
    return text if len(text) <= limit else text[:limit] + "…"
