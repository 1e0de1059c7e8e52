"""What the fuzz found, pinned: each input once broke the rule (a typed error naming the field, or a
typed answer error; nothing sent for bad input). Kept as plain tests so they run fast and never depend
on the fuzz's example database.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest

import payssam
from payssam import Backoff, PaySsam, ValidationError, bill_hash, parse_approval, sha256_hex

from kit import APIKEY, MEMBER, MERCHANT, OFFLINE_URL, LyingInt, offline_client

BILL = "A1"


class OddStr(str):
    """A str subclass, as a caller's framework may hand over."""

    __slots__ = ()


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.content!r} for bad input")


def client(**settings: Any) -> PaySsam:
    return PaySsam(APIKEY, MEMBER, MERCHANT, OFFLINE_URL, **settings)


@pytest.mark.parametrize(
    "timeout",
    [
        httpx.Timeout(5.0, connect="5"),
        httpx.Timeout(5.0, read=[5]),
        httpx.Timeout(5.0, write=complex(1, 1)),
        httpx.Timeout(Decimal(5)),
        httpx.Timeout(Fraction(1, 2)),
        httpx.Timeout(True),
        httpx.Timeout(10**400),
        10**400,
        86_401,
    ],
    ids=["str", "list", "complex", "decimal", "fraction", "bool", "huge-timeout", "huge-int", "over-a-day"],
)
def test_timeouts_off_the_rule_are_refused_naming_timeout(timeout: Any) -> None:
    for make in (lambda: client(timeout=timeout), lambda: client().with_options(timeout=timeout)):
        with pytest.raises(ValidationError) as refused:
            make()
        assert refused.value.field == "timeout"


def test_a_timeout_is_kept_as_float_phases() -> None:
    with client(timeout=httpx.Timeout(7, connect=2)) as sdk:
        assert sdk._config.timeout.as_dict() == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}


@pytest.mark.parametrize(
    "backoff", [Backoff(10**400, 10**400), Backoff(1e300, 1e300), Backoff(0, 3601), Backoff(-1, 1)]
)
def test_backoffs_off_the_rule_are_refused_naming_backoff(backoff: Backoff) -> None:
    with pytest.raises(ValidationError) as refused:
        client(max_retries=1, backoff=backoff)
    assert refused.value.field == "backoff"


@pytest.mark.parametrize("operation", ["cancel_bill", "destroy_bill"])
def test_an_int_whose_text_lies_is_sent_as_its_value(operation: str) -> None:
    bodies: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"code": "0000", "bill_id": BILL})

    with offline_client(answer) as sdk:
        getattr(sdk, operation)(BILL, LyingInt(5))
    assert bodies[0]["price"] == "5"
    assert bodies[0]["hash"] == bill_hash(BILL, 5)


def test_bill_hash_checks_its_digest() -> None:
    for digest, in_message in [(None, "function"), (int, "raised"), (lambda s: 5, "64"), (lambda s: "a" * 63, "64")]:
        with pytest.raises(ValidationError) as refused:
            bill_hash(BILL, 1, digest=digest)
        assert refused.value.field == "digest"
        assert in_message in str(refused.value)


@pytest.mark.parametrize("preimage", [5, None, "\ud800", str])
def test_sha256_hex_refuses_what_is_not_text(preimage: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        sha256_hex(preimage)
    assert refused.value.field == "preimage"


def test_from_env_refuses_values_that_are_not_strings() -> None:
    environ = {
        "PAYSSAM_APIKEY": NotImplemented,
        "PAYSSAM_MEMBER": MEMBER,
        "PAYSSAM_MERCHANT": MERCHANT,
        "PAYSSAM_BASE_URL": OFFLINE_URL,
    }
    with pytest.raises(ValidationError) as refused:
        PaySsam.from_env(environ)
    assert refused.value.field == "PAYSSAM_APIKEY"


@pytest.mark.parametrize("base_url", ["http://@h", "http://u@h", "http://:@h"])
def test_user_info_in_any_form_is_refused(base_url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PaySsam(APIKEY, MEMBER, MERCHANT, base_url)
    assert refused.value.field == "base_url"


def test_str_subclasses_in_an_approval_are_read_as_text() -> None:
    fields = {"apikey": APIKEY, "bill_id": BILL, "appr_origin_dt": OddStr("garbage"), "appr_price": OddStr("-5")}
    with pytest.raises(ValidationError) as refused:
        parse_approval(fields)
    assert refused.value.field in ("appr_origin_dt", "appr_price")
    good = {**fields, "appr_origin_dt": OddStr("20261126120000"), "appr_price": OddStr("500")}
    assert parse_approval(good).price == 500


def test_an_answer_nested_too_deeply_to_search_for_the_apikey_is_a_protocol_error() -> None:
    deep = "[" * 900 + "]" * 900
    body = f'{{"code":"0000","msg":"ok","appr_state":"W","x":{deep},"y":"{APIKEY}"}}'.encode()
    with offline_client(lambda request: httpx.Response(200, content=body)) as sdk, pytest.raises(payssam.ProtocolError):
        sdk.read_bill(BILL)
