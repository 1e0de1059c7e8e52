"""The simulator's test cards and the Korean installment rule, shared by the pay route, Simulator.pay and the bill page.

Test cards (spaces and hyphens allowed when typed):

- 9410-0000-0000-0001 (APPROVING_CARD) approves;
- 9410-0000-0000-0002 (DECLINING_CARD) is declined as 한도 초과 (over the limit): nothing changes, no callback;
- any other number of 14 to 16 digits approves too (no Luhn check: the simulator moves no money).

Installments (할부): 일시불 (0) always; 2 to 12 months only for an amount of 50,000 won or more, as Korean card
issuers allow; 1 month does not exist.
"""

from __future__ import annotations

import re

APPROVING_CARD = "9410-0000-0000-0001"
"""A test card number that is approved."""
DECLINING_CARD = "9410-0000-0000-0002"
"""A test card number that is declined: 한도 초과 (over the limit)."""
DECLINES: dict[str, tuple[str, str]] = {"9410000000000002": ("한도 초과", "over the card's limit")}
"""Declined test cards: digits -> (the reason in Korean, in English)."""
INSTALLMENT_MIN_PRICE = 50_000
"""The smallest amount, in won, that may be paid in installments."""
MAX_INSTALLMENT_MONTHS = 12
_TYPED = re.compile(r"[0-9][0-9 -]*[0-9]")
CARD_DIGITS = range(14, 17)
"""How many digits a card number has."""


def card_digits(text: str) -> str:
    """The card number's digits; spaces and hyphens between them are allowed. ValueError for anything else, or for a
    number of other than 14 to 16 digits (the message never repeats the number)."""
    if not isinstance(text, str) or _TYPED.fullmatch(text.strip()) is None:
        raise ValueError("card: must be digits, with spaces or hyphens between them if any")
    digits = re.sub(r"[ -]", "", text)
    if len(digits) not in CARD_DIGITS:
        raise ValueError(f"card: must have {CARD_DIGITS.start} to {CARD_DIGITS.stop - 1} digits")
    return digits


def decline(digits: str) -> tuple[str, str] | None:
    """Why the card is declined (Korean, English), or None when it is approved."""
    return DECLINES.get(digits)


def masked(digits: str) -> str:
    """The card number as an approval shows it (appr_issuer_num): the first six and last four digits."""
    return f"{digits[:4]}-{digits[4:6]}**-****-{digits[-4:]}"


def installment_options(price: int) -> tuple[int, ...]:
    """The months a payment of `price` won may choose: 0 (일시불), plus 2 to 12 from 50,000 won."""
    if price < INSTALLMENT_MIN_PRICE:
        return (0,)
    return (0, *range(2, MAX_INSTALLMENT_MONTHS + 1))
