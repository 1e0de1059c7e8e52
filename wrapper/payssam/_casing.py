"""v2's camelCase field names and their v1 snake_case twins (billId → bill_id), for answers and callbacks."""

from __future__ import annotations

import re
from functools import lru_cache

_RENAMED = {"apiKey": "apikey", "shortUrl": "shortURL", "shortURL": "shortURL"}
"""v2 names whose v1 name is not simply their snake_case: the echoed key, and the short URL's spellings."""
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


@lru_cache(maxsize=512)  # answers repeat the same few dozen names; bounded, as an answer may invent names
def v1_name(name: str) -> str:
    """A v2 field's v1 name: its snake_case (billId → bill_id, apprCancelDt → appr_cancel_dt), but the renamed;
    a v1 name stays as it is."""
    return _RENAMED.get(name) or _CAMEL.sub(r"_\1", name).lower()


def digits(value: object) -> object:
    """A whole number of won sent as a JSON number, as the digit string v1 sends (integrations read both);
    any other value unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value
