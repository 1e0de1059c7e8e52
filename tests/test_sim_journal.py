"""The simulator's request journal, readiness and reset: GET /_sim/requests and sim.requests(), GET /_sim/health,
POST /_sim/reset and sim.reset(), sim.inject_fault(), and `--journal-limit` and `--detach` on the command line.

The journal must hold what a tester needs (method, path, version, operation, bill id, code or status, the body)
and never a secret or personal datum: every test that reads it also searches its whole JSON for the apikey, the
phone, the customer's name and a send's hash. Nothing here measures time; waits are generous bounds.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from payssam_sim import Credentials, Simulator
from payssam_sim.cli import healthy
from payssam_sim.journal import (
    CUT,
    MASK,
    MAX_CHARS,
    MAX_LIMIT,
    MAX_TEXT,
    MAX_VALUES,
    mask_name,
    mask_phone,
    mask_phones_in,
    masked,
)

from kit import ROOT, free_port, sha256, wait_for

APIKEY = "JOURNAL-TEST-KEY-5d41402abc"
"""A distinctive key, so a search for it in the journal cannot miss (nor hit by chance)."""
MEMBER = "JOURNAL-MEMBER"
MERCHANT = "JOURNAL-MERCHANT"
CREDENTIALS = Credentials(apikey=APIKEY, member=MEMBER, merchant=MERCHANT)
V1_AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
V2_AUTH = {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
PHONE = "01098765432"
NAME = "김철수"
PRICE = "10000"
NOWHERE = "https://partner.example/payssam/approval"  # not loopback: never called
BASE_URL = "http://127.0.0.1"
WAIT = 30.0
"""Seconds a socket or a process is given: a generous bound, never a measurement."""
_ids = itertools.count(1)


def new_id() -> str:
    return f"1234567890J{next(_ids):09d}"


def v1_send(bill_id: str) -> dict[str, Any]:
    bill = {
        "bill_id": bill_id,
        "callbackURL": NOWHERE,
        "hash": sha256(bill_id, PHONE, PRICE),
        "member_nm": NAME,
        "phone": PHONE,
        "price": PRICE,
        "product_nm": "12월 수강료",
    }
    return {**V1_AUTH, "bill": bill}


def v1_bill(bill_id: str) -> dict[str, Any]:
    return {**V1_AUTH, "bill_id": bill_id}


def v1_priced(bill_id: str) -> dict[str, Any]:
    return {**V1_AUTH, "bill_id": bill_id, "price": PRICE, "hash": sha256(bill_id, PRICE)}


def v2_send(bill_id: str) -> dict[str, Any]:
    bill = {
        "billId": bill_id,
        "sendType": "TALK",
        "productName": "12월 수강료",
        "price": PRICE,
        "memberName": NAME,
        "phone": PHONE,
        "hash": sha256(bill_id, PHONE, PRICE),
        "callbackUrl": NOWHERE,
    }
    return {**V2_AUTH, "bill": bill}


def v2_bill(bill_id: str) -> dict[str, Any]:
    return {**V2_AUTH, "bill": {"billId": bill_id}}


def v2_priced(bill_id: str) -> dict[str, Any]:
    return {**V2_AUTH, "bill": {"billId": bill_id, "price": PRICE, "hash": sha256(bill_id, PRICE)}}


def secrets_of(bill_ids: list[str]) -> list[str]:
    """What must never be in the journal: the key, the phone (with or without hyphens), the name, sends' hashes."""
    hashes = [sha256(bill_id, PHONE, PRICE) for bill_id in bill_ids]
    return [APIKEY, PHONE, "010-9876-5432", NAME, *hashes]


def assert_clean(text: str, bill_ids: list[str]) -> None:
    for secret in secrets_of(bill_ids):
        assert secret not in text, secret


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """Simulators with the test's credentials and any other settings, each closed after the test."""
    made: list[Simulator] = []

    def make(**settings: Any) -> Simulator:
        made.append(Simulator(credentials=CREDENTIALS, **settings))
        return made[-1]

    yield make
    for simulator in made:
        simulator.close()


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as client:
        yield client


def post(http: httpx.Client, path: str, body: object) -> dict[str, Any]:
    response = http.post(path, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def journal(http: httpx.Client, query: str = "") -> dict[str, Any]:
    response = http.get(f"/_sim/requests{query}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def brief(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["method"], e["path"], e["api"], e["operation"], e["bill_id"], e["status"], e["code"]) for e in entries]


# --- what an entry holds, per operation and version ------------------------------------------------------------


def test_every_vendor_operation_of_both_versions_is_journaled_in_order(sim: Simulator, http: httpx.Client) -> None:
    paid, unpaid, v2_paid, v2_unpaid = new_id(), new_id(), new_id(), new_id()
    assert post(http, "/if/bill/send", v1_send(paid))["code"] == "0000"
    assert post(http, "/if/bill/send", v1_send(unpaid))["code"] == "0000"
    assert post(http, "/if/bill/read", v1_bill(paid))["code"] == "0000"
    assert post(http, "/if/bill/resend", v1_bill(unpaid))["code"] == "0000"
    assert post(http, "/if/bill/destroy", v1_priced(unpaid))["code"] == "0000"
    post(http, f"/_sim/bills/{paid}/pay", {})
    assert post(http, "/if/bill/cancel", v1_priced(paid))["code"] == "0000"
    assert post(http, "/bill", v2_send(v2_paid))["code"] == "0000"
    assert post(http, "/partner/bill", v2_send(v2_unpaid))["code"] == "0000"
    assert post(http, "/bill/read", v2_bill(v2_paid))["code"] == "0000"
    assert post(http, "/bill/resend", v2_bill(v2_unpaid))["code"] == "0000"
    assert post(http, "/bill/destroy", v2_priced(v2_unpaid))["code"] == "0000"
    post(http, f"/_sim/bills/{v2_paid}/pay", {})
    assert post(http, "/bill/cancel", v2_priced(v2_paid))["code"] == "0000"
    assert post(http, "/bill/read", v2_bill(new_id()))["code"] == "BILL_003"
    assert post(http, "/if/bill/read", v1_bill(new_id()))["code"] == "9980"
    assert post(http, "/read/remain_count", {"apiKey": APIKEY})["code"] == "0000"
    assert post(http, "/read/merchant/remain_count", V2_AUTH)["code"] == "0000"

    seen = journal(http)
    entries = seen["requests"]
    assert seen["dropped"] == 0
    assert [e["seq"] for e in entries] == list(range(1, 19))
    assert [(e["api"], e["operation"], e["code"]) for e in entries] == [
        ("v1", "send", "0000"),
        ("v1", "send", "0000"),
        ("v1", "read", "0000"),
        ("v1", "resend", "0000"),
        ("v1", "destroy", "0000"),
        (None, "pay", None),
        ("v1", "cancel", "0000"),
        ("v2", "send", "0000"),
        ("v2", "send", "0000"),
        ("v2", "read", "0000"),
        ("v2", "resend", "0000"),
        ("v2", "destroy", "0000"),
        (None, "pay", None),
        ("v2", "cancel", "0000"),
        ("v2", "read", "BILL_003"),
        ("v1", "read", "9980"),
        ("v2", "remain_count", "0000"),
        ("v2", "merchant_remain_count", "0000"),
    ]
    assert entries[0]["bill_id"] == paid
    assert entries[8]["bill_id"] == v2_unpaid
    assert entries[8]["path"] == "/partner/bill"
    assert entries[5] | {"seq": 0, "time": ""} == {
        "seq": 0,
        "time": "",
        "method": "POST",
        "path": f"/_sim/bills/{paid}/pay",
        "api": None,
        "operation": "pay",
        "bill_id": paid,
        "status": 200,
        "code": None,
        "body": None,
    }
    assert entries[-1]["bill_id"] is None
    for entry in entries:
        assert entry["method"] == "POST"
        assert entry["status"] == 200
        assert datetime.fromisoformat(entry["time"]).utcoffset() is not None
    assert_clean(json.dumps(seen, ensure_ascii=False), [paid, unpaid, v2_paid, v2_unpaid])
    assert_clean(json.dumps(sim.requests(), ensure_ascii=False), [paid, unpaid, v2_paid, v2_unpaid])
    assert sim.requests() == entries


def test_bodies_are_kept_as_sent_with_secrets_and_personal_data_masked(sim: Simulator, http: httpx.Client) -> None:
    v1_id, v2_id = new_id(), new_id()
    v1_body = v1_send(v1_id)
    v1_body["bill"]["price"] = 10000  # a JSON number: an open point the simulator rewrites, the journal does not
    post(http, "/if/bill/send", v1_body)
    post(http, "/bill", v2_send(v2_id))
    post(http, "/bill/cancel", v2_priced(v2_id))
    v1_entry, v2_entry, cancel_entry = sim.requests()
    assert v1_entry["body"] == {
        "apikey": MASK,
        "member": MEMBER,
        "merchant": MERCHANT,
        "bill": {
            "bill_id": v1_id,
            "callbackURL": NOWHERE,
            "hash": MASK,
            "member_nm": "김**",
            "phone": "010****5432",
            "price": 10000,
            "product_nm": "12월 수강료",
        },
    }
    assert v2_entry["body"]["apiKey"] == MASK
    assert v2_entry["body"]["bill"] | {"productName": ""} == {
        "billId": v2_id,
        "sendType": "TALK",
        "productName": "",
        "price": PRICE,
        "memberName": "김**",
        "phone": "010****5432",
        "hash": MASK,
        "callbackUrl": NOWHERE,
    }
    # a hash over no phone (cancel, destroy) says nothing personal: kept, so a 9999 can be understood
    assert cancel_entry["body"]["bill"]["hash"] == sha256(v2_id, PRICE)
    assert_clean(json.dumps(sim.requests(), ensure_ascii=False), [v1_id, v2_id])


def test_refused_bodies_are_journaled_with_the_error_and_masked_whatever_their_names(
    sim: Simulator, http: httpx.Client
) -> None:
    bill_id = new_id()
    odd = {
        "API_KEY": APIKEY,
        "Api-Key": APIKEY,
        "member": MEMBER,
        "bill": {
            "billId": bill_id,
            "Phone": "010-9876-5432",
            "customer_name": NAME,
            "HASH": sha256(bill_id, PHONE, PRICE),
        },
    }
    assert http.post("/bill/read", json=odd).status_code == 400
    assert (
        http.post("/if/bill/read", content=b"not json", headers={"content-type": "application/json"}).status_code == 400
    )
    assert http.post("/if/bill/read", json=[APIKEY, PHONE]).status_code == 400
    assert (
        http.post("/if/bill/read", json={**v1_bill(bill_id)}, headers={"content-type": "text/plain"}).status_code == 400
    )
    assert http.post("/if/bill/read", json={**V1_AUTH, "bill_id": "line\nbreak"}).status_code == 400
    refused, not_json, not_object, wrong_type, newline = sim.requests()
    assert refused["status"] == 400
    assert refused["code"] is None
    assert refused["api"] == "v2"
    assert refused["operation"] == "read"
    assert refused["bill_id"] == bill_id
    assert refused["error"].startswith("apiKey: ")
    assert refused["body"] == {
        "API_KEY": MASK,
        "Api-Key": MASK,
        "member": MEMBER,
        "bill": {"billId": bill_id, "Phone": "010******5432", "customer_name": "김**", "HASH": MASK},
    }
    assert not_json["body"] is None
    assert not_json["error"] == "body: is not JSON"
    assert not_object["body"] is None
    assert not_object["error"] == "body: must be a JSON object"
    assert wrong_type["body"] is None
    assert wrong_type["error"].startswith("Content-Type: ")
    assert newline["bill_id"] is None  # not fit for a log line: left out
    assert_clean(json.dumps(sim.requests(), ensure_ascii=False), [bill_id])


def test_control_posts_and_stray_requests_are_journaled_looks_and_resets_are_not(
    sim: Simulator, http: httpx.Client
) -> None:
    bill_id = new_id()
    post(http, "/if/bill/send", v1_send(bill_id))
    post(http, f"/_sim/bills/{bill_id}/pay", {})
    post(http, "/_sim/faults", {"operation": "read", "code": "5000"})
    post(http, "/_sim/points", {"partner": 5})
    assert http.post("/_sim/faults", content=b"{}").status_code == 403  # no JSON content type: refused, journaled
    for path in ("/_sim/bills", f"/_sim/bills/{bill_id}", "/_sim/points", "/_sim/requests", "/_sim/health"):
        assert http.get(path).status_code == 200
        assert http.head(path).status_code == 200
    assert http.get("/_sim/reset").status_code == 405  # a GET under /_sim/ only looks, whatever it is answered
    assert http.get("/_sim/nowhere").status_code == 404
    assert http.get("/if/bill/read").status_code == 405  # a client's wrong method on a vendor route: journaled
    assert http.post("/if/bill/sendd", json=v1_send(bill_id)).status_code == 404
    assert brief(sim.requests()) == [
        ("POST", "/if/bill/send", "v1", "send", bill_id, 200, "0000"),
        ("POST", f"/_sim/bills/{bill_id}/pay", None, "pay", bill_id, 200, None),
        ("POST", "/_sim/faults", None, "faults", None, 200, None),
        ("POST", "/_sim/points", None, "points", None, 200, None),
        ("POST", "/_sim/faults", None, "faults", None, 403, None),
        ("GET", "/if/bill/read", "v1", "read", None, 405, None),
        ("POST", "/if/bill/sendd", None, None, None, 404, None),
    ]
    assert sim.requests()[4]["error"].startswith("Content-Type: ")
    post(http, "/_sim/reset", {})
    assert sim.requests() == []


# --- filters ----------------------------------------------------------------------------------------------------


def test_filters_by_bill_operation_api_and_limit_over_http_and_in_python(sim: Simulator, http: httpx.Client) -> None:
    first, second = new_id(), new_id()
    post(http, "/if/bill/send", v1_send(first))
    post(http, "/bill", v2_send(second))
    post(http, "/if/bill/read", v1_bill(first))
    post(http, "/bill/read", v2_bill(first))
    post(http, "/bill/read", v2_bill(second))
    post(http, f"/_sim/bills/{first}/pay", {})

    def seqs(entries: list[dict[str, Any]]) -> list[int]:
        return [entry["seq"] for entry in entries]

    cases: list[tuple[str, dict[str, Any], list[int]]] = [
        (f"?bill_id={first}", {"bill_id": first}, [1, 3, 4, 6]),
        ("?operation=read", {"operation": "read"}, [3, 4, 5]),
        ("?operation=pay", {"operation": "pay"}, [6]),
        ("?api=v2", {"api": "v2"}, [2, 4, 5]),
        ("?api=v1&operation=read", {"api": "v1", "operation": "read"}, [3]),
        (f"?bill_id={first}&limit=2", {"bill_id": first, "limit": 2}, [4, 6]),
        ("?limit=0", {"limit": 0}, []),
        ("?limit=100", {"limit": 100}, [1, 2, 3, 4, 5, 6]),
        ("?bill_id=NOSUCHBILL", {"bill_id": "NOSUCHBILL"}, []),
    ]
    for query, keywords, expected in cases:
        assert seqs(journal(http, query)["requests"]) == expected, query
        assert seqs(sim.requests(**keywords)) == expected, keywords
    with pytest.raises(ValueError, match="limit"):
        sim.requests(limit=-1)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?bill=1", "bill: is not a filter"),
        ("?operation=read&operation=send", "operation: is given more than once"),
        ("?api=v3", "api: must be one of v1, v2"),
        ("?limit=-1", "limit: must be a count"),
        ("?limit=ten", "limit: must be a count"),
        ("?limit=%EF%BC%91", "limit: must be a count"),  # a full-width digit one: isdigit() but not ASCII
        (f"?limit={MAX_LIMIT + 1}", "limit: must be a count"),
    ],
)
def test_a_bad_filter_is_400_naming_it(http: httpx.Client, query: str, error: str) -> None:
    response = http.get(f"/_sim/requests{query}")
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


# --- the bound --------------------------------------------------------------------------------------------------


def test_past_the_limit_the_oldest_entries_are_dropped_and_counted(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(journal_limit=3)
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
        ids = [new_id() for _ in range(5)]
        for bill_id in ids:
            post(http, "/if/bill/read", v1_bill(bill_id))
        seen = journal(http)
        assert [e["bill_id"] for e in seen["requests"]] == ids[2:]
        assert [e["seq"] for e in seen["requests"]] == [3, 4, 5]
        assert seen["dropped"] == 2 == sim.dropped_requests
        assert sim.health()["requests"] == 3
        assert sim.health()["requests_dropped"] == 2
        sim.reset()
        post(http, "/if/bill/read", v1_bill(ids[0]))
        assert [e["seq"] for e in sim.requests()] == [6]  # numbers go on after a reset: an entry's never returns
        assert sim.dropped_requests == 0


def test_a_limit_of_0_keeps_nothing(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(journal_limit=0)
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
        post(http, "/if/bill/send", v1_send(new_id()))
        assert sim.requests() == []
        assert sim.dropped_requests == 1
        assert journal(http) == {"requests": [], "dropped": 1}


@pytest.mark.parametrize("limit", [-1, MAX_LIMIT + 1, True, 2.5])
def test_a_bad_journal_limit_is_refused(limit: Any) -> None:
    with pytest.raises(ValueError, match="journal_limit"):
        Simulator(journal_limit=limit)


def test_a_huge_body_leaves_a_bounded_entry(sim: Simulator, http: httpx.Client) -> None:
    deep: Any = "bottom"
    for _ in range(50):
        deep = {"down": deep}
    body = {
        **v1_bill(new_id()),
        "big": 10**300,
        "deep": deep,
        "long": "x" * 500_000,
        "many": list(range(10_000)),
        **{f"extra{n}": "y" * 100 for n in range(1000)},
    }
    assert http.post("/if/bill/read", json=body).status_code == 200
    kept = sim.requests()[0]["body"]
    assert len(json.dumps(kept, ensure_ascii=False)) < 2 * MAX_CHARS + 20 * MAX_VALUES
    assert kept["apikey"] == MASK
    assert kept["big"] == CUT
    assert CUT in json.dumps(kept["deep"], ensure_ascii=False)
    assert json.dumps(kept["deep"]).count("down") < 10
    assert kept["long"] == "x" * MAX_TEXT + CUT
    assert kept["many"][-1].startswith(CUT)
    assert kept["many"][-1].endswith("more")
    assert kept[CUT].endswith("more")


def test_masking_rules() -> None:
    assert mask_phone("01012345678") == "010****5678"
    assert mask_phone("010-1234-5678") == "010******5678"
    assert mask_phone("0101234") == MASK  # too short to keep anything
    assert mask_phone(1012345678) == MASK
    assert mask_name("홍길동") == "홍**"
    assert mask_name("Jo") == "J*"
    assert mask_name("홍") == MASK
    assert mask_name("") == ""
    assert mask_name(["홍길동"]) == MASK
    assert masked({"apikey": {"nested": APIKEY}, "APIKEY": None, "apiKey": 7}) == {
        "apikey": MASK,
        "APIKEY": MASK,
        "apiKey": MASK,
    }
    assert masked({"bills": [{"phone": PHONE, "hash": "h"}, {"hash": "h2"}]}) == {
        "bills": [{"phone": "010****5432", "hash": MASK}, {"hash": "h2"}]
    }


WIDE_PHONE = "\uff10\uff11\uff10\uff0d\uff19\uff18\uff17\uff16\uff0d\uff15\uff14\uff13\uff12"
"""PHONE in full-width digits and hyphens, as a Korean input method may type it."""


def test_a_phone_is_masked_by_value_under_any_name_and_inside_text(sim: Simulator, http: httpx.Client) -> None:
    bill_id = new_id()
    stray = {
        **V1_AUTH,
        "bill": PHONE,
        "phoneNumber": "010-9876-5432",
        "contacts": [{"tel": "010 9876 5432"}, WIDE_PHONE],
        "note": f"연락처 {PHONE}, 국제 +82 10-9876-5432 로 주세요",
        "bill_id": bill_id,
        "price": "01012345",
    }
    assert http.post("/if/bill/send", json=stray).status_code == 400
    (refused,) = sim.requests()
    assert refused["body"] == {
        **{name: MASK if name == "apikey" else value for name, value in V1_AUTH.items()},
        "bill": "010****5432",
        "phoneNumber": "010******5432",
        "contacts": [{"tel": "010******5432"}, "\uff10\uff11\uff10******\uff15\uff14\uff13\uff12"],
        "note": "연락처 010****5432, 국제 +82*********5432 로 주세요",
        "bill_id": bill_id,
        "price": "01012345",  # eight digits: not a phone
    }
    assert_clean(json.dumps(sim.requests(), ensure_ascii=False), [bill_id])


def test_masking_by_value_keeps_what_is_not_a_phone() -> None:
    kept = [
        "1234567890S000000001",  # a bill id
        "TM-20270115010123456789",  # a phone-like run inside longer digits
        "010123456789",  # twelve digits
        "0212345678",  # a Seoul landline: not 01x
        "a1b2c3d4e5f6" * 5,  # a hash's hex
    ]
    for text in kept:
        assert mask_phones_in(text) == text
    assert mask_phones_in("01012345678") == "010****5678"
    assert mask_phones_in("x011-123-4567y") == "x011*****4567y"
    assert masked({"01098765432": "key"}) == {"010****5432": "key"}  # a member name is text too


def test_a_phone_at_the_cut_of_a_long_text_is_masked_whole() -> None:
    text = "가" * (MAX_TEXT - 5) + PHONE + "나" * 100
    kept = masked({"message": text})["message"]
    assert isinstance(kept, str)
    assert kept.endswith(CUT)
    assert "98765" not in kept
    assert kept[MAX_TEXT - 5 :] == "010**" + CUT


# --- reset, faults, health ----------------------------------------------------------------------------------------


def test_reset_forgets_bills_deliveries_journal_faults_and_points_in_one_call(
    sim: Simulator, http: httpx.Client
) -> None:
    for reset in ("http", "python"):
        bill_id = new_id()
        post(http, "/bill", v2_send(bill_id))
        post(http, f"/_sim/bills/{bill_id}/pay", {})
        assert http.get(f"/_sim/bills/{bill_id}").json()["callback"] is not None
        assert sim.inject_fault("read", "5000", count=3) == 3
        post(http, "/_sim/points", {"partner": 7, "merchant": MERCHANT, "balance": 8})
        assert sim.requests() != []
        if reset == "http":
            assert post(http, "/_sim/reset", {}) == {"reset": True}
        else:
            sim.reset()
        assert http.get("/_sim/bills").json() == {"bills": []}
        assert http.get(f"/_sim/bills/{bill_id}").status_code == 404
        assert journal(http) == {"requests": [], "dropped": 0}
        points = http.get("/_sim/points").json()
        assert points["partner"] == 1_000_000
        assert points["merchants"] == {}
        assert post(http, "/if/bill/read", v1_bill(bill_id))["code"] == "9980"  # not the injected 5000
        assert post(http, "/bill", v2_send(bill_id))["code"] == "0000"  # the id is free again
        assert http.get(f"/_sim/bills/{bill_id}").json()["callback"] is None  # its old delivery is forgotten
        sim.reset()


def test_entries_carry_the_simulated_time_and_a_reset_takes_the_clock_back(sim: Simulator, http: httpx.Client) -> None:
    start = sim.clock.now()
    later = start + timedelta(days=2) - timedelta(milliseconds=1)  # times are shown to the millisecond
    post(http, "/_sim/clock", {"advance": "P2D"})
    post(http, "/if/bill/read", v1_bill(new_id()))
    clock_entry, read_entry = sim.requests()
    assert clock_entry["operation"] == "clock"
    assert datetime.fromisoformat(read_entry["time"]) >= later
    assert datetime.fromisoformat(http.get("/_sim/health").json()["time"]) >= later
    post(http, "/_sim/reset", {})
    assert sim.clock.now() < start + timedelta(days=1)  # back to real time, which moved on by far less than a day
    sim.clock.advance(timedelta(days=3))
    sim.reset()
    assert sim.clock.now() < start + timedelta(days=1)


def test_reset_is_refused_without_json_or_from_a_foreign_host_and_then_forgets_nothing(no_proxy: None) -> None:
    with (
        Simulator(credentials=CREDENTIALS) as sim,
        httpx.Client(base_url=sim.base_url, trust_env=False, timeout=WAIT) as http,
    ):
        bill_id = new_id()
        post(http, "/if/bill/send", v1_send(bill_id))
        assert http.post("/_sim/reset", content=b"{}").status_code == 403
        assert http.post("/_sim/reset", json={}, headers={"host": "evil.example"}).status_code == 403
        assert [e["status"] for e in sim.requests()] == [200, 403, 403]
        assert http.get(f"/_sim/bills/{bill_id}").status_code == 200


def test_inject_fault_is_the_python_twin_of_post_faults(sim: Simulator, http: httpx.Client) -> None:
    bill_id = new_id()
    post(http, "/if/bill/send", v1_send(bill_id))
    assert sim.inject_fault("read", "5000") == 1
    assert sim.inject_fault("read", "9870", count=2) == 3
    assert sim.inject_fault("read", "PAYMENT_001") == 1  # a text code: v2's calls, a queue of its own
    assert [post(http, "/if/bill/read", v1_bill(bill_id))["code"] for _ in range(4)] == ["5000", "9870", "9870", "0000"]
    assert post(http, "/bill/read", v2_bill(bill_id))["code"] == "PAYMENT_001"
    assert post(http, "/bill/read", v2_bill(bill_id))["code"] == "0000"
    for operation, code, count in (
        ("read", "0000", 1),
        ("pay", "5000", 1),
        ("remain_count", "5000", 1),
        ("read", "5000", 0),
    ):
        with pytest.raises(ValueError, match=r"^(operation|code|count): "):
            sim.inject_fault(operation, code, count)


def test_health_in_process_needs_no_start_and_no_content_type(sim: Simulator, http: httpx.Client) -> None:
    post(http, "/if/bill/send", v1_send(new_id()))
    response = http.get("/_sim/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["simulator"] == "payssam_sim"
    assert health["apis"] == ["v1", "v2"]
    assert health["bills"] == 1
    assert health["requests"] == 1
    assert health["requests_dropped"] == 0
    assert isinstance(health["version"], str)
    assert health["version"]
    assert health["uptime_seconds"] >= 0
    assert datetime.fromisoformat(health["time"]).utcoffset() is not None
    assert sim.health().keys() == health.keys()
    assert http.head("/_sim/health").status_code == 200
    assert http.post("/_sim/health", json={}).status_code == 405
    assert APIKEY not in response.text
    assert MEMBER not in response.text


def test_health_over_a_socket_answers_once_started_and_not_before_or_after(no_proxy: None) -> None:
    port = free_port()
    sim = Simulator(port=port, credentials=CREDENTIALS)
    url = f"http://127.0.0.1:{port}/_sim/health"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=WAIT, trust_env=False)
    try:
        sim.start()
        answer = httpx.get(url, timeout=WAIT, trust_env=False)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
        foreign = httpx.get(url, headers={"host": "evil.example"}, timeout=WAIT, trust_env=False)
        assert foreign.status_code == 403  # the loopback Host guard holds for health too
    finally:
        sim.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=WAIT, trust_env=False)


def test_the_journal_over_a_socket_is_masked_too(no_proxy: None) -> None:
    with (
        Simulator(credentials=CREDENTIALS) as sim,
        httpx.Client(base_url=sim.base_url, trust_env=False, timeout=WAIT) as http,
    ):
        bill_id = new_id()
        post(http, "/if/bill/send", v1_send(bill_id))
        post(http, "/bill/read", v2_bill(bill_id))
        response = http.get("/_sim/requests", params={"bill_id": bill_id})
        assert [e["operation"] for e in response.json()["requests"]] == ["send", "read"]
        assert_clean(response.text, [bill_id])
        assert_clean(response.content.decode("utf-8"), [bill_id])


def test_a_get_never_changes_state(sim: Simulator, http: httpx.Client) -> None:
    bill_id = new_id()
    post(http, "/bill", v2_send(bill_id))
    sim.inject_fault("read", "5000")

    def state() -> tuple[Any, ...]:
        return (sim.requests(), sim.dropped_requests, http.get("/_sim/bills").json(), http.get("/_sim/points").json())

    before = state()
    for path in (
        "/_sim/health",
        "/_sim/requests",
        "/_sim/requests?limit=1&bill_id=x",
        "/_sim/requests?bad=1",
        "/_sim/bills",
        f"/_sim/bills/{bill_id}",
        f"/_sim/b/{bill_id}",
        "/_sim/points",
        "/_sim/reset",
        "/_sim/faults",
        f"/_sim/bills/{bill_id}/pay",
        "/_sim/nowhere",
    ):
        http.get(path)
        http.head(path)
    assert state() == before
    assert post(http, "/if/bill/read", v1_bill(bill_id))["code"] == "5000"  # the fault is still pending


def test_concurrent_requests_each_get_one_entry_and_a_number_of_their_own(sim: Simulator) -> None:
    bill_id = new_id()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
                for _ in range(50):
                    post(http, "/if/bill/read", v1_bill(bill_id))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert errors == []
    assert sorted(e["seq"] for e in sim.requests()) == list(range(1, 401))


# --- the command line -------------------------------------------------------------------------------------------


def sim_env() -> dict[str, str]:
    """The environment with mock/ on PYTHONPATH and no credentials from outside."""
    paths = [str(ROOT / "mock"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    for name in ("PAYSSAM_SIM_APIKEY", "PAYSSAM_SIM_MEMBER", "PAYSSAM_SIM_MERCHANT"):
        env.pop(name, None)
    return env


@pytest.mark.parametrize("value", ["-1", str(MAX_LIMIT + 1), "many"])
def test_a_bad_journal_limit_flag_exits_2(value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "payssam_sim", "--journal-limit", value],
        env=sim_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--journal-limit" in done.stderr


def test_detach_returns_once_health_answers_and_the_journal_limit_holds(tmp_path: Path, no_proxy: None) -> None:
    pid_file, log_file = tmp_path / "sim.pid", tmp_path / "sim.log"
    command = [sys.executable, "-m", "payssam_sim", "--port", "0", "--journal-limit", "2", "--apikey", APIKEY]
    started = subprocess.run(
        [*command, "--detach", "--pid-file", str(pid_file), "--log-file", str(log_file)],
        cwd=tmp_path,
        env=sim_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    pid = int(pid_file.read_text(encoding="utf-8")) if pid_file.exists() else 0
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.split()[4]
        assert "GET /_sim/health bill_id=- HTTP 200" in log_file.read_text(encoding="utf-8")
        with httpx.Client(base_url=url, trust_env=False, timeout=WAIT) as http:
            auth = {"apikey": APIKEY, "member": "TEST-MEMBER-FOR-API", "merchant": "TEST-MERCHANT-FOR-API"}
            ids = [new_id() for _ in range(3)]
            for bill_id in ids:
                assert post(http, "/if/bill/read", {**auth, "bill_id": bill_id})["code"] == "9980"
            seen = journal(http)
            assert [e["bill_id"] for e in seen["requests"]] == ids[1:]
            assert seen["dropped"] == 1
            assert APIKEY not in json.dumps(seen)
    finally:
        if pid:
            _terminate(pid)
    wait_for(lambda: not pid_file.exists(), timeout=WAIT)


def _terminate(pid: int) -> None:
    """SIGTERM the detached simulator by its PID and wait for it to go (it is not our child: poll /proc)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), timeout=WAIT)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def test_an_open_port_alone_is_not_ready(no_proxy: None) -> None:
    """--detach trusts /_sim/health, not merely an open port: a listener that never answers is not a simulator."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not healthy(f"http://127.0.0.1:{port}", time.monotonic() + 0.5)
    assert not healthy(f"http://127.0.0.1:{free_port()}", time.monotonic() + 0.2)


# --- a reset while a request is answered --------------------------------------------------------------------------


def test_a_pay_overtaken_by_a_reset_answers_409_and_leaves_no_entry(make_sim: Callable[..., Simulator]) -> None:
    """A pay whose receiver is still answering when POST /_sim/reset comes: a clear 409, and its entry (the request
    began before the reset) is not journaled after it; what comes after the reset is."""
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        entered.set()
        assert release.wait(WAIT)
        return httpx.Response(200, json={"code": "0000", "msg": "성공하였습니다."})

    sim = make_sim(callback_transport=httpx.MockTransport(receiver), callback_timeout=WAIT)
    answers: list[httpx.Response] = []

    def pay(bill_id: str) -> None:
        with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as payer:
            answers.append(payer.post(f"/_sim/bills/{bill_id}/pay", json={}))

    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
        bill_id = new_id()
        post(http, "/if/bill/send", v1_send(bill_id))
        paying = threading.Thread(target=pay, args=(bill_id,))
        try:
            paying.start()
            assert entered.wait(WAIT)
            assert post(http, "/_sim/reset", {}) == {"reset": True}
            assert post(http, "/if/bill/read", v1_bill(bill_id))["code"] == "9980"  # no such bill any more
        finally:
            release.set()
            paying.join(WAIT)
        (paid,) = answers
        assert paid.status_code == 409
        assert paid.json() == {"error": "the simulator was reset while this bill was being paid"}
        assert [entry["operation"] for entry in sim.requests()] == ["read"]
        assert http.get(f"/_sim/bills/{bill_id}").status_code == 404
        sim.clock.advance(timedelta(hours=30))
        assert len(calls) == 1
