"""The bill page at the short URL, without a browser: its HTML in each state, escaping, the pay form's checks (CSRF
token, origin, fields), and that only a valid POST of the form changes anything.

Bills are sent through the simulator's own vendor routes, in-process; approvals go to a recording transport.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from payssam_sim import Simulator
from payssam_sim.cards import APPROVING_CARD, DECLINING_CARD
from payssam_sim.page import redirect_target

from kit import APIKEY, MEMBER, MERCHANT, sha256
from receivers import Approvals

BASE_URL = "http://127.0.0.1"
PHONE = "01012345678"
CALLBACK = "http://127.0.0.1:9/approval"
FORM = "application/x-www-form-urlencoded"
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
_ids = itertools.count(1)


def new_id() -> str:
    return f"1234567890P{next(_ids):09d}"


@pytest.fixture
def approvals() -> Approvals:
    return Approvals()


@pytest.fixture
def sim(approvals: Approvals) -> Iterator[Simulator]:
    simulator = Simulator(callback_transport=httpx.MockTransport(approvals))
    try:
        yield simulator
    finally:
        simulator.close()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as client:
        yield client


def send(http: httpx.Client, price: int = 35_000, **extra: str) -> str:
    """A v1 bill (TALK) with the given extra bill fields; its id."""
    bill_id = new_id()
    bill = {
        "bill_id": bill_id,
        "callbackURL": CALLBACK,
        "hash": sha256(bill_id, PHONE, str(price)),
        "member_nm": "홍길동",
        "phone": PHONE,
        "price": str(price),
        "product_nm": "12월 수강료",
        **extra,
    }
    answer = http.post("/if/bill/send", json={"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": bill})
    assert answer.json()["code"] == "0000", answer.text
    return bill_id


def send_v2(http: httpx.Client, price: int = 35_000, **extra: str) -> str:
    """A v2 bill (URL send, no phone) with the given extra bill fields; its id."""
    bill_id = new_id()
    bill = {
        "billId": bill_id,
        "sendType": "URL",
        "productName": "12월 수강료",
        "price": str(price),
        "memberName": "홍길동",
        "hash": sha256(bill_id, str(price)),
        "callbackUrl": CALLBACK,
        **extra,
    }
    answer = http.post("/bill", json={"apiKey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill": bill})
    assert answer.json()["code"] == "0000", answer.text
    return bill_id


def page(http: httpx.Client, bill_id: str) -> httpx.Response:
    return http.get(f"/_sim/b/{bill_id}")


def token_of(html: str) -> str:
    match = TOKEN.search(html)
    assert match is not None, "the page has no pay form"
    return match.group(1)


def submit(
    http: httpx.Client,
    bill_id: str,
    card: str = APPROVING_CARD,
    months: str = "0",
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST the pay form as a browser would: form-encoded, with the page's token (or the one given)."""
    fields = {"csrf_token": token_of(page(http, bill_id).text) if token is None else token}
    fields |= {"card": card, "installment_months": months}
    return http.post(f"/_sim/b/{bill_id}", data=fields, headers={"Content-Type": FORM, **(headers or {})})


def state(sim: Simulator, bill_id: str) -> str:
    view = sim.bill(bill_id)
    assert view is not None
    return str(view["state"])


def options(html: str) -> list[str]:
    select = re.search(r'<select id="installment" name="installment_months"[^>]*>(.*?)</select>', html)
    assert select is not None
    return re.findall(r'<option value="([0-9]+)"', select.group(1))


# --------------------------------------------------------------------------- the unpaid page


def test_the_unpaid_page_is_the_bill_in_korean_with_a_pay_form(http: httpx.Client) -> None:
    bill_id = send(http, bill_issuer="행복수학학원", message="12월 수강료를 안내드립니다.", expire_dt="2999-12-31")
    response = page(http, bill_id)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert html.startswith("<!doctype html>\n")
    assert '<html lang="ko">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<p class="issuer" id="issuer">행복수학학원</p>' in html
    assert '<h1 id="product">12월 수강료</h1>' in html
    assert '<p class="amount" id="amount">35,000원</p>' in html
    assert "12월 수강료를 안내드립니다." in html
    assert '<dd id="due">2999년 12월 31일까지</dd>' in html
    assert f'<form method="post" action="/_sim/b/{bill_id}"' in html
    assert '<label for="card">카드 번호</label>' in html
    assert '<input id="card" name="card"' in html
    assert '<label for="installment">할부</label>' in html
    assert f"<code>{APPROVING_CARD}</code>" in html
    assert f"<code>{DECLINING_CARD}</code>" in html
    assert '<button type="submit" id="submit">결제하기</button>' in html
    assert "로컬 시뮬레이터" in html
    assert "실제 결제선생 서비스가 아니며" in html
    assert '<strong id="state">W</strong> (unpaid)' in html


def test_every_form_field_has_its_label(http: httpx.Client) -> None:
    html = page(http, send(http)).text
    fields = re.findall(r'<(?:input|select) id="([a-z-]+)"', html)
    assert fields == ["card", "installment"]
    for field in fields:
        assert f'<label for="{field}">' in html


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_script(http: httpx.Client) -> None:
    response = page(http, send(http))
    html = response.text.lower()
    for needle in ("<script", "javascript:", " src=", "<link", "@import", "url(", "http://", "https://"):
        assert needle not in html, needle
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_without_bill_issuer_the_page_names_the_default_issuer(http: httpx.Client) -> None:
    html = page(http, send(http)).text
    assert '<p class="issuer" id="issuer">테스트 가맹점</p>' in html
    assert 'id="message"' not in html
    assert 'id="due"' not in html


@pytest.mark.parametrize(
    ("price", "offered"),
    [
        (1_000, ["0"]),
        (49_999, ["0"]),
        (50_000, ["0", *(str(n) for n in range(2, 13))]),
        (1_200_000, ["0", *(str(n) for n in range(2, 13))]),
    ],
)
def test_installments_are_offered_from_50000_won_only(http: httpx.Client, price: int, offered: list[str]) -> None:
    html = page(http, send(http, price)).text
    assert options(html) == offered
    assert '<option value="0" selected>일시불</option>' in html
    if len(offered) > 1:
        assert '<option value="3">3개월</option>' in html
    else:
        assert "할부는 50,000원 이상 결제부터 고를 수 있습니다." in html


def test_what_a_partner_sent_is_escaped(http: httpx.Client) -> None:
    bill_id = send(
        http,
        product_nm="<script>alert(1)</script>",
        message='"><img src=x onerror=alert(2)>',
        bill_issuer="A&B <학원>",
    )
    html = page(http, bill_id).text
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "A&amp;B &lt;학원&gt;" in html


def test_a_get_or_head_never_changes_anything(sim: Simulator, http: httpx.Client, approvals: Approvals) -> None:
    bill_id = send(http, 55_000)
    token = token_of(page(http, bill_id).text)
    query = f"?csrf_token={token}&card={APPROVING_CARD}&installment_months=3"
    for method in ("GET", "HEAD"):
        for suffix in ("", query):
            assert http.request(method, f"/_sim/b/{bill_id}{suffix}").status_code == 200
    assert state(sim, bill_id) == "W"
    assert approvals.of(bill_id) == []


def test_the_token_is_the_same_for_every_view_of_a_bill_and_differs_between_bills(http: httpx.Client) -> None:
    first, second = send(http), send(http)
    assert token_of(page(http, first).text) == token_of(page(http, first).text)
    assert token_of(page(http, first).text) != token_of(page(http, second).text)


# --------------------------------------------------------------------------- refusals that change nothing


def test_a_missing_wrong_or_other_bills_token_is_403_and_pays_nothing(
    sim: Simulator, http: httpx.Client, approvals: Approvals
) -> None:
    bill_id, other = send(http), send(http)
    other_token = token_of(page(http, other).text)
    for token in ("", "0" * 64, other_token, token_of(page(http, bill_id).text)[:-1]):
        response = submit(http, bill_id, token=token)
        assert response.status_code == 403, token
        assert "요청을 확인할 수 없습니다" in response.text
        assert "결제되지 않았습니다" in response.text
    no_token = http.post(f"/_sim/b/{bill_id}", data={"card": APPROVING_CARD}, headers={"Content-Type": FORM})
    assert no_token.status_code == 403
    assert state(sim, bill_id) == "W"
    assert state(sim, other) == "W"
    assert approvals.bodies == []


@pytest.mark.parametrize(
    "body",
    [b"", b"csrf_token=%ZZ", b"\xff\xfe", b"csrf_token=a&csrf_token=b", b"&".join([b"x=1"] * 50)],
)
def test_a_malformed_form_is_403_and_pays_nothing(sim: Simulator, http: httpx.Client, body: bytes) -> None:
    bill_id = send(http)
    response = http.post(f"/_sim/b/{bill_id}", content=body, headers={"Content-Type": FORM})
    assert response.status_code == 403
    assert state(sim, bill_id) == "W"


def test_the_token_repeated_with_a_valid_one_is_refused(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http)
    token = token_of(page(http, bill_id).text)
    body = f"csrf_token={token}&csrf_token={token}&card={APPROVING_CARD}&installment_months=0"
    response = http.post(f"/_sim/b/{bill_id}", content=body.encode(), headers={"Content-Type": FORM})
    assert response.status_code == 403
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:8080"},
        {"Origin": "https://127.0.0.1"},
        {"Referer": "http://evil.example/_sim/b/x"},
        {"Origin": "http://evil.example", "Referer": "http://127.0.0.1/_sim/b/x"},
    ],
)
def test_a_post_from_another_origin_is_403_even_with_the_token(
    sim: Simulator, http: httpx.Client, headers: dict[str, str]
) -> None:
    bill_id = send(http)
    response = submit(http, bill_id, headers=headers)
    assert response.status_code == 403
    assert "다른 사이트에서 보낸 결제 요청은 받지 않습니다." in response.text
    assert state(sim, bill_id) == "W"


@pytest.mark.parametrize("headers", [{"Origin": "http://127.0.0.1"}, {"Referer": "http://127.0.0.1/_sim/b/x"}, {}])
def test_a_post_from_this_origin_or_with_neither_header_pays(
    sim: Simulator, http: httpx.Client, headers: dict[str, str]
) -> None:
    bill_id = send(http)
    assert submit(http, bill_id, headers=headers).status_code == 303
    assert state(sim, bill_id) == "F"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", f"{FORM}; charset=euc-kr"])
def test_only_the_form_encoding_gets_past_the_guard(sim: Simulator, http: httpx.Client, content_type: str) -> None:
    bill_id = send(http)
    token = token_of(page(http, bill_id).text)
    body = f"csrf_token={token}&card={APPROVING_CARD}&installment_months=0"
    response = http.post(f"/_sim/b/{bill_id}", content=body.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 403
    assert response.json() == {"error": "Content-Type: control routes take application/json only"}
    assert state(sim, bill_id) == "W"


@pytest.mark.usefixtures("no_proxy")
def test_over_the_socket_the_page_answers_a_loopback_host_only() -> None:
    sim = Simulator().start()
    try:
        with httpx.Client(base_url=sim.base_url, trust_env=False) as http:
            bill_id = send(http)
            fields = {"csrf_token": token_of(page(http, bill_id).text), "card": APPROVING_CARD}
            rebound = {"Host": "evil.example", "Origin": "http://evil.example"}
            assert http.get(f"/_sim/b/{bill_id}", headers={"Host": "evil.example"}).status_code == 403
            refused = http.post(f"/_sim/b/{bill_id}", data=fields, headers=rebound)
            assert refused.status_code == 403
            assert refused.json() == {"error": "Host: control routes answer only to a loopback host name"}
            assert state(sim, bill_id) == "W"
            for host in ("localhost", "127.0.0.1"):  # as a browser sends them, the page's own origin
                other = send(http)
                origin = f"http://{host}:{httpx.URL(sim.base_url).port}"
                headers = {"Host": origin.removeprefix("http://"), "Origin": origin}
                fields["csrf_token"] = token_of(page(http, other).text)
                paid = http.post(f"/_sim/b/{other}", data=fields, headers=headers)
                assert paid.status_code == 303, host
                assert paid.headers["location"] == f"/_sim/b/{other}"
                assert state(sim, other) == "F"
    finally:
        sim.stop()


def test_the_card_number_is_in_no_journal_entry_and_no_log_line(
    sim: Simulator, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="payssam_sim")
    bill_id = send(http, 55_000)
    assert submit(http, bill_id, DECLINING_CARD, "3").status_code == 402
    assert submit(http, bill_id, "9410 0000 0000 0001", "3").status_code == 303
    recorded = json.dumps(sim.requests(), ensure_ascii=False, default=str) + caplog.text
    for digits in ("9410000000000002", "9410-0000-0000-0002", "9410 0000 0000 0001", "0000-0000-0001"):
        assert digits not in recorded


def test_form_encoding_is_the_exception_of_the_page_alone(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http)
    for path in (f"/_sim/bills/{bill_id}/pay", "/_sim/reset", "/_sim/faults"):
        response = http.post(path, content=b"x=1", headers={"Content-Type": FORM})
        assert response.status_code == 403, path
    assert state(sim, bill_id) == "W"


def test_json_to_the_page_has_no_token_and_pays_nothing(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http)
    assert http.post(f"/_sim/b/{bill_id}", json={"card": APPROVING_CARD}).status_code == 403
    assert state(sim, bill_id) == "W"


# --------------------------------------------------------------------------- paying


def test_paying_with_the_approving_card_and_3_months(sim: Simulator, http: httpx.Client, approvals: Approvals) -> None:
    bill_id = send(http, 55_000)
    response = submit(http, bill_id, APPROVING_CARD, "3")
    assert response.status_code == 303
    assert response.headers["location"] == f"/_sim/b/{bill_id}"
    view = sim.bill(bill_id)
    assert view is not None
    assert view["state"] == "F"
    assert view["appr_monthly"] == "03"
    receipt = page(http, bill_id).text
    assert "<form" not in receipt
    assert "결제가 완료되었습니다" in receipt
    assert f'<dd id="approval-number">{view["appr_num"]}</dd>' in receipt
    assert '<dd id="installment-months">3개월</dd>' in receipt
    assert '<dd id="paid-amount">55,000원</dd>' in receipt
    assert re.search(r'<dd id="paid-at">[0-9]{4}년 [0-9]{1,2}월 [0-9]{1,2}일 [0-9]{2}:[0-9]{2}</dd>', receipt)
    assert '<strong id="state">F</strong> (paid)' in receipt
    [approval] = approvals.of(bill_id)
    assert approval["appr_num"] == view["appr_num"]
    assert approval["appr_monthly"] == "03"


def test_paying_in_one_go_below_50000_won(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http, 35_000)
    card = " ".join(APPROVING_CARD.replace("-", "")[i : i + 4] for i in range(0, 16, 4))  # spaces, as typed
    assert submit(http, bill_id, card, "0").status_code == 303
    assert '<dd id="installment-months">일시불</dd>' in page(http, bill_id).text
    assert state(sim, bill_id) == "F"


def test_a_declined_card_shows_the_reason_and_changes_nothing(
    sim: Simulator, http: httpx.Client, approvals: Approvals
) -> None:
    bill_id = send(http, 55_000)
    response = submit(http, bill_id, DECLINING_CARD, "3")
    assert response.status_code == 402
    assert '<p class="error" role="alert" id="error">' in response.text
    assert "한도 초과" in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{DECLINING_CARD}"' in response.text  # what was entered stays
    assert '<option value="3" selected>3개월</option>' in response.text
    assert state(sim, bill_id) == "W"
    assert approvals.bodies == []
    assert submit(http, bill_id, APPROVING_CARD, "3").status_code == 303  # another card still pays it


@pytest.mark.parametrize(
    ("price", "card", "months", "field", "text"),
    [
        (35_000, "", "0", "card", "카드 번호: 입력해 주세요."),
        (35_000, "1234", "0", "card", "카드 번호:"),
        (35_000, "9410-0000-0000-000X", "0", "card", "카드 번호:"),
        (35_000, APPROVING_CARD, "3", "installment", "할부:"),
        (55_000, APPROVING_CARD, "13", "installment", "할부:"),
        (55_000, APPROVING_CARD, "1", "installment", "할부:"),
        (55_000, APPROVING_CARD, "three", "installment", "할부: 목록에서 골라 주세요."),
        (55_000, APPROVING_CARD, "-3", "installment", "할부: 목록에서 골라 주세요."),
    ],
)
def test_a_field_to_fix_is_400_with_a_korean_message_naming_it(
    sim: Simulator, http: httpx.Client, approvals: Approvals, price: int, card: str, months: str, field: str, text: str
) -> None:
    bill_id = send(http, price)
    response = submit(http, bill_id, card, months)
    assert response.status_code == 400
    assert text in response.text
    assert re.search(rf'<(?:input|select) id="{field}"[^>]* aria-invalid="true"', response.text)
    assert "<form" in response.text
    assert state(sim, bill_id) == "W"
    assert approvals.bodies == []


def test_paying_a_paid_bill_again_is_409_and_shows_the_receipt(
    sim: Simulator, http: httpx.Client, approvals: Approvals
) -> None:
    bill_id = send(http)
    token = token_of(page(http, bill_id).text)
    assert submit(http, bill_id, token=token).status_code == 303
    again = submit(http, bill_id, token=token)
    assert again.status_code == 409
    assert "결제가 완료되었습니다" in again.text
    assert "<form" not in again.text
    assert len(approvals.of(bill_id)) == 1


def test_the_control_route_and_the_page_pay_the_same_way(sim: Simulator, http: httpx.Client) -> None:
    by_page, by_route = send(http, 55_000), send(http, 55_000)
    assert submit(http, by_page, APPROVING_CARD, "3").status_code == 303
    assert http.post(f"/_sim/bills/{by_route}/pay", json={"installment_months": 3}).status_code == 200
    paid = [sim.bill(bill_id) for bill_id in (by_page, by_route)]
    assert all(view is not None and view["state"] == "F" for view in paid)
    assert {str(view["appr_monthly"]) for view in paid if view is not None} == {"03"}


def test_a_bill_paid_in_cash_through_the_control_route_shows_a_cash_receipt(http: httpx.Client) -> None:
    bill_id = send(http)
    assert http.post(f"/_sim/bills/{bill_id}/pay", json={"pay_type": "OFFLINE_CASH"}).status_code == 200
    receipt = page(http, bill_id).text
    assert '<dd id="pay-method">현금</dd>' in receipt
    assert 'id="installment-months"' not in receipt
    assert '<dd id="paid-amount">35,000원</dd>' in receipt


# --------------------------------------------------------------------------- the other states


def test_a_cancelled_bill_says_so_with_no_form(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http)
    token = token_of(page(http, bill_id).text)
    assert submit(http, bill_id, token=token).status_code == 303
    body = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id, "price": "35000"}
    assert http.post("/if/bill/cancel", json={**body, "hash": sha256(bill_id, "35000")}).json()["code"] == "0000"
    html = page(http, bill_id).text
    assert "결제가 취소되었습니다" in html
    assert "<form" not in html
    assert '<strong id="state">C</strong> (cancelled)' in html
    assert submit(http, bill_id, token=token).status_code == 409
    assert state(sim, bill_id) == "C"


def test_a_destroyed_bill_says_so_with_no_form(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send(http)
    token = token_of(page(http, bill_id).text)
    body = {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": bill_id, "price": "35000"}
    assert http.post("/if/bill/destroy", json={**body, "hash": sha256(bill_id, "35000")}).json()["code"] == "0000"
    html = page(http, bill_id).text
    assert "파기된 청구서입니다" in html
    assert "<form" not in html
    assert submit(http, bill_id, token=token).status_code == 409
    assert state(sim, bill_id) == "D"


def test_a_bill_past_its_due_date_says_so_and_cannot_be_paid(
    sim: Simulator, http: httpx.Client, approvals: Approvals
) -> None:
    tomorrow = (sim.clock.now() + timedelta(days=1)).date()
    bill_id = send(http, expire_dt=tomorrow.isoformat())
    token = token_of(page(http, bill_id).text)
    sim.clock.advance(timedelta(days=2))
    html = page(http, bill_id).text
    assert "납부 기한이 지났습니다" in html
    assert '<strong id="state">W</strong> (unpaid, expired)' in html
    assert f"{tomorrow.year}년 {tomorrow.month}월 {tomorrow.day}일까지" in html
    assert "<form" not in html
    refused = submit(http, bill_id, token=token)
    assert refused.status_code == 409
    assert "납부 기한이 지났습니다" in refused.text
    by_route = http.post(f"/_sim/bills/{bill_id}/pay", json={"card": APPROVING_CARD})
    assert by_route.status_code == 409  # the page and the control route agree
    assert "expired" in by_route.text
    assert sim.payable(bill_id) == "expired"
    assert state(sim, bill_id) == "W"
    assert approvals.bodies == []


def test_an_unknown_bill_is_a_korean_404(http: httpx.Client) -> None:
    for response in (
        http.get("/_sim/b/NOSUCHBILL"),
        http.post("/_sim/b/NOSUCHBILL", data={"card": APPROVING_CARD}, headers={"Content-Type": FORM}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert '<html lang="ko">' in response.text
        assert "청구서를 찾을 수 없습니다" in response.text


# --------------------------------------------------------------------------- v2's pageRedirectUrl


def test_a_v2_bill_sends_the_payer_on_to_its_page_redirect_url(sim: Simulator, http: httpx.Client) -> None:
    bill_id = send_v2(http, 55_000, pageRedirectUrl="https://partner.example/paid?order=7")
    response = submit(http, bill_id, APPROVING_CARD, "2")
    assert response.status_code == 303
    assert response.headers["location"] == "https://partner.example/paid?order=7"
    assert state(sim, bill_id) == "F"
    receipt = page(http, bill_id).text
    assert "결제가 완료되었습니다" in receipt
    assert '<a href="https://partner.example/paid?order=7" id="onward">가맹점 페이지로 이동</a>' in receipt
    assert "http-equiv" not in receipt  # the receipt, opened again later, stays put


def test_a_v2_bill_without_page_redirect_url_goes_to_its_receipt(http: httpx.Client) -> None:
    bill_id = send_v2(http)
    response = submit(http, bill_id)
    assert response.headers["location"] == f"/_sim/b/{bill_id}"
    assert 'id="onward"' not in page(http, bill_id).text


@pytest.mark.parametrize(
    ("url", "followed"),
    [
        ("https://partner.example/done", True),
        ("http://127.0.0.1:8000/done?x=1", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://partner.example/a b", False),
        ("https://partner.example/\r\nSet-Cookie: x", False),
        ("https://파트너.example/", False),
        ("https:///no-host", False),
        (None, False),
    ],
)
def test_only_an_http_url_with_a_host_is_followed(url: str | None, followed: bool) -> None:
    assert redirect_target({"page_redirect_url": url}) == (url if followed else None)
