"""The prepaid points (쌤포인트) v2 sends cost: a balance for the partner and one per sub-merchant, and what is charged.

Plain bookkeeping with no lock of its own: the ledger holds one and calls it under its lock, so a send's checks,
the new bill and the charge happen as one step. v1's points are out of scope: v1 calls are never charged.

What the evidence says and what is a setting:
- a TALK send and every resend cost 55 points [3Px1 A; the vendor's blog];
- a URL send costs nothing per F ("URL=링크만 반환(포인트 X)"); the vendor's text ties the charge to the send
  without naming sendType [OPEN]: `url_send` points, 0 by default;
- the contract decides which balance is charged [DOC], the partner-managed business's or each sub-merchant's
  [OPEN]: `charged`, the sub-merchant's by default, as integration C reads it;
- an empty balance refuses the send with POINT_001 [3Px1 C].
"""

from __future__ import annotations

from .bodies import MAX_BALANCE

TALK_POINTS = 55
"""What a KakaoTalk send or resend costs [3Px1 A; the vendor's blog]."""
DEFAULT_BALANCE = 1_000_000
"""Every balance a fresh simulator starts with: enough that tests run out only when they mean to."""
MERCHANT = "merchant"
PARTNER = "partner"
PAYERS = (MERCHANT, PARTNER)
"""Which balance a send is charged to: the sub-merchant's (merchant code) or the partner's."""


def check_balance(name: str, value: int) -> int:
    """value, if it is a balance the contract can carry (an int32 from 0); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BALANCE:
        raise ValueError(f"{name} must be an integer from 0 to {MAX_BALANCE}")
    return value


class Points:
    """The balances and the price list; reset() puts the balances back to where they started."""

    def __init__(
        self,
        *,
        partner: int = DEFAULT_BALANCE,
        merchant: int = DEFAULT_BALANCE,
        url_send: int = 0,
        charged: str = MERCHANT,
    ) -> None:
        if charged not in PAYERS:
            raise ValueError(f"points_from must be one of {', '.join(PAYERS)}")
        self.initial_partner = check_balance("partner_points", partner)
        self.initial_merchant = check_balance("merchant_points", merchant)
        self.url_send = check_balance("url_send_points", url_send)
        self.charged = charged
        self._partner = self.initial_partner
        self._merchants: dict[str, int] = {}

    def balance(self, merchant: str | None = None) -> int:
        """The partner's balance, or a sub-merchant's (one never set has the starting balance)."""
        if merchant is None:
            return self._partner
        return self._merchants.get(merchant, self.initial_merchant)

    def send_cost(self, send_type: str) -> int:
        """What a v2 send costs: a TALK 55, a URL `url_send`."""
        return TALK_POINTS if send_type == "TALK" else self.url_send

    def payer(self, merchant: str) -> str | None:
        """Whose balance a sub-merchant's send is charged to: its merchant code, or None for the partner."""
        return merchant if self.charged == MERCHANT else None

    def can_pay(self, merchant: str, cost: int) -> bool:
        """Whether the balance charged for this sub-merchant's sends holds cost (a free send always can)."""
        return cost == 0 or self.balance(self.payer(merchant)) >= cost

    def charge(self, merchant: str, cost: int) -> None:
        """Take cost from the balance charged for this sub-merchant's sends (can_pay said it holds it)."""
        if cost == 0:
            return
        payer = self.payer(merchant)
        self.set(payer, self.balance(payer) - cost)

    def set(self, merchant: str | None, balance: int) -> None:
        """Set the partner's balance (merchant None) or a sub-merchant's."""
        check_balance("balance", balance)
        if merchant is None:
            self._partner = balance
        else:
            self._merchants[merchant] = balance

    def view(self) -> dict[str, object]:
        """What GET /_sim/points shows: the balances, which one is charged, and the prices."""
        return {
            "partner": self._partner,
            "merchants": dict(self._merchants),
            "merchant_default": self.initial_merchant,
            "charged": self.charged,
            "talk_send": TALK_POINTS,
            "resend": TALK_POINTS,
            "url_send": self.url_send,
        }

    def reset(self) -> None:
        """Every balance back to where it started."""
        self._partner = self.initial_partner
        self._merchants.clear()
