"""Any request shape against every simulator route: never a 5xx, and a refused request changes nothing.

Each example starts a fresh simulator in-process (default or strict mode) holding one v1 bill in each state
(W, F, C, D) and two v2 bills (a TALK one unpaid, a URL one with no phone paid), then sends it two or three
requests of arbitrary shape, each to a vendor route of v1 or v2 (with or without the /partner prefix) or to
a control route: valid bodies with extra members of every JSON type at every level, fields replaced,
dropped or nested wrongly, `bill` as an array, number, null, string or object with junk, huge numbers,
deep nesting, lone surrogates, bodies that are no JSON object or no JSON at all, odd content types and
methods. After every request: the status is below 500; a v2 answer is v2's envelope, `data` null on an
error; an answer of 400 or more (or a vendor answer other than 0000) left GET /_sim/bills and the point
balances (GET /_sim/points) exactly as they were.

`make test` runs a derandomised few hundred requests; PAYSSAM_FUZZ=1 (`make fuzz`) at least 5,000,
randomised. The count is printed at the end of the run.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payssam_sim import Simulator

from kit import APIKEY, FUZZ_HEALTH_CHECKS, FUZZING, MEMBER, MERCHANT, QUICK_PHASES, print_at_session_end, sha256

QUICK_EXAMPLES = 250
FUZZ_EXAMPLES = 2600
MIN_REQUESTS, MAX_REQUESTS = 2, 3
"""Requests per example: at least 500 in `make test`, at least 5,200 under PAYSSAM_FUZZ=1."""
settings.register_profile(
    "payssam-sim-shapes-fuzz",
    parent=settings.get_profile("payssam"),
    max_examples=FUZZ_EXAMPLES,
    suppress_health_check=FUZZ_HEALTH_CHECKS,
    derandomize=False,
)
BUDGET = (
    settings(settings.get_profile("payssam-sim-shapes-fuzz"))
    if FUZZING
    else settings(
        settings.get_profile("payssam"),
        max_examples=QUICK_EXAMPLES,
        suppress_health_check=FUZZ_HEALTH_CHECKS,
        phases=QUICK_PHASES,
    )
)

BASE_URL = "http://127.0.0.1"
AUTH = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
V2_AUTH = {"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT}
PHONE = "01012345678"
PRICE = "10000"
MAX_BODY = 1 << 20
ACK = json.dumps({"code": "0000", "msg": "성공하였습니다."}, ensure_ascii=False).encode("utf-8")
SEEDED = {"W": "SHAPEW0001", "F": "SHAPEF0001", "C": "SHAPEC0001", "D": "SHAPED0001"}
HYPHENATED = "TM-SHAPE-0001"
"""Seeded too in default mode (unpaid), where a hyphen in a bill id is accepted."""
SEEDED_V2 = {"talk": "SHAPEVT001", "url": "SHAPEVU001"}
"""Sent over v2: a TALK bill left unpaid, a URL bill with no phone, paid."""
VENDOR_ROUTES = ("send", "read", "cancel", "destroy", "resend")
V2_PATHS = {
    "v2 send": "/bill",
    "v2 read": "/bill/read",
    "v2 cancel": "/bill/cancel",
    "v2 destroy": "/bill/destroy",
    "v2 resend": "/bill/resend",
    "v2 remain_count": "/read/remain_count",
    "v2 merchant_remain_count": "/read/merchant/remain_count",
}
V2_ROUTES = tuple(V2_PATHS)
CONTROL_ROUTES = ("bills", "bill", "pay", "redeliver", "page", "reset", "faults", "points")
OWN_METHOD = {"bills": "GET", "bill": "GET", "page": "GET", "pay": "POST", "redeliver": "POST", "reset": "POST"}
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

# --------------------------------------------------------------------------- totals


SENT: collections.Counter[str] = collections.Counter()
"""Requests sent, by route."""
STATUSES: collections.Counter[int] = collections.Counter()
"""Answers, by HTTP status."""
EXAMPLES: collections.Counter[str] = collections.Counter()


def summary() -> Iterator[str]:
    """The sweep's figures, printed once the session ends."""
    if not SENT:
        return
    vendor = sum(SENT[route] for route in VENDOR_ROUTES)
    v2 = sum(SENT[route] for route in V2_ROUTES)
    control = sum(SENT[route] for route in CONTROL_ROUTES)
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(STATUSES.items()))
    server_errors = sum(count for status, count in STATUSES.items() if status >= 500)
    yield (
        f"payssam sim shapes: {vendor + v2 + control:,} requests in {EXAMPLES['examples']:,} examples "
        f"(vendor v1 {vendor:,}, v2 {v2:,}, control {control:,}); answers: {statuses}; "
        f"{server_errors} at 500 or above"
    )


@pytest.fixture(scope="module", autouse=True)
def _totals(request: pytest.FixtureRequest) -> None:
    print_at_session_end(request.config, "payssam-sim-shapes-totals", summary)


# --------------------------------------------------------------------------- JSON of any shape


FIELD_NAMES = (
    "apikey",
    "member",
    "merchant",
    "bill",
    "bill_id",
    "hash",
    "price",
    "phone",
    "member_nm",
    "product_nm",
    "callbackURL",
    "message",
    "bill_issuer",
    "expire_dt",
    "pay_type",
    "card_issuer",
    "installment_months",
    "cash_trader",
    "operation",
    "code",
    "count",
    "apiKey",
    "billId",
    "sendType",
    "productName",
    "memberName",
    "callbackUrl",
    "pageRedirectUrl",
    "expireDt",
    "billIssuer",
    "cancelReason",
    "callback_case",
    "partner",
    "balance",
    "__proto__",
    "",
)
ODD_TEXT = (
    "",
    " ",
    "\u3000",
    "0",
    "-1",
    "10000",
    "0010000",
    "12345678901",
    PHONE,
    "010-1234-5678",
    "TM-1",
    "-",
    "A" * 21,
    "가" * 51,
    "\ud800",
    "\udfff",
    "\U0001f600",
    "\x00",
    "2026-02-30",
    "2999-12-31",
    "http://127.0.0.1:1/cb",
    "https://partner.example/cb#frag",
    "javascript:alert(1)",
    "CARD_VAN",
    "OFFLINE_CASH",
    "신한카드",
    "read",
    "5000",
    "0000",
    "TALK",
    "URL",
    "ERROR",
    "BILL_003",
    "camel",
    "snake",
    *SEEDED.values(),
    HYPHENATED,
    *SEEDED_V2.values(),
)
texts = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=24))
numbers = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, -0, 1, 10000, 1012345678, 10**10, 10**200, -(10**300)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e-308, 0.5, 10000.0]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


def nested(depth: int, kind: str) -> bytes:
    """JSON nested `depth` deep, as text (no Python structure that deep is ever built)."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"bill":' * depth + b"1" + b"}" * depth


RAW_BODIES = st.one_of(
    st.binary(max_size=48),
    st.sampled_from(
        [
            b"",
            b"   ",
            b"null",
            b"[]",
            b"{}",
            b'"text"',
            b"5",
            b"true",
            b"NaN",
            b'{"price": NaN}',
            b'{"price": Infinity}',
            b'{"price": 1e999}',
            b'{"price": -1e999}',
            b'{"price": ' + b"9" * 5000 + b"}",
            b'{"price": 1' + b"0" * 4000 + b"}",
            b'{"bill_id": "\\ud800"}',
            b'{"\\udc00": 1}',
            b'{"bill_id": "\xff"}',
            b"\xef\xbb\xbf{}",
            b'{"a": 1} trailing',
            b'{"a": 1}{"b": 2}',
            b'{"apikey": "K", "apikey": "L"}',
            b"{'single': 'quotes'}",
            '{"bill_id": "가"}'.encode("utf-16"),
            b" " * (MAX_BODY + 1),
        ]
    ),
    st.builds(nested, st.sampled_from([1, 2, 64, 500, 999, 1000, 1001, 5000, 100_000]), st.sampled_from(["a", "o"])),
)
ODD_CONTENT_TYPES = (
    None,
    "application/json; charset=utf-8",
    "APPLICATION/JSON; CHARSET=UTF8",
    'application/json; charset="utf-8"',
    "application/json;charset=latin-1",
    "application/json; charset=euc-kr",
    "application/json; charset",
    "application/problem+json",
    "application/jsonx",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    ";",
)
CONTENT_TYPES = st.one_of(st.just("application/json"), st.just("application/json"), st.sampled_from(ODD_CONTENT_TYPES))
"""Two thirds of the requests say plain JSON, so their bodies reach the rules; the rest say anything."""


# --------------------------------------------------------------------------- valid bodies, then broken


def valid_v2_body(route: str, bill_id: str, price: str = PRICE, send_type: str = "TALK") -> dict[str, Any]:
    """A body the v2 contract accepts for a v2 route (the hash right for the id, phone and price)."""
    if route == "v2 send":
        bill = {
            "billId": bill_id,
            "sendType": send_type,
            "productName": "수강료",
            "price": price,
            "memberName": "홍길동",
            "hash": sha256(bill_id, PHONE, price) if send_type == "TALK" else sha256(bill_id, price),
            "callbackUrl": "https://partner.example/payssam/approval",
            "message": "안내",
            "billIssuer": "학원",
            "expireDt": "2999-12-31",
            "pageRedirectUrl": "https://partner.example/done",
        }
        if send_type == "TALK":
            bill["phone"] = PHONE
        return {**V2_AUTH, "bill": bill}
    if route in ("v2 cancel", "v2 destroy"):
        extra = {"cancelReason": "환불"} if route == "v2 cancel" else {}
        return {**V2_AUTH, "bill": {"billId": bill_id, "price": price, "hash": sha256(bill_id, price), **extra}}
    if route == "v2 remain_count":
        return {"apiKey": APIKEY}
    if route == "v2 merchant_remain_count":
        return dict(V2_AUTH)
    return {**V2_AUTH, "bill": {"billId": bill_id}}


def valid_body(route: str, bill_id: str, price: str = PRICE) -> dict[str, Any]:
    """A body the contract accepts for a vendor route (the hash right for the id and price)."""
    if route in V2_PATHS:
        return valid_v2_body(route, bill_id, price)
    if route == "send":
        bill = {
            "bill_id": bill_id,
            "callbackURL": "https://partner.example/payssam/approval",
            "hash": sha256(bill_id, PHONE, price),
            "member_nm": "홍길동",
            "phone": PHONE,
            "price": price,
            "product_nm": "수강료",
            "message": "안내",
            "bill_issuer": "학원",
            "expire_dt": "2999-12-31",
        }
        return {**AUTH, "bill": bill}
    if route in ("cancel", "destroy"):
        return {**AUTH, "bill_id": bill_id, "price": price, "hash": sha256(bill_id, price)}
    return {**AUTH, "bill_id": bill_id}


CONTROL_BODIES: dict[str, list[Callable[[], dict[str, Any]]]] = {
    "pay": [
        lambda: {"pay_type": "CARD_VAN", "card_issuer": "신한카드", "installment_months": 3},
        lambda: {"callback_case": "snake"},
    ],
    "faults": [
        lambda: {"operation": "read", "code": "5000", "count": 1},
        lambda: {"operation": "merchant_remain_count", "code": "ERROR", "count": 1},
    ],
    "points": [lambda: {"partner": 0}, lambda: {"merchant": MERCHANT, "balance": 110}],
}


@st.composite
def broken(draw: st.DrawFn, body: dict[str, Any]) -> object:
    """The body with a few changes: members added, replaced or dropped, at the top or in `bill`, nesting undone."""
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        change = draw(st.sampled_from(["add", "add", "replace", "drop", "bill", "flatten", "nest", "inner"]))
        inner = body.get("bill")
        target = inner if change == "inner" and isinstance(inner, dict) else body
        if change in ("add", "inner"):
            target[draw(keys)] = draw(json_values)
        elif change == "replace" and target:
            target[draw(st.sampled_from(sorted(target)))] = draw(json_values)
        elif change == "drop" and target:
            del target[draw(st.sampled_from(sorted(target)))]
        elif change == "bill":
            body["bill"] = draw(
                st.one_of(
                    st.lists(json_values, max_size=3),
                    numbers,
                    st.none(),
                    texts,
                    st.dictionaries(keys, json_values, max_size=4),
                    st.dictionaries(keys, json_values, max_size=3).map(
                        lambda junk, inner=inner: {**(inner if isinstance(inner, dict) else {}), **junk}
                    ),
                )
            )
        elif change == "flatten" and isinstance(inner, dict):
            del body["bill"]
            body.update(inner)
        elif change == "nest":
            flat = {name: value for name, value in body.items() if name not in AUTH}
            body = {"bill": body} if draw(st.booleans()) else {**AUTH, "bill": flat}
    wrap = draw(st.sampled_from(["none"] * 6 + ["array", "string", "data"]))
    if wrap == "array":
        return [body]
    if wrap == "string":
        return json.dumps(body)
    if wrap == "data":
        return {"data": body}
    return body


BILL_FIELDS = ("bill_id", "callbackURL", "hash", "member_nm", "phone", "price", "product_nm")
SEND_BILL_NAMES = (*BILL_FIELDS, "message", "bill_issuer", "expire_dt")
V2_NAMES = (
    *V2_AUTH,
    "billId",
    "sendType",
    "productName",
    "price",
    "memberName",
    "phone",
    "message",
    "expireDt",
    "hash",
    "callbackUrl",
    "pageRedirectUrl",
    "billIssuer",
    "cancelReason",
)
"""Every name a v2 request body has: extras never take one."""


BILL_VALUES = st.one_of(
    st.lists(json_values, max_size=3),
    numbers,
    st.none(),
    st.booleans(),
    texts,
    st.dictionaries(keys, json_values, max_size=4),
)
"""What `bill` may be where it is an extra member (read, cancel, destroy, resend): anything."""


@st.composite
def with_extras(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """A valid body with members the contract does not name, so it stays valid, of any JSON type: on the flat
    routes `bill` (half the time) and others, on send others at the top or inside `bill`."""
    flat = "bill" not in body
    if flat and draw(st.booleans()):
        body["bill"] = draw(BILL_VALUES)
    names = st.one_of(st.sampled_from(["bill", "extra", "bill_ID", "Bill", "data"]), keys)
    for _ in range(draw(st.integers(min_value=0 if flat else 1, max_value=3))):
        inner = body.get("bill")
        if not flat and isinstance(inner, dict) and draw(st.booleans()):
            inner[draw(names.filter(lambda name: name not in (*SEND_BILL_NAMES, *V2_NAMES)))] = draw(json_values)
        else:
            known = (*AUTH, "bill_id", "price", "hash") if flat else (*AUTH, "bill")
            known = (*known, *V2_NAMES)
            body[draw(names.filter(lambda name, known=known: name not in known))] = draw(json_values)
    return body


def encode(value: object, ascii_only: bool) -> bytes:
    """JSON text; a lone surrogate written as its escape, or (not ASCII-only) as invalid UTF-8."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Shape:
    route: str
    method: str
    path: str
    content_type: str | None
    body: bytes

    @property
    def v2(self) -> bool:
        """To a v2 vendor route (the answer is v2's envelope)."""
        return self.route in V2_PATHS

    @property
    def vendor(self) -> bool:
        return self.route in VENDOR_ROUTES or self.v2

    def __repr__(self) -> str:  # hypothesis prints it on failure: keep the body short
        more = "…" if len(self.body) > 300 else ""
        return f"Shape({self.method} {self.path} {self.content_type!r} {self.body[:300]!r}{more})"


BILL_IDS = st.sampled_from(
    [*SEEDED.values(), HYPHENATED, *SEEDED_V2.values(), "NOSUCHBILL", "TM-NONE", "A" * 20, "-", "가나", "B1%2F.."]
)


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    vendor = draw(st.booleans())
    route = draw(st.sampled_from((*VENDOR_ROUTES, *V2_ROUTES) if vendor else CONTROL_ROUTES))
    bill_id = draw(BILL_IDS)
    if vendor:
        prefix = draw(st.sampled_from(["", "", "/partner"]))
        path, method = prefix + V2_PATHS.get(route, f"/if/bill/{route}"), "POST"
    else:
        path = {
            "bills": "/_sim/bills",
            "bill": f"/_sim/bills/{bill_id}",
            "pay": f"/_sim/bills/{bill_id}/pay",
            "redeliver": f"/_sim/bills/{bill_id}/redeliver",
            "page": f"/_sim/b/{bill_id}",
            "reset": "/_sim/reset",
            "faults": "/_sim/faults",
            "points": "/_sim/points",
        }[route]
        method = OWN_METHOD.get(route, "POST")
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        method = draw(st.sampled_from(METHODS))
    path += draw(st.sampled_from(["", "", "", "", "/", "?apikey=x", "?", "#frag"]))
    source = draw(st.sampled_from(["valid", "extras", "extras", "broken", "broken", "broken", "any", "raw"]))
    if source == "raw":
        body = draw(RAW_BODIES)
    else:
        if source == "any":
            value: object = draw(json_values)
        elif vendor:
            template = valid_body(route, draw(st.one_of(BILL_IDS, st.builds("NEW{:02d}".format, st.integers(0, 99)))))
            changed = {"broken": broken, "extras": with_extras}.get(source)
            value = template if changed is None else draw(changed(template))
        else:
            template = draw(st.sampled_from(CONTROL_BODIES.get(route, [dict])))()
            value = draw(broken(template)) if source in ("broken", "extras") else template
        body = encode(value, draw(st.booleans()))
    return Shape(route, method, path, draw(CONTENT_TYPES), body)


# --------------------------------------------------------------------------- the sweep


def seed(http: httpx.Client, strict: bool) -> None:
    """One v1 bill in each state and two v2 bills, through the routes themselves; a hyphenated unpaid one unless
    strict."""
    for state, bill_id in SEEDED.items():
        assert http.post("/if/bill/send", json=valid_body("send", bill_id)).json()["code"] == "0000"
        if state in ("F", "C"):
            assert http.post(f"/_sim/bills/{bill_id}/pay", json={}).json()["callback"]["acknowledged"]
        if state in ("C", "D"):
            route = "cancel" if state == "C" else "destroy"
            assert http.post(f"/if/bill/{route}", json=valid_body(route, bill_id)).json()["code"] == "0000"
    if not strict:
        assert http.post("/if/bill/send", json=valid_body("send", HYPHENATED)).json()["code"] == "0000"
    talk = valid_v2_body("v2 send", SEEDED_V2["talk"])
    url = valid_v2_body("v2 send", SEEDED_V2["url"], send_type="URL")
    for body in (talk, url):
        assert http.post("/partner/bill", json=body).json()["code"] == "0000"
    assert http.post(f"/_sim/bills/{SEEDED_V2['url']}/pay", json={}).json()["callback"]["acknowledged"]


def ledger(http: httpx.Client) -> Any:
    """The bills and the point balances."""
    answer, points = http.get("/_sim/bills"), http.get("/_sim/points")
    assert answer.status_code == 200
    assert points.status_code == 200
    return answer.json(), points.json()


def check(http: httpx.Client, shape: Shape) -> None:
    """Send one shape: below 500; an answer of 400 or more, or a vendor code other than 0000, changed nothing."""
    before = ledger(http)
    headers = {} if shape.content_type is None else {"Content-Type": shape.content_type}
    response = http.request(shape.method, shape.path, content=shape.body, headers=headers)
    SENT[shape.route] += 1
    STATUSES[response.status_code] += 1
    assert response.status_code < 500, (shape, response.text)
    if shape.method == "HEAD":
        assert response.content == b""
    elif response.headers["content-type"].startswith("application/json"):
        answer = response.json()
        assert isinstance(answer, dict)
        if response.status_code >= 400:
            assert set(answer) == {"error"}
            assert isinstance(answer["error"], str)
            assert APIKEY not in answer["error"]
        if shape.v2 and response.status_code == 200:
            assert set(answer) == {"code", "message", "data"}, (shape, answer)
            assert isinstance(answer["code"], str)
            assert (answer["data"] is None) is (answer["code"] != "0000"), (shape, answer)
        if shape.vendor and response.status_code == 200 and answer["code"] != "0000":
            assert ledger(http) == before, shape
    if response.status_code >= 400:
        assert ledger(http) == before, shape


def acknowledging(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ACK)


@given(strict=st.booleans(), sent=st.lists(shapes(), min_size=MIN_REQUESTS, max_size=MAX_REQUESTS))
@BUDGET
def sweep(strict: bool, sent: list[Shape]) -> None:
    EXAMPLES["examples"] += 1
    sim = Simulator(strict=strict, callback_transport=httpx.MockTransport(acknowledging))
    try:
        with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
            seed(http, strict)
            for shape in sent:
                check(http, shape)
    finally:
        sim.close()


def test_no_request_shape_gets_a_5xx_and_a_refusal_changes_nothing() -> None:
    before = SENT.copy()
    sweep()
    sent = SENT - before
    total = sum(sent.values())
    assert total >= (5000 if FUZZING else 500), total
    assert set(sent) == {*VENDOR_ROUTES, *V2_ROUTES, *CONTROL_ROUTES}, sent  # every route had its share
