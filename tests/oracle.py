"""The contract as a test oracle: JSON Schema validation of request bodies.

OpenAPI 3.0 patterns are ECMA-262 regular expressions, so `pattern` is checked
with an ECMA engine (regress): Python's `re` would let `$` match before a
trailing newline and disagree with the mock and the vendor.

The contract's two formats, `date` and `uri`, are asserted as the mock asserts
them (Prism validates with ajv-formats 2.1.1 in full mode): `date` is an
RFC 3339 full-date that exists in the calendar, `uri` is ajv-formats' RFC 3986
expression, copied verbatim (test_contract checks the copy against the mock's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regress
from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30Validator


def _ecma_pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[SchemaError]:
    if validator.is_type(instance, "string") and regress.Regex(pattern).find(instance) is None:
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


ECMAValidator = validators.extend(OAS30Validator, {"pattern": _ecma_pattern})

# ajv-formats 2.1.1, dist/formats.js: `URI` (its source, flag i) and `DATE`.
URI = (
    r"^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|"
    r"%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|"
    r"(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|"
    r"(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|"
    r"(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|"
    r"(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|"
    r"(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|"
    r"2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|"
    r"(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|"
    r"(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|"
    r"(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|"
    r"(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|"
    r"%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|"
    r"%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|"
    r"(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|"
    r"%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|"
    r"%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$"
)
_URI = regress.Regex(URI, "i")
_NOT_URI_FRAGMENT = regress.Regex(r"\/|:")
_DATE = regress.Regex(r"^(\d\d\d\d)-(\d\d)-(\d\d)$")
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri")
def _uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return _NOT_URI_FRAGMENT.find(instance) is not None and _URI.find(instance) is not None


@FORMATS.checks("date")
def _date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if _DATE.find(instance) is None:
        return False
    year, month, day = (int(part) for part in instance.split("-"))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS[month])


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Inline every local $ref (the contract has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(spec, target)
        return {key: resolve(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(spec, item) for item in node]
    return node


def operation(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The POST operation at path."""
    op: dict[str, Any] = spec["paths"][path]["post"]
    return op


def request_schema(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The resolved JSON Schema of the operation's request body."""
    body = operation(spec, path)["requestBody"]["content"]["application/json"]
    schema: dict[str, Any] = resolve(spec, body["schema"])
    return schema


def response_schema(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The resolved JSON Schema of the operation's 200 answer."""
    content = operation(spec, path)["responses"]["200"]["content"]["application/json"]
    schema: dict[str, Any] = resolve(spec, content["schema"])
    return schema


def response_examples(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The named examples of the operation's 200 answer, in document order."""
    examples: dict[str, Any] = operation(spec, path)["responses"]["200"]["content"]["application/json"]["examples"]
    return examples


def callback(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    """The POST operation of the operation's callback name (its only runtime expression)."""
    [(_expression, item)] = operation(spec, path)["callbacks"][name].items()
    op: dict[str, Any] = item["post"]
    return op


def callback_request_schema(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    """The resolved JSON Schema of the body the callback sends."""
    content = callback(spec, path, name)["requestBody"]["content"]["application/json"]
    schema: dict[str, Any] = resolve(spec, content["schema"])
    return schema


def callback_response_schema(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    """The resolved JSON Schema of the 200 reply the callback expects."""
    content = callback(spec, path, name)["responses"]["200"]["content"]["application/json"]
    schema: dict[str, Any] = resolve(spec, content["schema"])
    return schema


def validator(schema: dict[str, Any]) -> Validator:
    """An OAS 3.0 schema validator with ECMA-262 patterns and the contract's formats (date, uri) asserted."""
    checker: Validator = ECMAValidator(schema, format_checker=FORMATS)
    return checker
