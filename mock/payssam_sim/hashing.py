"""The vendor's request hash, as the simulator checks it: its own copy of the rule, not the SDK's.

Preimage `{bill_id},{phone},{price}` when the request carries a phone (send), else `{bill_id},{price}`;
digest SHA-256 of the UTF-8 text as 64 lowercase hex characters, as every known integration sends it.
"""

from __future__ import annotations

import hashlib


def expected_hash(bill_id: str, price: str, phone: str | None = None) -> str:
    """The hash PaySsam expects for these fields."""
    parts = (bill_id, price) if phone is None else (bill_id, phone, price)
    return hashlib.sha256(",".join(parts).encode("utf-8")).hexdigest()
