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
the body to the contract as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from .contract import RequestRules, compile_rules, number_text, request_rules

OPEN_POINT = "the vendor's docs do not say whether PaySsam accepts this (open point; --strict refuses it)"
BILL_ID_PATTERN = "^[A-Za-z0-9]+$"
"""The contract's bill id: letters and digits."""
HYPHENATED_BILL_ID_PATTERN = "^[A-Za-z0-9-]+$"
"""What the default mode accepts for it: letters, digits and hyphens (same length limit)."""


def _widen(node: Any) -> Any:
    """The schema with every bill_id pattern widened to allow hyphens (a copy; the contract is not touched)."""
    if isinstance(node, list):
        return [_widen(item) for item in node]
    if not isinstance(node, dict):
        return node
    widened = {key: _widen(value) for key, value in node.items()}
    properties = widened.get("properties")
    bill_id = properties.get("bill_id") if isinstance(properties, dict) else None
    if isinstance(bill_id, dict) and bill_id.get("pattern") == BILL_ID_PATTERN:
        bill_id["pattern"] = HYPHENATED_BILL_ID_PATTERN
    return widened


@cache
def lenient_rules() -> Mapping[str, RequestRules]:
    """The request rules of the default mode: the contract's, with a hyphen allowed in bill_id."""
    rules: dict[str, RequestRules] = {}
    for path, strict in request_rules().items():
        rules[path] = compile_rules(_widen(strict.schema))
    return rules


def relax(schema: Mapping[str, Any], body: dict[str, Any], prefix: str = "") -> list[str]:
    """Rewrite the body in place into what the contract means by it; one warning per open point met.

    Any JSON may come in: only members the schema names are looked at, and only objects recursed into.
    """
    warnings: list[str] = []
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    for name in list(body):
        rule = properties.get(name)
        if not isinstance(rule, Mapping):
            continue
        value, field = body[name], prefix + name
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
