"""The request hash ("통신 암호 키"): preimage rule from the docs, digest swappable.

The docs give the preimage, `{bill_id},{phone},{price}` or `{bill_id},{price}`,
but not the algorithm; every known integration uses plain SHA-256, lowercase
hex. The digest is one named function so a different rule can be plugged in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import cast

from . import _validation as validation
from ._errors import ValidationError

Digest = Callable[[str], str]
HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_hex(preimage: str) -> str:
    """SHA-256 of the UTF-8 preimage as 64 lowercase hex characters."""
    if not isinstance(preimage, str):
        raise ValidationError("preimage", f"must be a str, not {type(preimage).__name__}")
    try:
        data = str.encode(preimage, "utf-8")
    except UnicodeEncodeError:
        raise ValidationError("preimage", "has a lone surrogate") from None
    return hashlib.sha256(data).hexdigest()


def apply_digest(digest: object, preimage: str) -> str:
    """digest(preimage), checked: 64 lowercase hex characters, or a ValidationError naming `digest`."""
    if digest is sha256_hex:  # ours: its result needs no check
        return sha256_hex(preimage)
    function = check_digest(digest)
    try:
        value = function(preimage)
    except Exception as exc:
        raise ValidationError("digest", f"raised {type(exc).__name__}") from None
    if value.__class__ is not str or not HEX64.fullmatch(value):
        raise ValidationError("digest", "must return 64 lowercase hex characters")
    return str(value)


DEFAULT_DIGEST: Digest = sha256_hex


def check_digest(value: object) -> Digest:
    """The hash function: a callable from preimage to 64 lowercase hex characters (its result checked on each use)."""
    if not callable(value):
        raise ValidationError("digest", f"must be a function from str to str, not {type(value).__name__}")
    return cast(Digest, value)


def hash_preimage(bill_id: str, price: int | str, phone: str | None = None) -> str:
    """The comma-joined string that is hashed: bill_id[,phone],price (validated)."""
    mobile = None if phone is None else validation.phone(phone)
    return preimage(validation.bill_id(bill_id), validation.price(price), mobile)


def preimage(bill_id: str, price: str, phone: str | None = None) -> str:
    """The preimage of values already validated (the operations validate each argument once)."""
    return f"{bill_id},{price}" if phone is None else f"{bill_id},{phone},{price}"


def bill_hash(bill_id: str, price: int | str, phone: str | None = None, *, digest: Digest = DEFAULT_DIGEST) -> str:
    """The hash PaySsam expects for a bill: digest(bill_id[,phone],price), checked like every request's."""
    return apply_digest(digest, hash_preimage(bill_id, price, phone))
