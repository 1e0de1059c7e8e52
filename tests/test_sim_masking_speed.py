"""The journal's masking, written for speed, against its plain form: the same text masked, the same body kept.

PHONE_LIKE checks the digit before a phone's leading 0 after finding the 0 (so the regex engine can skip to the three
characters a phone starts with); the plain form checks it first. Member names take a cached path. Strings are drawn
from the characters a phone is made of (ASCII and full-width digits, +82, each separator) mixed with letters and
Korean, so phones stand at the start, the end, inside longer digit runs and next to each other.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from payssam_sim.journal import PHONE_LIKE, _Copy, mask_phone, masked

_DIGIT = r"[0-9\uff10-\uff19]"
_SEPARATOR = r"[-\uff0d. \u3000]?"
PLAIN_PHONE_LIKE = re.compile(
    rf"(?:\+82{_SEPARATOR}|(?<!{_DIGIT})[0\uff10])[1\uff11]{_DIGIT}{_SEPARATOR}"
    rf"{_DIGIT}{{3,4}}{_SEPARATOR}{_DIGIT}{{4}}(?!{_DIGIT})"
)
"""The phone pattern as first written: no digit before the leading 0, looked at before it."""
ASCII_PARTS = ("0", "1", "010", "011", "1234", "5678", "+82", "+8210", "-", ".", " ", "a", "홍", "9", "99", "+", "8")
WIDE_PARTS = ("\uff10", "\uff11", "\uff10\uff11\uff10", "\uff11\uff12\uff13\uff14", "\uff0d", "\u3000")
PARTS = st.sampled_from(ASCII_PARTS + WIDE_PARTS)
TEXTS = st.lists(PARTS, max_size=12).map("".join)


def plain_mask(text: str) -> str:
    return PLAIN_PHONE_LIKE.sub(lambda match: mask_phone(match.group()), text)


@settings(max_examples=2000)
@given(text=TEXTS)
def test_phone_like_finds_what_the_plain_pattern_finds(text: str) -> None:
    assert [m.span() for m in PHONE_LIKE.finditer(text)] == [m.span() for m in PLAIN_PHONE_LIKE.finditer(text)]


@settings(max_examples=300)
@given(names=st.lists(st.one_of(TEXTS, st.sampled_from(["apikey", "bill_id", "phone", "hash", "x" * 70])), max_size=6))
def test_member_names_are_masked_as_any_text_is(names: list[str]) -> None:
    body: dict[str, Any] = {name: "010-1234-5678" for name in names}
    reference = _Copy()
    assert list(masked(body)) == [reference.text(name) for name in body]
    for name in body:
        assert _Copy().name(name) == _Copy().text(name) == plain_mask(name)
