"""The bill page at the short URL: what the customer sees on a phone, in Korean, and the card form that pays it.

GET shows the bill and never changes anything: its pay form while it can be paid, its receipt once paid, its state
(cancelled, destroyed, expired) otherwise. The form POSTs, form-encoded, to the page's own URL; that POST is the one
control request that is not JSON, so it is held to two checks of its own before anything is paid: its Origin (or,
without one, its Referer) names the host the page was served from, and its CSRF token is an HMAC of the bill id
under a secret each simulator draws at random (compared with hmac.compare_digest). Paying goes through the same
Simulator.pay as POST /_sim/bills/{id}/pay. Everything a partner sent (product name, message, issuer) is escaped.
Plain HTML with inline CSS: no script, nothing loaded from elsewhere, fit for a 360-px-wide screen.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from . import cards
from .cards import APPROVING_CARD, DECLINING_CARD, INSTALLMENT_MIN_PRICE, MAX_INSTALLMENT_MONTHS, installment_options
from .contract import BodyError
from .ledger import PAGE_PATH, STATE_NAMES, TIMESTAMP, NotPayableError, UnknownBillError
from .messages import HTML_TYPE, Request, Response

FORM_TYPE = "application/x-www-form-urlencoded"
DEFAULT_ISSUER = "테스트 가맹점"
"""Who the page says the bill is from when the send named no bill_issuer: the vendor shows the business name, which
the simulator does not know."""
CARD_FIELD = "card"
MONTHS_FIELD = "installment_months"
TOKEN_FIELD = "csrf_token"  # noqa: S105 (a form field's name, not a secret)
MAX_FIELDS = 8
MAX_CARD_TEXT = 40
HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
"""Every page: no script, no frame around the pay form, the Referer sent to this origin only."""

STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f2f4f6;color:#191f28;font:16px/1.5 system-ui,-apple-system,"Apple SD Gothic Neo",
"Noto Sans KR","Malgun Gothic","NanumGothic",sans-serif;overflow-wrap:anywhere;word-break:keep-all}
main{max-width:30rem;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:16px;padding:20px;margin-bottom:12px}
.issuer{margin:0;color:#4e5968;font-size:15px}
h1{margin:4px 0 0;font-size:20px;line-height:1.35}
h2{margin:0 0 12px;font-size:18px}
.amount{margin:12px 0 0;font-size:28px;font-weight:700}
.message{margin:12px 0 0;padding:12px;background:#f9fafb;border-radius:8px;white-space:pre-line}
dl{margin:12px 0 0}
dl div{display:flex;justify-content:space-between;gap:12px;padding:6px 0;border-top:1px solid #f2f4f6}
dt{color:#4e5968;flex:none}
dd{margin:0;text-align:right;font-weight:600}
label{display:block;margin:16px 0 6px;font-weight:600}
input,select{display:block;width:100%;max-width:100%;min-height:48px;padding:10px 12px;font:inherit;
border:1px solid #d1d6db;border-radius:8px;background:#fff;color:inherit}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#e42939}
.hint{margin:6px 0 0;color:#4e5968;font-size:14px}
code{font-family:ui-monospace,monospace;font-size:14px;white-space:nowrap}
button{display:block;width:100%;min-height:52px;margin-top:24px;border:0;border-radius:12px;background:#3182f6;
color:#fff;font:inherit;font-size:17px;font-weight:700}
.error{margin:0 0 4px;padding:12px;border-radius:8px;background:#ffeeee;color:#c0142a;font-weight:600}
.notice h2{color:#4e5968}
.done h2{color:#1b64da}
.badge{margin:0 0 12px;color:#8b95a1;font-size:13px;text-align:center}
.nowrap{white-space:nowrap}
footer{max-width:30rem;margin:0 auto;padding:0 16px 24px;color:#8b95a1;font-size:13px}
footer p{margin:4px 0}
"""

STATE_NOTICES = {
    "cancelled": ("결제가 취소되었습니다", "이 청구서의 결제는 취소되었습니다. 다시 결제할 수 없습니다."),
    "destroyed": ("파기된 청구서입니다", "청구한 곳에서 이 청구서를 파기했습니다. 결제할 수 없습니다."),
    "expired": ("납부 기한이 지났습니다", "납부 기한이 지나 결제할 수 없습니다. 청구한 곳에 문의해 주세요."),
}
"""The page of a bill that cannot be paid (Simulator.payable's reason): its heading and one line."""
DECLINING_REASON = cards.DECLINES[cards.card_digits(DECLINING_CARD)][0]
"""Why the documented declining card is declined, as the hint under the card field says (한도 초과)."""
NO_CARD = "카드 번호: 입력해 주세요."
BAD_CARD = f"카드 번호: {cards.CARD_DIGITS.start}~{cards.CARD_DIGITS.stop - 1}자리 숫자로 입력해 주세요."
BAD_MONTHS = "할부: 목록에서 골라 주세요."
MONTHS_NEED_PRICE = f"할부: {INSTALLMENT_MIN_PRICE:,}원 이상 결제부터 할부를 고를 수 있습니다. 일시불을 골라 주세요."
MONTHS_OFFERED = f"할부: 일시불 또는 2~{MAX_INSTALLMENT_MONTHS}개월 중에서 골라 주세요."
FORM_REASONS = ("declined", "installments", "card")
"""Refusals for what the customer entered: the form is shown again with the error, at the refusal's HTTP status
(402 for a declined card, 400 for a field to fix); any other refusal shows the bill's state (409)."""


@dataclass(frozen=True, slots=True)
class Entered:
    """What the customer entered, shown again in the form with the error when the payment was refused."""

    card: str = ""
    months: int = 0
    error: str | None = None
    field: str | None = None
    """The field the error is about (marked aria-invalid)."""


class Payer(Protocol):
    """What the page needs from the simulator: the bill's view, whether it can be paid now, and paying it."""

    def bill(self, bill_id: str) -> dict[str, object] | None: ...

    def payable(self, bill_id: str) -> str | None: ...

    def pay(self, bill_id: str, *, card: str | None = None, installment_months: int = 0) -> dict[str, object]: ...


def csrf_token(secret: bytes, bill_id: str) -> str:
    """The token a bill's pay form carries: HMAC-SHA256 of the bill id under the simulator's secret."""
    return hmac.new(secret, b"bill-page\0" + bill_id.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, bill_id: str, token: str | None) -> bool:
    """Whether the token is this bill's, compared in constant time."""
    if token is None:
        return False
    return hmac.compare_digest(token.encode("utf-8"), csrf_token(secret, bill_id).encode("utf-8"))


def is_form(content_type: str | None) -> bool:
    """application/x-www-form-urlencoded, in UTF-8 if a charset is named: what the pay form sends."""
    media_type, *params = (content_type or "").lower().split(";")
    charsets = [param.strip().removeprefix("charset=").strip('"') for param in params if "charset=" in param]
    return media_type.strip() == FORM_TYPE and all(charset in ("utf-8", "utf8") for charset in charsets)


def _origin(url: str) -> tuple[str, str, int] | None:
    """scheme, lower-cased host and port of an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def same_origin(request: Request) -> bool:
    """The POST came from a page of this host: its Origin, or without one its Referer, names the host it was sent
    to. Neither header (a client that is no browser): left to the CSRF token. Origin "null" is never this host."""
    scheme = urlsplit(request.site).scheme or "http"
    host = request.headers.get("host", "")
    expected = _origin(f"{scheme}://{host}")
    claimed = request.headers.get("origin")
    if claimed is None:
        claimed = request.headers.get("referer")
        if claimed is None:
            return True
    return expected is not None and _origin(claimed) == expected


def form_fields(body: bytes) -> dict[str, str]:
    """The form's fields, each given once; anything else (not UTF-8, too many, repeated) as no fields at all."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    if any(len(values) != 1 for values in parsed.values()):
        return {}
    return {name: values[0] for name, values in parsed.items()}


def won(price: object) -> str:
    """An amount as the customer reads it: 35,000원."""
    text = str(price)
    return f"{int(text):,}원" if text.isascii() and text.isdigit() else f"{_e(text)}원"


def due_text(expire_dt: object) -> str | None:
    """The due date as the customer reads it (2026년 12월 31일까지), or None for a bill with none."""
    if not isinstance(expire_dt, str):
        return None
    try:
        day = date.fromisoformat(expire_dt)
    except ValueError:
        return None
    return f"{day.year}년 {day.month}월 {day.day}일까지"


def stamp_text(stamp: object) -> str:
    """A vendor timestamp (YYYYMMDDHHMMSS, KST) as the customer reads it: 2026년 12월 1일 14:03."""
    try:
        when = datetime.strptime(str(stamp), TIMESTAMP)
    except ValueError:
        return str(stamp)
    return f"{when.year}년 {when.month}월 {when.day}일 {when:%H:%M}"


def months_text(monthly: object) -> str:
    """Installments as the customer reads them: 일시불, or 3개월."""
    text = str(monthly)
    months = int(text) if text.isdigit() else 0
    return f"{months}개월" if months >= 2 else "일시불"


def redirect_target(view: Mapping[str, object]) -> str | None:
    """Where a v2 bill's payer goes after paying: its pageRedirectUrl when that is an http(s) URL of printable
    ASCII with a host, else None (a javascript:, data: or malformed URL is never followed)."""
    url = view.get("page_redirect_url")
    if not isinstance(url, str) or not url.isascii() or not url.isprintable() or " " in url:
        return None
    return url if _origin(url) is not None else None


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _row(label: str, value: str, ident: str) -> str:
    return f'<div><dt>{label}</dt><dd id="{ident}">{value}</dd></div>'


def _document(title: str, content: str, state: str | None, expired: bool = False) -> str:
    """The whole page around its content (title already escaped): Korean, phone-sized, the simulator named in the
    footer with the bill's state, if there is a bill."""
    if state is None:
        shown = ""
    else:
        name = f"{STATE_NAMES.get(state, 'unknown')}{', expired' if expired else ''}"
        shown = f'<p>청구서 상태: <strong id="state">{_e(state)}</strong> ({name})</p>\n'
    return (
        '<!doctype html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{title} · 결제선생 시뮬레이터</title>\n<style>{STYLE}</style>\n</head>\n"
        f'<body data-state="{_e(state or "")}">\n<main>\n<p class="badge">로컬 시뮬레이터 · 테스트 화면</p>\n{content}'
        "</main>\n<footer>\n"
        "<p>PaySsam(결제선생) 로컬 시뮬레이터의 테스트 화면입니다. 실제 결제선생 서비스가 아니며, "
        f"실제로 돈이 오가지 않습니다.</p>\n{shown}</footer>\n</body>\n</html>\n"
    )


def _summary(view: Mapping[str, object]) -> str:
    """Who asks for how much for what, the message and the due date: the top of every state's page."""
    issuer = view.get("bill_issuer") or DEFAULT_ISSUER
    rows = [_row("청구기관", _e(issuer), "issuer-row")]
    due = due_text(view.get("expire_dt"))
    if due is not None:
        rows.append(_row("납부 기한", due, "due"))
    message = view.get("message")
    note = f'<p class="message" id="message">{_e(message)}</p>\n' if message else ""
    return (
        '<section class="card" id="bill">\n'
        f'<p class="issuer" id="issuer">{_e(issuer)}</p>\n'
        f'<h1 id="product">{_e(view.get("product_nm", ""))}</h1>\n'
        f'<p class="amount" id="amount">{won(view.get("price", ""))}</p>\n'
        f"{note}<dl>{''.join(rows)}</dl>\n</section>\n"
    )


def form_html(bill_id: str, view: Mapping[str, object], token: str, entered: Entered = Entered()) -> str:
    """The pay form: card number (with the test cards named), installments, 결제하기; an error above it, if any."""
    price = str(view.get("price", "0"))
    options = installment_options(int(price)) if price.isdigit() else (0,)
    choices = "".join(
        f'<option value="{n}"{" selected" if n == entered.months else ""}>{"일시불" if n == 0 else f"{n}개월"}</option>'
        for n in options
    )
    if len(options) == 1:
        months_hint = f"할부는 {won(INSTALLMENT_MIN_PRICE)} 이상 결제부터 고를 수 있습니다."
    else:
        months_hint = f"일시불 또는 2~{MAX_INSTALLMENT_MONTHS}개월 할부를 고를 수 있습니다."
    alert = f'<p class="error" role="alert" id="error">{_e(entered.error)}</p>\n' if entered.error else ""
    card_invalid = ' aria-invalid="true"' if entered.field == CARD_FIELD else ""
    months_invalid = ' aria-invalid="true"' if entered.field == MONTHS_FIELD else ""
    return (
        '<section class="card" id="pay">\n<h2>카드로 결제</h2>\n'
        f'<form method="post" action="{PAGE_PATH}{_e(bill_id)}" accept-charset="utf-8">\n{alert}'
        f'<input type="hidden" name="{TOKEN_FIELD}" value="{_e(token)}">\n'
        f'<label for="card">카드 번호</label>\n'
        f'<input id="card" name="{CARD_FIELD}" type="text" inputmode="numeric" autocomplete="cc-number" '
        f'maxlength="{MAX_CARD_TEXT}" placeholder="0000-0000-0000-0000" value="{_e(entered.card)}" required '
        f'aria-describedby="card-hint"{card_invalid}>\n'
        f'<p class="hint" id="card-hint">테스트 카드: 승인 <code>{APPROVING_CARD}</code>, '
        f"거절({DECLINING_REASON}) <code>{DECLINING_CARD}</code></p>\n"
        f'<label for="installment">할부</label>\n'
        f'<select id="installment" name="{MONTHS_FIELD}" aria-describedby="installment-hint"{months_invalid}>'
        f"{choices}</select>\n"
        f'<p class="hint" id="installment-hint">{months_hint}</p>\n'
        '<button type="submit" id="submit">결제하기</button>\n</form>\n</section>\n'
    )


def receipt_html(view: Mapping[str, object]) -> str:
    """A paid bill's receipt: approval number, means, installments, amount, time; the partner's page if any."""
    if view.get("appr_pay_type") == "OFFLINE_CASH":
        method, months = "현금", []
    else:
        issuer, number = _e(view.get("appr_issuer") or "카드"), view.get("appr_issuer_num")
        method = f'{issuer} <span class="nowrap">{_e(number)}</span>' if number else issuer
        months = [_row("할부", months_text(view.get("appr_monthly", "00")), "installment-months")]
    rows = [
        _row("승인번호", _e(view.get("appr_num", "")), "approval-number"),
        _row("결제수단", method, "pay-method"),
        *months,
        _row("결제금액", won(view.get("appr_price", view.get("price", ""))), "paid-amount"),
        _row("결제일시", _e(stamp_text(view.get("appr_dt", ""))), "paid-at"),
    ]
    target = redirect_target(view)
    onward = f'<p class="hint"><a href="{_e(target)}" id="onward">가맹점 페이지로 이동</a></p>\n' if target else ""
    return (
        '<section class="card done" id="receipt">\n<h2>결제가 완료되었습니다</h2>\n'
        f"<dl>{''.join(rows)}</dl>\n{onward}</section>\n"
    )


def notice_html(reason: str, view: Mapping[str, object]) -> str:
    """A bill that cannot be paid: its state in one heading and one line; a cancel's numbers when cancelled."""
    heading, line = STATE_NOTICES.get(reason, ("결제할 수 없는 청구서입니다", "청구한 곳에 문의해 주세요."))
    rows = ""
    if reason == "cancelled":
        rows = (
            "<dl>"
            + _row("취소 승인번호", _e(view.get("appr_num", "")), "cancel-number")
            + _row("원 승인번호", _e(view.get("appr_origin_num", "")), "origin-number")
            + _row("취소일시", _e(stamp_text(view.get("appr_dt", ""))), "cancelled-at")
            + "</dl>\n"
        )
    return f'<section class="card notice" id="notice">\n<h2>{heading}</h2>\n<p>{line}</p>\n{rows}</section>\n'


def refusal(reason: str, card: str, price: int, months: int) -> str:
    """What the form says above itself when the payment was refused for what the customer entered (a
    NotPayableError reason of FORM_REASONS), naming the field."""
    if reason == "declined":
        declined = cards.decline(cards.card_digits(card))
        why = "" if declined is None else f" ({declined[0]})"
        return f"카드 승인이 거절되었습니다{why}. 다른 카드로 결제해 주세요."
    if reason == "installments":
        return MONTHS_NEED_PRICE if price < INSTALLMENT_MIN_PRICE and months else MONTHS_OFFERED
    return BAD_CARD


def not_found() -> Response:
    """404: no such bill, in Korean."""
    content = (
        '<section class="card notice" id="notice">\n<h2>청구서를 찾을 수 없습니다</h2>\n'
        "<p>주소를 다시 확인하거나 청구한 곳에 문의해 주세요.</p>\n</section>\n"
    )
    return _response(404, _document("청구서를 찾을 수 없습니다", content, None))


def refused(message: str) -> Response:
    """403: a POST that did not come from this bill's own page; nothing was paid."""
    content = (
        '<section class="card notice" id="notice">\n<h2>요청을 확인할 수 없습니다</h2>\n'
        f'<p class="error" role="alert" id="error">{_e(message)}</p>\n'
        "<p>청구서 화면을 새로 열어 다시 결제해 주세요. 결제되지 않았습니다.</p>\n</section>\n"
    )
    return _response(403, _document("요청을 확인할 수 없습니다", content, None))


def _response(status: int, page: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, page.encode("utf-8"), HTML_TYPE, HEADERS + headers)


class BillPage:
    """The short URL's page over a payer (the Simulator): GET shows the bill, POST pays it from the form."""

    def __init__(self, payer: Payer, secret: bytes | None = None) -> None:
        self._payer = payer
        self._secret = secrets.token_bytes(32) if secret is None else secret

    def token(self, bill_id: str) -> str:
        """The CSRF token of the bill's form."""
        return csrf_token(self._secret, bill_id)

    def handle(self, request: Request, bill_id: str) -> Response:
        """GET or HEAD: the page; POST: the form's payment (303 on to the receipt, or to a v2 pageRedirectUrl)."""
        if request.method == "POST":
            return self._submit(request, bill_id)
        view = self._payer.bill(bill_id)
        if view is None:
            return not_found()
        return self._page(bill_id, view, 200)

    def _page(self, bill_id: str, view: Mapping[str, object], status: int, entered: Entered = Entered()) -> Response:
        """The page for the bill's state now: the form (with what was entered and the error, if any), the receipt,
        or the state's notice."""
        reason = self._payer.payable(bill_id)
        if reason is None:
            body = form_html(bill_id, view, self.token(bill_id), entered)
        elif reason == "paid":
            body = receipt_html(view)
        else:
            body = notice_html(reason, view)
        title = f"{_e(view.get('product_nm', ''))} {won(view.get('price', ''))}"
        state, expired = str(view.get("state", "")), view.get("expired") is True
        return _response(status, _document(title, _summary(view) + body, state, expired))

    def _submit(self, request: Request, bill_id: str) -> Response:
        """Check where the POST came from and its token, then pay with the card and installments entered."""
        view = self._payer.bill(bill_id)
        if view is None:
            return not_found()
        if not same_origin(request):
            return refused("다른 사이트에서 보낸 결제 요청은 받지 않습니다.")
        fields = form_fields(request.body)
        if not csrf_valid(self._secret, bill_id, fields.get(TOKEN_FIELD)):
            return refused("이 청구서 화면에서 보낸 요청이 아닙니다 (보안 토큰이 없거나 맞지 않습니다).")
        card = fields.get(CARD_FIELD, "").strip()[:MAX_CARD_TEXT]
        months = _months(fields.get(MONTHS_FIELD, "0"))
        if months is None:
            return self._page(bill_id, view, 400, Entered(card, 0, BAD_MONTHS, MONTHS_FIELD))
        if not card:
            return self._page(bill_id, view, 400, Entered(card, months, NO_CARD, CARD_FIELD))
        try:
            self._payer.pay(bill_id, card=card, installment_months=months)
        except UnknownBillError:
            return not_found()
        except BodyError as exc:  # months no card allows, refused before the bill is looked at
            reason, status = ("card" if exc.field == CARD_FIELD else "installments"), 400
        except NotPayableError as exc:
            reason, status = exc.reason, exc.status
        else:
            location = redirect_target(self._payer.bill(bill_id) or view) or f"{PAGE_PATH}{bill_id}"
            content = f'<p><a href="{_e(location)}">다음 화면으로 이동</a></p>\n'
            return _response(303, _document("결제가 완료되었습니다", content, "F"), (("Location", location),))
        view = self._payer.bill(bill_id) or view
        if reason not in FORM_REASONS:
            return self._page(bill_id, view, status)
        error = refusal(reason, card, int(str(view.get("price", "0"))), months)
        field = MONTHS_FIELD if reason == "installments" else CARD_FIELD
        return self._page(bill_id, view, status, Entered(card, months, error, field))


def _months(text: str) -> int | None:
    """The installment field as a number of months (0 for 일시불), or None when it is no small number."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 2 else None
