"""new_bill_id: 20 ASCII letters and digits, the caller's prefix then CSPRNG characters."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import payssam
import payssam._ids
from payssam import ValidationError, new_bill_id
from payssam import _validation as validation

BILL_ID = re.compile(r"^[A-Za-z0-9]{20}$")
ALPHABET = string.ascii_letters + string.digits


def test_default_id_is_twenty_ascii_letters_or_digits() -> None:
    bill_id = new_bill_id()
    assert isinstance(bill_id, str)
    assert len(bill_id) == 20
    assert BILL_ID.fullmatch(bill_id)
    assert validation.bill_id(bill_id) == bill_id


def test_exported_from_the_package() -> None:
    assert payssam.new_bill_id is new_bill_id


@pytest.mark.parametrize("prefix", ["", "A", "abc123", "1234567890", "ZZZZZZZZZZ"])
def test_prefix_starts_the_id(prefix: str) -> None:
    bill_id = new_bill_id(prefix)
    assert len(bill_id) == 20
    assert BILL_ID.fullmatch(bill_id)
    assert bill_id.startswith(prefix)
    assert validation.bill_id(bill_id) == bill_id


def test_business_number_prefix_leaves_ten_random_characters() -> None:
    bill_id = new_bill_id("1234567890")
    assert bill_id[:10] == "1234567890"
    assert len(bill_id[10:]) == 10
    assert all(c in ALPHABET for c in bill_id[10:])


@given(prefix=st.from_regex(r"[A-Za-z0-9]{0,10}", fullmatch=True))
def test_property_any_valid_prefix(prefix: str) -> None:
    bill_id = new_bill_id(prefix)
    assert len(bill_id) == 20
    assert BILL_ID.fullmatch(bill_id)
    assert bill_id.startswith(prefix)
    assert validation.bill_id(bill_id) == bill_id


BAD_PREFIXES: list[object] = [
    pytest.param("12345678901", id="eleven-digits"),
    pytest.param("A" * 20, id="twenty"),
    pytest.param("A" * 21, id="twenty-one"),
    pytest.param("ab-c", id="dash"),
    pytest.param("ab c", id="space"),
    pytest.param("abc\n", id="trailing-newline"),
    pytest.param("ab_c", id="underscore"),
    pytest.param("한국", id="hangul"),
    pytest.param("caf\u00e9", id="accented"),
    pytest.param("\uff11\uff12", id="fullwidth-digits"),
    pytest.param("\u0661\u0662", id="arabic-indic-digits"),
    pytest.param(123, id="int"),
    pytest.param(None, id="none"),
    pytest.param(b"abc", id="bytes"),
    pytest.param(["a"], id="list"),
]


@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_bad_prefix_is_a_validation_error_naming_prefix(prefix: object) -> None:
    with pytest.raises(ValidationError) as info:
        new_bill_id(prefix)  # type: ignore[arg-type]
    assert info.value.field == "prefix"
    assert str(info.value).startswith("prefix: ")


def test_ten_thousand_ids_are_distinct() -> None:
    ids = {new_bill_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    with_prefix = {new_bill_id("1234567890") for _ in range(10_000)}
    assert len(with_prefix) == 10_000


def test_random_part_comes_from_secrets_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def spy(alphabet: str) -> str:
        calls.append(alphabet)
        return "Q"

    monkeypatch.setattr(payssam._ids.secrets, "choice", spy)
    assert new_bill_id("ABC") == "ABC" + "Q" * 17
    assert len(calls) == 17
    assert all(sorted(alphabet) == sorted(ALPHABET) for alphabet in calls)
    calls.clear()
    assert new_bill_id() == "Q" * 20
    assert len(calls) == 20


def test_random_part_uses_the_whole_alphabet() -> None:
    seen = set("".join(new_bill_id() for _ in range(500)))
    assert seen == set(ALPHABET)
