"""The vendor routes' request rules, read from the bundled contracts (payssam-v1.json, payssam-v2.json), not from
the SDK.

Each operation's request schema is compiled once into a JSON Schema validator of its contract's dialect (v1:
draft 4, the base of OpenAPI 3.0 schemas; v2: draft 2020-12, OpenAPI 3.1's) with ECMA-262 patterns (regress),
as the contracts mean them, and their two formats. A quick exact check (precheck.py) passes the bodies that keep
every rule; the validator looks at the others. A refusal names the field and the rule, never the value (it may be
an apikey or a phone number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import regress
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.protocols import Validator

from .precheck import Rule, compile_rule

V1 = "v1"
V2 = "v2"
APIS = (V1, V2)
CONTRACT_FILE = "payssam-v1.json"
V2_CONTRACT_FILE = "payssam-v2.json"
CONTRACT_FILES = {V1: CONTRACT_FILE, V2: V2_CONTRACT_FILE}
VENDOR_PATHS = {
    "send": "/if/bill/send",
    "read": "/if/bill/read",
    "cancel": "/if/bill/cancel",
    "destroy": "/if/bill/destroy",
    "resend": "/if/bill/resend",
}
"""v1's operations and their paths."""
V2_PATHS = {
    "send": "/bill",
    "read": "/bill/read",
    "cancel": "/bill/cancel",
    "destroy": "/bill/destroy",
    "resend": "/bill/resend",
    "remain_count": "/read/remain_count",
    "merchant_remain_count": "/read/merchant/remain_count",
}
"""v2's operations and their paths, relative to its base URL (the sandbox's ends in /partner)."""
PATHS = {V1: VENDOR_PATHS, V2: V2_PATHS}
PARTNER_PREFIX = "/partner"
"""What the v2 sandbox's base URL carries before every path [3Px5]; the simulator serves every vendor route, v1's
too, with and without it."""
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]*", re.ASCII)
_DIGITS_ONLY = re.compile(r"\^(?:(?:\[0-9\]|\\d|[0-9])(?:\{[0-9]+(?:,[0-9]*)?\}|[*+?])?)+\$")
"""An anchored pattern built only of digits, [0-9] or \\d, each with an optional quantifier: a digit string."""
MAX_LEADING_ZEROS = 20
JSON_TYPES = {"string": "a string", "object": "an object", "integer": "an integer", "number": "a number"}


class BodyError(ValueError):
    """A request body the simulator refuses (HTTP 400); names the field, never its value."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


@cache
def _ecma(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def matches(pattern: str, text: str) -> bool:
    """Whether text matches a contract pattern, read as ECMA-262 (unanchored, as JSON Schema reads it)."""
    return _ecma(pattern).find(text) is not None


def _pattern(validator: Validator, pattern: str, instance: object, schema: Mapping[str, Any]) -> Iterator[SchemaError]:
    """OpenAPI patterns are ECMA-262: `$` never matches before a trailing newline, `\\S` knows Unicode spaces."""
    if isinstance(instance, str) and not matches(pattern, instance):
        yield SchemaError("pattern")


def is_integer(value: object) -> bool:
    """A JSON integer (a boolean is never a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def digit_string(rule: Mapping[str, Any]) -> bool:
    """The rule is a string of ASCII digits only: type string and an anchored digits-only pattern (price, phone)."""
    pattern = rule.get("pattern")
    return rule.get("type") == "string" and isinstance(pattern, str) and _DIGITS_ONLY.fullmatch(pattern) is not None


def number_text(rule: Mapping[str, Any], value: object) -> str | None:
    """The digit string a JSON integer stands for under a digit-string rule, or None if it stands for none."""
    if not is_integer(value) or not digit_string(rule):
        return None
    text = str(value)
    return text if matches(str(rule["pattern"]), text) else None


def drops_leading_zero(rule: Mapping[str, Any], value: object) -> bool:
    """A JSON integer for a digit string that needs a leading zero (phone 01012345678 as 1012345678): lost."""
    if not is_integer(value) or not digit_string(rule) or number_text(rule, value) is not None:
        return False
    text, pattern = str(value), str(rule["pattern"])
    return any(matches(pattern, "0" * zeros + text) for zeros in range(1, MAX_LEADING_ZEROS + 1))


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date")
def _is_date(instance: object) -> bool:
    """RFC 3339 full-date that exists in the calendar."""
    if not isinstance(instance, str):
        return True
    if not _DATE.fullmatch(instance):
        return False
    try:
        date.fromisoformat(instance)
    except ValueError:
        return False
    return True


@FORMATS.checks("uri")
def _is_uri(instance: object) -> bool:
    """An absolute URI: a scheme, a colon, no white space (the contract's own patterns say the rest)."""
    return not isinstance(instance, str) or _SCHEME.fullmatch(instance) is not None


EcmaValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"pattern": _pattern}
)
"""v1's dialect: draft 4 (OpenAPI 3.0), ECMA-262 patterns."""
Ecma2020Validator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}
)
"""v2's dialect: draft 2020-12 (OpenAPI 3.1: `type: [string, integer]`, `anyOf` with `type: null`), ECMA-262
patterns."""
DIALECTS = {V1: EcmaValidator, V2: Ecma2020Validator}


@cache
def _text(file: str) -> str:
    return resources.files(__package__).joinpath(file).read_text(encoding="utf-8")


def load(api: str = V1) -> dict[str, Any]:
    """A contract shipped with the simulator (v1 by default), freshly decoded: the caller may change it."""
    spec: dict[str, Any] = json.loads(_text(CONTRACT_FILES[api]))
    return spec


@cache
def approval_ack() -> dict[str, str]:
    """The one answer to an approval that stops PaySsam's retries: the contract's ApprovalAck, whose every field
    is required, alone and of a single value."""
    schema = load()["components"]["schemas"]["ApprovalAck"]
    return {name: rule["enum"][0] for name, rule in schema["properties"].items()}


def resolve(spec: Mapping[str, Any], node: object) -> Any:
    """Inline every local $ref (the contract has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            return resolve(spec, target)
        return {key: resolve(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(spec, item) for item in node]
    return node


def _field(error: SchemaError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(required, list):
        missing = next((name for name in required if name not in error.instance), "")
        return f"{path}.{missing}" if path else str(missing)
    return path or "body"


def _problem(error: SchemaError) -> str:
    """What the rule demands, in words; the contract's own limits, never the value sent."""
    rule, limit = error.validator, error.validator_value
    if rule == "required":
        return "is missing"
    if rule == "type":
        problem = f"must be {JSON_TYPES.get(str(limit), str(limit))}, not {json_type(error.instance)}"
        if isinstance(error.schema, Mapping) and drops_leading_zero(error.schema, error.instance):
            problem += " (a JSON number loses the leading zero: send the digits as text)"
        return problem
    if rule == "maxLength":
        return f"must be at most {limit} characters"
    if rule == "minLength":
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters"
    if rule == "pattern":
        return f"must match the contract's pattern {limit}"
    if rule == "format":
        return f"is not a valid {limit}"
    if rule == "enum":
        return "is not one of the contract's values"
    return f"breaks the contract's {rule} rule"


@dataclass(frozen=True, slots=True)
class RequestRules:
    """One operation's request schema, compiled: the full validator, and its quick exact yes (precheck.py) when the
    schema's keywords allow one."""

    schema: Mapping[str, Any]
    validator: Validator
    quick: Rule | None = None

    def check(self, body: Mapping[str, Any]) -> None:
        """Raise BodyError for the first rule the body breaks (errors sorted by field, so the choice is stable)."""
        if self.quick is not None and self.quick.holds(body):
            return
        errors = sorted(self.validator.iter_errors(body), key=lambda e: (_field(e), str(e.validator)))
        if errors:
            raise BodyError(_field(errors[0]), _problem(errors[0]))


def compile_rules(schema: Mapping[str, Any], api: str = V1) -> RequestRules:
    """A request schema (every $ref inlined) compiled into its rules, in its API version's dialect."""
    return RequestRules(schema, DIALECTS[api](schema, format_checker=FORMATS), compile_rule(schema, FORMATS))


@cache
def request_rules(api: str = V1) -> Mapping[str, RequestRules]:
    """Every vendor operation's request rules in one API version's contract, by operation."""
    spec = load(api)
    rules: dict[str, RequestRules] = {}
    for operation, path in PATHS[api].items():
        content = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        rules[operation] = compile_rules(resolve(spec, content["schema"]), api)
    return rules
