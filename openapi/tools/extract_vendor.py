"""Copy the vendor's OpenAPI fragments out of a docs page, byte for byte.

Each ```json block of the page is one fragment; it is written unchanged to
``<out>/<operationId>.json`` so a new vendor page can be dropped in and diffed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```json\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


def fragments(page: str) -> dict[str, str]:
    """Map each fragment's single operationId to its verbatim text."""
    found: dict[str, str] = {}
    for block in FENCE.findall(page):
        doc = json.loads(block)
        ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
        if len(ids) != 1:
            raise SystemExit(f"expected one operation per fragment, found {ids}")
        if ids[0] in found:
            raise SystemExit(f"operationId {ids[0]} appears twice")
        found[ids[0]] = block
    if not found:
        raise SystemExit("no ```json fragments found")
    return found


def main(seed: str, out: str) -> None:
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for op_id, text in sorted(fragments(Path(seed).read_text(encoding="utf-8")).items()):
        (target / f"{op_id}.json").write_text(text + "\n", encoding="utf-8")
        print(f"{target / op_id}.json")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: extract_vendor.py SEED.md OUT_DIR")
    main(sys.argv[1], sys.argv[2])
