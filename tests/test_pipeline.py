"""The spec pipeline can't be silently outvoted, and what the contract says reaches the SDK.

Drills change the vendor's fragments the way a new docs page would, and check that the overlay
refuses to overwrite them unseen (naming the action), that `make spec` stops, that a moved limit
reaches the SDK's validation, and that the contract diff classifies changes for clients.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kit import ROOT

TOOLS = ROOT / "openapi" / "tools"
sys.path.insert(0, str(TOOLS))

import api_diff as api_diff_tool  # noqa: E402
import check_overlay  # noqa: E402
import contract_constants  # noqa: E402
import contract_diff  # noqa: E402
import merge_fragments  # noqa: E402

VENDOR = ROOT / "openapi" / "vendor"
OVERLAY: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "overlay.yaml").read_text(encoding="utf-8"))
BILL_ID_ACTION = "$.components.schemas[ReqCancelBill,BillReq].properties.bill_id"


def vendor_document() -> dict[str, Any]:
    """The vendor's fragments merged, as `make spec` merges them."""
    fragments = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(VENDOR.glob("*.json"))]
    return merge_fragments.merge(fragments)


def action_number(target: str) -> int:
    return next(i for i, action in enumerate(OVERLAY["actions"], start=1) if action["target"] == target)


def test_every_vendor_value_the_overlay_rests_on_is_as_expected() -> None:
    assert check_overlay.problems(vendor_document(), OVERLAY) == []


def test_every_action_on_a_vendor_node_records_what_it_expects() -> None:
    vendor = vendor_document()
    for number, action in enumerate(OVERLAY["actions"], start=1):
        if check_overlay.select(vendor, action["target"]):
            assert "x-vendor" in action, f"action {number} ({action['target']}) records no x-vendor values"


def _problems_after(change: Any) -> list[str]:
    vendor = vendor_document()
    change(vendor["components"]["schemas"])
    return check_overlay.problems(vendor, OVERLAY)


DRILLS: dict[str, Any] = {
    "response-maxLength-raised": lambda s: [
        s[n]["properties"]["bill_id"].update(maxLength=30) for n in ("CancelBill", "Approval")
    ],
    "request-maxLength-added": lambda s: [
        s[n]["properties"]["bill_id"].update(maxLength=30) for n in ("ReqCancelBill", "BillReq")
    ],
    "request-field-gone": lambda s: s["BillReq"]["properties"].pop("bill_id"),
}


@pytest.mark.parametrize("drill", DRILLS)
def test_a_vendor_change_under_the_bill_id_action_names_it(drill: str) -> None:
    problems = _problems_after(DRILLS[drill])
    name = f"action {action_number(BILL_ID_ACTION)} ({BILL_ID_ACTION})"
    assert problems, "the drill went unnoticed"
    assert all(problem.startswith(name) for problem in problems), problems


def test_a_changed_vendor_description_under_a_correction_is_caught() -> None:
    target = "$.components.schemas.CancelBill.properties.member"
    problems = _problems_after(
        lambda s: s["CancelBill"]["properties"]["member"].update(description="파트너 사용자 코드")
    )
    assert problems
    assert problems[0].startswith(f"action {action_number(target)} ({target})")
    assert "the vendor now has" in problems[0]


def test_an_action_without_expectations_on_a_vendor_node_is_refused() -> None:
    overlay = copy.deepcopy(OVERLAY)
    del overlay["actions"][action_number(BILL_ID_ACTION) - 1]["x-vendor"]
    [problem] = check_overlay.problems(vendor_document(), overlay)
    assert "records no x-vendor values" in problem


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("$.components.schemas[ReqCancelBill,BillReq].properties.bill_id", 2),
        ("$.components.schemas['BillReq'].properties[apikey,member]", 2),
        ("$.paths[*].post.responses", 2),
        ("$.servers[0]", 1),
        ("$.components.schemas.Nothing.properties", 0),
    ],
)
def test_the_overlay_path_dialect(path: str, count: int) -> None:
    assert len(check_overlay.select(vendor_document(), path)) == count


def drilled_vendor(tmp_path: Path) -> Path:
    """A copy of the vendor fragments where the vendor raised bill_id's maxLength to 30, requests included."""
    out = tmp_path / "vendor"
    out.mkdir()
    for source in VENDOR.glob("*.json"):
        doc = json.loads(source.read_text(encoding="utf-8"))
        for schema in doc["components"]["schemas"].values():
            if "bill_id" in schema.get("properties", {}):
                schema["properties"]["bill_id"]["maxLength"] = 30
        (out / source.name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


def test_make_spec_stops_at_the_drill_naming_the_action(tmp_path: Path) -> None:
    if not (ROOT / "openapi" / "node_modules" / ".installed").exists():
        pytest.skip("the spec tools are not installed (make install)")
    out = tmp_path / "spec.json"
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "spec",
            f"VENDOR={drilled_vendor(tmp_path)}",
            f"SPEC={out}",
            f"BUILD={tmp_path / 'build'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0, done.stdout
    assert f"action {action_number(BILL_ID_ACTION)} ({BILL_ID_ACTION})" in done.stderr, done.stderr
    assert not out.exists(), "the contract was written although the overlay was outvoted"


def test_the_sdk_limits_are_the_contracts(spec: dict[str, Any]) -> None:
    import payssam._contract as generated
    from payssam import _validation as validation

    rendered = contract_constants.render(spec)
    assert (ROOT / "wrapper" / "payssam" / "_contract.py").read_text(encoding="utf-8") == rendered
    assert spec["info"]["version"] == generated.CONTRACT_VERSION
    assert (validation.BILL_ID_MAX, validation.ISSUER_MAX, validation.URL_MAX) == (
        generated.BILL_ID_MAX,
        generated.ISSUER_MAX,
        generated.CALLBACK_URL_MAX,
    )
    assert generated.TEXT_PATTERN == r"\S", (
        "the SDK's text rule (NOT_BLANK) is ECMA \\S; a new pattern needs it changed"
    )
    assert 10 ** int(generated.PRICE_PATTERN.split(",")[1].split("}")[0]) - 1 == validation.MAX_PRICE


def test_a_limit_moved_in_the_contract_moves_the_sdk(tmp_path: Path, spec: dict[str, Any]) -> None:
    drilled = copy.deepcopy(spec)
    for schema in drilled["components"]["schemas"].values():
        if "bill_id" in schema.get("properties", {}):
            schema["properties"]["bill_id"]["maxLength"] = 30
    package = tmp_path / "payssam"
    shutil.copytree(ROOT / "wrapper" / "payssam", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_contract.py").write_text(contract_constants.render(drilled), encoding="utf-8")
    probe = "from payssam import _validation as v; print(v.bill_id('A' * 25)); v.bill_id('A' * 31)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "generated_client")])}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.stdout == "A" * 25 + "\n", done.stderr
    assert "ValidationError: bill_id: must be 1 to 30 ASCII letters or digits" in done.stderr


def test_constants_refuse_request_schemas_that_disagree(spec: dict[str, Any]) -> None:
    drilled = copy.deepcopy(spec)
    drilled["components"]["schemas"]["BillReq"]["properties"]["bill_id"]["maxLength"] = 25
    with pytest.raises(SystemExit, match=r"disagree on bill_id\.maxLength"):
        contract_constants.render(drilled)


CHANGES: list[Any] = [
    pytest.param("BillReq", "bill_id", {"maxLength": 10}, True, id="request-narrowed"),
    pytest.param("BillReq", "bill_id", {"maxLength": 40}, False, id="request-widened"),
    pytest.param("Approval", "appr_price", {"maxLength": 5}, False, id="answer-narrowed"),
    pytest.param("Approval", "appr_state", {"pattern": "^[FWCDX]$"}, True, id="answer-pattern-changed"),
    pytest.param("SendBill", "bill_issuer", {"maxLength": 40}, True, id="optional-request-narrowed"),
]


@pytest.mark.parametrize(("schema", "field", "rules", "breaking"), CHANGES)
def test_the_contract_diff_classifies_rule_changes(
    spec: dict[str, Any], schema: str, field: str, rules: dict[str, Any], breaking: bool
) -> None:
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"][schema]["properties"][field].update(rules)
    changes = contract_diff.compare(spec, changed)
    assert changes
    assert {change.breaking for change in changes} == {breaking}, [str(c) for c in changes]


def test_the_contract_diff_sees_fields_and_paths_come_and_go(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    send = changed["components"]["schemas"]["SendBill"]
    send["properties"]["memo"] = {"type": "string"}
    assert "message" not in send["required"]
    send["required"].append("message")
    del changed["components"]["schemas"]["SentBill"]["properties"]["shortURL"]
    del changed["paths"]["/if/bill/resend"]
    found = {(c.breaking, c.where, c.what) for c in contract_diff.compare(spec, changed)}
    assert (False, "POST /if/bill/send request bill.memo", "field added (optional)") in found
    assert (True, "POST /if/bill/send request bill.message", "now required") in found
    assert (True, "POST /if/bill/send response shortURL", "field removed") in found
    assert (True, "POST /if/bill/resend", "operation removed") in found
    assert contract_diff.compare(spec, spec) == []


def scratch_clone(tmp_path: Path) -> Path:
    """A local clone of this repository's HEAD, to commit drills in without touching the real one."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", "--local", "--no-hardlinks", str(ROOT), str(repo)], check=True)
    for key, value in (("user.name", "drill"), ("user.email", "drill@example.invalid")):
        subprocess.run(["git", "-C", str(repo), "config", key, value], check=True)
    return repo


def commit(repo: Path, message: str) -> None:
    subprocess.run(["git", "-C", str(repo), "commit", "--quiet", "-am", message], check=True)


def api_diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    tool = repo / "openapi" / "tools" / "api_diff.py"
    return subprocess.run(
        [sys.executable, str(tool), *args], cwd=repo, capture_output=True, text=True, timeout=120, check=False
    )


def test_api_diff_reports_a_removed_public_name_as_breaking(tmp_path: Path) -> None:
    repo = scratch_clone(tmp_path)
    init = repo / "wrapper" / "payssam" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    line = "    from ._ids import new_bill_id as new_bill_id\n"  # the one list of the public surface
    assert line in text
    init.write_text(text.replace(line, ""))
    commit(repo, "drill: drop new_bill_id")
    done = api_diff(repo, "HEAD~1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BREAKING      python  new_bill_id: removed" in done.stdout


def test_api_diff_reports_a_narrowed_request_field_as_breaking(tmp_path: Path) -> None:
    repo = scratch_clone(tmp_path)
    contract = repo / "openapi" / "payssam-v1.json"
    spec = json.loads(contract.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["BillReq"]["properties"]["bill_id"]["maxLength"] = 10
    contract.write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    commit(repo, "drill: narrow bill_id")
    done = api_diff(repo, "HEAD~1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "BREAKING      contract  openapi/payssam-v1.json POST /if/bill/read request bill_id: maxLength 20 → 10"
        in done.stdout
    )


def test_api_diff_lets_an_addition_through(tmp_path: Path) -> None:
    repo = scratch_clone(tmp_path)
    init = repo / "wrapper" / "payssam" / "__init__.py"
    line = "    from ._ids import new_bill_id as new_bill_id\n"
    added = line + "    from ._ids import BILL_ID_LENGTH as BILL_ID_LENGTH\n"
    init.write_text(init.read_text(encoding="utf-8").replace(line, added), encoding="utf-8")
    commit(repo, "drill: add a name")
    done = api_diff(repo, "HEAD~1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "non-breaking  python  BILL_ID_LENGTH: added" in done.stdout


def untagged_clone(tmp_path: Path) -> Path:
    """A scratch clone with no tags at all: what a clone of `main` pushed from a developer's machine holds."""
    repo = scratch_clone(tmp_path)
    tags = subprocess.run(["git", "-C", str(repo), "tag"], capture_output=True, text=True, check=True).stdout.split()
    if tags:
        subprocess.run(["git", "-C", str(repo), "tag", "-d", *tags], check=True, capture_output=True)
    return repo


def test_version_check_compares_with_the_last_recorded_release_without_any_tag(tmp_path: Path) -> None:
    """0.2.1's check printed "no release tag in this clone" and passed without checking anything."""
    repo = untagged_clone(tmp_path)
    done = api_diff(repo, "--release")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"since the recorded release \d+\.\d+\.\d+", done.stdout), done.stdout


def test_version_check_fails_closed_without_a_recorded_release(tmp_path: Path) -> None:
    repo = untagged_clone(tmp_path)
    shutil.rmtree(repo / "releases")
    done = api_diff(repo, "--release")
    assert done.returncode != 0
    assert "no release recorded" in done.stdout + done.stderr


def test_a_widened_return_type_needs_its_version_bump(tmp_path: Path) -> None:
    """The drill: the tree recorded as released, then a public return type widened (str -> str | None)."""
    repo = untagged_clone(tmp_path)
    assert api_diff(repo, "--record").returncode == 0
    version_file = repo / "wrapper" / "payssam" / "_version.py"
    version = version_file.read_text(encoding="utf-8")
    released = version.split("__version__ = ")[1].split()[0].strip('"')
    ids = repo / "wrapper" / "payssam" / "_ids.py"
    text = ids.read_text(encoding="utf-8")
    assert ") -> str:" in text
    ids.write_text(text.replace(") -> str:", ") -> str | None:", 1), encoding="utf-8")
    diff = api_diff(repo)
    assert diff.returncode == 1
    assert "BREAKING      python  new_bill_id: return type widened from str to str | None" in diff.stdout
    done = api_diff(repo, "--release")
    assert done.returncode == 1, done.stdout
    assert "its changes need minor" in done.stderr
    major, minor, _ = (int(part) for part in released.split("."))
    version_file.write_text(version.replace(released, f"{major}.{minor + 1}.0"), encoding="utf-8")
    assert api_diff(repo, "--release").returncode == 0


def test_api_diff_sees_the_short_url_widening_of_0_2_0_as_breaking(tmp_path: Path) -> None:
    """0.2.1's api-diff said "0 breaking" for the changes the CHANGELOG itself marks Breaking."""
    done = api_diff(ROOT, "0.1.0")
    assert done.returncode == 1
    assert "BREAKING      python  SentBill.short_url: type widened from str to str | None" in done.stdout
    assert "BREAKING      python  SentBill.raw: type widened from SentBillModel to SentBillModel | None" in done.stdout


@pytest.mark.parametrize(
    ("old", "new", "breaking"),
    [
        ("str", "str | None", True),
        ("str | None", "str", False),
        ("Optional[int]", "int | None", False),
        ("int", "str", True),
    ],
)
def test_api_diff_compares_output_types_as_unions(old: str, new: str, breaking: bool) -> None:
    before = {"X.f": {"kind": "attribute", "annotation": old, "value": None}}
    after = {"X.f": {"kind": "attribute", "annotation": new, "value": None}}
    assert bool(api_diff_tool.compare(before, after)[0]) is breaking


@pytest.mark.parametrize(
    ("old", "new", "breaking"),
    [("int | str", "int", True), ("int", "int | str", False), ("Mapping[str, str] | None", "object", False)],
)
def test_api_diff_compares_parameter_types_as_unions(old: str, new: str, breaking: bool) -> None:
    def function(annotation: str) -> dict[str, Any]:
        param = {"name": "x", "kind": "positional or keyword", "annotation": annotation, "default": None}
        return {"kind": "function", "parameters": [param], "returns": None}

    assert bool(api_diff_tool.compare({"f": function(old)}, {"f": function(new)})[0]) is breaking


def test_api_diff_lists_new_optional_parameters_and_wider_ones_as_not_breaking() -> None:
    def function(*params: tuple[str, str, str | None]) -> dict[str, Any]:
        parameters = [
            {"name": name, "kind": "keyword-only", "annotation": annotation, "default": default}
            for name, annotation, default in params
        ]
        return {"kind": "function", "parameters": parameters, "returns": None}

    before = {"f": function(("phone", "str", None))}
    after = {"f": function(("phone", "str | None", None), ("send_type", "str | None", "None"))}
    breaking, added = api_diff_tool.compare(before, after)
    assert breaking == []
    assert added == [
        "python  f: parameter phone widened from str to str | None",
        "python  f: new optional parameter send_type: str | None",
    ]
    required = {"f": function(("phone", "str", None), ("send_type", "str", None))}
    assert api_diff_tool.compare(before, required) == (["python  f: new required parameter send_type"], [])


def test_a_removed_enum_member_is_breaking() -> None:
    member = {"kind": "attribute", "annotation": None, "value": "'F'"}
    breaking, _ = api_diff_tool.compare({"BillState.PAID": member}, {})
    assert breaking == ["python  BillState.PAID: removed"]


def test_the_changelog_and_the_recorded_releases_agree() -> None:
    """A release is a commit whose tree says so: its dated CHANGELOG entry and its baseline in releases/.

    Work since the last release sits under [Unreleased] (the version may already be bumped for it)."""
    import payssam

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in changelog.splitlines() if line.startswith("## [")]
    dated = [h for h in headings if h != "## [Unreleased]"]
    assert all(re.fullmatch(r"## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", h) for h in dated), dated  # Keep a Changelog
    versions = [h.split("]")[0].removeprefix("## [") for h in dated]
    newest = versions[0]
    assert (ROOT / "releases" / f"{newest}.json").is_file(), f"release {newest} has no baseline in releases/"
    if headings[0] == "## [Unreleased]":
        assert [int(n) for n in payssam.__version__.split(".")] >= [int(n) for n in newest.split(".")]
    else:
        assert newest == payssam.__version__
