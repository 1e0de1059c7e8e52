"""Keeping secrets and personal data out of reprs, logs and error messages."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from functools import lru_cache

MASK = "***"
# The digits a phone number can be written with: ASCII and full-width. A text with none of them cannot hold one.
_DIGITS = frozenset("0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")
EXCERPT_LIMIT = 200

_APIKEY_MEMBER = re.compile(r'("api[-_]?key"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE)

# Korean mobile numbers (010, and the old 011 and 016 to 019) as people and systems write them: with ASCII or
# full-width digits; grouped by hyphens of any kind, dots, slashes or spaces (no-break and ideographic too), or not
# at all; with the prefix in brackets, (010); with the country code, +82, 0082 or 82, keeping or dropping the
# trunk 0, +82 (0)10. A number inside a longer run of digits (a bill id, a date) is not one.
_D = "[0-9\uff10-\uff19]"
_ZERO = "[0\uff10]"
_SPACE = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_MARK = "[-\u00ad\u2010-\u2015\u2212\ufe63\uff0d./\u00b7\u30fb\uff0e\uff0f]"
_GAP = f"{_SPACE}{{0,2}}(?:{_MARK}{_SPACE}{{0,2}})?"
_OPEN, _CLOSE = "[(\uff08]", "[)\uff09]"
_MOBILE = "[1\uff11][016789\uff10\uff11\uff16-\uff19]"
_AFTER_82 = f"{_CLOSE}?{_GAP}(?:(?:{_OPEN}{_ZERO}{_CLOSE}|{_ZERO}){_GAP})?{_MOBILE}"
_INTERNATIONAL = f"(?:[+\uff0b]|{_ZERO}{_ZERO})?[8\uff18][2\uff12]{_AFTER_82}"
_DOMESTIC = f"{_ZERO}{_MOBILE}{_CLOSE}?"
# The prefix by its first character, each alternative starting with a plain one so that the regex engine skips
# ahead to where a number may begin (five times faster than a leading lookbehind); the lookbehind that follows
# the first character checks the one before it is no digit.
_AFTER_FIRST = {
    "(": f"(?:{_INTERNATIONAL}|{_DOMESTIC})",
    "+": f"[8\uff18][2\uff12]{_AFTER_82}",
    "0": f"(?:{_ZERO}[8\uff18][2\uff12]{_AFTER_82}|{_MOBILE}{_CLOSE}?)",
    "8": f"[2\uff12]{_AFTER_82}",
}
_HEAD = "|".join(
    re.escape(first) + r"(?<!\d[\s\S])" + rest
    for ascii_first, rest in _AFTER_FIRST.items()
    for first in (ascii_first, chr(ord(ascii_first) + 0xFEE0))  # and its full-width form, U+FF08 for (
)
_PHONE = re.compile(rf"(?P<head>(?:{_HEAD}){_GAP})(?P<middle>{_D}{{3,4}})(?P<tail>{_GAP}{_D}{{4}})(?!\d)")

# How a JSON text may spell a character besides itself: \uXXXX (a surrogate pair beyond the BMP) or a short
# escape, \" \\ \/ \n and the like. The escape may itself be escaped: JSON inside JSON, \\u00e9 and \\\";
# %-encoded JSON inside a URL, %5Cu00e9 and %5C%22.
_JSON_SHORT = {'"': '"', "\\": "\\", "/": "/", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}
_JSON_IN_JSON = {'"': '\\"', "\\": "\\\\"}


class Secret:
    """A string that never shows itself in repr or str, and is never pickled or copied; reveal() it only where a
    request body is built or a value is compared.

    Handed around instead of the str, it keeps the apikey out of what a traceback shows: pytest prints the
    arguments (with --showlocals, the locals) of the frames an error went through, error trackers record them.
    It cannot be changed, and has no `==`: compare with matches(), in constant time.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    @classmethod
    def of(cls, value: str | Secret) -> Secret:
        """The value itself when it is a Secret already, else a Secret holding it."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The secret itself, for the request body or a comparison only."""
        return self._value

    def matches(self, other: Secret) -> bool:
        """Whether both hold the same text, compared in constant time (hmac.compare_digest of the UTF-8 bytes)."""
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Secret cannot be changed")

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def _hex(text: str) -> str:
    """A pattern for hex digits in either case: 'e9' becomes '[eE]9'."""
    return "".join(f"[{h.lower()}{h.upper()}]" if h.isalpha() else h for h in text)


def _cases(char: str) -> set[str]:
    """The character and every spelling upper(), lower(), casefold() and their like give it, repeatedly."""
    found = {char}
    todo = [char]
    while todo:
        one = todo.pop()
        for other in (one.lower(), one.upper(), one.casefold(), one.title(), one.swapcase()):
            if other not in found:
                found.add(other)
                if len(other) == 1:
                    todo.append(other)
    if "\u03c3" in found:
        found.add("\u03c2")  # the final sigma: lower() gives it for a Σ ending a word
    return found


def _char_forms(char: str) -> list[str]:
    """Patterns for one character: itself, %-encoded (its UTF-8 bytes, or %uXXXX), JSON-escaped; a space as +."""
    forms = [re.escape(char)]
    if char == " ":
        forms.append(r"\+")
    forms.append("".join("%" + _hex(f"{byte:02x}") for byte in char.encode("utf-8", "surrogatepass")))
    code = ord(char)
    units = [code] if code < 0x10000 else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF)]
    for backslash in (r"\\", r"\\\\", "%5[cC]"):  # each alternative starts with a plain character: see _atom
        forms.append("".join(backslash + "[uU]" + _hex(f"{unit:04x}") for unit in units))
    if char in _JSON_SHORT:
        short = _JSON_SHORT[char]
        forms.append(re.escape("\\" + short))
        forms.append(re.escape("\\\\" + _JSON_IN_JSON.get(short, short)))
        forms.append(f"%5[cC](?:{re.escape(short)}|%{_hex(f'{ord(short):02x}')})")
    forms.append("".join("%[uU]" + _hex(f"{unit:04x}") for unit in units))  # JavaScript's escape()
    return forms


def _char_forms_in_any_case(char: str) -> list[str]:
    """Patterns for one character in each of its one-character cases and each of its forms."""
    return [form for spelling in sorted(_cases(char)) if len(spelling) == 1 for form in _char_forms(spelling)]


def _atom(char: str) -> tuple[str, set[str]]:
    """A pattern for one character of a secret in any case and any of its forms, and the characters it can start with.

    Every alternative for a one-character case starts with a plain character, so the regex engine can skip ahead.
    """
    spellings = sorted(_cases(char))
    forms = _char_forms_in_any_case(char)
    for spelling in spellings:
        if len(spelling) > 1:  # 'ß'.upper() == 'SS': each of its characters in any case and form
            forms.append("".join("(?:" + "|".join(_char_forms_in_any_case(c)) + ")" for c in spelling))
    starts = {"%", "\\"} | {c for spelling in spellings for c in _cases(spelling[0]) if len(c) == 1}
    if " " in starts:
        starts.add("+")
    return "(?:" + "|".join(dict.fromkeys(forms)) + ")", starts


@lru_cache(maxsize=64)
def _spellings(secret: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """The characters a spelling of the secret can start with, and a pattern for all its spellings.

    A spelling is the secret in any case, each character as is, %-encoded or JSON-escaped, mixed freely.
    """
    atoms = [_atom(char) for char in secret]
    return tuple(sorted(atoms[0][1])), re.compile("".join(pattern for pattern, _ in atoms))


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


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secrets (in any case, %-encoded or JSON-escaped too), any JSON apikey value and phone
    numbers from text."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        starts, spellings = _spellings(secret)
        for char in starts:
            if char in text:  # else no spelling of the secret can be in the text: skip the regex
                text = spellings.sub(MASK, text)
                break
    if '"' in text:  # else no JSON member can be in it: skip the regex
        text = _APIKEY_MEMBER.sub(rf"\g<1>{MASK}\g<2>", text)
    return redact_phones(text)


def redact_phones(text: str) -> str:
    """Phone numbers masked but for their prefix and last four digits. A text with fewer than eight digits, or with
    no ASCII or full-width one, is returned as is without any regex work: this runs on every answer's message."""
    if _DIGITS.isdisjoint(text) or sum(map(str.isdecimal, text)) < 8:
        return text
    return _PHONE.sub(_mask_middle, text)


def _mask_middle(match: re.Match[str]) -> str:
    """The phone number matched, each digit of its middle group a *."""
    return match["head"] + "*" * len(match["middle"]) + match["tail"]


def excerpt(content: bytes, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """A short, redacted, printable view of a response body for error messages."""
    text = redact(content.decode("utf-8", errors="replace"), secrets)
    return text if len(text) <= limit else text[:limit] + "…"
