"""What changed for a consumer between a git ref and the working tree: the public Python API and the contract.

The public API (what `payssam` exports and the members of its public classes) is compared with
griffe, the bundled contract with contract_diff; each change is printed as breaking or not.

    python openapi/tools/api_diff.py REF            # exit 1 if anything breaks a caller
    python openapi/tools/api_diff.py --release      # the version in the tree must be at least the bump
                                                    # its changes since the last release (tag vX.Y.Z) require
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contract_diff

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "payssam"
SEARCH = ["wrapper"]
CONTRACT = "openapi/payssam-v1.json"
VERSION_FILE = ROOT / "wrapper" / "payssam" / "_version.py"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True, slots=True)
class Report:
    """The classified changes, and the smallest version bump they require."""

    breaking: list[str]
    additions: list[str]

    @property
    def bump(self) -> str:
        """semver while 0.x: breaking or additive changes need a minor bump (major after 1.0); else none."""
        return "minor" if self.breaking or self.additions else "none"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


PUBLIC_MODULES = ("redaction",)
"""Modules the README names for direct use (mask_phone, mask_name); everything else is reached through `payssam`."""


def _target(member: Any) -> Any | None:
    """What an exported name stands for; None for a re-export from outside the package (the client's UNSET)."""
    try:
        return member.final_target if member.is_alias else member
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _public(module: Any) -> dict[str, Any]:
    """The public surface by dotted name: every exported object, the public members of exported classes, and
    the public modules' public functions."""
    surface: dict[str, Any] = {}
    for name in sorted(module.exports or []):
        member = module.members.get(name)
        target = None if member is None else _target(member)
        if target is None:
            continue
        surface[name] = target
        if target.is_class:
            for sub, value in target.all_members.items():  # inherited ones too: a field may move to a base class
                if not sub.startswith("_") or sub == "__init__":
                    surface[f"{name}.{sub}"] = value
    for name in PUBLIC_MODULES:
        for sub, value in module.members[name].members.items():
            if not sub.startswith("_") and not value.is_alias and (value.is_function or value.is_class):
                surface[f"{name}.{sub}"] = value
    return surface


def _api_changes(ref: str) -> tuple[list[str], list[str]]:
    old = _public(griffe.load_git(PACKAGE, ref=ref, repo=ROOT, search_paths=SEARCH))
    new = _public(griffe.load(PACKAGE, search_paths=[str(ROOT / path) for path in SEARCH]))
    breaking: list[str] = []
    for name in sorted(old):
        if name not in new:
            breaking.append(f"python  {name}: removed")
            continue
        if "." in name and not name.startswith(PUBLIC_MODULES):
            continue  # class members are compared with their class
        for change in griffe.find_breaking_changes(old[name], new[name]):
            text = _ANSI.sub("", change.explain(style=griffe.ExplanationStyle.ONE_LINE))
            breaking.append(f"python  {name}: {text.split(': ', 1)[-1]}")
    added = [f"python  {name}: added" for name in sorted(new) if name not in old]
    return breaking, added


def _contract_changes(ref: str) -> tuple[list[str], list[str]]:
    old = json.loads(_git("show", f"{ref}:{CONTRACT}"))
    new = json.loads((ROOT / CONTRACT).read_text(encoding="utf-8"))
    changes = contract_diff.compare(old, new)
    breaking = [f"contract  {c.where}: {c.what}" for c in changes if c.breaking]
    added = [f"contract  {c.where}: {c.what}" for c in changes if not c.breaking]
    if old.get("info", {}).get("version") != new.get("info", {}).get("version"):
        added.append(f"contract  version {old['info'].get('version')} → {new['info'].get('version')}")
    return breaking, added


def report(ref: str) -> Report:
    """Every change from ref to the working tree."""
    api_breaking, api_added = _api_changes(ref)
    contract_breaking, contract_added = _contract_changes(ref)
    return Report(api_breaking + contract_breaking, api_added + contract_added)


def show(result: Report, ref: str) -> None:
    print(f"changes since {ref}: {len(result.breaking)} breaking, {len(result.additions)} not breaking")
    for line in result.breaking:
        print(f"  BREAKING      {line}")
    for line in result.additions:
        print(f"  non-breaking  {line}")


def tree_version() -> tuple[int, int, int]:
    match = re.search(r'__version__ = "([0-9]+)\.([0-9]+)\.([0-9]+)"', VERSION_FILE.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{VERSION_FILE}: no X.Y.Z __version__")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def last_release() -> str | None:
    """The newest release tag vX.Y.Z reachable from HEAD, or None when the clone has none."""
    done = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*.[0-9]*.[0-9]*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def check_release() -> int:
    """0 when the tree's version is at least the bump its changes since the last release require."""
    tag = last_release()
    version = tree_version()
    if tag is None:
        print("version-check: no release tag (vX.Y.Z) in this clone; fetch the tags to check the version bump")
        return 0
    released = tuple(int(part) for part in tag.removeprefix("v").split("."))
    result = report(tag)
    needed = result.bump
    if released[0] >= 1 and result.breaking:
        needed = "major"
    bumped = (
        "major"
        if version[0] > released[0]
        else "minor"
        if version[:2] > released[:2]
        else "patch"
        if version > released
        else "none"
    )
    order = ["none", "patch", "minor", "major"]
    shown = ".".join(map(str, version))
    if order.index(bumped) < order.index(needed):
        show(result, tag)
        print(f"version-check: {shown} is a {bumped} bump from {tag}; its changes need {needed}", file=sys.stderr)
        return 1
    print(f"version-check: {shown} since {tag} ({bumped} bump; the changes need {needed})")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--release"]:
        return check_release()
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    result = report(argv[0])
    show(result, argv[0])
    return 1 if result.breaking else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
