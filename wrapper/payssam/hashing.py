"""The request hash ("통신 암호 키"): preimage rule from the docs, digest swappable.

The docs give the preimage, `{bill_id},{phone},{price}` or `{bill_id},{price}`,
but not the algorithm; every known integration uses plain SHA-256, lowercase
hex. The digest is one named function so a different rule can be plugged in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from . import validation

Digest = Callable[[str], str]


def sha256_hex(preimage: str) -> str:
    """SHA-256 of the UTF-8 preimage as 64 lowercase hex characters."""
    return hashlib.sha256(preimage.encode("utf-8")).hexdigest()


DEFAULT_DIGEST: Digest = sha256_hex


def hash_preimage(bill_id: str, price: int | str, phone: str | None = None) -> str:
    """The comma-joined string that is hashed: bill_id[,phone],price (validated)."""
    mobile = None if phone is None else validation.phone(phone)
    return preimage(validation.bill_id(bill_id), validation.price(price), mobile)


def preimage(bill_id: str, price: str, phone: str | None = None) -> str:
    """The preimage of values already validated (the operations validate each argument once)."""
    return f"{bill_id},{price}" if phone is None else f"{bill_id},{phone},{price}"


def bill_hash(bill_id: str, price: int | str, phone: str | None = None, *, digest: Digest = DEFAULT_DIGEST) -> str:
    """The hash PaySsam expects for a bill: digest(bill_id[,phone],price)."""
    return digest(hash_preimage(bill_id, price, phone))
