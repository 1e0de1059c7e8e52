"""A quick yes to "does this body keep every rule of its request schema?", for the bodies that do.

Most bodies a simulator sees are valid, and the general JSON Schema validator spends most of a request's time
proving it. A Rule is the same schema read once into plain checks of the few keywords the contracts' request
schemas use (type string or object, required, properties, minLength, maxLength, pattern, format, an enum of
strings), which mean the same in draft 4 and draft 2020-12. Its verdict is exact; contract.RequestRules asks it
first and runs the full validator only when it says no, so every refusal is still the full validator's, word for
word. A schema with any other keyword gets no Rule, and the full validator always runs. Measured by
tests/bench/bench_sim.py (in-process reads/s), checked against the full validator by tests/test_sim_precheck.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import regress

TYPES: dict[str, type] = {"string": str, "object": dict}
"""The JSON types a Rule checks, and the Python type a decoded value of each has."""
ANNOTATIONS = frozenset({"description", "example", "examples", "title"})
"""Keywords that never refuse anything (nor do x- extensions)."""


class Formats(Protocol):
    """What a Rule needs of a jsonschema FormatChecker."""

    def conforms(self, instance: object, format: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Rule:
    """One schema's checks; holds() is True exactly when the full validator finds nothing wrong."""

    kind: type | None
    min_length: int
    max_length: int | None
    pattern: regress.Regex | None
    format: str | None
    enum: tuple[str, ...] | None
    required: tuple[str, ...]
    properties: tuple[tuple[str, Rule], ...]
    formats: Formats

    def holds(self, value: object) -> bool:
        """Whether value keeps every rule of the schema, its members' included."""
        if self.kind is not None and not isinstance(value, self.kind):
            return False
        if self.enum is not None and value not in self.enum:
            return False
        if self.format is not None and not self.formats.conforms(value, self.format):
            return False
        if isinstance(value, str):
            size = len(value)
            if size < self.min_length or (self.max_length is not None and size > self.max_length):
                return False
            return self.pattern is None or self.pattern.find(value) is not None
        if isinstance(value, dict):
            for name in self.required:
                if name not in value:
                    return False
            for name, rule in self.properties:
                if name in value and not rule.holds(value[name]):
                    return False
        return True


def _length(value: object) -> int | None:
    """A length limit as jsonschema compares it (a non-negative integer), or None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def compile_rule(schema: Mapping[str, Any], formats: Formats) -> Rule | None:
    """The schema's Rule (every $ref already inlined), or None when it uses a keyword a Rule does not check."""
    known = {"type", "minLength", "maxLength", "pattern", "format", "enum", "required", "properties"}
    if any(key not in known and key not in ANNOTATIONS and not key.startswith("x-") for key in schema):
        return None
    kind = None
    if "type" in schema:
        kind = TYPES.get(schema["type"]) if isinstance(schema["type"], str) else None
        if kind is None:
            return None
    min_length = _length(schema.get("minLength", 0))
    max_length = _length(schema["maxLength"]) if "maxLength" in schema else None
    if min_length is None or ("maxLength" in schema and max_length is None):
        return None
    pattern, format, enum = schema.get("pattern"), schema.get("format"), schema.get("enum")
    required, properties = schema.get("required", []), schema.get("properties", {})
    if pattern is not None and not isinstance(pattern, str):
        return None
    if format is not None and not isinstance(format, str):
        return None
    if enum is not None and not (isinstance(enum, list) and all(isinstance(each, str) for each in enum)):
        return None
    if not (isinstance(required, list) and all(isinstance(name, str) for name in required)):
        return None
    if not isinstance(properties, Mapping):
        return None
    members: list[tuple[str, Rule]] = []
    for name, member in properties.items():
        rule = compile_rule(member, formats) if isinstance(member, Mapping) else None
        if rule is None:
            return None
        members.append((name, rule))
    return Rule(
        kind=kind,
        min_length=min_length,
        max_length=max_length,
        pattern=None if pattern is None else regress.Regex(pattern),
        format=format,
        enum=None if enum is None else tuple(enum),
        required=tuple(required),
        properties=tuple(members),
        formats=formats,
    )
