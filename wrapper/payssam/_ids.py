"""Fresh bill ids: 20 ASCII letters and digits, a caller's prefix then random characters.

PaySsam refuses a reused bill_id (9800) and the id is the only key of a bill, so
the random part comes from the OS's CSPRNG and is never shorter than 10
characters (62**10, about 8e17 ids per prefix).
"""

from __future__ import annotations

import secrets
import string

from . import _validation as validation
from ._errors import ValidationError

BILL_ID_LENGTH = 20
PREFIX_MAX = 10
_ALPHABET = string.ascii_letters + string.digits


def new_bill_id(prefix: str = "") -> str:
    """A new 20-character bill id starting with prefix (at most 10 letters/digits, e.g. a business number)."""
    if not isinstance(prefix, str):
        raise ValidationError("prefix", f"must be a string, not {type(prefix).__name__}")
    if len(prefix) > PREFIX_MAX or (prefix and not validation.is_bill_id(prefix)):
        raise ValidationError(
            "prefix", f"must be at most {PREFIX_MAX} ASCII letters or digits, so 10 or more characters stay random"
        )
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(BILL_ID_LENGTH - len(prefix)))
