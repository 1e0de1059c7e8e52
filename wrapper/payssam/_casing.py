"""v2's camelCase field names and their v1 snake_case twins (billId → bill_id), for answers and callbacks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._results import FieldFormatError

_RENAMED = {"apiKey": "apikey", "shortUrl": "shortURL", "shortURL": "shortURL"}
"""v2 names whose v1 name is not simply their snake_case: the echoed key, and the short URL's spellings."""
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def v1_name(name: str) -> str:
    """A v2 field's v1 name: its snake_case (billId → bill_id, apprCancelDt → appr_cancel_dt), but the renamed;
    a v1 name stays as it is."""
    return _RENAMED.get(name) or _CAMEL.sub(r"_\1", name).lower()


class _Names(dict[str, str]):
    """v1_name by subscript (a name seen before costs a dict lookup); at most 512 names kept."""

    def __missing__(self, name: str) -> str:
        found = v1_name(name)
        if len(self) < 512:
            self[name] = found
        return found


_NAMES = _Names()


def v1_fields(data: Mapping[Any, Any]) -> dict[Any, Any]:
    """The members under their v1 names, whichever casing (or mix) they came in, a numeric appr_price as digits;
    a field given in both casings with different values is refused (FieldFormatError): which to believe is unknown."""
    names = _NAMES
    fields = {names[name] if name.__class__ is str else name: value for name, value in data.items()}
    if len(fields) != len(data):  # a field in both casings (or both short URL spellings)
        fields = _merged(data)
    if "appr_price" in fields:
        fields["appr_price"] = digits(fields["appr_price"])
    return fields


def _merged(data: Mapping[Any, Any]) -> dict[Any, Any]:
    fields: dict[Any, Any] = {}
    spelled: dict[Any, Any] = {}
    for name, value in data.items():
        key = v1_name(name) if isinstance(name, str) else name
        same = digits(value) if key == "appr_price" else value
        if key in fields and fields[key] != same:
            raise FieldFormatError(key, f"is given twice ({spelled[key]} and {name}) with different values")
        fields[key] = same
        spelled.setdefault(key, name)
    return fields


def digits(value: object) -> object:
    """A whole number of won sent as a JSON number, as the digit string v1 sends (integrations read both);
    any other value unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value
