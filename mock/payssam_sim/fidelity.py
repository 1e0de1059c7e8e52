"""What public integrations send where the vendor's docs are silent, and the simulator's answer to it.

The open points, each accepted by default with a warning naming it, refused under strict (HTTP 400):

- an empty optional text (`"message": ""`): taken as absent;
- `null` for an unset optional field: taken as absent;
- a JSON number where the contract has a digit string (`"price": 10000`, which a Spring/Jackson
  service would coerce): taken as its digits. Only a field whose pattern is digits only (price), only
  an integer (never a boolean or a fraction), and only when its digits match the pattern as they are:
  a number that would need a leading zero (a phone 01012345678 sent as 1012345678) is refused in both
  modes, saying so, since its digits are already lost;
- a hyphen in `bill_id` (`TM-…`, `1234567890-…`): the docs say letters and digits, yet two
  independent live integrations send hyphenated ids and one's history records paid callbacks for
  them. Taken as is, in every operation and in the control routes' paths.

The docs neither allow nor forbid them. By default the simulator accepts them as the vendor most
likely does, and says so in a warning naming the field and the open point; in strict mode it holds
the body to the contract as written. The same four hold for v2 bodies (`billId` for `bill_id`).

API v2 is known only from partial vendor pages and six public integrations (the v2 contract's
x-provenance names them). Where the simulator had to decide what the vendor leaves open,
V2_OPEN_POINTS below says what it does; each is a guess to revisit when the vendor says otherwise:

- codes nobody has seen: a duplicate billId (BILL_001), a bill in a state the operation cannot act
  on beyond a resend (BILL_006), a price that is not the bill's or a past expireDt (VALIDATION_001),
  wrong member or merchant (PARTNER_003 like a wrong apiKey);
- points: whether a URL send costs any (0 by default, `--url-send-points`), which balance a send
  is charged to (the sub-merchant's by default, `--points-from`);
- the approval callback over v2: camelCase by default, v1's snake_case as a setting; any
  `{"code":"0000",...}` acknowledges it by default, v1's exact body under strict;
- a TALK send with no phone (HTTP 400: the KakaoTalk has nowhere to go), a URL send with none (a
  two-part hash), a resend of a bill sent with no phone (BILL_006);
- a `bill` member in a sub-merchant balance request: a format error in both modes (C measured it).

The payer's page at the short URL (page.py) is not documented at all; PAGE_OPEN_POINTS says what it does.

Time, expiry, paying and the callback schedule, in both versions, are only sketched by the docs ("valid until
that midnight", "every hour for 24 h"); TIME_OPEN_POINTS says what the simulator does.

The request journal, readiness and reset are the simulator's own (the vendor has none); JOURNAL_OPEN_POINTS says
what they keep and forget.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from .contract import V1, RequestRules, compile_rules, number_text, request_rules

OPEN_POINT = "the vendor's docs do not say whether PaySsam accepts this (open point; --strict refuses it)"
BILL_ID_PATTERN = "^[A-Za-z0-9]+$"
"""The contract's bill id: letters and digits."""
HYPHENATED_BILL_ID_PATTERN = "^[A-Za-z0-9-]+$"
"""What the default mode accepts for it: letters, digits and hyphens (same length limit)."""
BILL_ID_NAMES = ("bill_id", "billId")
"""The bill id's name in v1 and in v2."""

V2_OPEN_POINTS: dict[str, str] = {
    "duplicate billId": "BILL_001 (v1 9800; no v2 code seen)",
    "cancel, destroy or resend of a bill in the wrong state": (
        "BILL_006 for all (C's comment names it for a bill 'not in a sendable state'; v1 tells them apart: "
        "9970, 9971, 9999)"
    ),
    "price not the bill's (cancel, destroy)": "VALIDATION_001 (seen in C's fixtures, meaning unknown; v1 9999)",
    "expireDt already past": "VALIDATION_001 (as a price mismatch; v1 9999)",
    "wrong member or merchant": "PARTNER_003, as a wrong apiKey (the vendor may answer 004 or 005)",
    "a key not enabled for v2 with wrong credentials": "PARTNER_003: credentials are checked before v2 access",
    "points over v1": "none: a v1 send or resend is never charged (v1's points are out of scope)",
    "points for a URL send": "0 by default (F: 'URL=링크만 반환(포인트 X)'); --url-send-points N",
    "which balance a send is charged to": "the sub-merchant's by default (C reads it); --points-from partner",
    "approval callback casing": "camelCase by default (A, F); v1's snake_case by setting (E)",
    "approval acknowledgement": 'any JSON object with "code":"0000" (A, F); v1\'s exact body under --strict (D, E)',
    "approval retries": "as v1: hourly for 24 hours",
    "TALK send with no phone": "HTTP 400 naming bill.phone (the KakaoTalk has nowhere to go)",
    "URL send with no phone": "accepted; its hash has two parts, billId and price",
    "resend of a bill sent with no phone": "BILL_006 (nothing to send the KakaoTalk to)",
    "a bill member in a sub-merchant balance request": "HTTP 400 in both modes (C measured a format error)",
    "answer echoes": "send answers shortUrl and billId only (A saw apiKey, member, merchant and hash echoed too)",
}
"""What the simulator does where API v2's evidence is open: the case, and the decision with its basis."""

PAGE_OPEN_POINTS: dict[str, str] = {
    "the payer's page": "the simulator's own (page.py), in Korean; the vendor's page is not documented",
    "who the page says the bill is from": "bill_issuer as sent; without one 테스트 가맹점 (the vendor shows the "
    "business name, which the simulator does not know)",
    "the due date of a bill with no expire_dt": "not shown",
    "after paying, a v2 bill with a pageRedirectUrl": "HTTP 303 straight to it, nothing appended (http and https "
    "only); otherwise 303 to the receipt at the short URL",
    "a declined card on the page": "HTTP 402, the form again with the reason (한도 초과)",
    "a card number or installments to fix on the page": "HTTP 400, the form again with a Korean message naming the "
    "field",
    "installments offered": "only those cards.installment_options allows for the amount (TIME_OPEN_POINTS)",
}
"""What the bill page at the short URL does where the vendor's evidence is silent: the case, and the decision."""

TIME_OPEN_POINTS: dict[str, str] = {
    "the simulated clock": "runs with real time from the start (or --clock START) and only moves forward; "
    "advance and set make the callback retries they pass, in order, before they return, the clock standing still "
    "at each one's instant while it is made",
    "a set time without an offset": "refused (it could mean any zone); KST is +09:00",
    "when an expire_dt ends": "at the end of that day in Korea (valid until that midnight, KST): paying is refused "
    "from 00:00 KST the next day (HTTP 409, reason expired)",
    "a bill with no expire_dt": "never expires",
    "what a read answers for an expired unpaid bill": "W, still unpaid, by default; --expired-read D reads it, "
    "destroys and resends it as destroyed. The bill view shows expired: true either way",
    "destroy or resend of an expired unpaid bill": "as for any unpaid bill (with --expired-read D: as destroyed)",
    "the callback schedule": "the first attempt at payment, then a retry an hour after each unacknowledged "
    "attempt, 24 retries, then given up: 25 attempts in all within 25 hours; a redelivery does not count toward "
    "the 24",
    "a declined card": "HTTP 402 with the reason; nothing changes and nothing is pushed (PaySsam pushes no failures)",
    "installments": "0 (일시불) or 2 to 12 months, months only from 50,000 won (the Korean card rule); otherwise "
    "HTTP 400 and nothing changes",
    "a card number other than the test cards": "approved if it has 14 to 16 digits (no Luhn check)",
    "delivery out_of_order": "the approval is held until the next payment's first attempt, then sent right after "
    "it (several held, newest first); an approval arriving after its own bill's cancel is delivery delay, a "
    "cancel, then the clock moved",
    "delivery duplicate": "sent twice at once, whatever the first answer; retries follow only if neither was "
    "acknowledged",
    "delivery delay": "the first attempt 10 minutes of simulated time later unless delivery_delay says otherwise",
    "a redelivery": "one extra attempt outside the schedule: it never starts, stops, delays or replaces a scheduled "
    "attempt (a retry, a delayed or held first attempt) and is not one of the 24 retries; acknowledged, it ends the "
    "schedule as any acknowledgement does (nothing pending or held is sent after it); not acknowledged, its error "
    "is the last_error and `acknowledged` keeps what earlier attempts earned",
    "a receiver slower than callback_timeout": "every attempt is cut off at callback_timeout (10 s), an in-process "
    "sync receiver's too (it runs in a daemon thread of its own, left to finish on its own): timed out and retried, "
    "whatever it answers later",
    "a receiver moving the clock": "allowed from the attempt a payment or a redelivery makes; refused (HTTP 409) "
    "from one a move of the clock or the retry worker makes, which would wait on itself",
    "a reset while a payment or a redelivery waits on its receiver": "HTTP 409 (the simulator was reset while this "
    "bill was being paid / this approval was being delivered; NotPayableError or NotPaidError, reason reset); no "
    "retry follows, though the receiver may have had the approval",
}
"""What the simulator does with time, expiry, cards and callback delivery where the vendor's docs say too little."""

JOURNAL_OPEN_POINTS: dict[str, str] = {
    "what is journaled": "every vendor call (both versions, refused bodies included), any request outside /_sim/, "
    "and every POST under /_sim/ but a reset; a GET or HEAD under /_sim/ only looks and is never journaled; the "
    "Python twins (sim.pay(), sim.inject_fault(), ...) are calls, not requests, and are not journaled either",
    "a control route's body": "not kept (the bill page's form carries a card number): its name, bill id and status",
    "masking": "done as the request is answered, from the parsed body, so nothing raw is kept: an apikey (any "
    'spelling) "***", a phone 010****5678, a customer\'s name 홍**, a hash over a phone "***" (a hash over no '
    "phone is kept); any text that looks like a Korean mobile number (01x and 7 or 8 digits, or +82, ASCII or "
    "full-width, a hyphen, dot or space between groups) is masked wherever it stands, under any name or inside a "
    "text; a body that is not a JSON object is not kept",
    "a body the contract allows but is huge": "cut to 2,048 characters a string, 8,192 characters, 128 values and 8 "
    "levels a body; an integer over 64 bits cut whole",
    "the bound": "the newest 1,000 entries (journal_limit, --journal-limit, 0 to 100,000; 0 keeps none); the "
    "oldest dropped and counted until the next reset",
    "entry numbers and times": "numbers count from the simulator's start, across resets; times are the simulated "
    "clock's, to the millisecond",
    "reset": "bills, deliveries, pending faults, the journal, the point balances and the clock, in one call; the "
    "reset itself is not journaled, nor a request that began before it and ended after it",
    "health": "GET /_sim/health keeps the loopback Host guard of every control route (it changes nothing, but "
    "exempting it buys nothing on a loopback-only server)",
}
"""What the request journal, /_sim/health and /_sim/reset do, where the issue leaves it to the simulator."""


def _widen(node: Any) -> Any:
    """The schema with every bill id pattern widened to allow hyphens (a copy; the contract is not touched)."""
    if isinstance(node, list):
        return [_widen(item) for item in node]
    if not isinstance(node, dict):
        return node
    widened = {key: _widen(value) for key, value in node.items()}
    properties = widened.get("properties")
    for name in BILL_ID_NAMES:
        bill_id = properties.get(name) if isinstance(properties, dict) else None
        if isinstance(bill_id, dict) and bill_id.get("pattern") == BILL_ID_PATTERN:
            bill_id["pattern"] = HYPHENATED_BILL_ID_PATTERN
    return widened


@cache
def lenient_rules(api: str = V1) -> Mapping[str, RequestRules]:
    """The request rules of the default mode, by operation: the contract's, with a hyphen allowed in the bill id."""
    rules: dict[str, RequestRules] = {}
    for operation, strict in request_rules(api).items():
        rules[operation] = compile_rules(_widen(strict.schema), api)
    return rules


def relax(schema: Mapping[str, Any], body: dict[str, Any], prefix: str = "") -> list[str]:
    """Rewrite the body in place into what the contract means by it; one warning per open point met.

    Any JSON may come in: only members the schema names are looked at, and only objects recursed into.
    """
    warnings: list[str] = []
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = schema.get("required", ())
    for name, value in list(body.items()):
        if isinstance(value, str) and value and "-" not in value:
            continue  # no open point concerns text that is neither empty nor hyphenated (most members)
        rule = properties.get(name)
        if not isinstance(rule, Mapping):
            continue
        field = prefix + name
        digits = number_text(rule, value)
        if rule.get("type") == "object" and isinstance(value, dict):
            warnings += relax(rule, value, field + ".")
        elif value is None and name not in required:
            del body[name]
            warnings.append(f"{field}: null for an optional field, taken as absent; {OPEN_POINT}")
        elif value == "" and name not in required and rule.get("type") == "string":
            del body[name]
            warnings.append(f"{field}: empty text for an optional field, taken as absent; {OPEN_POINT}")
        elif digits is not None:
            body[name] = digits
            warnings.append(
                f"{field}: a JSON number where the contract has a digit string, taken as its digits; {OPEN_POINT}"
            )
        elif rule.get("pattern") == HYPHENATED_BILL_ID_PATTERN and isinstance(value, str) and "-" in value:
            warnings.append(
                f"{field}: a hyphen, where the contract has letters and digits only, taken as is; {OPEN_POINT}"
            )
    return warnings
