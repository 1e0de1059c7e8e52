"""A structural diff of two OpenAPI contracts, each change classified breaking or not for a client.

Fields are compared as a client sees them: every request and response property (nested ones by
dotted name) with its required-ness, type, lengths, pattern, format and enum, and the set of
paths. A request that accepts less, or an answer that may carry more or other than before, is
breaking; additions a client may ignore are not.

    python openapi/tools/contract_diff.py OLD.json NEW.json         # the changes; exit 1 if any is breaking
    python openapi/tools/contract_diff.py --all OLD.json NEW.json   # and every value that changed; exit 0
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULES = ("type", "format", "pattern", "maxLength", "minLength", "maximum", "minimum", "enum", "nullable")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: where, what, and whether a client can break on it."""

    breaking: bool
    where: str
    what: str

    def __str__(self) -> str:
        return f"{'BREAKING    ' if self.breaking else 'non-breaking'}  {self.where}: {self.what}"


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Inline every local $ref."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            return _resolve(spec, target)
        return {key: _resolve(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(spec, item) for item in node]
    return node


def _fields(schema: Mapping[str, Any], prefix: str = "", required: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a schema, nested ones by dotted name, with the rules that constrain it."""
    rules = {rule: schema[rule] for rule in RULES if rule in schema}
    if prefix:
        yield prefix, {**rules, "required": required}
    needed = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        yield from _fields(sub, f"{prefix}.{name}" if prefix else name, name in needed)
    if isinstance(schema.get("items"), dict):
        yield from _fields(schema["items"], f"{prefix}[]", True)


def surface(spec: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """{"POST /if/bill/read": {"request bill_id": {...rules}, "response appr_state": {...}}} for every operation."""
    operations: dict[str, dict[str, dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            fields: dict[str, dict[str, Any]] = {}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "schema" in body:
                for name, rules in _fields(_resolve(spec, body["schema"])):
                    fields[f"request {name}"] = rules
            answer = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            if "schema" in answer:
                for name, rules in _fields(_resolve(spec, answer["schema"])):
                    fields[f"response {name}"] = rules
            operations[f"{method.upper()} {path}"] = fields
    return operations


def _narrower(rule: str, old: Any, new: Any) -> bool | None:
    """Whether new accepts less than old (True), more (False), or cannot be ordered (None)."""
    if old is None:
        return True
    if new is None:
        return False
    if rule in ("maxLength", "maximum"):
        return bool(new < old)
    if rule in ("minLength", "minimum"):
        return bool(new > old)
    if rule == "enum":
        before, after = {json.dumps(v) for v in old}, {json.dumps(v) for v in new}
        return True if after < before else False if after > before else None
    if rule == "nullable":
        return bool(old) and not new
    return None


def _rule_change(where: str, rule: str, old: Any, new: Any, request: bool) -> Change:
    """A request accepting less, or an answer carrying more or other values, breaks a client."""
    narrower = _narrower(rule, old, new)
    shown = f"{rule} {json.dumps(old, ensure_ascii=False)} → {json.dumps(new, ensure_ascii=False)}"
    if old is None:
        shown = f"{rule} {json.dumps(new, ensure_ascii=False)} added"
    elif new is None:
        shown = f"{rule} {json.dumps(old, ensure_ascii=False)} removed"
    if narrower is None:
        return Change(True, where, shown)
    return Change(narrower if request else not narrower, where, shown)


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two contracts' client-visible surfaces."""
    before, after = surface(old), surface(new)
    changes: list[Change] = []
    for operation in sorted(before.keys() - after.keys()):
        changes.append(Change(True, operation, "operation removed"))
    for operation in sorted(after.keys() - before.keys()):
        changes.append(Change(False, operation, "operation added"))
    for operation in sorted(before.keys() & after.keys()):
        old_fields, new_fields = before[operation], after[operation]
        for field in sorted(old_fields.keys() | new_fields.keys()):
            where = f"{operation} {field}"
            request = field.startswith("request ")
            was, now = old_fields.get(field), new_fields.get(field)
            if was is None:
                assert now is not None
                changes.append(Change(request and now["required"], where, f"field added ({_req(now)})"))
                continue
            if now is None:
                changes.append(Change(True, where, "field removed"))
                continue
            if was["required"] != now["required"]:
                became = "required" if now["required"] else "optional"
                changes.append(Change(now["required"] if request else not now["required"], where, f"now {became}"))
            for rule in RULES:
                if was.get(rule) != now.get(rule):
                    changes.append(_rule_change(where, rule, was.get(rule), now.get(rule), request))
    return changes


def leaves(node: Any, where: str = "$") -> Iterator[tuple[str, Any]]:
    """Every leaf value of a JSON document with its path, for a line-by-line semantic diff."""
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaves(value, f"{where}.{key}" if str(key).isidentifier() else f"{where}[{json.dumps(key)}]")
    elif isinstance(node, list) and node:
        for index, value in enumerate(node):
            yield from leaves(value, f"{where}[{index}]")
    else:
        yield where, node


def every_change(old: Any, new: Any) -> list[str]:
    """Each value added, removed or changed anywhere in the document (descriptions and examples too)."""
    before, after = dict(leaves(old)), dict(leaves(new))
    lines = []
    for where in sorted(before.keys() | after.keys()):
        was, now = before.get(where, _MISSING), after.get(where, _MISSING)
        if was == now:
            continue
        if was is _MISSING:
            lines.append(f"  + {where}: {_short(now)}")
        elif now is _MISSING:
            lines.append(f"  - {where}: {_short(was)}")
        else:
            lines.append(f"  ~ {where}: {_short(was)} → {_short(now)}")
    return lines


_MISSING = object()


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 100 else text[:97] + "..."


def _req(rules: Mapping[str, Any]) -> str:
    return "required" if rules["required"] else "optional"


def main(argv: list[str]) -> int:
    """Print the changes from OLD to NEW; 1 if any is breaking (--all: every changed value too, exit 0)."""
    every = "--all" in argv
    names = [arg for arg in argv if arg != "--all"]
    if len(names) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = (json.loads(Path(name).read_text(encoding="utf-8")) for name in names)
    changes = compare(old, new)
    for change in changes:
        print(change)
    if not changes:
        print("no change to the contract's fields or paths")
    if every:
        lines = every_change(old, new)
        print(f"every value that changed ({len(lines)}):" if lines else "no value changed at all")
        print("\n".join(lines))
        return 0
    return 1 if any(change.breaking for change in changes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
