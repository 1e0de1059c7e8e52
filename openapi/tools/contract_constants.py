"""Write wrapper/payssam/_contract.py: the request limits and the version the SDK reads from the contract.

The SDK validates every argument before sending; its limits (lengths, patterns) are the contract's
own, read here at generation time, so a contract change that moves a limit moves the SDK. Every
request schema that declares a field must agree on its rules, or generation fails.

    python openapi/tools/contract_constants.py openapi/payssam-v1.json wrapper/payssam/_contract.py
    python openapi/tools/contract_constants.py --check openapi/payssam-v1.json   # (make spec) only check
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REQUESTS = ("BillReq", "ReqCancelBill", "SendBillReq", "SendBill", "BillReq3P", "DestroyBillReq")
# constant -> (field, rule): the rule's value on that field, the same in every request schema that has it.
CONSTANTS: dict[str, tuple[str, str]] = {
    "BILL_ID_MAX": ("bill_id", "maxLength"),
    "BILL_ID_PATTERN": ("bill_id", "pattern"),
    "PRICE_PATTERN": ("price", "pattern"),
    "PHONE_PATTERN": ("phone", "pattern"),
    "APIKEY_MAX": ("apikey", "maxLength"),
    "MEMBER_MAX": ("member", "maxLength"),
    "MERCHANT_MAX": ("merchant", "maxLength"),
    "ISSUER_MAX": ("bill_issuer", "maxLength"),
    "CALLBACK_URL_MAX": ("callbackURL", "maxLength"),
    "CALLBACK_URL_PATTERN": ("callbackURL", "pattern"),
    "TEXT_PATTERN": ("member_nm", "pattern"),
    "EXPIRE_DT_PATTERN": ("expire_dt", "pattern"),
}
SAME_AS_TEXT = ("product_nm", "message", "bill_issuer")
HEADER = '''"""The contract's request limits and version, for the SDK's validation and payssam.CONTRACT_VERSION.

Generated from openapi/{contract} by openapi/tools/contract_constants.py (make generate); do not
edit: a change starts in openapi/.
"""
'''


def _rule(schemas: Mapping[str, Any], field: str, rule: str) -> Any:
    """The rule's value on field across the request schemas; they must all agree."""
    found = {
        name: json.dumps(schemas[name]["properties"][field].get(rule))
        for name in REQUESTS
        if field in schemas[name].get("properties", {})
    }
    values = set(found.values())
    if len(values) != 1:
        by_value = "; ".join(
            f"{value} in {', '.join(name for name, each in found.items() if each == value)}" for value in sorted(values)
        )
        raise SystemExit(
            f"the request schemas disagree on {field}.{rule} ({by_value}). The SDK checks one {rule} for {field} "
            f"before sending, so the contract must give one: if the vendor changed it in some schemas, add an "
            f"action to openapi/overlay.yaml that sets {field}.{rule} in the others too (say why and from which "
            f"source), or one that keeps the old value where the vendor's change is a copy error; then make generate."
        )
    value = json.loads(values.pop())
    if value is None:
        raise SystemExit(f"no request schema gives {field} a {rule}")
    return value


# v2 (authored with one schema per shared field): constant -> (schema, property or None, rule).
CONSTANTS_V2: dict[str, tuple[str, str | None, str]] = {
    "BILL_ID_MAX": ("BillId", None, "maxLength"),
    "BILL_ID_PATTERN": ("BillId", None, "pattern"),
    "PRICE_PATTERN": ("Price", None, "pattern"),
    "PHONE_PATTERN": ("BillSend", "phone", "pattern"),
    "APIKEY_MAX": ("ApiKey", None, "maxLength"),
    "MEMBER_MAX": ("Member", None, "maxLength"),
    "MERCHANT_MAX": ("Merchant", None, "maxLength"),
    "ISSUER_MAX": ("BillSend", "billIssuer", "maxLength"),
    "CALLBACK_URL_MAX": ("BillSend", "callbackUrl", "maxLength"),
    "CALLBACK_URL_PATTERN": ("BillSend", "callbackUrl", "pattern"),
    "REDIRECT_URL_MAX": ("BillSend", "pageRedirectUrl", "maxLength"),
    "TEXT_PATTERN": ("BillSend", "memberName", "pattern"),
    "EXPIRE_DT_PATTERN": ("BillSend", "expireDt", "pattern"),
    "CANCEL_REASON_MAX": ("BillCancel", "cancelReason", "maxLength"),
    "CODE_PATTERN": ("Code", None, "pattern"),
}


def _v2_rule(schemas: Mapping[str, Any], schema: str, field: str | None, rule: str) -> Any:
    node = schemas[schema] if field is None else schemas[schema]["properties"][field]
    if rule not in node:
        raise SystemExit(f"the v2 contract gives {schema}{'.' + field if field else ''} no {rule}")
    return node[rule]


def constants(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Every constant the SDK reads, by name (from the v1 or the v2 contract, as its title says)."""
    schemas = spec["components"]["schemas"]
    if spec["info"]["title"].endswith("v2"):
        found_v2: dict[str, Any] = {"CONTRACT_VERSION": spec["info"]["version"]}
        for name, (schema, field, rule) in CONSTANTS_V2.items():
            found_v2[name] = _v2_rule(schemas, schema, field, rule)
        return found_v2
    schemas = spec["components"]["schemas"]
    found: dict[str, Any] = {"CONTRACT_VERSION": spec["info"]["version"]}
    for name, (field, rule) in CONSTANTS.items():
        found[name] = _rule(schemas, field, rule)
    for field in SAME_AS_TEXT:
        if _rule(schemas, field, "pattern") != found["TEXT_PATTERN"]:
            raise SystemExit(f"{field} has another text pattern than member_nm; the SDK has one text rule")
    return found


def render(spec: Mapping[str, Any]) -> str:
    """The module's source."""
    contract = "payssam-v2.json" if spec["info"]["title"].endswith("v2") else "payssam-v1.json"
    lines = [HEADER.format(contract=contract)]
    for name, value in constants(spec).items():
        shown = json.dumps(value, ensure_ascii=False)
        line = f"{name} = {shown}"
        lines.append(line if len(line) <= 120 else f"{name} = (\n    {shown}\n)")  # as ruff would wrap it
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--check":
        constants(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    Path(argv[1]).write_text(render(spec), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
