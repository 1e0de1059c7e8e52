"""What changed for a consumer since a release: the public Python API (types included) and the contracts.

A release is recorded in the tree, not in a tag (tags do not travel with `main`): releases/X.Y.Z.json
holds that version's public surface (every name `payssam` and `payssam_sim` export, the public members
of their classes, each signature with its parameter and return types, each field's type, each enum
member) and the contracts it was built from. Tools find the last release from the tree, on any clone.

    python openapi/tools/api_diff.py                 # changes since the last recorded release; exit 1 if breaking
    python openapi/tools/api_diff.py X.Y.Z           # ... since that recorded release (vX.Y.Z works too)
    python openapi/tools/api_diff.py REF             # ... since a git ref instead (its tree is read with griffe)
    python openapi/tools/api_diff.py --release       # the tree's version must be at least the bump its changes
                                                     # since the last recorded release require (fails closed)
    python openapi/tools/api_diff.py --record [REF]  # write releases/<version>.json from the tree (or from REF)

Types are compared as unions of names: a return type or a field that may now hold more (`str` ->
`str | None`), or a parameter that accepts less, is breaking; the reverse is not.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contract_diff

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"payssam": "wrapper", "payssam_sim": "mock", "payssam_pytest": "mock"}
"""Each shipped package with a public surface, and where its source lives."""
CONTRACTS = ("openapi/payssam-v1.json", "openapi/payssam-v2.json")
"""The bundled contracts (those that exist at a version are recorded)."""
RELEASES = ROOT / "releases"
VERSION_FILE = ROOT / "wrapper" / "payssam" / "_version.py"
PUBLIC_MODULES = {"payssam": ("redaction",), "payssam_sim": ("cards",), "payssam_pytest": ("approvals",)}
"""Modules the README names for direct use (mask_phone, mask_name; the test cards; the plugin's Approvals); everything
else is reached through the package."""

Surface = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Report:
    """The classified changes, and the smallest version bump they require."""

    breaking: list[str]
    additions: list[str]

    @property
    def bump(self) -> str:
        """semver while 0.x: breaking or additive changes need a minor bump (major after 1.0); else none."""
        return "minor" if self.breaking or self.additions else "none"


# --------------------------------------------------------------------------- the public surface


def _text(value: Any) -> str | None:
    return None if value is None else re.sub(r"\s+", " ", str(value)).strip()


def _target(member: Any) -> Any | None:
    """What an exported name stands for; None for a re-export from outside the packages."""
    try:
        return member.final_target if member.is_alias else member
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _describe(obj: Any, *, enum_member: bool = False) -> dict[str, Any]:
    """One object as the surface records it: its kind and what a caller depends on (an enum member's value)."""
    if obj.is_function:
        parameters = [
            {
                "name": p.name,
                "kind": p.kind.value if p.kind is not None else "positional or keyword",
                "annotation": _text(p.annotation),
                "default": _text(p.default),
            }
            for p in obj.parameters
            if p.name not in ("self", "cls")
        ]
        return {"kind": "function", "parameters": parameters, "returns": _text(obj.returns)}
    if obj.is_class:
        return {"kind": "class", "bases": sorted(_text(base) or "" for base in obj.bases)}
    if obj.is_attribute:
        value = _text(obj.value) if enum_member else None
        return {"kind": "attribute", "annotation": _text(obj.annotation), "value": value}
    return {"kind": obj.kind.value}


def _exports(package: str, module: Any) -> list[str]:
    """A package's exported names: its static `__all__`, or else every public name it re-exports from itself
    (`from .module import X as X`, as payssam's TYPE_CHECKING block does since 0.3.0)."""
    if module.exports is not None:
        return list(module.exports)
    names = []
    for name, member in module.members.items():
        if (name.startswith("_") and name != "__version__") or not member.is_alias:
            continue
        if str(member.target_path).startswith(f"{package}."):
            names.append(name)
    return names


def surface_of(packages: dict[str, Any]) -> Surface:
    """The public surface of loaded packages: every exported object, the public members of exported classes
    (inherited ones too: a field may move to a base class), and the public modules' functions."""
    found: Surface = {}
    for package, module in packages.items():
        for name in sorted(_exports(package, module)):
            member = module.members.get(name)
            target = None if member is None else _target(member)
            if target is None:
                continue
            key = name if package == "payssam" else f"{package}.{name}"
            found[key] = _describe(target)
            if target.is_class:
                enum = any("Enum" in (_text(base) or "") for base in target.bases)
                for sub, value in sorted(target.all_members.items()):
                    if sub.startswith("_") and sub != "__init__":
                        continue
                    resolved = _target(value)
                    if resolved is not None:
                        found[f"{key}.{sub}"] = _describe(resolved, enum_member=enum and resolved.is_attribute)
        for public in PUBLIC_MODULES.get(package, ()):
            for sub, value in module.members[public].members.items():
                if not sub.startswith("_") and not value.is_alias and (value.is_function or value.is_class):
                    found[f"{public}.{sub}"] = _describe(value)
    return found


def tree_surface() -> Surface:
    """The working tree's public surface."""
    loaded = {
        package: griffe.load(package, search_paths=[str(ROOT / path) for path in PACKAGES.values()])
        for package in PACKAGES
    }
    return surface_of(loaded)


def ref_surface(ref: str) -> Surface:
    """The public surface of a git ref's tree (a package it does not have contributes nothing)."""
    loaded = {}
    for package, path in PACKAGES.items():
        try:
            loaded[package] = griffe.load_git(package, ref=ref, repo=ROOT, search_paths=[path])
        except (ImportError, ModuleNotFoundError, griffe.GitError) as exc:
            if package == "payssam":
                raise SystemExit(f"api-diff: cannot read {package} at {ref}: {exc}") from None
    return surface_of(loaded)


# --------------------------------------------------------------------------- comparing types


def _split(annotation: str) -> list[str]:
    """The top-level members of a union annotation (brackets respected)."""
    parts, depth, current = [], 0, ""
    for char in annotation:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def members(annotation: str | None) -> frozenset[str] | None:
    """A type as the set of what it may be (`Optional[X]` and `X | None` alike); None when not annotated."""
    if annotation is None:
        return None
    text = annotation.replace(" ", "")
    match = re.fullmatch(r"(?:typing\.)?Optional\[(.*)\]", text)
    if match:
        return (members(match.group(1)) or frozenset()) | {"None"}
    match = re.fullmatch(r"(?:typing\.)?Union\[(.*)\]", text)
    if match:
        return frozenset(_split(match.group(1).replace(",", "|")))
    return frozenset(_split(text))


def _wider(old: str | None, new: str | None) -> str | None:
    """Why an output type (a return, a field) now breaks a reader: it may hold more or other values."""
    before, after = members(old), members(new)
    if before is None or after is None or before == after:
        return None
    if after > before:
        return f"type widened from {old} to {new}"
    if after < before:
        return None
    return f"type changed from {old} to {new}"


ANYTHING = frozenset({"object", "Any", "typing.Any"})
"""A parameter annotated with one of these accepts whatever it accepted before."""


def _narrower(old: str | None, new: str | None) -> str | None:
    """Why an input type (a parameter) now breaks a caller: it accepts less or other values."""
    before, after = members(old), members(new)
    if before is None or after is None or before == after or after & ANYTHING:
        return None
    if after < before:
        return f"type narrowed from {old} to {new}"
    if after > before:
        return None
    return f"type changed from {old} to {new}"


def _function_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    before = {p["name"]: p for p in old["parameters"]}
    after = {p["name"]: p for p in new["parameters"]}
    variadic = {"variadic positional", "variadic keyword"}
    positional = ("positional-only", "positional or keyword")
    old_positions = [p["name"] for p in old["parameters"] if p["kind"] in positional]
    new_positions = [p["name"] for p in new["parameters"] if p["kind"] in positional]
    if new_positions[: len(old_positions)] != old_positions and any(p["kind"] in positional for p in old["parameters"]):
        yield f"positional parameters changed from ({', '.join(old_positions)}) to ({', '.join(new_positions)})"
    for name, param in before.items():
        if param["kind"] in variadic:
            if not any(p["kind"] == param["kind"] for p in after.values()):
                yield f"parameter {param['kind']} {name} removed"
            continue
        now = after.get(name)
        if now is None:
            if not any(p["kind"] == "variadic keyword" for p in after.values()):
                yield f"parameter {name} removed"
            continue
        if param["default"] is not None and now["default"] is None:
            yield f"parameter {name} lost its default"
        if param["kind"] != "keyword-only" and now["kind"] == "keyword-only" and name in old_positions:
            yield f"parameter {name} became keyword-only"
        why = _narrower(param["annotation"], now["annotation"])
        if why:
            yield f"parameter {name}: {why}"
    for name, param in after.items():
        if name not in before and param["default"] is None and param["kind"] not in variadic:
            yield f"new required parameter {name}"
    why = _wider(old["returns"], new["returns"])
    if why:
        yield f"return {why}"


def _function_additions(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    """What a caller may now pass that it could not: new optional parameters, parameters that accept more."""
    before = {p["name"]: p for p in old["parameters"]}
    for param in new["parameters"]:
        was = before.get(param["name"])
        if was is None:
            yield f"new optional parameter {param['name']}: {param['annotation']}"
        elif was["annotation"] != param["annotation"]:
            yield f"parameter {param['name']} widened from {was['annotation']} to {param['annotation']}"


def compare(old: Surface, new: Surface) -> tuple[list[str], list[str]]:
    """Breaking changes and additions (new names, new optional parameters, wider parameters) between surfaces."""
    breaking: list[str] = []
    additions: list[str] = []
    for name, before in sorted(old.items()):
        after = new.get(name)
        if after is None:
            breaking.append(f"python  {name}: removed")
            continue
        if before["kind"] != after["kind"]:
            breaking.append(f"python  {name}: a {before['kind']} became a {after['kind']}")
            continue
        reasons: list[str] = []
        if before["kind"] == "function":
            reasons = list(_function_changes(before, after))
        elif before["kind"] == "class":
            lost = sorted(set(before["bases"]) - set(after["bases"]))
            reasons = [f"base {base} removed" for base in lost]
        elif before["kind"] == "attribute":
            why = _wider(before["annotation"], after["annotation"])
            if why:
                reasons.append(why)
            elif before["value"] != after["value"] and before["value"] is not None:  # an enum member's value
                reasons.append(f"value changed from {before['value']} to {after['value']}")
        breaking += [f"python  {name}: {reason}" for reason in reasons]
        if before["kind"] == "function" and not reasons:
            additions.extend(f"python  {name}: {change}" for change in _function_additions(before, after))
    added = [f"python  {name}: added" for name in sorted(new) if name not in old]
    return breaking, added + additions


# --------------------------------------------------------------------------- contracts and releases


def tree_contracts() -> dict[str, Any]:
    """Every bundled contract of the tree, by path."""
    return {path: json.loads((ROOT / path).read_text(encoding="utf-8")) for path in CONTRACTS if (ROOT / path).exists()}


def ref_contracts(ref: str) -> dict[str, Any]:
    found = {}
    for path in CONTRACTS:
        done = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            found[path] = json.loads(done.stdout)
    return found


def contract_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    breaking: list[str] = []
    added: list[str] = []
    for path, before in sorted(old.items()):
        after = new.get(path)
        if after is None:
            breaking.append(f"contract  {path}: removed")
            continue
        changes = contract_diff.compare(before, after)
        breaking += [f"contract  {path} {c.where}: {c.what}" for c in changes if c.breaking]
        added += [f"contract  {path} {c.where}: {c.what}" for c in changes if not c.breaking]
        if before.get("info", {}).get("version") != after.get("info", {}).get("version"):
            added.append(f"contract  {path} version {before['info'].get('version')} → {after['info'].get('version')}")
    added += [f"contract  {path}: added" for path in sorted(new) if path not in old]
    return breaking, added


def parse_version(text: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", text)
    if match is None:
        raise SystemExit(f"api-diff: {text!r} is not a version X.Y.Z")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def tree_version() -> tuple[int, int, int]:
    match = re.search(r'__version__ = "([0-9.]+)"', VERSION_FILE.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{VERSION_FILE}: no X.Y.Z __version__")
    return parse_version(match.group(1))


def recorded() -> list[tuple[tuple[int, int, int], Path]]:
    """Every release recorded in the tree, oldest first."""
    if not RELEASES.is_dir():
        return []
    return sorted((parse_version(path.stem), path) for path in RELEASES.glob("*.json"))


def last_release(version: tuple[int, int, int]) -> tuple[tuple[int, int, int], dict[str, Any]]:
    """The newest recorded release not newer than version; none is an error (the check fails closed)."""
    older = [(number, path) for number, path in recorded() if number <= version]
    if not older:
        raise SystemExit(
            f"version-check: no release recorded in {RELEASES.relative_to(ROOT)}/ at or below "
            f"{'.'.join(map(str, version))}: nothing to compare with, so nothing can be said to be compatible"
        )
    number, path = older[-1]
    baseline: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return number, baseline


def record(version: str, surface: Surface, contracts: dict[str, Any], commit: str | None) -> Path:
    """Write releases/<version>.json: the surface and the contracts (with their digests)."""
    RELEASES.mkdir(exist_ok=True)
    path = RELEASES / f"{version}.json"
    documents = {
        name: {"sha256": hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest(), "document": doc}
        for name, doc in contracts.items()
    }
    data = {"version": version, "commit": commit, "api": surface, "contracts": documents}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def against_release(baseline: dict[str, Any]) -> Report:
    api_breaking, api_added = compare(baseline["api"], tree_surface())
    old_contracts = {name: entry["document"] for name, entry in baseline["contracts"].items()}
    contract_breaking, contract_added = contract_changes(old_contracts, tree_contracts())
    return Report(api_breaking + contract_breaking, api_added + contract_added)


def against_ref(ref: str) -> Report:
    api_breaking, api_added = compare(ref_surface(ref), tree_surface())
    contract_breaking, contract_added = contract_changes(ref_contracts(ref), tree_contracts())
    return Report(api_breaking + contract_breaking, api_added + contract_added)


def show(result: Report, since: str) -> None:
    print(f"changes since {since}: {len(result.breaking)} breaking, {len(result.additions)} not breaking")
    for line in result.breaking:
        print(f"  BREAKING      {line}")
    for line in result.additions:
        print(f"  non-breaking  {line}")


def check_release() -> int:
    """0 when the tree's version is at least the bump its changes since the last recorded release require."""
    version = tree_version()
    released, baseline = last_release(version)
    result = against_release(baseline)
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
    shown, since = ".".join(map(str, version)), ".".join(map(str, released))
    if order.index(bumped) < order.index(needed):
        show(result, f"release {since}")
        print(f"version-check: {shown} is a {bumped} bump from {since}; its changes need {needed}", file=sys.stderr)
        return 1
    print(f"version-check: {shown} since the recorded release {since} ({bumped} bump; the changes need {needed})")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--release"]:
        return check_release()
    if argv[:1] == ["--record"] and len(argv) <= 2:
        ref = argv[1] if len(argv) == 2 else None
        if ref is None:
            version = ".".join(map(str, tree_version()))
            path = record(version, tree_surface(), tree_contracts(), None)
        else:
            shown = subprocess.run(
                ["git", "show", f"{ref}:wrapper/payssam/_version.py"], cwd=ROOT, capture_output=True, text=True
            )
            match = re.search(r'__version__ = "([0-9.]+)"', shown.stdout)
            if match is None:
                raise SystemExit(f"api-diff: no version at {ref}")
            commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True).stdout
            path = record(match.group(1), ref_surface(ref), ref_contracts(ref), commit.strip())
        print(f"recorded {path.relative_to(ROOT)}")
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    if argv:
        named = RELEASES / f"{argv[0].removeprefix('v')}.json"
        if named.is_file():
            result, since = against_release(json.loads(named.read_text(encoding="utf-8"))), f"release {named.stem}"
        else:
            result, since = against_ref(argv[0]), argv[0]
    else:
        released, baseline = last_release(tree_version())
        result, since = against_release(baseline), f"release {'.'.join(map(str, released))}"
    show(result, since)
    return 1 if result.breaking else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
