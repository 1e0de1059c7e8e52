"""Validation agrees with the contract: the bundled spec's JSON Schema is the oracle.

For generated inputs, the client sends a request exactly when the spec accepts
the request body; otherwise it raises ValidationError and sends nothing.
"""

from __future__ import annotations

import json
import string
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payssam import ValidationError, bill_hash

from conftest import APIKEY, MEMBER, MERCHANT, offline_client
from oracle import request_schema, validator

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"
OK_READ = {"code": "0000", "appr_state": "W"}
OK_CANCEL = {"code": "0000"}

# Near-misses matter most: ASCII letters/digits mixed with separators, whitespace,
# a trailing newline, non-ASCII letters and digits, around the 20-character limit.
tricky = st.text(alphabet=string.ascii_letters + string.digits + " -_,\n\t.\u00e9\ud55c\u0661\uff12", max_size=24)
bill_ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
    tricky,
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.binary(max_size=5),
)
prices = st.one_of(
    st.integers(-(10**11), 10**11),
    st.integers(0, 9_999_999_999),
    st.booleans(),
    st.from_regex(r"[0-9]{1,12}", fullmatch=True),
    st.text(alphabet="0123456789 ,-+.\u0661\u0662\n", max_size=12),
    st.floats(allow_nan=False, max_value=1e12),
    st.none(),
)
credentials = st.one_of(
    st.text(max_size=40), st.text(alphabet="ab", min_size=28, max_size=34), st.none(), st.integers()
)


class Recorder:
    """An httpx transport that records what would have been sent and answers a success."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.bodies: list[Any] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json=self.answer)


def as_sent(price: Any) -> Any:
    """What the body would carry for this price if it were not refused (ints become digit strings)."""
    return str(price) if isinstance(price, int | bool) else price


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(bill_id=bill_ids)
def test_read_accepts_exactly_what_the_contract_accepts(spec: dict[str, Any], bill_id: Any) -> None:
    oracle = validator(request_schema(spec, READ))
    candidate = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id}
    recorder = Recorder(OK_READ)
    with offline_client(recorder) as client:
        try:
            client.read_bill(bill_id)
        except ValidationError as refused:
            assert refused.field == "bill_id"
            assert recorder.bodies == []
            assert not oracle.is_valid(candidate), f"contract accepts {bill_id!r} but the client refused it"
            return
    assert oracle.is_valid(candidate), f"client sent {bill_id!r}, which the contract refuses"
    assert recorder.bodies == [candidate]


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(bill_id=st.one_of(st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True), bill_ids), price=prices)
def test_cancel_accepts_exactly_what_the_contract_accepts(spec: dict[str, Any], bill_id: Any, price: Any) -> None:
    oracle = validator(request_schema(spec, CANCEL))
    candidate = {
        "apikey": APIKEY,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill_id": bill_id,
        "price": as_sent(price),
        "hash": "0" * 64,
    }
    recorder = Recorder(OK_CANCEL)
    with offline_client(recorder) as client:
        try:
            client.cancel_bill(bill_id, price)
        except ValidationError as refused:
            assert refused.field in ("bill_id", "price")
            assert recorder.bodies == []
            assert not oracle.is_valid(candidate), f"contract accepts {bill_id!r}/{price!r}, client refused it"
            return
    assert oracle.is_valid(candidate), f"client sent {bill_id!r}/{price!r}, which the contract refuses"
    [sent] = recorder.bodies
    assert sent == {**candidate, "hash": bill_hash(bill_id, price)}
    assert oracle.is_valid(sent)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(apikey=credentials, member=credentials, merchant=credentials)
def test_credentials_accepted_exactly_when_the_contract_accepts_them(
    spec: dict[str, Any], apikey: Any, member: Any, merchant: Any
) -> None:
    oracle = validator(request_schema(spec, READ))
    candidate = {"apikey": apikey, "member": member, "merchant": merchant, "bill_id": "ABC123"}
    recorder = Recorder(OK_READ)
    try:
        client = offline_client(recorder, apikey=apikey, member=member, merchant=merchant)
    except ValidationError as refused:
        assert refused.field in ("apikey", "member", "merchant")
        assert not oracle.is_valid(candidate)
        return
    with client:
        client.read_bill("ABC123")
    assert oracle.is_valid(candidate)
    assert recorder.bodies == [candidate]


@pytest.mark.parametrize(
    ("bill_id", "price", "field"),
    [
        ("1234567890ABCDEFGHIJK", 100, "bill_id"),
        ("ABC\n", 100, "bill_id"),
        ("ABC-123", 100, "bill_id"),
        ("ABC123", "1,000", "price"),
        ("ABC123", 10_000_000_000, "price"),
        ("ABC123", "\u0661\u0660\u0660", "price"),  # Arabic-Indic digits
        ("ABC123", 99.0, "price"),
    ],
)
def test_errors_name_the_field_and_send_nothing(bill_id: Any, price: Any, field: str) -> None:
    recorder = Recorder(OK_CANCEL)
    with offline_client(recorder) as client, pytest.raises(ValidationError, match=f"^{field}: ") as refused:
        client.cancel_bill(bill_id, price)
    assert refused.value.field == field
    assert isinstance(refused.value, ValueError)
    assert recorder.bodies == []
