"""What public integrations send where the vendor's docs are silent, and the simulator's answer to it.

The docs neither allow nor forbid an empty optional text (`"message": ""`), a JSON number for a
string field (`"price": 10000`, which a Spring/Jackson service would coerce) or `null` for an unset
optional field. By default the simulator accepts them as the vendor most likely does, and says so in
a warning naming the open point; in strict mode it holds the body to the contract (HTTP 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPEN_POINT = "the vendor's docs do not say whether PaySsam accepts this (open point; --strict refuses it)"


def relax(schema: Mapping[str, Any], body: dict[str, Any], prefix: str = "") -> list[str]:
    """Rewrite the body in place into what the contract means by it; one warning per rewritten field."""
    warnings: list[str] = []
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    for name in list(body):
        rule = properties.get(name)
        if rule is None:
            continue
        value, field = body[name], prefix + name
        if rule.get("type") == "object" and isinstance(value, dict):
            warnings += relax(rule, value, field + ".")
        elif value is None and name not in required:
            del body[name]
            warnings.append(f"{field}: null for an optional field, taken as absent; {OPEN_POINT}")
        elif value == "" and name not in required and rule.get("type") == "string":
            del body[name]
            warnings.append(f"{field}: empty text for an optional field, taken as absent; {OPEN_POINT}")
        elif rule.get("type") == "string" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            body[name] = str(value)
            warnings.append(
                f"{field}: a JSON number where the contract has a digit string, taken as its digits; {OPEN_POINT}"
            )
    return warnings
