"""The contract as a test oracle: JSON Schema validation of request bodies.

OpenAPI 3.0 patterns are ECMA-262 regular expressions, so `pattern` is checked
with an ECMA engine (regress): Python's `re` would let `$` match before a
trailing newline and disagree with the mock and the vendor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regress
from jsonschema import validators
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30Validator


def _ecma_pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[SchemaError]:
    if validator.is_type(instance, "string") and regress.Regex(pattern).find(instance) is None:
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


ECMAValidator = validators.extend(OAS30Validator, {"pattern": _ecma_pattern})


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


def validator(schema: dict[str, Any]) -> Validator:
    """An OAS 3.0 schema validator with ECMA-262 patterns."""
    checker: Validator = ECMAValidator(schema)
    return checker
