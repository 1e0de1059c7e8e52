"""The vendor can't be silently outvoted: each overlay action states the vendor values it expects to find.

An action that changes or adds a value at a node the vendor publishes carries `x-vendor`: the
same keys as its `update`, each with the vendor's current value (`null` when the vendor has none),
nested like the update. `x-vendor-facts` lists other vendor values its reason rests on
(`{at: <path>, expect: {key: value}}`). Before the overlay is applied, every expectation is checked
against the merged vendor fragments; a changed value, a missing expectation or a target that is
gone fails, naming the action, so the overlay is reviewed instead of overwriting the vendor.

Paths are openapi-format's JSONPath: `$`, `.name`, `['name']`, `[a,b]` (names), `[*]`, `[0]`.

    python openapi/tools/check_overlay.py MERGED_VENDOR.json OVERLAY.yaml
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ABSENT = None
_SEGMENT = re.compile(r"\.([A-Za-z0-9_$-]+)|\[([^\]]*)\]")


def parse(path: str) -> list[list[str | int] | None]:
    """A JSONPath as steps: each a list of names or indexes, or None for `*`."""
    if not path.startswith("$"):
        raise ValueError(f"path {path!r} does not start at $")
    steps: list[list[str | int] | None] = []
    rest = path[1:]
    while rest:
        match = _SEGMENT.match(rest)
        if match is None:
            raise ValueError(f"cannot read path {path!r} at {rest!r}")
        name, inside = match.groups()
        if name is not None:
            steps.append([name])
        elif inside.strip() == "*":
            steps.append(None)
        else:
            steps.append([_key(part.strip()) for part in inside.split(",")])
        rest = rest[match.end() :]
    return steps


def _key(text: str) -> str | int:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return int(text) if text.isdigit() else text


def select(document: Any, path: str, missing: list[str] | None = None) -> list[tuple[str, Any]]:
    """Every node the path names in document, with a readable location; each name it lists that is absent
    selects nothing and, when `missing` is given, is added to it."""
    found: list[tuple[str, Any]] = [("$", document)]
    for step in parse(path):
        found = list(_children(found, step, missing if missing is not None else []))
    return found


def _children(
    nodes: list[tuple[str, Any]], step: list[str | int] | None, missing: list[str]
) -> Iterator[tuple[str, Any]]:
    for where, node in nodes:
        if isinstance(node, dict):
            keys: list[Any] = list(node) if step is None else list(step)
            for key in keys:
                located = f"{where}[{json.dumps(key, ensure_ascii=False)}]"
                if key in node:
                    yield located, node[key]
                else:
                    missing.append(located)
        elif isinstance(node, list):
            indexes = range(len(node)) if step is None else [k for k in step if isinstance(k, int)]
            for index in indexes:
                if index < len(node):
                    yield f"{where}[{index}]", node[index]
                else:
                    missing.append(f"{where}[{index}]")


def _compare(node: Any, update: Mapping[str, Any], expected: Any, where: str) -> Iterator[str]:
    """Problems with one node: a key the update touches whose vendor value differs from the expectation."""
    if not isinstance(expected, Mapping):
        yield f"{where}: x-vendor must map the updated keys to the vendor's values"
        return
    for key, value in update.items():
        if key not in expected:
            yield f"{where}: no x-vendor value for {key!r} (the vendor has {_show(node.get(key))})"
            continue
        current = node.get(key, ABSENT) if isinstance(node, Mapping) else ABSENT
        wanted = expected[key]
        if isinstance(value, Mapping) and isinstance(current, Mapping) and isinstance(wanted, Mapping):
            yield from _compare(current, value, wanted, f"{where}.{key}")
        elif current != wanted:
            yield f"{where}.{key}: the vendor now has {_show(current)}, the overlay expects {_show(wanted)}"


def _show(value: Any) -> str:
    text = "nothing" if value is ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _first_words(text: str, limit: int = 70) -> str:
    """An action's description shortened for a message: its first sentence, cut at a word, never mid-word."""
    sentence = " ".join(text.split(". ")[0].split())
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + " …"


def problems(vendor: Any, overlay: Mapping[str, Any]) -> list[str]:
    """Every expectation the vendor document no longer meets, each naming its action."""
    found: list[str] = []
    for number, action in enumerate(overlay.get("actions", []), start=1):
        name = f"action {number} ({action.get('target')}): {_first_words(str(action.get('description', '')))}"
        found.extend(f"{name}: {problem}" for problem in _action_problems(vendor, action))
    return found


def _action_problems(vendor: Any, action: Mapping[str, Any]) -> Iterator[str]:
    target = str(action["target"])
    gone: list[str] = []
    nodes = select(vendor, target, gone)
    for fact in action.get("x-vendor-facts", []):
        absent: list[str] = []
        facts = select(vendor, str(fact["at"]), absent)
        for where in absent:
            yield f"the vendor no longer has {where}, which this action's reason rests on"
        for where, node in facts:
            yield from _facts(node, fact, where)
    if "x-vendor" not in action:
        if nodes:
            yield "acts on a node the vendor publishes but records no x-vendor values it expects to find"
        return
    if not nodes or gone:
        for where in gone or [target]:
            yield f"its target {where} is gone from the vendor's document"
        return
    if action.get("remove"):
        for where, node in nodes:
            if node != action["x-vendor"]:
                expected = _show(action["x-vendor"])
                yield f"{where}: the vendor now has {_show(node)}, the overlay expects to remove {expected}"
        return
    for where, node in nodes:
        yield from _compare(node, action["update"], action["x-vendor"], where)


def _facts(node: Any, fact: Mapping[str, Any], where: str) -> Iterator[str]:
    for key, wanted in fact["expect"].items():
        current = node.get(key, ABSENT) if isinstance(node, Mapping) else ABSENT
        if current != wanted:
            yield f"{where}.{key}: the vendor now has {_show(current)}; the reason expects {_show(wanted)}"


def main(argv: list[str]) -> int:
    """0 when every expectation holds; else each problem on stderr and 1."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    vendor = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    overlay = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8"))
    found = problems(vendor, overlay)
    for problem in found:
        print(f"overlay: {problem}", file=sys.stderr)
    if found:
        print(
            "overlay: the vendor changed what these actions rest on: review each one (is it still needed, is its "
            "reason still true?) and update its x-vendor values; never let the overlay overwrite the vendor unseen",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
