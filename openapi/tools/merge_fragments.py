"""Merge the vendor's one-operation fragments into one OpenAPI document.

Paths and component schemas are united; a name defined twice with different
content is an error, never a silent overwrite. ``info`` and ``servers`` come
from the first fragment (the overlay replaces them anyway).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def merge(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Unite the fragments' paths and components, refusing conflicts."""
    first = docs[0]
    merged: dict[str, Any] = {
        "openapi": first["openapi"],
        "info": first["info"],
        "servers": first.get("servers", []),
        "paths": {},
        "components": {},
    }
    for doc in docs:
        if doc["openapi"] != merged["openapi"]:
            raise SystemExit(f"mixed OpenAPI versions: {doc['openapi']} vs {merged['openapi']}")
        _unite(merged["paths"], doc.get("paths", {}), "paths")
        for section, entries in doc.get("components", {}).items():
            _unite(merged["components"].setdefault(section, {}), entries, f"components.{section}")
    return merged


def _unite(into: dict[str, Any], entries: dict[str, Any], where: str) -> None:
    for name, value in entries.items():
        if name in into and into[name] != value:
            raise SystemExit(f"{where}.{name} is defined twice with different content")
        into[name] = value


def main(out: str, fragments: list[str]) -> None:
    docs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in sorted(fragments)]
    Path(out).write_text(json.dumps(merge(docs), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: merge_fragments.py OUT.json FRAGMENT.json...")
    main(sys.argv[1], sys.argv[2:])
