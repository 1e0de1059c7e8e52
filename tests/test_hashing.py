"""The request hash: the reference vectors and the properties of the preimage rule."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payssam import ValidationError, bill_hash, sha256_hex
from payssam._hashing import hash_preimage

bill_ids = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)
prices = st.one_of(st.integers(0, 9_999_999_999), st.from_regex(r"[0-9]{1,10}", fullmatch=True))
phones = st.from_regex(r"01[0-9]{8,9}", fullmatch=True)


def test_reference_vector_with_phone() -> None:
    assert (
        bill_hash("1234567890ABCDEFGHIJ", 10000, "01012345678")
        == "f10c27d16da1e527e34fceb5bd327f75e9fb07099a642ed2c04ec87e433e8055"
    )


def test_reference_vector_without_phone() -> None:
    assert bill_hash("1234567890ABCDEFGHIJ", "10000") == (
        "316c2d9a3df1fb14d7bb619d56b2664f4def3753c3df4747a5f3df02878e3a48"
    )


def test_digest_is_swappable() -> None:
    other = bill_hash("ABC", 1, digest=lambda s: hashlib.sha3_256(s.encode()).hexdigest())
    assert other == hashlib.sha3_256(b"ABC,1").hexdigest()


def test_a_swapped_digest_is_held_to_what_requests_carry() -> None:
    """bill_hash checks its digest as every request does: 64 lowercase hex characters."""
    with pytest.raises(ValidationError, match="64 lowercase hex"):
        bill_hash("ABC", 1, digest=lambda s: sha256_hex(s).upper())


@given(bill_ids, prices)
def test_two_parts_without_phone(bill_id: str, price: int | str) -> None:
    assert hash_preimage(bill_id, price).split(",") == [bill_id, str(price)]


@given(bill_ids, prices, phones)
def test_three_parts_with_phone(bill_id: str, price: int | str, phone: str) -> None:
    preimage = hash_preimage(bill_id, price, phone)
    assert preimage.split(",") == [bill_id, phone, str(price)]
    assert bill_hash(bill_id, price, phone) == hashlib.sha256(preimage.encode()).hexdigest()


@given(bill_ids, prices, st.none() | phones)
def test_deterministic_lowercase_hex(bill_id: str, price: int | str, phone: str | None) -> None:
    first = bill_hash(bill_id, price, phone)
    assert first == bill_hash(bill_id, price, phone)
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")


@given(st.data(), bill_ids, prices, st.none() | phones)
def test_changing_any_input_changes_the_hash(
    data: st.DataObject, bill_id: str, price: int | str, phone: str | None
) -> None:
    base = bill_hash(bill_id, price, phone)
    other_id = data.draw(bill_ids.filter(lambda b: b != bill_id))
    other_price = data.draw(prices.filter(lambda p: str(p) != str(price)))
    other_phone = data.draw(st.none().filter(lambda _: phone is not None) | phones.filter(lambda p: p != phone))
    assert bill_hash(other_id, price, phone) != base
    assert bill_hash(bill_id, other_price, phone) != base
    assert bill_hash(bill_id, price, other_phone) != base


@pytest.mark.parametrize(
    ("bill_id", "price", "phone", "field"),
    [
        ("ABC,1", 1, None, "bill_id"),
        ("ABC", "1,0", None, "price"),
        ("ABC", 1, "010-1234-5678", "phone"),
        ("", 1, None, "bill_id"),
        ("ABC", -1, None, "price"),
        ("ABC", True, None, "price"),
    ],
)
def test_inputs_that_would_break_the_preimage_are_refused(
    bill_id: str, price: int | str, phone: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        bill_hash(bill_id, price, phone)
    assert raised.value.field == field
