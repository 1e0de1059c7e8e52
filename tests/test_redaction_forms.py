"""Redaction of the forms an echoed apikey and a Korean mobile number take in logs, excerpts and messages.

The apikey comes back case-changed, %-encoded and JSON-escaped, a character at a time; phone numbers come
with country codes, brackets, full-width digits and every kind of hyphen and space. Digits that are not a
phone number (a bill id, an approval number, a date, an amount) stay as they are.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import payssam
from payssam import redaction
from payssam.redaction import MASK, excerpt, redact, redact_phones

from kit import Handler, offline_client, raw

KEY = "SECRET-KEY-0123456789abcdefXYZ"
ODD_KEY = 'pay ssam/키"Straße\\é😀'
"""A key with a space, a slash, a quote, a backslash, Hangul, ß (SS in upper case), é and a character beyond the BMP."""
BILL_ID = "BILL0001"

# --------------------------------------------------------------------------- spelling a secret


def percent(text: str, upper: bool = True) -> str:
    """Every character %-encoded, as its UTF-8 bytes."""
    return "".join(f"%{byte:02X}" if upper else f"%{byte:02x}" for byte in text.encode())


def u_escaped(text: str, upper: bool = False, backslash: str = "\\") -> str:
    """Every character \\uXXXX-escaped, as JSON does beyond ASCII (a surrogate pair beyond the BMP)."""
    units = text.encode("utf-16-be")
    codes = [int.from_bytes(units[i : i + 2], "big") for i in range(0, len(units), 2)]
    return "".join(backslash + (f"u{code:04X}" if upper else f"u{code:04x}") for code in codes)


def js_escaped(text: str) -> str:
    """JavaScript's escape(): %XX for ASCII, %uXXXX beyond."""
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x80 else u_escaped(c, upper=True, backslash="%") for c in text)


def short_escaped(char: str) -> str:
    """JSON's two-character escape where there is one (\\/ too), else the character."""
    return {'"': '\\"', "\\": "\\\\", "/": "\\/"}.get(char, char)


def plus_space(char: str) -> str:
    """A space as a form encodes it, +; anything else as is."""
    return "+" if char == " " else char


def mixed(text: str, *spellers: Callable[[str], str]) -> str:
    """Each character spelled by the next of spellers, round and round."""
    return "".join(spellers[i % len(spellers)](char) for i, char in enumerate(text))


def same(char: str) -> str:
    """The character as is."""
    return char


SPELLERS: list[Callable[[str], str]] = [
    same,
    percent,
    lambda c: percent(c, upper=False),
    u_escaped,
    lambda c: u_escaped(c, upper=True),
    lambda c: u_escaped(c, backslash="\\\\"),  # JSON inside JSON
    lambda c: u_escaped(c, backslash="%5C"),  # JSON inside a URL
    js_escaped,
    short_escaped,
    plus_space,
]
"""Ways to spell one character of an echoed secret."""

_ESCAPE = re.compile(r'\\u([0-9a-fA-F]{4})|%u([0-9a-fA-F]{4})|\\(["\\/bfnrt])')
_SHORT = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(match: re.Match[str]) -> str:
    """The character a \\uXXXX, %uXXXX or short JSON escape stands for."""
    code = match[1] or match[2]
    return chr(int(code, 16)) if code else _SHORT.get(match[3], match[3])


def readings(text: str) -> list[str]:
    """The text as is and as a reader could decode it: %-escapes (+ as + and as a space) and JSON escapes undone,
    nested ones too, surrogate pairs joined."""
    found = [text]
    for decode in (unquote, unquote_plus):
        shown = text
        for _ in range(4):
            shown = _ESCAPE.sub(_unescape, decode(shown))
        found.append(shown.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    return found


def shows(text: str, secret: str) -> bool:
    """Whether a reading of text holds the secret lowercased, casefolded or uppercased (dotless i is I uppercased)."""
    return any(
        case(secret) in case(reading) for reading in readings(text) for case in (str.lower, str.casefold, str.upper)
    )


def assert_no_secret(shown: str, secret: str) -> None:
    """No reading of shown holds the secret in any case."""
    assert not shows(shown, secret), (shown, readings(shown))


def echo_forms(secret: str) -> list[tuple[str, str]]:
    """Named spellings of the secret an answer may echo, each once (quote() and json.dumps() leave KEY as is)."""
    per_char_case = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(secret))
    forms = [
        ("exact", secret),
        ("upper", secret.upper()),
        ("lower", secret.lower()),
        ("swapcase", secret.swapcase()),
        ("title", secret.title()),
        ("casefold", secret.casefold()),
        ("alternating-case", per_char_case),
        ("percent-upper-hex", percent(secret)),
        ("percent-lower-hex", percent(secret, upper=False)),
        ("percent-mixed-hex", mixed(secret, percent, lambda c: percent(c, upper=False))),
        ("percent-upper-cased", percent(secret.upper())),
        ("percent-lower-cased", percent(secret.lower(), upper=False)),
        ("quote", quote(secret)),
        ("quote-nothing-safe", quote(secret, safe="")),
        ("quote-plus", quote_plus(secret)),
        ("quote-plus-upper-cased", quote_plus(secret.upper())),
        ("quote-lower-hex", quote(secret, safe="").lower()),
        ("json-ascii", json.dumps(secret)[1:-1]),
        ("json-utf8", json.dumps(secret, ensure_ascii=False)[1:-1]),
        ("json-slash-escaped", json.dumps(secret)[1:-1].replace("/", "\\/")),
        ("json-upper-cased", json.dumps(secret.upper())[1:-1]),
        ("json-in-json", json.dumps(json.dumps(secret))[3:-3]),
        ("json-in-url", quote(json.dumps(secret)[1:-1])),
        ("u-escaped", u_escaped(secret)),
        ("u-escaped-upper-hex", u_escaped(secret, upper=True)),
        ("u-escaped-upper-cased", u_escaped(secret.upper())),
        ("u-escaped-every-other", mixed(secret, u_escaped, same)),
        ("u-escaped-double-backslash", u_escaped(secret, backslash="\\\\")),
        ("u-escaped-in-url", u_escaped(secret, backslash="%5C")),
        ("js-escape", js_escaped(secret)),
        ("mix-percent-u", mixed(secret, same, percent, u_escaped)),
        ("mix-all", mixed(secret, *SPELLERS)),
        ("mix-all-upper-cased", mixed(secret.upper(), *reversed(SPELLERS))),
        ("mix-percent-lower-cased", mixed(secret.lower(), percent, same)),
        ("mix-case-and-forms", mixed(per_char_case, lambda c: percent(c, upper=False), u_escaped, plus_space)),
    ]
    distinct: dict[str, str] = {}
    for label, form in forms:
        distinct.setdefault(form, label)
    return [(label, form) for form, label in distinct.items()]


ECHOES: list[Any] = [
    pytest.param(secret, form, id=f"{name}-{label}")
    for name, secret in [("key", KEY), ("odd-key", ODD_KEY)]
    for label, form in echo_forms(secret)
]


@pytest.mark.parametrize(("secret", "form"), ECHOES)
def test_an_echoed_secret_is_masked_in_every_form(secret: str, form: str) -> None:
    text = f'{{"code": "1003", "msg": "denied {form}!", "bill_id": "{BILL_ID}"}}'
    shown = redact(text, [secret])
    assert_no_secret(shown, secret)
    assert shown == f'{{"code": "1003", "msg": "denied {MASK}!", "bill_id": "{BILL_ID}"}}'  # the rest stays


@pytest.mark.parametrize(("secret", "form"), ECHOES)
def test_an_echoed_secret_is_masked_in_an_excerpt(secret: str, form: str) -> None:
    shown = excerpt(f"<html>refused {form} (trace)</html>".encode(), [secret])
    assert_no_secret(shown, secret)
    assert shown == f"<html>refused {MASK} (trace)</html>"


SECRET_CHARACTERS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="*"
)
"""Printable characters, ASCII and not; no * (the mask is made of them)."""
FILLERS = [
    '{"code": "9999", "msg": "',
    '", "apikey": "',
    "apikey=",
    "&key=",
    " ",
    "\\n",
    "<b>",
    "%",
    "\\",
    '"}',
    "키: ",
]


@st.composite
def echoed(draw: st.DrawFn, secret: str) -> str:
    """The secret in a random case, each character in a random form."""
    case = draw(st.sampled_from(["same", "upper", "lower", "swapcase", "each"]))
    if case == "each":
        cased = "".join(draw(st.sampled_from([c, c.upper(), c.lower()])) for c in secret)
    else:
        cased = secret if case == "same" else getattr(secret, case)()
    return "".join(draw(st.sampled_from(SPELLERS))(char) for char in cased)


@given(data=st.data(), secret=st.text(SECRET_CHARACTERS, min_size=4, max_size=32))
def test_any_echo_of_any_secret_is_masked(data: st.DataObject, secret: str) -> None:
    fillers = data.draw(st.lists(st.sampled_from(FILLERS), min_size=2, max_size=4))
    echoes = [data.draw(echoed(secret)) for _ in fillers[1:]]
    around = fillers[0] + "".join(MASK + filler for filler in fillers[1:])
    assume(not shows(around, secret))
    text = fillers[0] + "".join(echo + filler for echo, filler in zip(echoes, fillers[1:], strict=True))
    assert_no_secret(redact(text, [secret]), secret)


@given(secret=st.text(SECRET_CHARACTERS, min_size=1, max_size=32), text=st.text(max_size=60))
def test_a_text_without_the_secret_is_unchanged_by_it(secret: str, text: str) -> None:
    assume(not shows(text, secret))
    assert redact(text, [secret]) == redact(text)


# --------------------------------------------------------------------------- phone numbers


def wide(text: str) -> str:
    """The text with its digits, brackets, + and - in their full-width forms (U+FF08, U+FF10 and so on)."""
    return "".join(chr(ord(c) + 0xFEE0) if c in "0123456789()+-" else c for c in text)


HYPHENS = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\uff0d", "\ufe63"]

PHONES: list[Any] = [
    pytest.param("(010) 9876-5432", "(010) ****-5432", id="bracketed-prefix"),
    pytest.param("+82 (0)10-9876-5432", "+82 (0)10-****-5432", id="plus-82-bracketed-trunk"),
    pytest.param("+82-10-9876-5432", "+82-10-****-5432", id="plus-82-hyphens"),
    pytest.param("0082-10-9876-5432", "0082-10-****-5432", id="0082"),
    pytest.param("82 10 9876 5432", "82 10 **** 5432", id="82-spaces"),
    pytest.param("+82 10 9876 5432", "+82 10 **** 5432", id="plus-82-spaces"),
    pytest.param("+821098765432", "+8210****5432", id="plus-82-digits"),
    pytest.param("+82 010-9876-5432", "+82 010-****-5432", id="plus-82-kept-trunk"),
    pytest.param("(+82) 10-9876-5432", "(+82) 10-****-5432", id="bracketed-country"),
    pytest.param(
        wide("010") + "-" + wide("9876") + "-" + wide("5432"),
        wide("010") + "-****-" + wide("5432"),
        id="full-width-digits",
    ),
    pytest.param(wide("01098765432"), wide("010") + "****" + wide("5432"), id="full-width-digits-only"),
    pytest.param(wide("(010)9876-5432"), wide("(010)") + "****" + wide("-5432"), id="full-width-all"),
    *(pytest.param(f"010{h}9876{h}5432", f"010{h}****{h}5432", id=f"hyphen-U+{ord(h):04X}") for h in HYPHENS),
    pytest.param("010/9876/5432", "010/****/5432", id="slashes"),
    pytest.param("010.9876.5432", "010.****.5432", id="dots"),
    pytest.param("010·9876·5432", "010·****·5432", id="middle-dots"),
    pytest.param("010 9876 5432", "010 **** 5432", id="spaces"),
    pytest.param("010\u00a09876\u00a05432", "010\u00a0****\u00a05432", id="no-break-spaces"),
    pytest.param("010\u30009876\u30005432", "010\u3000****\u30005432", id="ideographic-spaces"),
    pytest.param("010 - 9876 - 5432", "010 - **** - 5432", id="spaced-hyphens"),
    pytest.param("01098765432", "010****5432", id="digits"),
    pytest.param("011-987-6543", "011-***-6543", id="old-011"),
    pytest.param("016-987-6543", "016-***-6543", id="old-016"),
    pytest.param("017 987 6543", "017 *** 6543", id="old-017-spaces"),
    pytest.param("0189876543", "018***6543", id="old-018-digits"),
    pytest.param("019.987.6543", "019.***.6543", id="old-019-dots"),
    pytest.param("+82 19 987 6543", "+82 19 *** 6543", id="old-019-plus-82"),
]


def digits(text: str) -> str:
    """The decimal digits of text, full-width ones as ASCII."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdecimal())


@pytest.mark.parametrize(("phone", "masked"), PHONES)
def test_a_phone_in_any_form_shows_only_its_prefix_and_last_four_digits(phone: str, masked: str) -> None:
    shown = redact_phones(f"고객 {phone}에게 발송 실패")
    assert shown == f"고객 {masked}에게 발송 실패"
    hidden = masked.count("*")
    assert digits(shown) == digits(phone)[: -hidden - 4] + digits(phone)[-4:]
    assert redact(f"call {phone}.", [KEY]) == f"call {masked}."


PREFIXES = ["010", "011", "016", "017", "018", "019", "+82 10", "+82-10", "0082 10", "82 10", "+82 (0)10", "(010)"]
SEPARATORS = ["", "-", ".", "/", " ", " - ", "\u00a0", "\u3000", *HYPHENS]


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str, str]:
    """A phone number as (prefix, middle, last four), with random separators and digit widths."""

    def widen(text: str) -> str:
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and draw(st.booleans()) else c for c in text)

    prefix = draw(st.sampled_from(PREFIXES))
    middle = draw(st.text("0123456789", min_size=3, max_size=4))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    return (
        widen(prefix + draw(st.sampled_from(SEPARATORS))),
        widen(middle),
        widen(draw(st.sampled_from(SEPARATORS)) + last),
    )


@given(
    phone=phones(),
    before=st.sampled_from(["", " ", "연락처:", "tel:", "a"]),
    after=st.sampled_from(["", " ", "번", "."]),
)
def test_any_phone_is_masked_but_for_its_prefix_and_last_four(
    phone: tuple[str, str, str], before: str, after: str
) -> None:
    prefix, middle, last = phone
    assert redact_phones(before + prefix + middle + last + after) == before + prefix + "*" * len(middle) + last + after


@given(
    phone=phones(), digit=st.sampled_from("0123456789" + wide("0123456789")), side=st.sampled_from(["before", "after"])
)
@example(phone=("010", "9876", "5432"), digit=wide("5"), side="after")
@example(phone=("010-", "9876", "-5432"), digit=wide("5"), side="before")
def test_a_phone_inside_a_longer_digit_run_is_untouched(phone: tuple[str, str, str], digit: str, side: str) -> None:
    """One more digit, next to the number's first or last (not after a bracket or a +), makes it no phone number."""
    number = "".join(phone)
    assume(len(phone[1]) == 4)  # 010-987-6543 and one more digit can be 010-9876-5432, a phone number
    assume(number[0].isdecimal() or side == "after")
    text = digit + number if side == "before" else number + digit
    assert redact_phones(text) == text


UNTOUCHED: list[Any] = [
    pytest.param("bill 01098765432109876543 paid", id="20-digit-id-starting-010"),
    pytest.param("bill 12345678901098765432 paid", id="20-digit-id-ending-like-a-phone"),
    pytest.param(f"bill {wide('01098765432109876543')} paid", id="20-digit-full-width-id"),
    pytest.param(f"id {wide('2')}01098765432", id="run-with-a-full-width-digit-before"),
    pytest.param(f"id 01098765432{wide('5')}", id="run-with-a-full-width-digit-after"),
    pytest.param("승인번호 30000001", id="approval-number"),
    pytest.param("승인일시 20261206153000", id="date"),
    pytest.param("금액 1,010,987,654원", id="amount-grouped"),
    pytest.param("금액 1010987654원", id="amount"),
    pytest.param(
        '{"bill_id": "01098765432109876543", "appr_num": "30000001", "appr_dt": "20261206153000", '
        '"appr_price": "1010987654"}',
        id="json-answer",
    ),
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_digits_that_are_not_a_phone_are_left_alone(text: str) -> None:
    assert redact_phones(text) == text
    assert redact(text, [KEY]) == text


class Boom:
    """A stand-in for the phone pattern that fails if it is used."""

    def sub(self, *args: object) -> str:
        raise AssertionError("the phone regex ran")


def test_the_phone_regex_runs_only_for_eight_digits_full_width_ones_included(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_PHONE", Boom())
    for text in ["성공하였습니다.", "", "승인 1234567", wide("승인 1234567"), "승인 123" + wide("4567")]:
        assert redact_phones(text) is text
    with pytest.raises(AssertionError, match="the phone regex ran"):
        redact_phones(wide("연락처 010") + "-" + wide("9876") + "-" + wide("5432"))


# --------------------------------------------------------------------------- through the client


def raised(handler: Handler) -> payssam.PaySsamError:
    """The PaySsamError reading a bill raises when handler answers."""
    with pytest.raises(payssam.PaySsamError) as info:
        offline_client(handler, apikey=KEY).read_bill(BILL_ID)
    return info.value


@pytest.mark.parametrize(("phone", "masked"), PHONES)
def test_a_phone_is_masked_in_api_error_messages_and_excerpts(phone: str, masked: str) -> None:
    api = raised(raw(200, json.dumps({"code": "9999", "msg": f"고객 {phone} 연락 불가"}).encode()))
    assert isinstance(api, payssam.ApiError)
    assert api.message == f"고객 {masked} 연락 불가"
    protocol = raised(raw(502, f"<html>customer {phone} not reachable</html>".encode()))
    assert isinstance(protocol, payssam.ProtocolError)
    assert protocol.excerpt == f"<html>customer {masked} not reachable</html>"
    for shown in (str(api), repr(api), str(protocol), repr(protocol)):
        assert phone not in shown


@pytest.mark.parametrize(("secret", "form"), [p for p in ECHOES if p.values[0] == KEY])
def test_an_echoed_key_is_masked_in_protocol_errors(secret: str, form: str) -> None:
    error = raised(raw(500, f"Internal error: apikey={form} rejected".encode()))
    assert isinstance(error, payssam.ProtocolError)
    assert error.excerpt == f"Internal error: apikey={MASK} rejected"
    for shown in (str(error), repr(error)):
        assert_no_secret(shown, KEY)


def test_a_case_changed_key_is_masked_in_api_error_messages() -> None:
    """0.2.1 masked the key in an answer only where its exact bytes appeared."""
    for echoed in (KEY.upper(), KEY.lower(), "".join(f"%{byte:02X}" for byte in KEY.encode())):
        error = raised(raw(200, json.dumps({"code": "1003", "msg": f"denied {echoed}"}).encode()))
        assert_no_secret(str(error), KEY)
